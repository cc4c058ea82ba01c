#!/usr/bin/env bash
# The operators tier (issue 15): the real operators, built from the Go module proxy (scripts/operators/install.sh,
# cached by version), acting on what modelplane synthesizes, against a local kube-apiserver (its own control plane,
# only the CRDs the tier needs); everything on 127.0.0.1, stopped on exit.
#   - KEDA's operator, with a real RabbitMQ from Debian (scripts/operators/rabbitmq.sh): test/operators/keda.test.ts.
#   - KServe's controller manager with its webhooks registered by URL (throwaway CA; its ConfigMap, ClusterServingRuntime
#     and ClusterStorageContainer written by the test) on every InferenceService of dist/ and the examples:
#     test/operators/kserve.test.ts (about 30 s of the tier; known issues in test/operators/kserve-known-issues.ts).
# The Spark Operator and Argo are not in the tier yet; Seldon Core v1's operator cannot be built here (see the README).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
repo="$(pwd)"

keda_bin="$(bash scripts/operators/install.sh keda | tail -1)"
# ---- KServe (test/operators/kserve.test.ts): the manager binary, and its module in the Go module cache (the
# InferenceGraph, TrainedModel and ClusterStorageContainer CRDs its manager reads, read in place; ../shared/crds has
# the other three).
kserve_bin="$(bash scripts/operators/install.sh kserve | tail -1)"
kserve_module="$(cd tools/operators/kserve && go list -m -f '{{.Dir}}' github.com/kserve/kserve)"
export MODELPLANE_KSERVE_BIN="$kserve_bin" MODELPLANE_KSERVE_MODULE="$kserve_module"
# ---- end KServe
work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-operators.XXXXXX")"
cleanup() {
  local rc=$?
  if [[ -f "$work/pids" ]]; then
    while read -r pid; do [[ -n "$pid" ]] && kill -TERM -- "-$pid" 2>/dev/null || true; done <"$work/pids"
    sleep 1
    while read -r pid; do [[ -n "$pid" ]] && kill -KILL -- "-$pid" 2>/dev/null || true; done <"$work/pids"
  fi
  bash scripts/operators/rabbitmq.sh stop "$work/rabbitmq" || true
  if [[ $rc -ne 0 ]]; then
    for f in "$work"/*.log "$work/rabbitmq/log/server.out"; do
      [[ -f "$f" ]] && { echo "---- $f (last 40 lines)" >&2; tail -40 "$f" >&2; }
    done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rabbit_env="$(bash scripts/operators/rabbitmq.sh start "$work/rabbitmq")"
set -a
eval "$rabbit_env"
set +a
# The TLS files KEDA's gRPC metrics service wants (its adapter is not in the tier): a throwaway self-signed pair.
mkdir -p "$work/keda-certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=keda-operator" \
  -keyout "$work/keda-certs/tls.key" -out "$work/keda-certs/tls.crt" >/dev/null 2>&1
cp "$work/keda-certs/tls.crt" "$work/keda-certs/ca.crt"
export MODELPLANE_KEDA_BIN="$keda_bin" MODELPLANE_OPERATORS_WORK="$work" MODELPLANE_KEDA_CERTS="$work/keda-certs"
echo "operators tier: KEDA from $keda_bin, RabbitMQ $RABBITMQ_NODE on 127.0.0.1:$RABBITMQ_PORT" >&2

in_cluster() {
  local kubectl="${MODELPLANE_KUBECTL:-kubectl}" crd
  # KEDA's CRDs from the same release's module (its operator watches the eventing ones too, which
  # ../shared/crds does not carry): the Go module cache's copy, read in place.
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$keda_crds" >/dev/null
  for crd in "$keda_crds"/*.yaml; do
    "$kubectl" wait --for=condition=Established --timeout=120s -f "$crd" >/dev/null
  done
  npx jest -c test/operators/jest.config.js "$@"
}
keda_crds="$(cd tools/operators/keda && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)/config/crd/bases"
export -f in_cluster
export repo keda_crds
MODELPLANE_KUBE_SKIP_CRDS=1 bash scripts/kube/with-cluster.sh bash -c 'in_cluster "$@"' in_cluster "$@"
