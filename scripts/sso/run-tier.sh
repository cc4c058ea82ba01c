#!/usr/bin/env bash
# The SSO tier (issue 16's single sign-on), all on 127.0.0.1:
#   - a platform file with `sso.keycloak` (its public URL http://localhost:<port>, the teams' hubs at
#     http://127.0.0.1:<port>/<team>) synthesized by the CLI: the realm is read from the synthesized ConfigMap;
#   - real Keycloak from Maven Central (scripts/sso/keycloak-dist.sh: org.keycloak:keycloak-quarkus-dist, the
#     release of the platform's image), in dev mode on a free port of 127.0.0.1, its home a hard-linked copy
#     of the cached distribution with its data directory in the temporary directory, importing that realm;
#     each client secret the realm names as ${ENV} is given as a variable, generated here as the bootstrap
#     Job would; the test's admin comes from KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD (test only);
#   - real JupyterHub with OAuthenticator's GenericOAuthenticator (scripts/python/jupyterhub-venv.sh) and
#     configurable-http-proxy (node_modules), configured by the test with what jupyterHubAuth emits;
#   - pytest (test/sso): browser logins with python requests.
# Keycloak's startup time is measured and printed. Keycloak (its process group) is stopped and the temporary
# directory removed on exit, also on failure or interrupt (trap). Keycloak needs Java 21+: the machine's Temurin
# 25 JDK, or MODELPLANE_KEYCLOAK_JAVA_HOME (Debian bookworm's newest is 17).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
source scripts/node/env.sh
started=$SECONDS

kc_dist="$(bash scripts/sso/keycloak-dist.sh | tail -1)"
export JAVA_HOME="${MODELPLANE_KEYCLOAK_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
venv="$(bash scripts/python/jupyterhub-venv.sh | tail -1)"
chp="$repo/node_modules/.bin/configurable-http-proxy"
if [[ ! -x "$chp" ]]; then
  echo "sso tier: $chp is missing (npm ci installs it; bash scripts/setup.sh runs npm ci)" >&2
  exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/modelplane-sso.XXXXXX")"
kc_pid=""

cleanup() {
  local rc=$?
  if [[ -n "$kc_pid" ]]; then
    kill -- "-$kc_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$kc_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$kc_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$work/keycloak.log" ]]; then
    echo "---- keycloak.log (last 60 lines)" >&2
    tail -60 "$work/keycloak.log" >&2
  fi
  rm -rf "$work"
  echo "sso tier: done in $((SECONDS - started)) s (exit $rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r kc_port hub_port hub_api_port proxy_api_port < <("$venv/bin/python" - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)

# The platform: two teams with a workspace each (their hubs' URLs give Keycloak a JupyterHub client per team:
# risk's hub is the one the tier runs; fraud's, on another loopback host, only has its client), and Keycloak. The
# database is not used by Keycloak's dev mode (its own H2 file in the temporary directory); the platform file
# still names it, as it must.
cat >"$work/platform.yaml" <<YAML
teams:
  - { name: risk, editorGroups: [risk-editors], workspace: { url: "http://127.0.0.1:$hub_port" } }
  - { name: fraud, editorGroups: [fraud-editors], workspace: { url: "http://localhost:$hub_port" } }
sso:
  keycloak:
    url: http://localhost:$kc_port
    database: { secret: keycloak-db, cidrs: [10.20.0.5/32] }
YAML
node bin/modelplane.js synth --platform "$work/platform.yaml" -o "$work/dist" >/dev/null
npx ts-node --transpile-only test/sso/emit.ts "$work/platform.yaml" >"$work/emitted.json"

# Keycloak's home: the cached distribution hard-linked (never written), but for its build output (lib/quarkus,
# rewritten by dev mode's build) and its data directory, which are this run's own.
mkdir -p "$work/kc"
cp -al "$kc_dist/." "$work/kc/"
rm -rf "$work/kc/lib/quarkus" "$work/kc/data"
dev_build="$(dirname "$kc_dist")/dev-build"
if [[ -f "$dev_build/.stamp" ]]; then cp -a "$dev_build/quarkus" "$work/kc/lib/quarkus"; else cp -a "$kc_dist/lib/quarkus" "$work/kc/lib/quarkus"; fi
mkdir -p "$work/kc/data/import"

