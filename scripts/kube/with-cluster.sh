#!/usr/bin/env bash
# Runs a command against a fresh local control plane and always stops it afterwards.
# Usage: with-cluster.sh CMD [ARGS...]
#   up.sh starts etcd + kube-apiserver (+ controllers), register-crds.sh registers every CRD from ../shared/crds,
#   then CMD runs with KUBECONFIG, MODELPLANE_KUBE_DIR, MODELPLANE_KUBE_BIN, MODELPLANE_KUBECTL exported and
#   the built kubectl first on PATH. The control plane is stopped on exit, failure or interrupt (and by up.sh's
#   watchdog if this shell is killed outright). Exits with CMD's exit code.
#   MODELPLANE_KUBE_SKIP_CRDS=1 skips the CRD registration.
#   Sharing one control plane: when MODELPLANE_KUBE_DIR names a running one (started by up.sh, e.g. by
#   scripts/test-all.sh for the cluster and Airflow tiers), CMD runs against it instead and it is left
#   running; its CRDs are registered once (register-crds.sh leaves a marker in the state directory).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: with-cluster.sh CMD [ARGS...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../node/env.sh"

state=""
cleanup() {
  local rc=$?
  if [[ -n "$state" && -d "$state" ]]; then
    bash "$here/down.sh" "$state" || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
shared="${MODELPLANE_KUBE_DIR:-}"
if [[ -n "$shared" ]]; then
  if [[ ! -f "$shared/.modelplane-kube" || ! -f "$shared/env" || ! -f "$shared/kube-apiserver.pid" ]] ||
     ! kill -0 "$(cat "$shared/kube-apiserver.pid")" 2>/dev/null; then
    echo "with-cluster.sh: MODELPLANE_KUBE_DIR=$shared is not a running control plane made by up.sh (unset it to start one)" >&2
    exit 1
  fi
  # shellcheck disable=SC1091
  source "$shared/env"
  echo "with-cluster.sh: joining the running control plane in $shared (left running)" >&2
else
  state="$(MODELPLANE_KUBE_OWNER_PID=$$ bash "$here/up.sh")"
  # shellcheck disable=SC1091
  source "$state/env"
fi
export PATH="$MODELPLANE_KUBE_BIN:$PATH"

if [[ "${MODELPLANE_KUBE_SKIP_CRDS:-0}" != "1" && ! -f "$MODELPLANE_KUBE_DIR/crds-registered" ]]; then
  bash "$here/register-crds.sh"
fi
echo "with-cluster.sh: cluster and CRDs ready in $((SECONDS - started)) s; running: $*" >&2

set +e
"$@"
rc=$?
set -e
echo "with-cluster.sh: command exited with $rc" >&2
exit "$rc"
