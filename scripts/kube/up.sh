#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 only: etcd, kube-apiserver and a kube-controller-manager
# that runs just the controllers an API-only cluster needs (namespace deletion, default service accounts,
# garbage collection, and the persistentvolumeclaim-protection controller: it lifts the kubernetes.io/pvc-protection
# finalizer the API server puts on every claim once no Pod uses it, without which a deleted claim, and its
# namespace, never go away). No scheduler, no kubelet: pods are accepted but never run.
#
# Usage: up.sh [KUBECONFIG_PATH]
#   Creates a state directory (certificates, data, logs, PIDs), writes an admin kubeconfig to KUBECONFIG_PATH
#   (default: <state dir>/kubeconfig), waits until /readyz answers ok and the controllers work, and prints the
#   state directory as the last line on stdout. Stop everything with: down.sh <state dir>.
#   If MODELPLANE_KUBE_OWNER_PID is set, a watchdog stops the control plane as soon as that process is gone
#   (so servers never outlive a killed test run).
#   MODELPLANE_KUBE_CONTROLLERS=0 starts no kube-controller-manager.
#   MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1 also runs the workload controllers (deployment, replicaset,
#   statefulset, job, cronjob, daemonset), so that the Pods of the workloads are created and admitted (with
#   no scheduler and no kubelet they stay Pending), and what they need besides: the resourcequota controller
#   (the ResourceQuota admission plugin refuses every pod of a namespace whose quota has no computed usage
#   yet).
#   MODELPLANE_KUBE_AGGREGATOR=1 turns on the API server's aggregation layer (a front-proxy CA and client
#   certificate, the --requestheader-* and --proxy-client-* flags), so that an APIService can route a group to an
#   extension API server on loopback (KEDA's metrics adapter), and runs the horizontal-pod-autoscaler-controller
#   (synced every 5 s) in the kube-controller-manager, which reads the metrics APIs through it.
#   MODELPLANE_ETCD_BIN=/path/to/etcd uses another etcd binary than the one install.sh built.
# On any failure, everything started so far is stopped and the state directory removed (logs are printed first).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(bash "$here/install.sh")"

state="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-kube.XXXXXX")"
touch "$state/.modelplane-kube"
kubeconfig="${1:-$state/kubeconfig}"
with_kcm="${MODELPLANE_KUBE_CONTROLLERS:-1}"
controllers=namespace-controller,serviceaccount-controller,garbage-collector-controller
controllers+=,persistentvolumeclaim-protection-controller
if [[ "${MODELPLANE_KUBE_WORKLOAD_CONTROLLERS:-0}" == "1" ]]; then
  controllers+=,deployment-controller,replicaset-controller,statefulset-controller,job-controller
  controllers+=,cronjob-controller,daemonset-controller,resourcequota-controller
fi
aggregator="${MODELPLANE_KUBE_AGGREGATOR:-0}"
if [[ "$aggregator" == "1" ]]; then
  controllers+=,horizontal-pod-autoscaler-controller
fi
started_at=$SECONDS

