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
#   install.sh argo-workflows   Argo Workflows' CLI and workflow-controller (github.com/argoproj/argo-workflows/v4
#                               cmd/argo, cmd/workflow-controller)
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
  argo-workflows)
    module="github.com/argoproj/argo-workflows/v4"
    packages=("$module/cmd/argo" "$module/cmd/workflow-controller")
    binaries=(argo workflow-controller)
    # cmd/argo embeds the UI's build output (//go:embed dist/app in the module's ui package), which is not in the
    # module zip: build from a copy of the module's source with a placeholder page there (see below).
    embed_placeholder="ui/dist/app/index.html"
    # The version upstream's Makefile stamps in: `version` reports it, and the default executor image tag comes from it.
    version_var="$module.version"
    ;;
  *)
    echo "operators/install.sh: usage: install.sh keda|spark-operator|kserve|argo-workflows" >&2
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
source_copy="$dest/source.$$"
rm -rf "$staging" "$source_copy"
mkdir -p "$staging"
# (|| true: under set -e a failing command in the EXIT trap would become the script's exit status.)
trap 'chmod -R u+w "$source_copy" 2>/dev/null || true; rm -rf "$staging" "$source_copy"' EXIT
p_flag=()
[[ -n "${MODELPLANE_GO_BUILD_P:-}" ]] && p_flag=(-p "$MODELPLANE_GO_BUILD_P")
modfile_flag=()
if [[ -n "${embed_placeholder:-}" ]]; then
  # The module cache is read-only and go build -overlay may not replace files beneath GOMODCACHE, so the module's
  # source (downloaded and checked against the committed go.sum) is copied out, the placeholder added, and the build
  # reads a generated go.mod that is the committed one plus a replace of the module by that copy (a directory
  # replacement needs no go.sum line; the copy's go.mod is upstream's, so the module graph is unchanged).
  module_dir="$(cd "$tools_dir" && GOFLAGS=-mod=readonly go mod download -json "$module" | awk -F'"' '$2 == "Dir" { print $4 }')"
  if [[ ! -f "$module_dir/go.mod" ]]; then
    echo "operators/install.sh: go mod download $module gave no source directory (got '$module_dir')" >&2
    exit 1
  fi
  mkdir -p "$source_copy"
  cp -R "$module_dir" "$source_copy/module"
  chmod -R u+w "$source_copy/module"
  mkdir -p "$source_copy/module/$(dirname "$embed_placeholder")"
  echo "<!doctype html><title>Argo</title><p>UI not built (modelplane operators tier: CLI only).</p>" \
    >"$source_copy/module/$embed_placeholder"
  { cat "$tools_dir/go.mod"; printf '\nreplace %s => %s\n' "$module" "$source_copy/module"; } >"$source_copy/build.mod"
  cp "$tools_dir/go.sum" "$source_copy/build.sum"
  modfile_flag=(-modfile "$source_copy/build.mod")
fi
# -mod=readonly: the committed go.mod and go.sum are the build's whole input (no checksum lookups in CI).
(cd "$tools_dir" && GOFLAGS=-mod=readonly go build "${modfile_flag[@]}" "${p_flag[@]}" -trimpath \
  -ldflags "-s -w${version_var:+ -X $version_var=$version}" -o "$staging/" "${packages[@]}")
rm -rf "$bin"
mv "$staging" "$bin"
echo "$version" >"$stamp"
echo "operators/install.sh: built $name $version into $bin in $((SECONDS - start)) s" >&2
echo "$bin"
