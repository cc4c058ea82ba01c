#!/usr/bin/env bash
# Builds the Python venv the serving test tier runs real software from: the MLflow server (same
# version as the image the MlflowServer construct pins), MLServer with its MLflow runtime,
# scikit-learn (the example model), moto's S3 server (the object store on loopback), psycopg2,
# psycopg 3 and boto3 (MLflow's PostgreSQL and S3 drivers). Every package is pinned below.
#
# The venv lives outside the repo, under
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/serving-<mlflow version>-<hash of the pins>"
# and is reused when it is complete (a marker file is written last). Prints the venv directory on
# stdout (last line). Needs python3 3.10-3.12 (MLServer 1.7 supports no newer Python).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The MLflow pin is the one constant in src/constructs/mlflow/mlflow-resolve.ts: server image and client agree.
mlflow_version="$(sed -n "s/^export const MLFLOW_VERSION = '\([0-9.]*\)';.*/\1/p" "$repo_root/src/constructs/mlflow/mlflow-resolve.ts")"
if [[ ! "$mlflow_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "serving-venv.sh: cannot read MLFLOW_VERSION from src/constructs/mlflow/mlflow-resolve.ts (got '$mlflow_version')" >&2
  exit 1
fi

pins=(
  "mlflow==${mlflow_version}"
  "mlserver==1.7.1"
  "mlserver-mlflow==1.7.1"
  "scikit-learn==1.7.2"
  "moto[server]==5.2.5"
  "psycopg2-binary==2.9.13"
  # SQLAlchemy 2.1 maps a plain postgresql:// URI (what MlflowServer synthesizes) to psycopg 3; the
  # mlflow -full image ships both drivers, and so does this venv.
  "psycopg[binary]==3.3.9"
  # `mlflow server --expose-prometheus` (synthesized by MlflowServer) imports it; the -full image has it.
  "prometheus-flask-exporter==0.23.2"
  # MLServer 1.7.1's parallel inference workers call asyncio.get_event_loop() in a fresh process,
  # which uvloop >= 0.22 turns into "RuntimeError: There is no current event loop" (the worker
  # dies, the model never loads); 0.21.0 is what MLServer 1.7.1 was released against.
  "uvloop==0.21.0"
  "boto3==1.44.5"
)

python="${MODELPLANE_PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "serving-venv.sh: '$python' is not on PATH; install Python 3.10-3.12 (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
fi
pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$pyver" in
  3.10|3.11|3.12) ;;
  *) echo "serving-venv.sh: $python is Python $pyver; MLServer 1.7 needs 3.10-3.12 (set MODELPLANE_PYTHON)" >&2; exit 1 ;;
esac

hash="$(printf '%s\n' "py$pyver" "${pins[@]}" | sha256sum | cut -c1-10)"
cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
venv="$cache_root/venvs/serving-${mlflow_version}-${hash}"
marker="$venv/.modelplane-complete"

if [[ -f "$marker" ]]; then
  echo "serving-venv.sh: cached: $venv" >&2
  echo "$venv"
  exit 0
fi

mkdir -p "$cache_root/venvs"
# Built in place (a venv's scripts carry absolute shebangs, so it cannot be moved); the marker file
# is written last, so an interrupted build is never taken for a complete one and is redone.
rm -rf "$venv"
trap 'rm -rf "$venv"' EXIT
start=$SECONDS
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.3"
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
  --cache-dir "$cache_root/pip" "${pins[@]}" >&2
# Record exactly what was resolved, for the report and for debugging a later resolution change.
"$venv/bin/python" -m pip freeze --disable-pip-version-check >"$venv/requirements.lock"
touch "$marker"
trap - EXIT
echo "serving-venv.sh: built $venv in $((SECONDS - start))s" >&2
echo "$venv"
