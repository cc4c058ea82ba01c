#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: npm packages (from the lock file), then the
# tools each test tier needs (each script caches under ${MODELPLANE_CACHE:-~/.cache/modelplane}).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
# Static policy tools (kube-score from the Go module proxy, Checkov from PyPI), cached.
bash scripts/policy/install.sh >/dev/null
# Airflow 3 + the cncf.kubernetes provider in a pinned venv for the real-Airflow tier, cached.
bash scripts/python/airflow-venv.sh >/dev/null
