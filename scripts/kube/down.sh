#!/usr/bin/env bash
# Stops a control plane started by up.sh and removes its state directory.
# Usage: down.sh [STATE_DIR]   (default: $MODELPLANE_KUBE_DIR)
# Only the PIDs recorded by up.sh are signalled, and only while they still run the binary up.sh started.
# MODELPLANE_KUBE_KEEP=1 keeps the state directory (logs, certificates) for inspection.
set -uo pipefail

state="${1:-${MODELPLANE_KUBE_DIR:-}}"
if [[ -z "$state" || ! -f "$state/.modelplane-kube" ]]; then
  echo "down.sh: '$state' is not a state directory made by up.sh" >&2
  exit 1
fi

# Is PID still the process we started (and not a reused PID)?
ours() { # pid name
  [[ -r "/proc/$1/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$1/cmdline" | grep -q -- "$2"
}

# Controllers first, then the apiserver, then etcd; the watchdog last unless we are the watchdog.
for name in kube-controller-manager kube-apiserver etcd watchdog; do
  pidfile="$state/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  match="$name"
  [[ "$name" == watchdog ]] && match="modelplane-kube-watchdog"
  if [[ "$name" == watchdog && ( "$pid" == "$$" || "$pid" == "$PPID" ) ]]; then
    continue
  fi
  if ours "$pid" "$match"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      ours "$pid" "$match" || break
      sleep 0.2
    done
    if ours "$pid" "$match"; then
      echo "down.sh: $name ($pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
done

if [[ "${MODELPLANE_KUBE_KEEP:-0}" == "1" ]]; then
  echo "down.sh: stopped; kept $state" >&2
else
  rm -rf -- "$state"
  echo "down.sh: stopped and removed $state" >&2
fi
