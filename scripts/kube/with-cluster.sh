#!/usr/bin/env bash
# Runs a command against a fresh local control plane and always stops it afterwards.
# Usage: with-cluster.sh CMD [ARGS...]
#   up.sh starts etcd + kube-apiserver (+ controllers), register-crds.sh registers every CRD from ../shared/crds,
#   then CMD runs with KUBECONFIG, MODELPLANE_KUBE_DIR, MODELPLANE_KUBE_BIN, MODELPLANE_KUBECTL exported and
#   the built kubectl first on PATH. The control plane is stopped on exit, failure or interrupt (and by up.sh's
#   watchdog if this shell is killed outright). Exits with CMD's exit code.
#   MODELPLANE_KUBE_SKIP_CRDS=1 skips the CRD registration.
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
state="$(MODELPLANE_KUBE_OWNER_PID=$$ bash "$here/up.sh")"
# shellcheck disable=SC1091
source "$state/env"
export PATH="$MODELPLANE_KUBE_BIN:$PATH"

if [[ "${MODELPLANE_KUBE_SKIP_CRDS:-0}" != "1" ]]; then
  bash "$here/register-crds.sh"
fi
echo "with-cluster.sh: cluster and CRDs ready in $((SECONDS - started)) s; running: $*" >&2

set +e
"$@"
rc=$?
set -e
echo "with-cluster.sh: command exited with $rc" >&2
exit "$rc"
