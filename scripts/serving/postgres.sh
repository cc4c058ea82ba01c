#!/usr/bin/env bash
# A throwaway PostgreSQL for the serving tier, from Debian's `postgresql` package: initdb into a
# temporary directory and pg_ctl, listening on 127.0.0.1 only (Unix socket inside that directory),
# run as a non-root user (`postgres` when started as root). A random password is set for the
# database user `mlflow` (scram-sha-256 over TCP), and a database `mlflow` is created.
#
#   postgres.sh start DIR   prints shell assignments: PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, PG_DATABASE
#   postgres.sh stop DIR    stops it (fast shutdown) and removes nothing (the caller owns DIR)
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then echo "usage: postgres.sh start|stop DIR" >&2; exit 2; fi

pg_bin() {
  local b
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  b="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [[ -z "$b" || ! -x "$b/initdb" ]]; then
    echo "postgres.sh: initdb not found; install Debian's PostgreSQL: apt-get install -y postgresql (scripts/setup.sh does)" >&2
    exit 1
  fi
  echo "$b"
}

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin="$(pg_bin)"
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then
      id postgres >/dev/null 2>&1 || { echo "postgres.sh: running as root needs the 'postgres' user (created by Debian's postgresql package)" >&2; exit 1; }
      chown postgres: "$dir"
      # The postgres user must reach DIR through its (caller-owned, often 0700) parent.
      chmod a+x "$(dirname "$dir")"
    fi
    chmod 700 "$dir"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    pwfile="$dir/pwfile"
    printf '%s\n' "$password" >"$pwfile"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U mlflow --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >&2 \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U mlflow mlflow \
      || { as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true; exit 1; }
    echo "PG_HOST=127.0.0.1"
    echo "PG_PORT=$port"
    echo "PG_USER=mlflow"
    echo "PG_PASSWORD=$password"
    echo "PG_DATABASE=mlflow"
    ;;
  stop)
    [[ -d "$dir/data" ]] || exit 0
    bin="$(pg_bin)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 || true
    ;;
  *) echo "usage: postgres.sh start|stop DIR" >&2; exit 2 ;;
esac
