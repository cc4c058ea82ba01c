#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: Node.js (.node-version), npm packages (from the
# lock file), then the tools each test tier needs (each script caches under ${MODELPLANE_CACHE:-~/.cache/modelplane}).
set -euo pipefail
cd "$(dirname "$0")/.."
# Node.js of .node-version from the npm registry, cached; then everything below runs under it. npm ci
# too: install scripts (@pulumi/kubernetes's, protobufjs's) and engine checks must see the Node that
# runs the tests, not the machine's.
bash scripts/node/install.sh >/dev/null
source scripts/node/env.sh
echo "setup.sh: node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
# Static policy tools (kube-score from the Go module proxy, Checkov from PyPI), cached.
bash scripts/policy/install.sh >/dev/null
# Local control plane for the cluster tier (etcd, kube-apiserver, kube-controller-manager, kubectl built
# from the Go module proxy), cached.
bash scripts/kube/install.sh >/dev/null
# Airflow 3 + the cncf.kubernetes provider in a pinned venv for the real-Airflow tier, cached.
bash scripts/python/airflow-venv.sh >/dev/null
# PostgreSQL from Debian (the serving tier runs initdb/pg_ctl from it as a non-root user; no service is
# started) and the serving venv (MLflow, MLServer + its MLflow runtime, scikit-learn, moto), cached.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [[ "$(id -u)" != 0 ]]; then echo "setup.sh: PostgreSQL is missing; run as root or: sudo apt-get install -y postgresql" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
bash scripts/python/serving-venv.sh >/dev/null
