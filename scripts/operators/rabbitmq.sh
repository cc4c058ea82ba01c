#!/usr/bin/env bash
# A throwaway RabbitMQ for the operators tier (KEDA's rabbitmq trigger), from Debian's `rabbitmq-server`: one node
# with its data, logs, Erlang cookie and port mapper (epmd) in DIR, listening on 127.0.0.1 only (AMQP and the
# Erlang distribution on free ports, epmd on a port of its own), no plugins. The default `guest` user is deleted;
# a user `modelplane` with a random password owns the vhost `/`.
#
#   rabbitmq.sh start DIR   prints shell assignments: RABBITMQ_AMQP_URL (with the password), RABBITMQ_NODE, RABBITMQ_PORT
#   rabbitmq.sh stop DIR    stops the node and its epmd (removes nothing: the caller owns DIR)
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then echo "usage: rabbitmq.sh start|stop DIR" >&2; exit 2; fi
sbin=/usr/lib/rabbitmq/bin
if [[ ! -x "$sbin/rabbitmq-server" ]]; then
  echo "rabbitmq.sh: rabbitmq-server not found; install Debian's: apt-get install -y rabbitmq-server (scripts/setup.sh does)" >&2
  exit 1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

node_env() {
  # shellcheck source=/dev/null
  source "$dir/env"
  export HOME="$dir" RABBITMQ_NODENAME="$RABBITMQ_NODE" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$EPMD_PORT"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBITMQ_PORT" RABBITMQ_DIST_PORT="$DIST_PORT"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_CONFIG_FILE="$dir/rabbitmq"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  # The Erlang distribution (node <-> rabbitmqctl) on loopback too, not on every interface.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
ctl() { "$sbin/rabbitmqctl" -n "$RABBITMQ_NODE" -q "$@"; }

case "$cmd" in
  start)
    mkdir -p "$dir/mnesia" "$dir/log"
    chmod 700 "$dir"
    {
      echo "RABBITMQ_NODE=mp$$$RANDOM@localhost"
      echo "RABBITMQ_PORT=$(free_port)"
      echo "DIST_PORT=$(free_port)"
      echo "EPMD_PORT=$(free_port)"
    } >"$dir/env"
    echo "[]." >"$dir/enabled_plugins"
    printf 'listeners.tcp.1 = 127.0.0.1:%s\n' "$(sed -n 's/^RABBITMQ_PORT=//p' "$dir/env")" >"$dir/rabbitmq.conf"
    echo "[]." >"$dir/advanced.config"
    : >"$dir/rabbitmq-env.conf"
    node_env
    setsid "$sbin/rabbitmq-server" >"$dir/log/server.out" 2>&1 </dev/null &
    echo $! >"$dir/server.pid"
    ok=""
    for _ in $(seq 1 120); do
      if ctl await_startup --timeout 2 >/dev/null 2>&1; then ok=yes; break; fi
      kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
      sleep 0.5
    done
    if [[ -z "$ok" ]]; then
      echo "rabbitmq.sh: the node did not start; last lines of its output:" >&2
      tail -20 "$dir/log/server.out" >&2
      exit 1
    fi
    password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    ctl add_user modelplane "$password" >/dev/null
    ctl set_permissions -p / modelplane '.*' '.*' '.*' >/dev/null
    ctl delete_user guest >/dev/null
    echo "RABBITMQ_AMQP_URL=amqp://modelplane:$password@127.0.0.1:$RABBITMQ_PORT/"
    echo "RABBITMQ_NODE=$RABBITMQ_NODE"
    echo "RABBITMQ_PORT=$RABBITMQ_PORT"
    ;;
  stop)
    [[ -f "$dir/env" ]] || exit 0
    node_env
    ctl stop >/dev/null 2>&1 || true
    if [[ -f "$dir/server.pid" ]]; then kill -TERM -- "-$(cat "$dir/server.pid")" 2>/dev/null || true; fi
    epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || /usr/lib/erlang/bin/epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: rabbitmq.sh start|stop DIR" >&2
    exit 2
    ;;
esac
