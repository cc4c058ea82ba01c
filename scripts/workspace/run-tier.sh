#!/usr/bin/env bash
# The workspace tier (issue 16's notebooks proof with real parts), all on 127.0.0.1:
#   1. `modelplane synth --platform test/workspace/platform.yaml` (team lab with a workspace, platform SSO);
#   2. `modelplane operators --platform ... --workspaces` run as the user would, with a recording `helm` first on
#      PATH: the values the test uses are the file that script hands to `helm upgrade --install jupyterhub-lab`;
#   3. a local etcd + kube-apiserver + the quota controllers (scripts/kube/up.sh), the team's files applied with
#      kubectl (server-side, cluster-scoped objects first, then the rest in file order, as the cluster tier does);
#   4. a kubeconfig holding a token of the hub's ServiceAccount (`kubectl create token modelplane-jupyterhub`):
#      JupyterHub talks to the API server with the team's hub Role and nothing else;
#   5. real JupyterHub 5.4.4 + KubeSpawner 7.0.0 (scripts/python/jupyterhub-venv.sh) with configurable-http-proxy
#      (npm devDependency), configured by test/workspace/jupyterhub_config.py from those values;
#   6. pytest (test/workspace) spawning a server of every profile through the hub's REST API.
# Pods stay Pending (no scheduler, no kubelet): admission by Pod Security and the ResourceQuota is what is proven.
# The hub (and its proxy), the control plane and the temporary directory go away on exit, also on failure or
# interrupt (trap). Under CI=true a missing venv or tool fails naming `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
source scripts/node/env.sh
started=$SECONDS
team=lab
release="jupyterhub-$team"
platform="$repo/test/workspace/platform.yaml"

need() { # what fix
  echo "workspace tier: $1 is missing; run: $2" >&2
  exit 1
}
cache="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
jh_version="$(sed -n 's/^jupyterhub==//p' scripts/python/jupyterhub-requirements.txt)"
if [[ "${CI:-}" == "true" && ! -f "$cache/venvs/jupyterhub-$jh_version/.modelplane-stamp" ]]; then
  need "the JupyterHub venv ($cache/venvs/jupyterhub-$jh_version)" "bash scripts/setup.sh"
fi
venv="$(bash scripts/python/jupyterhub-venv.sh | tail -1)"
chp="$repo/node_modules/.bin/configurable-http-proxy"
[[ -x "$chp" ]] || need "configurable-http-proxy ($chp)" "bash scripts/setup.sh (npm ci installs it)"
if [[ "${CI:-}" == "true" ]] && ! ls "$cache"/kube/*/bin/kube-apiserver >/dev/null 2>&1; then
  need "the control plane binaries ($cache/kube)" "bash scripts/setup.sh"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-workspace.XXXXXX")"
kube_state=""
hub_pid=""
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$hub_pid" ]]; then
    # The hub and the proxy it started share the process group setsid gave the hub.
    kill -TERM -- "-$hub_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 -- "-$hub_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$hub_pid" 2>/dev/null
  fi
  [[ -n "$kube_state" && -d "$kube_state" ]] && bash scripts/kube/down.sh "$kube_state" >/dev/null 2>&1
  if [[ $rc -ne 0 && -f "$work/hub.log" ]]; then
    echo "---- hub.log (last 80 lines)" >&2
    tail -80 "$work/hub.log" >&2
  fi
  rm -rf "$work"
  echo "workspace tier: done in $((SECONDS - started)) s (exit $rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
t() { echo "workspace tier: $* ($((SECONDS - started)) s)" >&2; }

# --- 1. the team's files, synthesized by the CLI --------------------------------------------------------------
node bin/modelplane.js synth --platform "$platform" -o "$work/dist" -q
team_file="$(ls "$work"/dist/*-team-"$team".k8s.yaml 2>/dev/null | head -1 || true)"
[[ -n "$team_file" ]] || { echo "workspace tier: synth wrote no file of team $team (*-team-$team.k8s.yaml)" >&2; exit 1; }
t "synthesized $(basename "$team_file")"

# --- 2. the hub's install script, run with a recording helm ---------------------------------------------------
mkdir -p "$work/fakebin" "$work/install" "$work/helm-values"
cat >"$work/fakebin/helm" <<'HELM'
#!/usr/bin/env bash
# Records what the install script asks helm to do; installs nothing. For `upgrade --install`: release, chart,
# --version, --namespace and a copy of each -f file (<release>.<n>.yaml).
set -euo pipefail
out="$MODELPLANE_WS_HELM_DIR"
if [[ "${1:-}" == upgrade && "${2:-}" == --install ]]; then
  rel="$3" chart="$4" version="" ns="" n=0
  shift 4
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --version) version="$2"; shift 2 ;;
      --namespace|-n) ns="$2"; shift 2 ;;
      -f|--values) n=$((n + 1)); cp "$2" "$out/$rel.$n.yaml"; shift 2 ;;
      *) shift ;;
    esac
  done
  printf '%s\t%s\t%s\t%s\t%s\n' "$rel" "$chart" "$version" "$ns" "$n" >>"$out/releases.tsv"
else
  printf '%s\n' "$*" >>"$out/other.txt"
fi
HELM
chmod +x "$work/fakebin/helm"
(cd "$work/install" && node "$repo/bin/modelplane.js" operators --platform "$platform" --workspaces >install-workspaces.sh)
(cd "$work/install" && MODELPLANE_WS_HELM_DIR="$work/helm-values" PATH="$work/fakebin:$PATH" bash install-workspaces.sh)
line="$(awk -F'\t' -v r="$release" '$1 == r' "$work/helm-values/releases.tsv" 2>/dev/null || true)"
[[ -n "$line" ]] || { echo "workspace tier: the install script has no 'helm upgrade --install $release'" >&2; exit 1; }
IFS=$'\t' read -r _ chart version ns nvalues <<<"$line"
# The chart: `jupyterhub` of a repository the script added with Zero to JupyterHub's address.
repo_alias="${chart%%/*}"
grep -qxF "repo add $repo_alias https://hub.jupyter.org/helm-chart/ --force-update" "$work/helm-values/other.txt" 2>/dev/null &&
  [[ "${chart#*/}" == jupyterhub ]] ||
  { echo "workspace tier: $release installs chart '$chart', not jupyterhub from https://hub.jupyter.org/helm-chart/" >&2; exit 1; }
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "workspace tier: $release is not pinned to a chart version (--version '$version')" >&2; exit 1; }
[[ "$ns" == "$team" ]] || { echo "workspace tier: $release installs into namespace '$ns', not the team's ($team)" >&2; exit 1; }
[[ "$nvalues" == 1 ]] || { echo "workspace tier: $release gets $nvalues values files, expected exactly one" >&2; exit 1; }
values="$work/helm-values/$release.1.yaml"
t "install script: helm upgrade --install $release $chart --version $version --namespace $ns -f <values>"

