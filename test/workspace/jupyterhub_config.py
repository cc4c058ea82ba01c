"""JupyterHub's configuration in the workspace tier (scripts/workspace/run-tier.sh).

First what the Zero to JupyterHub chart does with the values our install script hands to
`helm upgrade --install jupyterhub-<team>` (MODELPLANE_WS_VALUES): KubeSpawner as the spawner, every
`hub.config.<Class>.<trait>` entry applied to `c` as the chart's hub applies it (last, over everything it derived
from `singleuser.*`; the values put every spawner setting there), and the idle culler as a hub service built
from `cull.*`. Then the tier's own overrides, each commented with why: what a test on loopback needs instead of a
cluster. Which keys came from the values is printed (lines `modelplane-workspace: ...` in the hub's log) and
written to <work>/applied.json for the tests.

Not reproduced: what the chart derives from `singleuser.*` and its own defaults before `hub.config` (e.g. its
`hub.jupyter.org/dedicated` tolerations and node-purpose affinity, `c.KubeSpawner.common_labels`); every setting
our values make is under `hub.config`, which the chart applies over those.
"""

import json
import os
import sys

import yaml

c = get_config()  # noqa: F821 (JupyterHub's config loader provides get_config)

work = os.environ["MODELPLANE_WS_WORK"]
with open(os.environ["MODELPLANE_WS_VALUES"]) as f:
    values = yaml.safe_load(f) or {}

# --- as the chart does --------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
# The chart's fixed hub settings that change what the REST API answers: a spawn request returns at once (its
# outcome is in the progress events), and the hub leaves user pods alone when it restarts.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.JupyterHub.cleanup_servers = False

# hub.config, less what the chart loads from its own Secret instead (seeded secrets, services).
CHART_SEEDED = {
    "JupyterHub": ("proxy_auth_token", "cookie_secret", "services"),
    "ConfigurableHTTPProxy": ("auth_token",),
    "CryptKeeper": ("keys",),
}
applied = []
for app, cfg in ((values.get("hub") or {}).get("config") or {}).items():
    cfg = dict(cfg or {})
    for key in CHART_SEEDED.get(app, ()):
        cfg.pop(key, None)
    c[app].update(cfg)
    applied += [f"{app}.{trait}" for trait in sorted(cfg)]

# The idle culler as the chart runs it when cull.enabled: a hub service running jupyterhub_idle_culler with a
# role of the scopes it needs, its flags from cull.timeout / cull.every / cull.maxAge / cull.users.
cull = values.get("cull") or {}
culler = None
if cull.get("enabled"):
    culler = [sys.executable, "-m", "jupyterhub_idle_culler"]
    # The chart points it at the hub's in-pod address (localhost:8081); here the hub listens on the tier's port.
    culler.append(f"--url=http://127.0.0.1:{os.environ['MODELPLANE_WS_HUB_PORT']}/hub/api")
    # A short timeout and period (test override) so that a test sees an idle server culled; the values' own
    # cull.timeout and cull.every are asserted by the tests.
    culler += [
        f"--timeout={os.environ.get('MODELPLANE_WS_CULL_TIMEOUT', cull.get('timeout', 3600))}",
        f"--cull-every={os.environ.get('MODELPLANE_WS_CULL_EVERY', cull.get('every', 600))}",
    ]
    if cull.get("maxAge"):
        culler.append(f"--max-age={cull['maxAge']}")
    if cull.get("users"):
        culler.append("--cull-users")

# --- test overrides -------------------------------------------------------------------------------------------
# No OIDC issuer runs in this tier (the SSO tier proves the real login): DummyAuthenticator instead of the
# values' authenticator. The authenticator's settings from the values are still applied above (unused here).
c.JupyterHub.authenticator_class = "dummy"
# The tests drive the hub through its REST API with an admin token of a service of their own.
token = os.environ["MODELPLANE_WS_API_TOKEN"]
c.JupyterHub.services = [{"name": "modelplane-test", "api_token": token}]
c.JupyterHub.load_roles = [
    {"name": "modelplane-test", "scopes": ["admin:users", "admin:servers"], "services": ["modelplane-test"]},
]
if culler:
    c.JupyterHub.services.append({"name": "jupyterhub-idle-culler", "command": culler})
    c.JupyterHub.load_roles.append(
        {
            "name": "jupyterhub-idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["jupyterhub-idle-culler"],
        }
    )
# Loopback only, on free ports; state in the tier's temporary directory.
c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['MODELPLANE_WS_PROXY_PORT']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['MODELPLANE_WS_HUB_PORT']}"
c.JupyterHub.db_url = f"sqlite:///{work}/hub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{work}/hub/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{work}/hub/jupyterhub.pid"
# The chart runs configurable-http-proxy in its own pod; here the hub starts it (npm devDependency), on loopback,
# with the token run-tier.sh put in CONFIGPROXY_AUTH_TOKEN.
c.ConfigurableHTTPProxy.command = [os.environ["MODELPLANE_WS_CHP"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['MODELPLANE_WS_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.pid_file = f"{work}/hub/proxy.pid"
c.ConfigurableHTTPProxy.should_start = True
# KubeSpawner reaches the API server through KUBECONFIG (the hub ServiceAccount's token), set by run-tier.sh.

with open(f"{work}/applied.json", "w") as f:
    json.dump({"applied": applied, "culler": culler}, f)
print(f"modelplane-workspace: from the values' hub.config: {', '.join(applied)}", file=sys.stderr)
print(f"modelplane-workspace: culler service: {' '.join(culler) if culler else 'none (cull.enabled is not true)'}", file=sys.stderr)
