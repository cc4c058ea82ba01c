#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: Node.js (.node-version), npm packages (from the
# lock file), then the tools each test tier needs (each script caches under ${MODELPLANE_CACHE:-~/.cache/modelplane}).
#
#   bash scripts/setup.sh               install what is missing, in the foreground (what .ci/run does)
#   bash scripts/setup.sh --background  the same, detached: returns at once; log and pid under
#                                       <cache>/setup/ (setup.log, setup.pid)
#   bash scripts/setup.sh --status      is a background set-up running; the step times so far
#   bash scripts/setup.sh --stop        stops a background set-up (its whole process group)
#
# Every step prints how long it took, and every 30 s while it runs a line "still <step> (N s)". Resumable:
# an interrupted set-up (killed, --stop, a reboot) continues where it stopped when run again. Each step
# installs into a temporary place and publishes it whole, a stamp written last (Node.js, the venvs,
# kube-score, the control plane binaries), so nothing half-made ever looks finished; the Go builds keep
# every package they compiled in Go's build cache and the modules they fetched in its module cache (one of
# each for all the Go builds: GOCACHE and GOMODCACHE are fixed below), pip and npm keep their downloads in
# their caches. One set-up runs at a time: a second one (e.g. .ci/run while a background one runs) waits for
# it, then finds everything in place.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
cache="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
sdir="$cache/setup"
log_file="$sdir/setup.log"
pid_file="$sdir/setup.pid"
mkdir -p "$sdir"

# The pid in setup.pid, if that process is still a set-up.
running_pid() {
  local pid
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'scripts/setup.sh' || return 1
  echo "$pid"
}

case "${1:-}" in
  "" | --foreground) ;;
  --background)
    if pid="$(running_pid)"; then
      echo "setup.sh: a set-up is already running (pid $pid); log: $log_file"
      exit 0
    fi
    rm -f "$pid_file"
    # Its own session, so that --stop (or a closed terminal) reaches every build it started, and nothing else.
    setsid nohup bash "$repo/scripts/setup.sh" --foreground </dev/null >"$log_file" 2>&1 &
    for _ in $(seq 1 50); do [[ -s "$pid_file" ]] && break; sleep 0.1; done
    echo "setup.sh: running in the background (pid $(cat "$pid_file" 2>/dev/null || echo '?')); log: $log_file"
    echo "setup.sh: follow it with: tail -f $log_file   status: bash scripts/setup.sh --status   stop: bash scripts/setup.sh --stop"
    echo "setup.sh: run it again (or .ci/run) at any time: it waits for this one, or resumes an interrupted one"
    exit 0
    ;;
  --status)
    if pid="$(running_pid)"; then echo "setup.sh: running (pid $pid); log: $log_file"; else echo "setup.sh: not running; last log: $log_file"; fi
    [[ -f "$log_file" ]] && { grep -E '^setup\.sh: ' "$log_file" | tail -n 15 || true; }
    exit 0
    ;;
  --stop)
    if pid="$(running_pid)"; then
      pgid="$(ps -o pgid= -p "$pid" | tr -d ' ')"
      if [[ "$pgid" == "$pid" ]]; then kill -TERM -- "-$pgid"; else kill -TERM "$pid"; fi
      echo "setup.sh: stopped the set-up (pid $pid); run bash scripts/setup.sh to resume it"
    else
      echo "setup.sh: no set-up is running"
    fi
    exit 0
    ;;
  *)
    echo "usage: bash scripts/setup.sh [--background | --status | --stop]" >&2
    exit 2
    ;;
esac

# One set-up at a time (the lock is released when this process ends, however it ends).
exec 8>"$sdir/.lock"
if ! flock -n 8; then
  waited=$SECONDS
  until flock -w 30 8; do
    echo "setup.sh: waiting for the running set-up (pid $(cat "$pid_file" 2>/dev/null || echo '?'), log $log_file) ($((SECONDS - waited)) s)" >&2
  done
  echo "setup.sh: the other set-up ended after $((SECONDS - waited)) s; checking what is left" >&2
