#!/usr/bin/env bash
# Builds the local control plane binaries (etcd, kube-apiserver, kube-controller-manager, kubectl) from the
# Go module proxy, using the wrapper modules in tools/kube, into
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/kube/<kubernetes version>+etcd-<etcd version>/bin"
# and does nothing when that directory already holds all of them. Prints the bin directory on stdout (last line).
#
# Versions are read from tools/kube/go.mod and tools/kube/etcd/go.mod, so bumping a pin there is enough.
# Go's own module and build caches (GOMODCACHE, GOCACHE) are used as usual and make a rebuild after a pin
# change incremental.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="$repo_root/tools/kube"

if ! command -v go >/dev/null 2>&1; then
  echo "install.sh: 'go' is not on PATH; a Go toolchain (>= the 'go' line of tools/kube/etcd/go.mod) is needed" >&2
  exit 1
fi

kube_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$tools_dir/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$tools_dir/etcd/go.mod")"
if [[ ! "$kube_version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]]; then
  echo "install.sh: cannot read the k8s.io/kubernetes version from $tools_dir/go.mod (got '$kube_version')" >&2
  exit 1
fi
kube_minor="${BASH_REMATCH[1]}"
if [[ ! "$etcd_version" =~ ^v3\.[0-9]+\.[0-9]+$ ]]; then
  echo "install.sh: cannot read the go.etcd.io/etcd/server/v3 version from $tools_dir/etcd/go.mod (got '$etcd_version')" >&2
  exit 1
fi

cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
dest="$cache_root/kube/${kube_version}+etcd-${etcd_version}"
bin="$dest/bin"
binaries=(etcd kube-apiserver kube-controller-manager kubectl)

all_present() {
  local b
  for b in "${binaries[@]}"; do
    [[ -x "$bin/$b" ]] || return 1
  done
}

if all_present; then
  echo "install.sh: cached: $bin" >&2
  echo "$bin"
  exit 0
fi

mkdir -p "$dest"
# One build at a time per version (several tiers may start clusters at once on a fresh machine); whoever waited
# finds the binaries in place.
exec 9>"$dest/.lock"
flock 9
if all_present; then
  echo "install.sh: cached (built by a concurrent run): $bin" >&2
  echo "$bin"
  exit 0
fi
staging="$(mktemp -d "$dest/.build.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

start=$SECONDS
export CGO_ENABLED=0
# -trimpath: no local paths in the binaries; -mod=readonly: go.mod/go.sum are the pins, never rewritten here.
export GOFLAGS="-trimpath -mod=readonly"
# Module-proxy builds carry no version stamp (they would report v0.0.0-master); stamp the pinned release, as the
# Kubernetes release build does with the same variables.
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor -X $pkg.gitTreeState=clean"
done

echo "install.sh: building kube-apiserver, kube-controller-manager, kubectl $kube_version (go $(go env GOVERSION))" >&2
(cd "$tools_dir" && go build -ldflags "-s -w$stamp" -o "$staging/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl)

echo "install.sh: building etcd $etcd_version" >&2
(cd "$tools_dir/etcd" && go build -ldflags "-s -w" -o "$staging/etcd" go.etcd.io/etcd/server/v3)

for b in "${binaries[@]}"; do
  [[ -x "$staging/$b" ]] || { echo "install.sh: build produced no $b" >&2; exit 1; }
done
"$staging/kube-apiserver" --version >&2
"$staging/etcd" --version | head -1 >&2

# Publish all binaries at once so that an interrupted build never leaves a half-filled bin/ that looks cached.
rm -rf "$bin"
chmod 755 "$staging"
mv "$staging" "$bin"
trap - EXIT
echo "install.sh: built in $((SECONDS - start)) s: $bin" >&2
echo "$bin"
