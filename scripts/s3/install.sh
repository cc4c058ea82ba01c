#!/usr/bin/env bash
# Builds the S3 server of the embedded object store, versitygw, from the Go module proxy through the wrapper
# module tools/s3, into
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/s3/versitygw-<version>/bin/versitygw"
# and does nothing when that binary and its stamp are already there. Prints the bin directory on stdout (last
# line); progress and the elapsed time go to stderr.
#
# The version is read from tools/s3/go.mod, so bumping the pin there is enough. Go's own module and build caches
# (GOMODCACHE, GOCACHE) are used as usual. Under CI=true a missing Go toolchain or a failed build is an error with
# the reason (never a silent skip).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="$repo_root/tools/s3"
start=$SECONDS

if ! command -v go >/dev/null 2>&1; then
  echo "s3/install.sh: 'go' is not on PATH; a Go toolchain (>= the 'go' line of tools/s3/go.mod) is needed" >&2
  exit 1
fi

version="$(awk '$1 == "require" && $2 == "github.com/versity/versitygw" { print $3 }' "$tools_dir/go.mod")"
if [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "s3/install.sh: cannot read the github.com/versity/versitygw version from $tools_dir/go.mod (got '$version')" >&2
  exit 1
fi

cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
dest="$cache_root/s3/versitygw-$version"
bin="$dest/bin"
stamp="$dest/.built"

cached() { [[ -x "$bin/versitygw" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; }

if cached; then
  echo "s3/install.sh: cached: $bin (versitygw $version, $((SECONDS - start)) s)" >&2
  echo "$bin"
  exit 0
fi

mkdir -p "$dest"
# One build at a time per version; whoever waited finds the binary in place.
exec 9>"$dest/.lock"
flock 9
if cached; then
  echo "s3/install.sh: cached (built by a concurrent run): $bin ($((SECONDS - start)) s)" >&2
  echo "$bin"
  exit 0
fi
staging="$(mktemp -d "$dest/.build.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

export CGO_ENABLED=0
# -trimpath: no local paths in the binary; -mod=readonly: go.mod/go.sum are the pins, never rewritten here.
export GOFLAGS="-trimpath -mod=readonly"
echo "s3/install.sh: building versitygw $version from the Go module proxy (go $(go env GOVERSION)); a cold build takes minutes" >&2
(cd "$tools_dir" && go build \
  -ldflags "-s -w -X main.Version=$version -X main.Build=modelplane -X main.BuildTime=none" \
  -o "$staging/versitygw" github.com/versity/versitygw/cmd/versitygw)
[[ -x "$staging/versitygw" ]] || { echo "s3/install.sh: the build produced no versitygw binary" >&2; exit 1; }
"$staging/versitygw" --version >&2 || { echo "s3/install.sh: the built versitygw does not run" >&2; exit 1; }

# Publish at once so that an interrupted build never leaves a half-filled bin/ that looks cached.
rm -rf "$bin"
chmod 755 "$staging"
mv "$staging" "$bin"
trap - EXIT
echo "$version" >"$stamp"
echo "s3/install.sh: built versitygw $version in $((SECONDS - start)) s: $bin" >&2
echo "$bin"