# --- 3. the control plane, the team's files applied -----------------------------------------------------------
# The workload controllers bring the resourcequota controller (the ResourceQuota admission plugin refuses every
# pod until the quota's usage is computed) and the claim-protection controller.
kube_state="$(MODELPLANE_KUBE_OWNER_PID=$$ MODELPLANE_KUBE_WORKLOAD_CONTROLLERS=1 bash scripts/kube/up.sh)"
# shellcheck disable=SC1091
source "$kube_state/env"
kubectl="$MODELPLANE_KUBECTL"
"$venv/bin/python" test/workspace/apply.py "$kubectl" "$team_file"
for _ in $(seq 1 120); do
  [[ -n "$("$kubectl" get resourcequota -n "$team" -o 'jsonpath={.items[*].status.used}' 2>/dev/null)" ]] && break
  sleep 0.5
done
t "control plane up, $(basename "$team_file") applied"

# --- 4. the hub's own identity: a token of its ServiceAccount ----------------------------------------------------
token="$("$kubectl" create token modelplane-jupyterhub -n "$team" --duration 1h)"
server="$("$kubectl" config view --minify -o 'jsonpath={.clusters[0].cluster.server}')"
cat >"$work/hub.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$kube_state/ca.crt")
users:
- name: modelplane-jupyterhub
  user:
    token: $token
contexts:
- name: hub
  context: { cluster: local, user: modelplane-jupyterhub, namespace: $team }
current-context: hub
EOF
chmod 600 "$work/hub.kubeconfig"

# --- 5. real JupyterHub on loopback ---------------------------------------------------------------------------
read -r hub_port proxy_port proxy_api_port < <("$venv/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')
mkdir -p "$work/hub"
export MODELPLANE_WS_VALUES="$values" MODELPLANE_WS_WORK="$work" MODELPLANE_WS_CHP="$chp"
# The idle culler's timeout and period, shortened so that test_culling.py sees an idle server culled in seconds.
export MODELPLANE_WS_CULL_TIMEOUT=8 MODELPLANE_WS_CULL_EVERY=4
export MODELPLANE_WS_HUB_PORT="$hub_port" MODELPLANE_WS_PROXY_PORT="$proxy_port" MODELPLANE_WS_PROXY_API_PORT="$proxy_api_port"
MODELPLANE_WS_API_TOKEN="$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')"
CONFIGPROXY_AUTH_TOKEN="$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')"
export MODELPLANE_WS_API_TOKEN CONFIGPROXY_AUTH_TOKEN
(
  cd "$work/hub"
  # Only the hub's token reaches KubeSpawner (kubernetes_asyncio reads KUBECONFIG; not in a pod, so no in-cluster config).
  exec setsid env KUBECONFIG="$work/hub.kubeconfig" "$venv/bin/jupyterhub" -f "$repo/test/workspace/jupyterhub_config.py"
) >"$work/hub.log" 2>&1 </dev/null &
hub_pid=$!
hub_url="http://127.0.0.1:$hub_port"
up=""
for _ in $(seq 1 120); do
  kill -0 "$hub_pid" 2>/dev/null || { echo "workspace tier: JupyterHub exited" >&2; exit 1; }
  if curl -s --max-time 2 -o /dev/null -w '%{http_code}' -H "Authorization: token $MODELPLANE_WS_API_TOKEN" "$hub_url/hub/api/users" | grep -q '^200$'; then
    up=yes
    break
  fi
  sleep 0.5
done
[[ -n "$up" ]] || { echo "workspace tier: JupyterHub's API did not answer within 60 s" >&2; exit 1; }
t "JupyterHub $jh_version up at $hub_url (proxy on 127.0.0.1:$proxy_port)"
grep -E '^modelplane-workspace: ' "$work/hub.log" >&2 || true

# --- 6. the tests -------------------------------------------------------------------------------------------------
export MODELPLANE_WS_HUB_URL="$hub_url" MODELPLANE_WS_TEAM="$team" MODELPLANE_WS_TEAM_FILE="$team_file"
export MODELPLANE_WS_HUB_KUBECONFIG="$work/hub.kubeconfig" MODELPLANE_WS_CHART_VERSION="$version"
"$venv/bin/python" -m pytest -p no:cacheprovider -q -rA test/workspace "$@"
