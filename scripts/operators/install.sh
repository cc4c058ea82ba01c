#!/usr/bin/env bash
# Builds an operator of the operators tier (issue 15) from the Go module proxy through its wrapper module
# tools/operators/<name>, into
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/operators/<name>-<version>/bin/"
# and does nothing when those binaries and their stamp are already there. Prints the bin directory on stdout
# (last line); progress and the elapsed time go to stderr.
#
#   install.sh keda             KEDA's operator and metrics adapter (github.com/kedacore/keda/v2 cmd/operator, cmd/adapter)
#   install.sh spark-operator   the Spark Operator (github.com/kubeflow/spark-operator/v2 cmd/operator)
#   install.sh kserve           KServe's controller manager with its webhooks (github.com/kserve/kserve cmd/manager)
#
# The version is the wrapper's require line, so moving to another release is a change there (see the wrapper's
# go.mod). Go's module and build caches (GOMODCACHE, GOCACHE) are used as usual; MODELPLANE_GO_BUILD_P limits the
# build's parallel jobs (default: Go's). Under CI=true a missing Go toolchain or a failed build is an error.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="${1:-}"
case "$name" in
  keda)
    module="github.com/kedacore/keda/v2"
    packages=("$module/cmd/operator" "$module/cmd/adapter")
    binaries=(operator adapter)
    ;;
  spark-operator)
    module="github.com/kubeflow/spark-operator/v2"
    packages=("$module/cmd/operator")
    binaries=(operator)
    ;;
  kserve)
    module="github.com/kserve/kserve"
    packages=("$module/cmd/manager")
    binaries=(manager)
    ;;
  *)
    echo "operators/install.sh: usage: install.sh keda|spark-operator|kserve" >&2
    exit 2
    ;;
esac
tools_dir="$repo_root/tools/operators/$name"
start=$SECONDS

if ! command -v go >/dev/null 2>&1; then
  echo "operators/install.sh: 'go' is not on PATH; a Go toolchain (>= the 'go' line of $tools_dir/go.mod) is needed" >&2
  exit 1
fi
version="$(awk -v m="$module" '$1 == "require" && $2 == m { print $3 }' "$tools_dir/go.mod")"
if [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "operators/install.sh: cannot read the $module version from $tools_dir/go.mod (got '$version')" >&2
  exit 1
fi

cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
dest="$cache_root/operators/$name-$version"
bin="$dest/bin"
stamp="$dest/.built"
cached() {
  local b
  [[ -f "$stamp" && "$(cat "$stamp")" == "$version" ]] || return 1
  for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}
if cached; then
  echo "operators/install.sh: cached: $bin ($name $version, $((SECONDS - start)) s)" >&2
  echo "$bin"
  exit 0
fi

echo "operators/install.sh: building $name $version from the Go module proxy (cold: many minutes)" >&2
staging="$dest/staging.$$"
rm -rf "$staging"
mkdir -p "$staging"
trap 'rm -rf "$staging"' EXIT
p_flag=()
[[ -n "${MODELPLANE_GO_BUILD_P:-}" ]] && p_flag=(-p "$MODELPLANE_GO_BUILD_P")
# -mod=readonly: the committed go.mod and go.sum are the build's whole input (no checksum lookups in CI).
(cd "$tools_dir" && GOFLAGS=-mod=readonly go build "${p_flag[@]}" -trimpath -ldflags "-s -w" -o "$staging/" "${packages[@]}")
rm -rf "$bin"
mv "$staging" "$bin"
echo "$version" >"$stamp"
echo "operators/install.sh: built $name $version into $bin in $((SECONDS - start)) s" >&2
echo "$bin"
