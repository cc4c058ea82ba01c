#!/usr/bin/env bash
# The S3 tier (issue 13's per-team isolation), all on 127.0.0.1:
#   - a local etcd + kube-apiserver (scripts/kube/with-cluster.sh, no CRDs needed), where the synthesized
#     bootstrap Job's script creates the team Secrets with the Job's own RBAC;
#   - versitygw built from the Go module proxy (scripts/s3/install.sh, server.sh), which that script provisions;
#   - boto3 from the serving venv (scripts/python/serving-venv.sh) as the teams' S3 client;
#   - real DVC with its S3 remote (scripts/python/dvc-venv.sh) on a repository `modelplane init` wrote;
#   - jest (test/s3).
# The server is stopped and the temporary directory removed on exit, also on failure or interrupt (trap).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh

started=$SECONDS
bash scripts/s3/install.sh >/dev/null
venv="$(bash scripts/python/serving-venv.sh | tail -1)"
dvc_venv="$(bash scripts/python/dvc-venv.sh | tail -1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-s3.XXXXXX")"

cleanup() {
  local rc=$?
  bash scripts/s3/server.sh stop "$work/s3" || true
  if [[ $rc -ne 0 && -f "$work/s3/versitygw.log" ]]; then
    echo "---- versitygw.log (last 60 lines)" >&2
    tail -60 "$work/s3/versitygw.log" >&2
  fi
  rm -rf "$work"
  echo "s3 tier: done in $((SECONDS - started)) s (exit $rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

s3_env="$(bash scripts/s3/server.sh start "$work/s3")"
set -a
eval "$s3_env"
set +a
export MODELPLANE_S3_PYTHON="$venv/bin/python" MODELPLANE_S3_WORK="$work" MODELPLANE_DVC_VENV="$dvc_venv"
echo "s3 tier: versitygw at $S3_ENDPOINT (pid $S3_PID)" >&2
MODELPLANE_KUBE_SKIP_CRDS=1 bash scripts/kube/with-cluster.sh npx jest -c test/s3/jest.config.js "$@"
