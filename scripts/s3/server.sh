#!/usr/bin/env bash
# The embedded object store's S3 server (versitygw, built by scripts/s3/install.sh) on loopback for the tests:
# 127.0.0.1 on a free port, its POSIX backend and internal IAM in DIR, root credentials made for this run only.
#
#   server.sh start DIR   prints shell assignments: S3_ENDPOINT, S3_PID, S3_ROOT_ACCESS_KEY_ID, S3_ROOT_SECRET_ACCESS_KEY
#   server.sh stop DIR    stops it (by the pid it recorded) and leaves DIR for the caller to remove
# It runs the same command line as the StatefulSet of src/constructs/mlflow/embedded-object-store.ts, with
# the address bound to 127.0.0.1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-}"; dir="${2:-}"
[[ -n "$dir" ]] || { echo "usage: server.sh start DIR | stop DIR" >&2; exit 2; }
case "$cmd" in
  start)
    bin="$(bash "$here/install.sh" | tail -1)"
    mkdir -p "$dir/data/buckets" "$dir/data/iam"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    access="root-$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
    secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
    ROOT_ACCESS_KEY_ID="$access" ROOT_SECRET_ACCESS_KEY="$secret" \
      "$bin/versitygw" --port "127.0.0.1:$port" --health /_/health --iam-dir "$dir/data/iam" posix "$dir/data/buckets" \
      >"$dir/versitygw.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/versitygw.pid"
    for _ in $(seq 1 100); do
      if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/_/health', timeout=1)" 2>/dev/null; then
        echo "S3_ENDPOINT=http://127.0.0.1:$port"
        echo "S3_PID=$pid"
        echo "S3_ROOT_ACCESS_KEY_ID=$access"
        echo "S3_ROOT_SECRET_ACCESS_KEY=$secret"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || { echo "server.sh: versitygw exited:" >&2; cat "$dir/versitygw.log" >&2; exit 1; }
      sleep 0.2
    done
    echo "server.sh: versitygw did not answer on 127.0.0.1:$port/_/health within 20 s" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  stop)
    if [[ -f "$dir/versitygw.pid" ]]; then
      pid="$(cat "$dir/versitygw.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/versitygw.pid"
    fi
    ;;
  *) echo "usage: server.sh start DIR | stop DIR" >&2; exit 2 ;;
esac
