#!/usr/bin/env bash
# The continuous-training tier (issue 18), everything on 127.0.0.1:
#   - the translation and bank examples' team files synthesized with the modelplane CLI on the tier's platform
#     (test/training/platform.yaml), as the platform's and the teams' pipelines do;
#   - PostgreSQL from Debian and a real MLflow server (the serving venv's, the version the platform runs)
#     on it, artifacts proxied by MLflow into a directory of this run;
#   - a local kube-apiserver (+ controller-manager), or the running one MODELPLANE_KUBE_DIR names: the
#     examples' manifests applied; Airflow's tasks call it with a token of the worker ServiceAccount, so
#     the synthesized RBAC is what lets them patch the online models;
#   - real Airflow (dag.test) running the examples' generated training DAGs (test/training/);
#   - the external-snapshotter's CRDs (../shared/crds, registered by with-cluster.sh): the translation
#     training's snapshot task creates its VolumeSnapshots under the worker's token. No snapshot controller
#     or CSI driver runs: the snapshots are stored, never taken (readyToUse stays unset).
# The training DAGs are the synthesized files with two kinds of change, each checked to apply exactly once:
# MLflow's in-cluster address swapped for the loopback server (as the serving tier swaps addresses), and
# the waits shortened (poll interval 1 s, soak 0.05 min) so that a run takes seconds, not half an hour.
# The Spark Operator does not run here (issue 15): test/training/test_training_loop.py plays it, running the
# training code (test/training/train_model.py) with the driver's env from the SparkApplication.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh
repo="$(pwd)"
airflow_venv="$(bash scripts/python/airflow-venv.sh)"
serving_venv="$(bash scripts/python/serving-venv.sh | tail -1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-training.XXXXXX")"
mlflow_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$mlflow_pid" ]]; then
    kill -TERM -- "-$mlflow_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$mlflow_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$mlflow_pid" 2>/dev/null || true
  fi
  bash scripts/serving/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  if [[ $rc -ne 0 && -f "$work/mlflow.log" ]]; then
    echo "---- $work/mlflow.log (last 40 lines)" >&2
    tail -40 "$work/mlflow.log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the examples' team files on the tier's platform, synthesized with the CLI ----
# With a fixed commit, as the team's CI passes its own (--commit "$CI_COMMIT_SHA"): the translation
# example's train.snapshot labels its VolumeSnapshots with it.
synth="$work/synth"
export MODELPLANE_TRAINING_COMMIT="5e1f0c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
node bin/modelplane.js synth --platform test/training/platform.yaml --commit "$MODELPLANE_TRAINING_COMMIT" \
  -f examples/translation-gpu/modelplane.yaml -f examples/bank-cascades/modelplane.yaml -o "$synth" >/dev/null

# ---- PostgreSQL and MLflow ----
pg_env="$(bash scripts/serving/postgres.sh start "$work/pg")"
eval "$pg_env"
mlflow_port="$("$serving_venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mlflow_uri="http://127.0.0.1:$mlflow_port"
setsid "$serving_venv/bin/mlflow" server --host 127.0.0.1 --port "$mlflow_port" --workers 1 \
  --backend-store-uri "postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DATABASE" \
  --serve-artifacts --artifacts-destination "file://$work/artifacts" >"$work/mlflow.log" 2>&1 &
