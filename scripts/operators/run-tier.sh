#!/usr/bin/env bash
# The operators tier (issue 15): the real operators, built from the Go module proxy (scripts/operators/install.sh,
# cached by version), acting on what modelplane synthesizes, against a local kube-apiserver (its own control plane,
# only the CRDs the tier needs); everything bound to 127.0.0.1 where the component lets us choose (KServe's webhook
# server, KEDA's adapter metrics port and Argo's health/metrics ports have no host flag upstream: free or pre-bound
# ports, nothing serves beyond loopback otherwise), stopped on exit.
#   - KEDA's operator and metrics adapter, with a real RabbitMQ from Debian (scripts/operators/rabbitmq.sh); the adapter
#     behind the API server's aggregation layer (MODELPLANE_KUBE_AGGREGATOR=1) for the real HPA controller:
#     test/operators/keda.test.ts.
#   - The Spark Operator's controller with real spark-submit (pyspark from PyPI, scripts/python/spark-venv.sh; the JDK
#     here): test/operators/spark.test.ts.
#   - Argo Workflows' CLI (argo lint --offline) and workflow-controller (v4.0.5; cold build about 3 min, cached 0 s;
#     about 50 s of the tier): test/operators/argo.test.ts.
#   - KServe's controller manager with its webhooks registered by URL (throwaway CA; its ConfigMap and a stand-in for the
#     runtimes chart's ClusterServingRuntime written by the test, the platform's ClusterStorageContainer applied from our
#     output) on every InferenceService of dist/ and the examples:
#     test/operators/kserve.test.ts (about 30 s of the tier; known issues in test/operators/kserve-known-issues.ts).
# Seldon Core v1's operator cannot be built here (the module proxy serves no version): SeldonDeployments stay
# schema-checked (see the README).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
repo="$(pwd)"

keda_bin="$(bash scripts/operators/install.sh keda | tail -1)"
spark_operator_bin="$(bash scripts/operators/install.sh spark-operator | tail -1)"
spark_venv="$(bash scripts/python/spark-venv.sh | tail -1)"
# --- Argo Workflows (test/operators/argo.test.ts): the CLI (argo lint --offline) and the workflow-controller -----
argo_bin="$(bash scripts/operators/install.sh argo-workflows | tail -1)"
# --- end Argo Workflows ---------------------------------------------------------------------------------------
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
# KEDA's TLS, from a throwaway CA: keda-certs/ holds what the operator's gRPC metrics service and the metrics
# adapter (its client) both read, mutual TLS with one pair (ca.crt, tls.crt, tls.key; the adapter dials
# 127.0.0.1); keda-adapter-certs/ the adapter's serving pair, for the name the aggregation layer checks
# (<service>.<namespace>.svc of the APIService's Service), the CA going into the APIService's caBundle.
mkdir -p "$work/keda-certs" "$work/keda-adapter-certs"
keda_pair() { # dir subject extensions
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1/tls.key" -out "$1/tls.csr" >/dev/null 2>&1
  printf '%s\n' "$3" >"$1/tls.ext"
  openssl x509 -req -in "$1/tls.csr" -CA "$work/keda-certs/ca.crt" -CAkey "$work/keda-ca.key" -CAcreateserial \
    -days 1 -extfile "$1/tls.ext" -out "$1/tls.crt" >/dev/null 2>&1
  rm -f "$1/tls.csr" "$1/tls.ext"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=modelplane-keda-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/keda-ca.key" -out "$work/keda-certs/ca.crt" >/dev/null 2>&1
keda_pair "$work/keda-certs" "/CN=keda-operator" "$(printf '%s\n' 'basicConstraints=CA:FALSE' \
  'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth,clientAuth' \
  'subjectAltName=IP:127.0.0.1,DNS:localhost')"
keda_adapter_service=keda-operator-metrics-apiserver
keda_pair "$work/keda-adapter-certs" "/CN=$keda_adapter_service.keda.svc" "$(printf '%s\n' 'basicConstraints=CA:FALSE' \
  'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
  "subjectAltName=DNS:$keda_adapter_service.keda.svc,IP:127.0.0.1")"
