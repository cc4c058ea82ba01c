#!/usr/bin/env bash
# Registers every CustomResourceDefinition from ../shared/crds (beside the repository), and those module-crds.sh
# takes from the operators' Go modules, in the cluster of $KUBECONFIG with server-side apply, then waits until each
# one is Established.
# Argo Workflows ships "full" and "minimal" variants of the same CRDs; the full ones (with complete schemas)
# are used. Server-side apply because several files are close to the 3 MiB request limit and client-side
# apply would also add a last-applied annotation larger than the 256 KiB annotation limit.
# Env: MODELPLANE_CRDS_DIR (default <repo>/../shared/crds), MODELPLANE_KUBECTL (default kubectl on PATH).
# With MODELPLANE_KUBE_DIR set (a state directory of up.sh), leaves the marker crds-registered in it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crds_dir="${MODELPLANE_CRDS_DIR:-$repo_root/../shared/crds}"
kubectl="${MODELPLANE_KUBECTL:-kubectl}"
: "${KUBECONFIG:?register-crds.sh: KUBECONFIG must point at the cluster}"

if [[ ! -d "$crds_dir" ]]; then
  echo "register-crds.sh: no CRD directory at $crds_dir" >&2
  exit 1
fi
mapfile -t files < <(find "$crds_dir" -type f \( -name '*.yaml' -o -name '*.yml' \) \
  -not -path '*/argo-workflows/minimal/*' | LC_ALL=C sort)
# And the CRDs the output needs that ../shared/crds lacks, from the operators' Go modules (module-crds.sh).
mapfile -t module_files < <(bash "$repo_root/scripts/kube/module-crds.sh")
files+=("${module_files[@]}")
if [[ ${#files[@]} -eq 0 ]]; then
  echo "register-crds.sh: no CRD files under $crds_dir" >&2
  exit 1
fi

started=$SECONDS
args=()
for f in "${files[@]}"; do args+=(-f "$f"); done
mapfile -t names < <("$kubectl" apply --server-side --field-manager=modelplane-test --force-conflicts \
  -o name "${args[@]}")
if [[ ${#names[@]} -ne ${#files[@]} ]]; then
  echo "register-crds.sh: applied ${#names[@]} objects from ${#files[@]} files" >&2
  exit 1
fi
# Established, then served: a CRD that was just created may have no status yet (kubectl wait then fails at
# once), and its resources appear in discovery a moment after it is Established.
types=""
for n in "${names[@]}"; do types+="${types:+,}${n#customresourcedefinition.apiextensions.k8s.io/}"; done
deadline=$((SECONDS + 180))
until "$kubectl" wait --for=condition=Established --timeout=10s "${names[@]}" >/dev/null 2>&1 &&
      "$kubectl" get "$types" --all-namespaces -o name >/dev/null 2>&1; do
  if (( SECONDS > deadline )); then
    echo "register-crds.sh: CRDs not established and served after 180 s:" >&2
    "$kubectl" wait --for=condition=Established --timeout=1s "${names[@]}" >&2 || true
    "$kubectl" get "$types" --all-namespaces -o name >&2 || true
    exit 1
  fi
  sleep 1
done
echo "register-crds.sh: ${#names[@]} CRDs from $crds_dir and the Go module cache established in $((SECONDS - started)) s" >&2
# A shared control plane (with-cluster.sh) registers them once: later tiers see this marker.
if [[ -n "${MODELPLANE_KUBE_DIR:-}" && -f "$MODELPLANE_KUBE_DIR/.modelplane-kube" ]]; then
  printf '%s\n' "$crds_dir" > "$MODELPLANE_KUBE_DIR/crds-registered"
fi
