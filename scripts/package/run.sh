#!/usr/bin/env bash
# The package tier: modelplane as a new user gets it, from the tarball `npm pack` makes.
#   1. npm pack (prepack builds): the tarball holds the compiled output, schemas, bin, README and
#      LICENSE, and nothing else.
#   2. Installed into an empty directory: no @pulumi and no typescript installed, at most
#      MAX_PACKAGES packages and MAX_MB MB; the CLI runs from compiled JavaScript; the pulumi entry
#      and the TypeScript loader name what they miss.
#   3. The README's data-scientist quickstart, read from README.md's code block and run as written in
#      the directory holding the tarball (no substitution: it names ./modelplane-<version>.tgz, which
#      is what npm pack writes); then the scaffold's ci/modelplane-diff.sh in a git repository.
#   4. examples/model-repo copied outside the repository, its modelplane pointed at the tarball: its
#      own tests and synth, whose output must equal the synth of the same models from the sources.
# Every npm command prefers the npm cache (npm_config_prefer_offline): no network beyond the registry.
# Temporary directories, and the npx cache entry the quickstart creates, are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
repo="$(pwd)"
MAX_PACKAGES="${MAX_PACKAGES:-60}"
MAX_MB="${MAX_MB:-50}"
export npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=error
started=$SECONDS
log() { echo "package: $*"; }
fail() {
  echo "package: FAIL: $*" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-package.XXXXXX")"
npx_cache="$(npm config get cache)/_npx"
# npx keeps what `npx --package SPEC` installs under the npm cache, in a directory named by SPEC.
forget_npx() {
  local d
  for d in "$npx_cache"/*/; do
    [[ -f "$d/package.json" ]] || continue
    if grep -q -e "$(basename "$work")" -e "\"./$tgz_name\"" "$d/package.json" 2>/dev/null; then rm -rf "$d"; fi
  done
}
version="$(node -p "require('./package.json').version")"
tgz_name="modelplane-$version.tgz"
trap 'forget_npx; rm -rf "$work"' EXIT

echo "== package 1/4: npm pack"
mkdir "$work/quickstart"
npm pack --pack-destination "$work/quickstart" --json > "$work/pack.json"
tarball="$work/quickstart/$tgz_name"
[[ -f "$tarball" ]] || fail "npm pack did not write $tgz_name"
node - "$work/pack.json" <<'EOF'
const [pack] = require(process.argv[2]);
const allowed = /^(build\/(src|imports)\/.*\.(js|d\.ts)|build\/schema\/[^/]+\.json|schema\/[^/]+\.json|bin\/[^/]+\.js|README\.md|LICENSE|package\.json)$/;
const stray = pack.files.map((f) => f.path).filter((p) => !allowed.test(p));
if (stray.length) throw new Error(`the tarball ships what does not run: ${stray.slice(0, 10).join(', ')}`);
for (const need of ['build/src/index.js', 'build/src/index.d.ts', 'build/src/pulumi.js', 'build/src/frontends/cli/main.js', 'bin/modelplane.js', 'bin/register.js', 'schema/modelplane.schema.json', 'LICENSE', 'README.md']) {
  if (!pack.files.some((f) => f.path === need)) throw new Error(`the tarball lacks ${need}`);
}
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`package: ${pack.filename}: ${mb(pack.size)} MB, ${mb(pack.unpackedSize)} MB unpacked, ${pack.entryCount} files`);
EOF

echo "== package 2/4: installed into an empty directory"
mkdir "$work/empty"
(
  cd "$work/empty"
  npm install --no-save "$tarball" >/dev/null
  count=$(($(npm ls --all --parseable | wc -l) - 1))
  mb=$(du -sm node_modules | cut -f1)
  log "a YAML-only install: $count packages, $mb MB (at most $MAX_PACKAGES and $MAX_MB)"
  ((count <= MAX_PACKAGES)) || fail "$count packages installed, more than $MAX_PACKAGES: npm ls --all shows which"
  ((mb <= MAX_MB)) || fail "$mb MB installed, more than $MAX_MB"
  for p in @pulumi typescript; do [[ ! -e "node_modules/$p" ]] || fail "node_modules/$p installed: it must stay an optional peer"; done
  [[ "$(npx --no-install modelplane --version)" == "$version" ]] || fail "modelplane --version is not $version"
  node -e "const m = require('modelplane'); for (const k of ['App', 'SparkBatchModel', 'OnlineModel', 'Cascade', 'TeamModels']) if (typeof m[k] !== 'function') throw new Error(k)"
  if node -e "require('modelplane/pulumi')" 2> pulumi.err; then fail "modelplane/pulumi loaded without @pulumi installed"; fi
  grep -q 'modelplane/pulumi needs the packages @pulumi/pulumi and @pulumi/kubernetes.*Fix: npm install' pulumi.err || fail "modelplane/pulumi: $(cat pulumi.err)"
  echo "console.log('ran')" > app.ts
  if node -r modelplane/bin/register app.ts 2> ts.err; then fail "a .ts file ran without typescript"; fi
  grep -q 'the typescript package is not installed.*Fix: npm install --save-dev typescript' ts.err || fail "bin/register: $(cat ts.err)"
  log "the CLI runs from build/, modelplane/pulumi and bin/register name the optional peers they miss"
)

echo "== package 3/4: README's quickstart, as written"
awk '/^## Quickstart for data scientists/ { section = 1; next } section && /^```sh$/ { block = 1; next } block && /^```$/ { exit } block { print }' \
  README.md > "$work/quickstart.sh"
grep -q '^npx .*modelplane init ' "$work/quickstart.sh" || fail "README.md's quickstart has no \`modelplane init\` line"
grep -qF -- "--package ./$tgz_name " "$work/quickstart.sh" ||
  fail "README.md's quickstart does not install ./$tgz_name, the tarball npm pack writes. Fix: name it in the quickstart's first line"
forget_npx
(cd "$work/quickstart" && bash -euo pipefail "$work/quickstart.sh") > "$work/quickstart.log" 2>&1 || {
  cat "$work/quickstart.log" >&2
  fail "the README's quickstart failed (its output is above)"
}
sed 's/^/  | /' "$work/quickstart.log"
models="$work/quickstart/my-models"
[[ "$(node -p "require('$models/package.json').devDependencies.modelplane")" == "file:$tarball" ]] ||
  fail "init wrote $(node -p "require('$models/package.json').devDependencies.modelplane"), not file:$tarball"
grep -q '^flowchart TB$' "$work/quickstart.log" || fail "graph nightly printed no flowchart"
ls "$models"/dist/*.k8s.yaml "$models"/dist/dags/*.py > /dev/null
(
  cd "$models"
  export GIT_AUTHOR_NAME=package GIT_AUTHOR_EMAIL=package@example.com GIT_COMMITTER_NAME=package GIT_COMMITTER_EMAIL=package@example.com
  git init -q && git add -A && git commit -qm models
  [[ "$(sh ci/modelplane-diff.sh HEAD)" == "0 added, 0 changed, 0 removed" ]] || fail "ci/modelplane-diff.sh HEAD on an unchanged repository"
  sed -i 's/max: 6/max: 7/' modelplane.yaml
  rc=0 && sh ci/modelplane-diff.sh HEAD > diff.out || rc=$?
  [[ $rc == 3 ]] && grep -q '^~ serving.kserve.io/v1beta1 InferenceService ' diff.out || fail "ci/modelplane-diff.sh: exit $rc, $(cat diff.out)"
)
log "init wrote file:$tarball; validate, synth, graph and diff ran; ci/modelplane-diff.sh exits 0, then 3"

echo "== package 4/4: examples/model-repo outside the repository, on the tarball"
mkdir "$work/model-repo"
(cd examples/model-repo && tar --exclude=./node_modules --exclude=./dist -cf - .) | (cd "$work/model-repo" && tar -xf -)
(
  cd "$work/model-repo"
  npm pkg set "dependencies.modelplane=file:$tarball"
  npm install >/dev/null
  [[ ! -L node_modules/modelplane && -f node_modules/modelplane/build/src/index.js && ! -e node_modules/modelplane/src ]] ||
    fail "the model repository's modelplane is not the installed tarball"
  npm test > test.log 2>&1 || {
    cat test.log >&2
    fail "the model repository's tests failed"
  }
  # node --test's summary: `# pass N` (tap reporter) or `ℹ pass N` (spec, Node 23 and later).
  passed="$(sed -nE 's/^(#|ℹ) pass ([0-9]+)$/\2/p' test.log)"
  failed="$(sed -nE 's/^(#|ℹ) fail ([0-9]+)$/\2/p' test.log)"
  [[ "$failed" == 0 && "${passed:-0}" -gt 0 ]] || fail "the model repository's tests: ${passed:-no} passed, ${failed:-?} failed"
  log "model-repo's own tests: $passed passed, $failed failed"
  OUTDIR="$work/model-repo/dist" npm run --silent synth
)
# The same models synthesized from the sources: the compiled package must write the same files.
(cd examples/model-repo && OUTDIR="$work/from-sources" node -r "$repo/bin/register.js" src/main.ts)
diff -r "$work/from-sources" "$work/model-repo/dist" > "$work/model-repo.diff" || {
  head -40 "$work/model-repo.diff" >&2
  fail "examples/model-repo synthesized from the tarball differs from the sources"
}
log "model-repo: $(ls "$work/model-repo/dist"/*.yaml | wc -l) manifest files, $(ls "$work/model-repo/dist/dags"/*.py | wc -l) DAG files, identical to the sources'"
log "passed in $((SECONDS - started)) s"