fi
echo "$$" >"$pid_file"

ticker_pid=""
times=()
started_all=$SECONDS
finish() {
  local rc=$?
  set +e
  [[ -n "$ticker_pid" ]] && kill "$ticker_pid" 2>/dev/null
  [[ "$(cat "$pid_file" 2>/dev/null)" == "$$" ]] && rm -f "$pid_file"
  if [[ $rc -eq 0 ]]; then
    echo "setup.sh: done in $((SECONDS - started_all)) s (${times[*]:-})"
  else
    echo "setup.sh: FAILED (exit $rc) after $((SECONDS - started_all)) s (${times[*]:-}); run it again to resume" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step NAME CMD...: runs CMD (its stdout, the installed paths, is dropped; progress goes to stderr), printing
# "still NAME (N s)" every 30 s while it runs and its time at the end. CMD runs where `set -e` does not
# apply (its status is collected), so the functions below return their failures explicitly.
step() {
  local name="$1" t=$SECONDS
  shift
  (
    s=""
    trap '[[ -n "$s" ]] && kill "$s" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 30 &
      s=$!
      wait "$s"
      echo "setup.sh: still $name ($((SECONDS - t)) s)" >&2
    done
  ) &
  ticker_pid=$!
  local rc=0
  "$@" >/dev/null || rc=$?
  kill "$ticker_pid" 2>/dev/null || true
  wait "$ticker_pid" 2>/dev/null || true
  ticker_pid=""
  if [[ $rc -ne 0 ]]; then
    echo "setup.sh: $name FAILED after $((SECONDS - t)) s (exit $rc)" >&2
    return "$rc"
  fi
  times+=("$name $((SECONDS - t)) s;")
  echo "setup.sh: $name: $((SECONDS - t)) s"
}

# Node.js of .node-version from the npm registry, cached; then everything below runs under it. npm ci
# too: install scripts (@pulumi/kubernetes's, protobufjs's) and engine checks must see the Node that
# runs the tests, not the machine's.
step "Node.js $(tr -d ' \n' <.node-version)" bash scripts/node/install.sh
source scripts/node/env.sh
echo "setup.sh: node $(node --version), npm $(npm --version)"

# npm packages from the lock file. Skipped when node_modules is what npm ci made from this very lock file
# under this Node.js and npm (a stamp inside node_modules, written last; deleting node_modules deletes it),
# and never done through a node_modules that is a symlink (a git worktree sharing another checkout's
# packages: npm ci would empty that checkout's node_modules).
npm_key="$({ cat package-lock.json; node --version; npm --version; } | sha256sum | cut -d' ' -f1)"
npm_stamp="node_modules/.modelplane-npm-ci"
npm_packages() {
  if [[ -L node_modules ]]; then
    echo "setup.sh: node_modules is a symlink to $(readlink node_modules): not reinstalling through it" >&2
  elif [[ -d node_modules && "$(cat "$npm_stamp" 2>/dev/null)" == "$npm_key" ]]; then
    echo "setup.sh: node_modules was installed by npm ci from this package-lock.json: kept" >&2
  else
    npm ci --no-audit --no-fund >&2 || return 1
    echo "$npm_key" >"$npm_stamp"
  fi
}
step "npm ci" npm_packages

# Go builds (kube-score, the control plane, and any other tier's tools) share one module cache and one
# build cache, Go's defaults unless the caller set them: an interrupted build resumes from what it compiled.
if command -v go >/dev/null 2>&1; then
  GOMODCACHE="$(go env GOMODCACHE)"
  GOCACHE="$(go env GOCACHE)"
  export GOMODCACHE GOCACHE
  echo "setup.sh: Go $(go env GOVERSION); module cache $GOMODCACHE, build cache $GOCACHE"
fi

# Static policy tools (kube-score from the Go module proxy, Checkov from PyPI), cached.
step "policy tools (kube-score, Checkov)" bash scripts/policy/install.sh
# Local control plane for the cluster and Airflow tiers (etcd, kube-apiserver, kube-controller-manager,
# kubectl built from the Go module proxy), cached.
step "control plane binaries (etcd, kube-apiserver, kubectl)" bash scripts/kube/install.sh
# The embedded object store's S3 server (versitygw from the Go module proxy) for the S3 and serving tiers, cached.
step "S3 server (versitygw)" bash scripts/s3/install.sh
# Airflow 3 + the cncf.kubernetes provider in a pinned venv for the real-Airflow tier, cached.
step "Airflow venv" bash scripts/python/airflow-venv.sh
# PostgreSQL from Debian (the serving tier runs initdb/pg_ctl from it as a non-root user; no service is
# started) and the serving venv (MLflow, MLServer + its MLflow runtime, scikit-learn, boto3), cached.
postgres() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then echo "setup.sh: PostgreSQL is missing; run as root or: sudo apt-get install -y postgresql" >&2; return 1; fi
  apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}