ok=""
fail() {
  trap - EXIT
  echo "up.sh: $*" >&2
  local log
  for log in "$state"/*.log; do
    [[ -f "$log" ]] || continue
    echo "----- last lines of $(basename "$log") -----" >&2
    tail -n 30 "$log" >&2
  done
  bash "$here/down.sh" "$state" >&2 || true
  exit 1
}
# Any failing command (set -e), an interrupt or a termination stops and removes what was started.
trap '[[ -n "$ok" ]] || fail "failed or interrupted; stopping what was started"' EXIT
trap 'exit 1' INT TERM

# Three free loopback ports chosen by the kernel (etcd client, etcd peer, kube-apiserver).
read -r etcd_port peer_port api_port < <(node -e '
  const net = require("net");
  const ports = [];
  const next = () => {
    if (ports.length === 3) { console.log(ports.join(" ")); return; }
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); s.close(next); });
  };
  next();')

# --- certificates -------------------------------------------------------------------------------------------
pki="$state/pki"
mkdir -p "$pki"
ssl() { openssl "$@" 2>>"$state/openssl.log"; }
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=modelplane-local-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
issue() { # name subject extensions [ca name, default ca]
  local ca="${4:-ca}"
  ssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$2" \
    -keyout "$pki/$1.key" -out "$pki/$1.csr"
  printf '%s\n' "$3" > "$pki/$1.ext"
  ssl x509 -req -in "$pki/$1.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
issue apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
  'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
  'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local')"
# system:masters: the admin identity is allowed everything by RBAC's built-in bootstrap policy.
issue admin "/O=system:masters/CN=modelplane-admin" "$(printf '%s\n' \
  'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=clientAuth')"
issue controller-manager "/CN=system:kube-controller-manager" "$(printf '%s\n' \
  'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=clientAuth')"
# The aggregation layer's own CA and the client certificate the API server presents to extension API servers
# (they trust the X-Remote-* headers of requests signed by this CA and named front-proxy-client only).
aggregator_flags=()
if [[ "$aggregator" == "1" ]]; then
  ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=modelplane-front-proxy-ca" -keyout "$pki/front-proxy-ca.key" -out "$pki/front-proxy-ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  issue front-proxy-client "/CN=front-proxy-client" "$(printf '%s\n' \
    'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=clientAuth')" front-proxy-ca
  aggregator_flags=(
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group
    --requestheader-extra-headers-prefix=X-Remote-Extra-
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key"
  )
fi
# Service-account token signing key (RSA, as the token issuer expects).
ssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
ssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

write_kubeconfig() { # path user
  local b64="base64 -w0"
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: modelplane-local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $($b64 < "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 < "$pki/$2.crt")
    client-key-data: $($b64 < "$pki/$2.key")
contexts:
- name: modelplane-local
  context:
    cluster: modelplane-local
    user: $2
current-context: modelplane-local
EOF
  chmod 600 "$1"
}

start() { # name cmd...
  local name="$1"; shift
  nohup "$@" > "$state/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/$name.pid"
}

alive() { kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

# --- etcd -----------------------------------------------------------------------------------------------------
# Plain HTTP on loopback only; --unsafe-no-fsync because the data is thrown away at the end.
start etcd "${MODELPLANE_ETCD_BIN:-$bin/etcd}" \
  --name=modelplane --data-dir="$state/etcd" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="modelplane=http://127.0.0.1:$peer_port" --initial-cluster-state=new \
  --listen-metrics-urls="" --unsafe-no-fsync --log-level=warn

ready=""
for _ in $(seq 1 120); do
  alive etcd || fail "etcd exited"
  if [[ "$(curl -s --max-time 2 "http://127.0.0.1:$etcd_port/health" || true)" == *'"health":"true"'* ]]; then
    ready=yes; break
  fi
  sleep 0.25
done
[[ -n "$ready" ]] || fail "etcd not healthy after 30 s"

# --- kube-apiserver -------------------------------------------------------------------------------------------
# Admission: the default plugin set (which includes PodSecurity, ServiceAccount, NamespaceLifecycle,
# LimitRanger, ResourceQuota, the webhooks...) with PodSecurity named explicitly so that it can never be
# dropped unnoticed. --allow-privileged=true as on real clusters, so that Pod Security is what rejects
# privileged pods, not the apiserver's own cluster policy. --endpoint-reconciler-type=none: the "kubernetes"
# Service gets no Endpoints, which may not point at a loopback address (the reconciler would fail every 10 s).
start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --authorization-mode=RBAC --anonymous-auth=false \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --api-audiences=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.0.0.0/24 \
  --endpoint-reconciler-type=none \
  --enable-admission-plugins=PodSecurity,NamespaceLifecycle,ServiceAccount,LimitRanger,ResourceQuota \
  --allow-privileged=true \
  --profiling=false --enable-priority-and-fairness=false \
  ${aggregator_flags[@]+"${aggregator_flags[@]}"}

write_kubeconfig "$kubeconfig" admin
cp "$pki/ca.crt" "$state/ca.crt"

ready=""
for _ in $(seq 1 240); do
  alive etcd || fail "etcd exited"
  alive kube-apiserver || fail "kube-apiserver exited"
  if [[ "$(curl -s --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
         "https://127.0.0.1:$api_port/readyz" || true)" == "ok" ]]; then
    ready=yes; break
  fi
  sleep 0.5
done
[[ -n "$ready" ]] || fail "kube-apiserver not ready after 120 s"
echo "up.sh: kube-apiserver ready on https://127.0.0.1:$api_port after $((SECONDS - started_at)) s" >&2

# --- kube-controller-manager (namespace finalization, default service accounts, garbage collection, claims) -----
# With MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1 also the workload and quota controllers, with
# MODELPLANE_KUBE_AGGREGATOR=1 the HPA controller (see the usage above).
kcm_flags=()
if [[ "$aggregator" == "1" ]]; then kcm_flags=(--horizontal-pod-autoscaler-sync-period=5s); fi
if [[ "$with_kcm" != "0" ]]; then
  write_kubeconfig "$state/controller-manager.kubeconfig" controller-manager
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 \
    --controllers="$controllers" \
    --use-service-account-credentials=true --leader-elect=false \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
    --profiling=false \
    ${kcm_flags[@]+"${kcm_flags[@]}"}
  # Ready when the serviceaccount controller has created the "default" ServiceAccount (pods need it).
  ready=""
  for _ in $(seq 1 120); do
    alive kube-controller-manager || fail "kube-controller-manager exited"
    if "$bin/kubectl" --kubeconfig "$kubeconfig" get serviceaccount default -n default -o name >/dev/null 2>&1; then
      ready=yes; break
    fi
    sleep 0.5
  done
  [[ -n "$ready" ]] || fail "kube-controller-manager created no default ServiceAccount within 60 s"
fi

if [[ -n "${MODELPLANE_KUBE_OWNER_PID:-}" ]]; then
  nohup bash -c 'while kill -0 "$1" 2>/dev/null && [[ -d "$2" ]]; do sleep 1; done; [[ -d "$2" ]] && bash "$3" "$2"' \
    modelplane-kube-watchdog "$MODELPLANE_KUBE_OWNER_PID" "$state" "$here/down.sh" \
    > /dev/null 2>&1 < /dev/null &
  echo $! > "$state/watchdog.pid"
fi

cat > "$state/env" <<EOF
export KUBECONFIG='$kubeconfig'
export MODELPLANE_KUBE_DIR='$state'
export MODELPLANE_KUBE_BIN='$bin'
export MODELPLANE_KUBECTL='$bin/kubectl'
export KUBECACHEDIR='$state/kubectl-cache'
export MODELPLANE_KUBE_AGGREGATOR='$aggregator'
export MODELPLANE_KUBE_CONTROLLER_LIST='$([[ "$with_kcm" != "0" ]] && echo "$controllers")'
EOF
ok=yes
trap - EXIT INT TERM
echo "up.sh: control plane ready after $((SECONDS - started_at)) s (state: $state)" >&2
echo "$state"
