#!/usr/bin/env bash
# Builds the real Pulumi pieces `pulumi preview/up/destroy` of stacks/ needs, from the Go module proxy, and
# prints the directory that holds the CLI and the language host,
# "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/pulumi/<cli version>/bin":
#
#   engine               pulumi                  the CLI/engine, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi, through
#                                                the wrapper module tools/pulumi (go.mod)
#                        pulumi-language-nodejs  upstream's Node.js language host at the same version, built in the
#                                                same module (its source: ../shared/third_party/pulumi-language-nodejs,
#                                                which the proxy does not serve), so it shares the CLI's compiled
#                                                dependencies
#   kubernetes-provider  pulumi-resource-kubernetes  upstream's provider at the version package.json pins for
#                                                @pulumi/kubernetes, through tools/pulumi/provider-kubernetes: the
#                                                module's cmd/pulumi-resource-kubernetes is copied to a staging folder
#                                                in the cache, upstream's generate.go writes the two files its main.go
#                                                embeds there (what `go generate` does upstream), then it is built and
#                                                installed into PULUMI_HOME with `pulumi plugin install --file`
#
#   bash scripts/pulumi/install.sh [engine | kubernetes-provider | all]   (default: all) build what is missing
#   MODELPLANE_PULUMI_FORCE=1 bash ...                                     rebuild
#
# Each binary is rebuilt only when its inputs change (wrapper go.mod/go.sum, flags, Go version): a stamp file
# next to it records them. Go's module and build caches are the caller's (setup.sh fixes them), so a rebuild
# after a cache hit there is a link, not a compile. Progress goes to stderr; stdout is only the bin dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$repo/tools/pulumi"
ptools="$tools/provider-kubernetes"

log() { echo "pulumi/install.sh: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

what="${1:-all}"
case "$what" in
  engine | kubernetes-provider | all) ;;
  *) die "unknown component '$what'; use one of: engine, kubernetes-provider, all" ;;
esac

command -v go >/dev/null || die "go is not on PATH (the engine is built from the Go module proxy)"
command -v node >/dev/null || die "node is not on PATH"