step "PostgreSQL (Debian)" postgres
step "serving venv" bash scripts/python/serving-venv.sh
# DVC with its S3 remote (dvc-s3) for the S3 tier's DVC test (test/s3/dvc.test.ts), cached.
step "dvc venv" bash scripts/python/dvc-venv.sh
# Real JupyterHub 5.4.4 with KubeSpawner, OAuthenticator and the idle culler (+ pytest) for the workspace tier, cached.
step "jupyterhub venv" bash scripts/python/jupyterhub-venv.sh
# Keycloak's distribution (org.keycloak:keycloak-quarkus-dist) from Maven Central with the machine's Maven, cached,
# for the SSO tier (it runs on the machine's Java 21+ JDK: Debian's newest is 17).
step "Keycloak (Maven Central)" bash scripts/sso/keycloak-dist.sh
# The operators tier: KEDA's operator from the Go module proxy (cached by version), and RabbitMQ from Debian for
# its queue trigger (scripts/operators/rabbitmq.sh runs a node on loopback per run; no service is started). The
# package's install starts Erlang's port mapper on every interface: stopped again here.
rabbitmq() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then echo "setup.sh: RabbitMQ is missing; run as root or: sudo apt-get install -y rabbitmq-server" >&2; return 1; fi
  apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null || return 1
  epmd -kill >/dev/null 2>&1 || true
}
step "RabbitMQ (Debian)" rabbitmq
step "KEDA operator" bash scripts/operators/install.sh keda
# The rest of the operators tier, each from the Go module proxy through its wrapper module (tools/operators/),
# cached by version; spark-submit from PyPI (pyspark, the Spark the operator's image submits with) runs on a JDK.
java_runtime() {
  if command -v java >/dev/null 2>&1; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then echo "setup.sh: no java on PATH (spark-submit needs a JDK 17+); run as root or: sudo apt-get install -y openjdk-17-jre-headless" >&2; return 1; fi
  apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
}
step "Java runtime (spark-submit)" java_runtime
step "Spark Operator" bash scripts/operators/install.sh spark-operator
step "spark venv (spark-submit)" bash scripts/python/spark-venv.sh
step "Argo Workflows (CLI, controller)" bash scripts/operators/install.sh argo-workflows
step "KServe controller manager" bash scripts/operators/install.sh kserve
# The Pulumi tier: the real CLI with upstream's Node.js language host (tools/pulumi, the host's source from
# ../shared/third_party) and the Kubernetes provider the @pulumi/kubernetes pin names (tools/pulumi/provider-kubernetes),
# from the Go module proxy, cached by version; the provider is installed into PULUMI_HOME (<cache>/pulumi/home).
step "Pulumi engine (CLI, language host)" bash scripts/pulumi/install.sh engine
step "Pulumi Kubernetes provider" bash scripts/pulumi/install.sh kubernetes-provider