mlflow_pid=$!
for _ in $(seq 1 120); do
  curl -sf "$mlflow_uri/health" >/dev/null 2>&1 && break
  kill -0 "$mlflow_pid" 2>/dev/null || { echo "run.sh: mlflow server exited" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$mlflow_uri/health" >/dev/null || { echo "run.sh: mlflow server not up within 60 s" >&2; exit 1; }

# ---- the DAG folder: the examples' training DAGs, addresses swapped and waits shortened ----
dags="$work/dags"
mkdir -p "$dags"
# MLflow's address in the synthesized files: the default platform's (the examples are team files).
in_cluster_mlflow="$(npx ts-node --transpile-only -e 'import { platformContext } from "./src/core/context"; process.stdout.write(platformContext().mlflowTrackingUri)')"
swap() { # FILE FROM TO: exactly one occurrence, or the tier fails (the generated file changed shape)
  local n
  n="$(grep -cF -- "$2" "$1" || true)"
  [[ "$n" == 1 ]] || { echo "run.sh: expected '$2' once in $1, found $n" >&2; exit 1; }
  FROM="$2" TO="$3" perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$1"
}
for f in "$synth/dags/translation.translate-train.train.py" "$synth/dags/retail-risk.churn-train.train.py"; do
  out="$dags/$(basename "$f")"
  cp "$f" "$out"
  swap "$out" "MLFLOW_URI = \"$in_cluster_mlflow\"" "MLFLOW_URI = \"$mlflow_uri\""
  swap "$out" "POLL_SECONDS = 30" "POLL_SECONDS = 1"
done
swap "$dags/translation.translate-train.train.py" '"soak_minutes": 30' '"soak_minutes": 0.05'
# The bank's DAG once more, as a model of its own (DAG id, experiment, registered model) whose approval
# times out after 5 s: what an unanswered gate does.
timeout_dag="$dags/retail-risk.churn-timeout.train.py"
cp "$dags/retail-risk.churn-train.train.py" "$timeout_dag"
swap "$timeout_dag" 'DAG_ID = "retail-risk.churn-train.train"' 'DAG_ID = "retail-risk.churn-timeout.train"'
swap "$timeout_dag" 'EXPERIMENT = "modelplane/retail-risk/churn-train"' 'EXPERIMENT = "modelplane/retail-risk/churn-timeout"'
swap "$timeout_dag" 'REGISTERED_MODEL = "retail-churn"' 'REGISTERED_MODEL = "retail-churn-timeout"'
swap "$timeout_dag" 'APPROVAL_TIMEOUT_SECONDS = 259200' 'APPROVAL_TIMEOUT_SECONDS = 5'
cp test/training/ingest_dag.py "$dags/modelplane-test.ingest.py"

export AIRFLOW_HOME="$work/airflow-home"
export AIRFLOW__CORE__DAGS_FOLDER="$dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$work/airflow.db"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:1/execution/"
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
mkdir -p "$AIRFLOW_HOME"
bash scripts/python/airflow-db.sh "$airflow_venv" "$work/airflow.db"

export MODELPLANE_TRAINING_SYNTH="$synth" MODELPLANE_TRAINING_DAGS="$dags" MODELPLANE_MLFLOW_URI="$mlflow_uri"
export MODELPLANE_SERVING_PYTHON="$serving_venv/bin/python" MODELPLANE_REPO="$repo" MODELPLANE_IN_CLUSTER_MLFLOW="$in_cluster_mlflow"
export airflow_venv work
# Inside the cluster: the synthesized output in its numbered order (the platform creates the namespaces,
# Pod Security "restricted" on each, the teams' RBAC), the prerequisite Secret, the ServiceAccount the
# Airflow chart would create for its workers and a token of it, then pytest.
namespaces="modelplane-system airflow translation retail-risk"
in_cluster() {
  local kubectl="${MODELPLANE_KUBECTL:-kubectl}" ns f
  # On a shared control plane an earlier tier's namespace of the same name may still be terminating.
  for ns in $namespaces; do
    for _ in $(seq 1 180); do "$kubectl" get namespace "$ns" -o name >/dev/null 2>&1 || break; sleep 1; done
  done
  for f in "$MODELPLANE_TRAINING_SYNTH"/*.k8s.yaml; do
    "$kubectl" apply --server-side --field-manager=modelplane-test -f "$f" >/dev/null
  done
  "$kubectl" -n translation create secret generic rabbitmq-amqp --from-literal=host=amqp://placeholder >/dev/null
  "$kubectl" -n airflow create serviceaccount airflow-worker >/dev/null
  local token server
  token="$("$kubectl" -n airflow create token airflow-worker --duration 2h)"
  server="$("$kubectl" config view --raw --minify -o 'jsonpath={.clusters[0].cluster.server}')"
  "$kubectl" config view --raw --minify -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.crt"
  cat >"$work/worker.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{ name: local, cluster: { server: "$server", certificate-authority: "$work/ca.crt" } }]
users: [{ name: airflow-worker, user: { token: "$token" } }]
contexts: [{ name: worker, context: { cluster: local, user: airflow-worker } }]
current-context: worker
KUBECONFIG
  export AIRFLOW_CONN_KUBERNETES_DEFAULT="{\"conn_type\": \"kubernetes\", \"extra\": {\"kube_config_path\": \"$work/worker.kubeconfig\"}}"
  local rc=0
  "$airflow_venv/bin/python" -m pytest -p no:cacheprovider -q "$MODELPLANE_REPO/test/training" "$@" || rc=$?
  # A shared control plane outlives this tier: leave it as it was found.
  if [[ -n "${shared:-}" ]]; then
    for f in "$MODELPLANE_TRAINING_SYNTH"/*.k8s.yaml; do "$kubectl" delete --wait=false --ignore-not-found -f "$f" >/dev/null 2>&1 || true; done
  fi
  return "$rc"
}
shared="${MODELPLANE_KUBE_DIR:-}"
export -f in_cluster
export shared namespaces
bash scripts/kube/with-cluster.sh bash -c 'in_cluster "$@"' in_cluster "$@"