# The version a wrapper module requires for module $2, read from its go.mod (block or single-line require).
required() { awk -v m="$2" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1/go.mod"; }
# The version package.json pins for an npm package (devDependencies first).
npm_pin() { node -p 'const p = require(process.argv[1]); (p.devDependencies || {})[process.argv[2]] || (p.dependencies || {})[process.argv[2]] || ""' "$repo/package.json" "$1"; }

cli_version="$(required "$tools" github.com/pulumi/pulumi/pkg/v3)"
[[ -n "$cli_version" ]] || die "cannot read the pkg/v3 version from $tools/go.mod"
sdk_version="$(required "$tools" github.com/pulumi/pulumi/sdk/v3)"
host_version="$(required "$tools" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)"
npm_version="$(npm_pin @pulumi/pulumi)"
if [[ "$cli_version" != "v$npm_version" || "$sdk_version" != "v$npm_version" || "$host_version" != "v$npm_version" ]]; then
  die "package.json pins @pulumi/pulumi $npm_version but tools/pulumi/go.mod requires pkg/v3 $cli_version," \
    "sdk/v3 $sdk_version and pulumi-language-nodejs/v3 $host_version: keep the four equal"
fi
host_src="$(cd "$tools" && go mod edit -json | node -e '
  const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const r = (m.Replace || []).find((x) => x.Old.Path.endsWith("/pulumi-language-nodejs/v3"));
  process.stdout.write(r ? r.New.Path : "");')"

k8s_version="$(npm_pin @pulumi/kubernetes)"
[[ "$k8s_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "package.json must pin @pulumi/kubernetes to one exact version (the provider built here), not '$k8s_version'"
provider_module=github.com/pulumi/pulumi-kubernetes/provider/v4
provider_pseudo="$(required "$ptools" "$provider_module")"
provider_sdk="$(required "$ptools" github.com/pulumi/pulumi-kubernetes/sdk/v4)"
[[ "$provider_sdk" == "v$k8s_version" ]] ||
  die "package.json pins @pulumi/kubernetes $k8s_version but tools/pulumi/provider-kubernetes/go.mod requires" \
    "sdk/v4 $provider_sdk; the provider module pseudo-version there ($provider_pseudo) must be that release's commit"

cache="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
bin="$cache/pulumi/${cli_version#v}/bin"
pdir="$cache/pulumi/provider-kubernetes/$k8s_version"
mkdir -p "$bin" "$pdir"
export PULUMI_HOME="${PULUMI_HOME:-$cache/pulumi/home}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$PULUMI_HOME"

# One build at a time per cache (CI steps or developers may call this concurrently).
exec 9>"$cache/pulumi/.install.lock"
flock 9

# build NAME OUT_DIR MODULE_DIR PACKAGE LDFLAGS [GO_FLAGS...]: go build PACKAGE in MODULE_DIR (the wrapper's
# go.mod unless GO_FLAGS names another with -modfile) into OUT_DIR/NAME, unless its stamp matches.
build() {
  local name="$1" out="$2" dir="$3" pkg="$4" ldflags="$5"
  shift 5
  local modfile="$dir/go.mod" f
  for f in "$@"; do [[ "$f" == -modfile=* ]] && modfile="${f#-modfile=}"; done
  local key
  # The inputs, not where this checkout is (a copy of it finds the same binaries).
  key="$( { go version; echo "$pkg $ldflags ${*/#-modfile=*/-modfile}"; cat "$modfile" "${modfile%.mod}.sum"; } | sha256sum | cut -d' ' -f1)"
  if [[ "${MODELPLANE_PULUMI_FORCE:-0}" != "1" && -x "$out/$name" && "$(cat "$out/.$name.stamp" 2>/dev/null)" == "$key" ]]; then
    log "$name: cached"
    return 0
  fi
  if [[ "$dir" == "$tools" && ! -f "$tools/$host_src/main.go" ]]; then
    die "the language host's source is not at $tools/$host_src (tools/pulumi/go.mod replaces" \
      "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 with it): clone this repository next to" \
      "the shared folder, so that ../shared/third_party/pulumi-language-nodejs exists"
  fi
  log "$name: building $pkg (minutes on a fresh machine: 20-50 each on 2 cores)"
  local started=$SECONDS
  (cd "$dir" && go build -mod=readonly -trimpath "$@" -ldflags "$ldflags" -o "$out/.$name.tmp" "$pkg")
  mv -f "$out/.$name.tmp" "$out/$name"
  echo "$key" >"$out/.$name.stamp"
  log "$name: built in $((SECONDS - started)) s ($(du -h "$out/$name" | cut -f1))"
}

engine() {
  local ld="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$cli_version -s -w"
  build pulumi "$bin" "$tools" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$ld"
  build pulumi-language-nodejs "$bin" "$tools" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$ld"
}

# The provider's main package, staged: the module cache is read-only, and its main.go embeds
# schema-embed.json and terraform-mapping-embed.json, which upstream writes with `go generate` at release time
# (VERSION=<release> go run ./generate.go: schema.json with its version set, terraform-mapping.json compacted).
provider() {
  local src stage ld
  src="$(cd "$ptools" && go mod download -json "$provider_module" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).Dir || "")')"
  [[ -f "$src/cmd/pulumi-resource-kubernetes/main.go" ]] || die "go mod download $provider_module@$provider_pseudo gave no source ($src)"
  stage="$pdir/stage"
  local gen_key
  gen_key="$( { go version; echo "$k8s_version"; cat "$ptools/go.mod" "$ptools/go.sum"; } | sha256sum | cut -d' ' -f1)"
  if [[ "$(cat "$stage/.generated" 2>/dev/null)" != "$gen_key" ]]; then
    rm -rf "$stage.tmp"
    mkdir -p "$stage.tmp"
    cp "$src"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} "$stage.tmp/"
    chmod u+w "$stage.tmp"/*
    # A go.mod must mark the module root; -modfile makes the go command read the wrapper's instead.
    printf 'module modelplane.dev/tools/pulumi/provider-kubernetes\n' >"$stage.tmp/go.mod"
    log "pulumi-resource-kubernetes: generating schema-embed.json and terraform-mapping-embed.json (VERSION=$k8s_version)"
    local started=$SECONDS
    (cd "$stage.tmp" && VERSION="$k8s_version" go run -mod=readonly -trimpath -modfile="$ptools/go.mod" generate.go)
    [[ -s "$stage.tmp/schema-embed.json" && -s "$stage.tmp/terraform-mapping-embed.json" ]] || die "generate.go wrote no embedded files"
    log "pulumi-resource-kubernetes: generated in $((SECONDS - started)) s"
    echo "$gen_key" >"$stage.tmp/.generated"
    rm -rf "$stage"
    mv "$stage.tmp" "$stage"
  fi
  ld="-X $provider_module/pkg/version.Version=$k8s_version -s -w"
  build pulumi-resource-kubernetes "$pdir" "$stage" . "$ld" -modfile="$ptools/go.mod"
  # Installed into PULUMI_HOME (the engine looks there; it never downloads: automatic acquisition is off).
  local installed="$PULUMI_HOME/plugins/resource-kubernetes-v$k8s_version"
  if ! cmp -s "$pdir/pulumi-resource-kubernetes" "$installed/pulumi-resource-kubernetes" 2>/dev/null; then
    [[ -x "$bin/pulumi" ]] || engine
    "$bin/pulumi" plugin install resource kubernetes "$k8s_version" --file "$pdir/pulumi-resource-kubernetes" --reinstall >&2
    log "pulumi-resource-kubernetes $k8s_version: installed into $PULUMI_HOME/plugins"
  else
    log "pulumi-resource-kubernetes $k8s_version: installed"
  fi
}

case "$what" in
  engine) engine ;;
  kubernetes-provider) provider ;;
  all)
    engine
    provider
    ;;
esac

echo "$bin"
