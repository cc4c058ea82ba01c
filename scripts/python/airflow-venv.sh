#!/usr/bin/env bash
# Creates (once, cached) the Airflow virtualenv used to load and run generated DAGs in tests and benchmarks,
# and prints its path. Location: "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/venvs/airflow-<version>".
# Versions: scripts/python/airflow-requirements.txt (top level) and airflow-constraints.txt (every package,
# frozen; regenerate with REFREEZE=1 bash scripts/python/airflow-venv.sh and commit the result).
# The freeze resolves as of a week after the Airflow release (RESOLVE_BEFORE): Airflow's own constraint
# files cannot be fetched here, and the newest versions of its dependencies (fastapi, pydantic, svcs)
# break its in-process execution API.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/venv-lib.sh"
version="$(sed -n 's/^apache-airflow==//p' "$here/airflow-requirements.txt")"
RESOLVE_BEFORE="${RESOLVE_BEFORE:-2026-06-02T00:00:00Z}" build_venv "airflow-$version" "$here/airflow-requirements.txt" "$here/airflow-constraints.txt"
