#!/usr/bin/env bash
# An S3-compatible server on loopback for the serving tier: moto's server mode (moto[server] in the
# serving venv) on 127.0.0.1 and a free port, with the bucket the MlflowServer construct writes to.
#
#   moto.sh start DIR VENV [BUCKET]   prints shell assignments: S3_ENDPOINT, S3_PID, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#   moto.sh stop DIR                  stops it
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
case "$cmd" in
  start)
    venv="${3:?usage: moto.sh start DIR VENV [BUCKET]}"; bucket="${4:-mlflow}"
    mkdir -p "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/moto.pid"
    # moto accepts any credentials; these are test-only values, not secrets.
    export AWS_ACCESS_KEY_ID=modelplane-test AWS_SECRET_ACCESS_KEY=modelplane-test AWS_DEFAULT_REGION=us-east-1
    for _ in $(seq 1 100); do
      if "$venv/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" 2>/dev/null; then break; fi
      kill -0 "$pid" 2>/dev/null || { cat "$dir/moto.log" >&2; exit 1; }
      sleep 0.2
    done
    "$venv/bin/python" -c "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:$port').create_bucket(Bucket='$bucket')"
    echo "S3_ENDPOINT=http://127.0.0.1:$port"
    echo "S3_PID=$pid"
    echo "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID"
    echo "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY"
    ;;
  stop)
    if [[ -f "$dir/moto.pid" ]]; then
      pid="$(cat "$dir/moto.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/moto.pid"
    fi
    ;;
  *) echo "usage: moto.sh start DIR VENV [BUCKET] | stop DIR" >&2; exit 2 ;;
esac
