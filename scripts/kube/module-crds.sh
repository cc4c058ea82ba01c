#!/usr/bin/env bash
# Prints, one path a line, the CRD files the output needs that ../shared/crds does not carry, taken from the same
# release's Go module in the Go module cache (go list resolves it through tools/operators/*/go.mod and downloads it
# from the module proxy when the cache lacks it). Today one: KServe v0.20.0's ClusterStorageContainer, the kind of the
# platform's storage initializer (the ClusterStorageContainer `default`; the kserve-crd chart installs the CRD).
# Used by register-crds.sh and by the cluster tier's crdFiles() (test/cluster/kube.ts), so both register the same.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# `go mod download` (not `go list -m`, whose Dir is empty until something else fetched the module's source).
kserve="$(cd "$repo_root/tools/operators/kserve" && go mod download -json github.com/kserve/kserve | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).Dir || "")')"
file="$kserve/config/crd/full/clusterstoragecontainer/serving.kserve.io_clusterstoragecontainers.yaml"
if [[ ! -f "$file" ]]; then
  echo "module-crds.sh: no $file in the KServe module" >&2
  exit 1
fi
printf '%s\n' "$file"
