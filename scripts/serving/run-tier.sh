#!/usr/bin/env bash
# The serving tier (issue 4's proof with real software), all on 127.0.0.1:
#   - the serving venv (scripts/python/serving-venv.sh: MLflow, MLServer + MLflow runtime, scikit-learn, psycopg2, boto3)
#   - PostgreSQL from Debian (scripts/serving/postgres.sh) and the embedded object store's S3 server, versitygw built
#     from the Go module proxy (scripts/s3/server.sh); the test provisions it with the synthesized bootstrap's script
#   - jest (test/serving), which starts MLflow and MLServer from the synthesized manifests.
# Everything started here or by the tests stops on exit, also on failure or interrupt (trap).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/node/env.sh

venv="$(bash scripts/python/serving-venv.sh | tail -1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-serving.XXXXXX")"

cleanup() {
  local rc=$?
  # Servers the tests started (each in its own process group), by recorded pid.
  if [[ -f "$work/pids" ]]; then
    while read -r pid; do
      [[ -n "$pid" ]] || continue
      kill -TERM -- "-$pid" 2>/dev/null || true
    done <"$work/pids"
    sleep 2
    while read -r pid; do
      [[ -n "$pid" ]] || continue
      kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$work/pids"
  fi
  bash scripts/s3/server.sh stop "$work/s3" || true
  bash scripts/serving/postgres.sh stop "$work/pg" || true
  if [[ $rc -ne 0 ]]; then
    for f in "$work"/*.log "$work/pg/server.log" "$work/s3/versitygw.log"; do
      [[ -f "$f" ]] && { echo "---- $f (last 60 lines)" >&2; tail -60 "$f" >&2; }
    done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_env="$(bash scripts/serving/postgres.sh start "$work/pg")"
s3_env="$(bash scripts/s3/server.sh start "$work/s3")"
set -a
eval "$pg_env"
eval "$s3_env"
set +a
export MODELPLANE_SERVING_VENV="$venv" MODELPLANE_SERVING_WORK="$work"
echo "serving tier: PostgreSQL on 127.0.0.1:$PG_PORT, S3 (versitygw) at $S3_ENDPOINT, venv $venv" >&2
npx jest -c test/serving/jest.config.js "$@"
