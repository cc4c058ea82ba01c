#!/usr/bin/env bash
# The real-Airflow tier: builds (once, cached) the pinned Airflow venv, synthesizes the test and demo
# cascades, prepares a throwaway AIRFLOW_HOME with a SQLite metadata DB, and runs pytest against a fresh
# local kube-apiserver (scripts/kube/with-cluster.sh; stopped on exit), or against the running one that
# MODELPLANE_KUBE_DIR names (scripts/test-all.sh shares one with the cluster tier; this tier's namespaces
# are deleted again at the end). Everything stays on 127.0.0.1.
# The full tier runs as two pytest processes side by side (the mapped form's tests and the others);
# MODELPLANE_AIRFLOW_JOBS=1, or any pytest arguments (bash test/airflow/run.sh -k NAME), run one.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
repo="$(pwd)"
venv="$(bash scripts/python/airflow-venv.sh)"

work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-airflow.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fixture="$work/synth"
npx ts-node --transpile-only test/airflow/fixture.ts "$fixture" >/dev/null

export AIRFLOW_HOME="$work/airflow-home"
export AIRFLOW__CORE__DAGS_FOLDER="$fixture/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$work/airflow.db"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:1/execution/"
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
export MODELPLANE_AIRFLOW_FIXTURE="$fixture"
mkdir -p "$AIRFLOW_HOME"
# The metadata DB, migrated once per venv and settings (scripts/python/airflow-db.sh).
bash scripts/python/airflow-db.sh "$venv" "$work/airflow.db"

# Inside the cluster: the team namespace and the synthesized objects the DAG reads (the models'
# template ConfigMaps, RBAC), then pytest with the Kubernetes connection pointing at the cluster.
run_in_cluster() {
  local kubectl="${MODELPLANE_KUBECTL:-kubectl}"
  # Only the CRDs this tier's objects use (registering all of them takes minutes on a busy machine);
  # the Argo ones validate the demo cascade's WorkflowTemplate and CronWorkflow server-side.
  local crds="$repo/../shared/crds"
  "$kubectl" apply --server-side --field-manager=modelplane-test \
    -f "$crds/spark-operator/sparkoperator.k8s.io_sparkapplications.yaml" \
    -f "$crds/argo-workflows/full/argoproj.io_workflowtemplates.yaml" \
    -f "$crds/argo-workflows/full/argoproj.io_cronworkflows.yaml" >/dev/null
  local crd
  for crd in sparkapplications.sparkoperator.k8s.io workflowtemplates.argoproj.io cronworkflows.argoproj.io; do
    for _ in $(seq 1 240); do
      [[ "$("$kubectl" get crd "$crd" -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" == True ]] && break
      sleep 0.5
    done
  done
  # On a shared control plane (scripts/test-all.sh runs the cluster tier first on the same one), a
  # namespace of the same name may still be terminating: wait until it is gone, then create it.
  for ns in $namespaces; do
    for _ in $(seq 1 180); do
      "$kubectl" get namespace "$ns" -o name >/dev/null 2>&1 || break
      sleep 1
    done
    "$kubectl" create namespace "$ns" >/dev/null || {
      echo "run.sh: namespace $ns exists and did not go away within 180 s (left by another tier?)" >&2
      return 1
    }
  done
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$fixture/models-cascade-test.k8s.yaml" >/dev/null || return 1
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$fixture/models-cascade-mapped.k8s.yaml" >/dev/null || return 1
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$fixture/models-run-values.k8s.yaml" >/dev/null || return 1
  "$kubectl" apply --server-side --field-manager=modelplane-test -f "$fixture/models-demo.k8s.yaml" >/dev/null || return 1
  export AIRFLOW_CONN_KUBERNETES_DEFAULT="{\"conn_type\": \"kubernetes\", \"extra\": {\"kube_config_path\": \"$KUBECONFIG\"}}"
  local rc=0
  if [[ $# -gt 0 || "${MODELPLANE_AIRFLOW_JOBS:-2}" == 1 ]]; then
    "$venv/bin/python" -m pytest -p no:cacheprovider -q "$repo/test/airflow" "$@" || rc=$?
  else
    # The whole tier as two pytest processes side by side, each with its own copy of the metadata DB:
    # the mapped form's tests (namespace cascade-mapped) and all others. Most of a dag.test run is waiting
    # (for the 1 s reschedules, the operator stand-in, the API server), so two overlap well even on a busy
    # 2-core machine. The two -k expressions are complements: every test runs, exactly once.
    local pids=() names=("not mapped" "mapped") t=$SECONDS
    for i in 0 1; do
      cp "$work/airflow.db" "$work/airflow-$i.db"
      mkdir -p "$work/home-$i"
      AIRFLOW_HOME="$work/home-$i" AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$work/airflow-$i.db" \
        "$venv/bin/python" -m pytest -p no:cacheprovider -q "$repo/test/airflow" -k "${names[$i]}" \
        >"$work/pytest-$i.log" 2>&1 &
      pids+=($!)
    done
    for i in 0 1; do
      local one=0
      wait "${pids[$i]}" || one=$?
      echo "---- pytest -k '${names[$i]}': exit $one after $((SECONDS - t)) s"
      grep -v '^\[\] \[\]$' "$work/pytest-$i.log" || true
      [[ $one -eq 0 ]] || rc=$one
    done
  fi
  # A shared control plane outlives this tier: leave it as it was found.
  if [[ -n "$shared" ]]; then "$kubectl" delete namespace --wait=false $namespaces >/dev/null || true; fi
  return "$rc"
}
namespaces="cascade-test cascade-mapped run-values demo airflow"
# Set when scripts/test-all.sh (or the caller) runs one control plane for several tiers: with-cluster.sh joins it.
shared="${MODELPLANE_KUBE_DIR:-}"
export -f run_in_cluster
export fixture venv repo namespaces shared work
MODELPLANE_KUBE_SKIP_CRDS=1 bash scripts/kube/with-cluster.sh bash -c 'run_in_cluster "$@"' run_in_cluster "$@"
