"""What the workspace tier's tests share: the running hub (its REST API with the test service's admin token), the
values the install script handed to helm, the team's synthesized files, and kubectl against the tier's API
server, as the admin (KUBECONFIG) or as the hub (the hub ServiceAccount's token).

Needs scripts/workspace/run-tier.sh (MODELPLANE_WS_* and, from scripts/kube/up.sh, KUBECONFIG and MODELPLANE_KUBECTL).
"""

import json
import os
import re
import subprocess
import time
from decimal import Decimal

import pytest
import requests
import yaml


def need(name: str) -> str:
    v = os.environ.get(name)
    if not v:
        raise RuntimeError(f"{name} is not set: run this tier with bash scripts/workspace/run-tier.sh")
    return v


HUB = need("MODELPLANE_WS_HUB_URL")
TOKEN = need("MODELPLANE_WS_API_TOKEN")
TEAM = need("MODELPLANE_WS_TEAM")
WORK = need("MODELPLANE_WS_WORK")
KUBECTL = need("MODELPLANE_KUBECTL")
HUB_KUBECONFIG = need("MODELPLANE_WS_HUB_KUBECONFIG")
need("KUBECONFIG")

with open(need("MODELPLANE_WS_VALUES")) as f:
    VALUES = yaml.safe_load(f)
with open(need("MODELPLANE_WS_TEAM_FILE")) as f:
    TEAM_OBJECTS = [o for o in yaml.safe_load_all(f) if o]
SPAWNER = VALUES["hub"]["config"]["KubeSpawner"]
PROFILES = SPAWNER["profile_list"]


def api(method: str, path: str, **kw) -> requests.Response:
    """A request to the hub's REST API as the test service (admin:users, admin:servers)."""
    return requests.request(
        method, f"{HUB}/hub/api{path}", headers={"Authorization": f"token {TOKEN}"}, timeout=30, **kw
    )


def kubectl(*args: str, kubeconfig: str | None = None, input: str | None = None, check: bool = True):
    """kubectl as the admin (or with another kubeconfig); the completed process."""
    env = dict(os.environ)
    if kubeconfig:
        env["KUBECONFIG"] = kubeconfig
    r = subprocess.run([KUBECTL, *args], capture_output=True, text=True, input=input, env=env, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def get(kind: str, name: str, namespace: str = TEAM):
    """The object as the API server holds it, or None."""
    r = kubectl("get", kind, name, "-n", namespace, "-o", "json", check=False)
    if r.returncode != 0:
        if "NotFound" in r.stderr:
            return None
        raise AssertionError(r.stderr)
    return json.loads(r.stdout)


def wait_for(what: str, fn, timeout: float = 60, every: float = 0.5):
    """Polls fn until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


UNITS = {
    "": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}


def quantity(q) -> Decimal:
    """A Kubernetes quantity ("500m", "2Gi", 4, "1") as a number."""
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(q))
    assert m and m.group(2) in UNITS, f"not a quantity: {q!r}"
    return Decimal(m.group(1)) * UNITS[m.group(2)]


def spawner_bytes(v) -> Decimal:
    """A KubeSpawner memory setting (JupyterHub's ByteSpecification: K/M/G/T are powers of 1024) in bytes."""
    m = re.fullmatch(r"([0-9.]+)([KMGT]?)(i?)", str(v))
    if not m:
        return quantity(v)
    return Decimal(m.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2)]


def override(profile: dict, trait: str):
    """A trait's value for a profile: its kubespawner_override, else the KubeSpawner setting."""
    return (profile.get("kubespawner_override") or {}).get(trait, SPAWNER.get(trait))


def quota_used(resource: str) -> Decimal:
    """What the team's ResourceQuota counts as used of `resource` (its controller's last computation)."""
    name = next(o["metadata"]["name"] for o in TEAM_OBJECTS if o["kind"] == "ResourceQuota")
    q = get("resourcequota", name)
    return quantity(((q.get("status") or {}).get("used") or {}).get(resource, "0"))


@pytest.fixture(scope="session")
def applied():
    with open(os.path.join(WORK, "applied.json")) as f:
        return json.load(f)


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true nothing is skipped quietly: a skipped test fails the tier."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        print(f"\nworkspace tier: {skipped} test(s) skipped under CI=true", flush=True)
        session.exitstatus = 1