# The realm from the synthesized ConfigMap, and a random secret per client, as the bootstrap Job generates them.
umask 077
"$venv/bin/python" - "$work" <<'PY'
import glob, json, secrets, string, sys, yaml
work = sys.argv[1]
realm = None
for f in sorted(glob.glob(work + "/dist/*.k8s.yaml")):
    for doc in yaml.safe_load_all(open(f)):
        if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "keycloak-realm":
            (name, text), = doc["data"].items()
            realm = text
if realm is None:
    sys.exit("sso tier: the synthesized output has no ConfigMap keycloak-realm")
open(work + "/kc/data/import/" + name, "w").write(realm)
clients = json.load(open(work + "/emitted.json"))["clients"]
alphabet = string.ascii_letters + string.digits
values = {c["secretEnv"]: "".join(secrets.choice(alphabet) for _ in range(32)) for c in clients}
json.dump(values, open(work + "/client-secrets.json", "w"))
with open(work + "/client-secrets.env", "w") as env:
    for k, v in values.items():
        env.write("export %s=%s\n" % (k, v))
PY
umask 022
admin_password="$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(16))')"

echo "sso tier: starting Keycloak $(basename "$kc_dist") (Java: $JAVA_HOME) on 127.0.0.1:$kc_port" >&2
kc_started=$SECONDS
# Job control on for this one job: it gets a process group of its own (its pid), which cleanup stops whole
# (kc.sh runs dev mode's build step as a child before it execs the server).
set -m
(
  set +x
  source "$work/client-secrets.env"
  export KC_BOOTSTRAP_ADMIN_USERNAME=tier-admin KC_BOOTSTRAP_ADMIN_PASSWORD="$admin_password"
  # On Java 24 and later, JBoss Threads' thread-local reset needs java.lang opened (its own message says so).
  export JAVA_OPTS_APPEND="--add-opens=java.base/java.lang=ALL-UNNAMED"
  exec "$work/kc/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$kc_port" --import-realm \
    --hostname="http://localhost:$kc_port" --hostname-backchannel-dynamic=true
) >"$work/keycloak.log" 2>&1 &
kc_pid=$!
set +m
ready=""
for _ in $(seq 1 480); do
  if ! kill -0 "$kc_pid" 2>/dev/null; then echo "sso tier: Keycloak exited during startup" >&2; exit 1; fi
  if curl -sf "http://127.0.0.1:$kc_port/realms/modelplane/.well-known/openid-configuration" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
[[ -n "$ready" ]] || { echo "sso tier: Keycloak not ready after 240 s" >&2; exit 1; }
kc_seconds=$((SECONDS - kc_started))
rebuilt="$(grep -c 'Updating the configuration' "$work/keycloak.log" || true)"
echo "sso tier: Keycloak ready in ${kc_seconds} s ($([[ "$rebuilt" -gt 0 ]] && echo 'with' || echo 'without') dev mode's build step)" >&2
# Dev mode's build output, kept for the next runs (published whole, stamp last).
if [[ ! -f "$dev_build/.stamp" ]]; then
  staging="$(mktemp -d "$(dirname "$kc_dist")/.dev-build.XXXXXX")"
  cp -a "$work/kc/lib/quarkus" "$staging/quarkus"
  rm -rf "$dev_build"
  mv "$staging" "$dev_build" && date -u +%FT%TZ >"$dev_build/.stamp" || rm -rf "$staging"
fi

export MODELPLANE_SSO_WORK="$work" MODELPLANE_SSO_KEYCLOAK="http://127.0.0.1:$kc_port" MODELPLANE_SSO_HUB_PORT="$hub_port"
export MODELPLANE_SSO_HUB_API_PORT="$hub_api_port" MODELPLANE_SSO_PROXY_API_PORT="$proxy_api_port" MODELPLANE_SSO_CHP="$chp"
export MODELPLANE_SSO_ADMIN=tier-admin MODELPLANE_SSO_ADMIN_PASSWORD="$admin_password"
"$venv/bin/python" -m pytest -p no:cacheprovider -q test/sso "$@"