cp "$work/keda-certs/ca.crt" "$work/keda-adapter-certs/ca.crt"
export MODELPLANE_KEDA_BIN="$keda_bin" MODELPLANE_OPERATORS_WORK="$work" MODELPLANE_KEDA_CERTS="$work/keda-certs"
export MODELPLANE_KEDA_ADAPTER_CERTS="$work/keda-adapter-certs" MODELPLANE_KEDA_ADAPTER_SERVICE="$keda_adapter_service"
# KEDA's metrics adapter is served through the API server's aggregation layer, read by the HPA controller.
export MODELPLANE_KUBE_AGGREGATOR=1
# spark-submit is the pyspark package's (its bin/spark-submit under SPARK_HOME), as in the operator's image.
export MODELPLANE_SPARK_OPERATOR_BIN="$spark_operator_bin/operator"
SPARK_HOME="$("$spark_venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME
echo "operators tier: KEDA from $keda_bin, RabbitMQ $RABBITMQ_NODE on 127.0.0.1:$RABBITMQ_PORT" >&2
# --- Argo Workflows -------------------------------------------------------------------------------------------
export MODELPLANE_ARGO_BIN="$argo_bin"
echo "operators tier: Argo Workflows from $argo_bin" >&2
# The Argo Workflows CRDs: the four of ../shared/crds/argo-workflows/full (the release our output is checked
# against), read in place, and from the built release's module (the Go module cache's copy, read in place) the
# ones ../shared/crds does not carry but the controller watches (workflowtaskresults, workflowtasksets,
# workflowartifactgctasks, workfloweventbindings).
argo_crds_shared="${MODELPLANE_CRDS_DIR:-$repo/../shared/crds}/argo-workflows/full"
argo_crds_module="$(cd tools/operators/argo-workflows && go list -m -f '{{.Dir}}' github.com/argoproj/argo-workflows/v4)/manifests/base/crds/full"
argo_crds=()
for f in "$argo_crds_shared"/*.yaml; do argo_crds+=("$f"); done
for f in "$argo_crds_module"/argoproj.io_*.yaml; do
  [[ -f "$argo_crds_shared/$(basename "$f")" ]] || argo_crds+=("$f")
done
if [[ ${#argo_crds[@]} -ne 8 ]]; then
  echo "operators tier: expected 8 Argo Workflows CRD files, found ${#argo_crds[@]}: ${argo_crds[*]}" >&2
  exit 1
fi
argo_crd_files="${argo_crds[*]}"
# The team namespaces' ResourceQuotas admit no Pod until their usage is computed: run the resourcequota
# controller (with the workload controllers, scripts/kube/up.sh) so that Argo's Pods meet the whole admission chain.
export MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1
# --- end Argo Workflows ---------------------------------------------------------------------------------------

in_cluster() {
  local kubectl="${MODELPLANE_KUBECTL:-kubectl}" crd
  # KEDA's CRDs from the same release's module (its operator watches the eventing ones too, which
  # ../shared/crds does not carry): the Go module cache's copy, read in place.
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$keda_crds" >/dev/null
  # The Spark Operator's CRDs from the same release's module (its controller also watches SparkConnect, which
  # ../shared/crds does not carry).
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$spark_crds" >/dev/null
  for crd in "$keda_crds"/*.yaml "$spark_crds"/*.yaml; do
    "$kubectl" wait --for=condition=Established --timeout=120s -f "$crd" >/dev/null
  done
  # Argo Workflows' CRDs (see above); server-side: the full schemas are too large for a last-applied annotation.
  local argo_args=()
  for crd in $argo_crd_files; do argo_args+=(-f "$crd"); done
  "$kubectl" apply --server-side --field-manager=modelplane-test "${argo_args[@]}" >/dev/null
  "$kubectl" wait --for=condition=Established --timeout=120s "${argo_args[@]}" >/dev/null
  npx jest -c test/operators/jest.config.js "$@"
}
keda_crds="$(cd tools/operators/keda && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)/config/crd/bases"
spark_crds="$(cd tools/operators/spark-operator && go list -m -f '{{.Dir}}' github.com/kubeflow/spark-operator/v2)/config/crd/bases"
export -f in_cluster
export repo keda_crds spark_crds argo_crd_files
MODELPLANE_KUBE_SKIP_CRDS=1 bash scripts/kube/with-cluster.sh bash -c 'in_cluster "$@"' in_cluster "$@"
