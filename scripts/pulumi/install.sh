#!/usr/bin/env bash
# Builds the Pulumi engine pieces that `pulumi preview/up` needs and prints the directory that holds them,
# "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/pulumi/<cli version>/bin":
#   pulumi                         the CLI/engine, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi, built from the Go
#                                  module proxy through the wrapper module tools/pulumi (go.mod)
#   pulumi-language-nodejs         the Node.js language host, our own (tools/pulumi/language-nodejs, see main.go),
#                                  built in the same module, so it shares the CLI's compiled dependencies
#   pulumi-resource-pulumi-nodejs  the launcher for dynamic providers (tools/pulumi/, copied)
# The Kubernetes provider (pulumi-resource-kubernetes) is not built: the module proxy reachable here serves no
# released version of github.com/pulumi/pulumi-kubernetes/provider/v4 (see tools/pulumi/README.md).
#
# Each binary is rebuilt only when its inputs change (wrapper go.mod/go.sum, sources, flags, Go version): a
# stamp file next to it records them. Go's module and build caches stay at their defaults, so a rebuild after
# a cache hit there is a link, not a compile. Progress goes to stderr; stdout is only the bin dir.
#
#   bash scripts/pulumi/install.sh            # build what is missing, print the bin dir
#   MODELPLANE_PULUMI_FORCE=1 bash ...        # rebuild everything
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$repo/tools/pulumi"

log() { echo "pulumi/install.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH (the engine is built from the Go module proxy)"
command -v node >/dev/null || die "node is not on PATH"

# The version each wrapper module requires, read from its go.mod.
required() { awk -v m="$2" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1/go.mod"; }

cli_version="$(required "$tools" github.com/pulumi/pulumi/pkg/v3)"
[[ -n "$cli_version" ]] || die "cannot read the pkg/v3 version from $tools/go.mod"
sdk_version="$(required "$tools" github.com/pulumi/pulumi/sdk/v3)"
npm_version="$(node -p 'const p = require(process.argv[1]); (p.devDependencies || {})["@pulumi/pulumi"] || (p.dependencies || {})["@pulumi/pulumi"]' "$repo/package.json")"
if [[ "$cli_version" != "v$npm_version" || "$sdk_version" != "v$npm_version" ]]; then
  die "package.json pins @pulumi/pulumi $npm_version but tools/pulumi/go.mod requires pkg/v3 $cli_version and" \
    "sdk/v3 $sdk_version: keep the three equal"
fi

cache="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
bin="$cache/pulumi/${cli_version#v}/bin"
mkdir -p "$bin"

# One build at a time per cache (CI steps or developers may call this concurrently).
exec 9>"$cache/pulumi/.install.lock"
flock 9

# build NAME MODULE_DIR PACKAGE LDFLAGS [EXTRA_INPUT_FILES...]
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  shift 4
  local key
  key="$( { go version; echo "$pkg $ldflags"; cat "$dir/go.mod" "$dir/go.sum" "$@"; } | sha256sum | cut -d' ' -f1)"
  if [[ "${MODELPLANE_PULUMI_FORCE:-0}" != "1" && -x "$bin/$name" && "$(cat "$bin/.$name.stamp" 2>/dev/null)" == "$key" ]]; then
    log "$name: cached"
    return 0
  fi
  log "$name: building $pkg (this takes minutes on a fresh machine)"
  local started=$SECONDS
  (cd "$dir" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$bin/.$name.tmp" "$pkg")
  mv -f "$bin/.$name.tmp" "$bin/$name"
  echo "$key" >"$bin/.$name.stamp"
  log "$name: built in $((SECONDS - started)) s ($(du -h "$bin/$name" | cut -f1))"
}

build pulumi "$tools" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$cli_version -s -w"

build pulumi-language-nodejs "$tools" ./language-nodejs \
  "-X main.version=${cli_version#v} -s -w" "$tools"/language-nodejs/*.go

# Dynamic providers (pulumi.dynamic.Resource) run under this plugin; it is a launcher for the program's own
# @pulumi/pulumi, so it is copied rather than built.
if ! cmp -s "$tools/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"; then
  install -m 0755 "$tools/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
  log "pulumi-resource-pulumi-nodejs: installed"
fi

echo "$bin"
