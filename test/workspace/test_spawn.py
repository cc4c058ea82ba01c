"""A server of every profile, started through the hub's REST API: KubeSpawner creates the notebook Pod and its
claim in the team's namespace with the hub's token, the API server admits them (Pod Security "restricted", the
quota, the LimitRange), and the Pod is what the profile says. No kubelet runs: the Pod stays Pending while
KubeSpawner waits, and stopping the server deletes it (the claim stays)."""

import json
import os
import re

import pytest

from conftest import PROFILES, SPAWNER, TEAM, WORK, api, get, kubectl, override, quantity, quota_used, spawner_bytes, wait_for


def start(user: str, slug: str):
    r = api("POST", f"/users/{user}")
    assert r.status_code in (201, 409), r.text
    r = api("POST", f"/users/{user}/server", json={"profile": slug})
    assert r.status_code in (201, 202), f"{r.text}; the hub's last error: {last_hub_error()}"


def last_hub_error() -> str:
    """The last exception line of the hub's log (a 500 of the REST API says no more than "Internal Server Error")."""
    with open(os.path.join(WORK, "hub.log")) as f:
        errors = [l.strip() for l in f if re.match(r"\s*[A-Za-z_.]+(Error|Exception): ", l)]
    return errors[-1] if errors else "none logged"


def stop(user: str):
    r = api("DELETE", f"/users/{user}/server")
    assert r.status_code in (202, 204), r.text
    wait_for(f"{user}'s server to stop", lambda: not api("GET", f"/users/{user}").json()["servers"], timeout=60)


def spawn_failure(user: str):
    """The hub's message when the user's spawn has failed (the server is gone), else None."""
    if api("GET", f"/users/{user}").json()["servers"]:
        return None
    with api("GET", f"/users/{user}/server/progress", stream=True) as r:
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                event = json.loads(line[5:])
                if event.get("failed"):
                    return event.get("message") or "failed"
    return "the server is gone, with no failure event"


def pod_of(user: str):
    """The user's notebook Pod once KubeSpawner created it; fails at once with the hub's message if the spawn failed."""

    def found():
        failure = spawn_failure(user)
        if failure:
            raise AssertionError(f"{user}'s spawn failed: {failure}")
        return get("pod", f"jupyter-{user}")

    return wait_for(f"Pod jupyter-{user} in {TEAM}", found, timeout=60)


def env_of(container) -> dict:
    return {e["name"]: e for e in container.get("env", [])}


@pytest.mark.parametrize("profile", PROFILES, ids=[p["slug"] for p in PROFILES])
def test_a_server_of_the_profile_is_an_admitted_pod_as_the_profile_says(profile):
    slug = profile["slug"]
    user = f"user-{slug}"
    start(user, slug)
    try:
        pod = pod_of(user)
        spec = pod["spec"]
        # The hub reports the spawn as pending (KubeSpawner waits for a Pod that never runs here).
        model = api("GET", f"/users/{user}").json()
        assert model["servers"][""]["pending"] == "spawn"
        assert model["servers"][""]["user_options"] == {"profile": slug}

        # Identity: the notebook ServiceAccount, no token mounted.
        assert spec["serviceAccountName"] == "modelplane-notebook"
        assert spec["automountServiceAccountToken"] is False
        assert not any("serviceaccount" in (m.get("mountPath") or "") for c in spec["containers"] for m in c.get("volumeMounts", []))

        # The same Pod, for a server-side dry run once this one is gone (the quota would count both).
        probe = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"{pod['metadata']['name']}-probe", "namespace": TEAM, "labels": pod["metadata"]["labels"]},
            "spec": spec,
        }
        for k, v in SPAWNER["pod_security_context"].items():
            assert spec["securityContext"][k] == v, k
        nb = next(c for c in spec["containers"] if c["name"] == "notebook")
        for k, v in SPAWNER["container_security_context"].items():
            assert nb["securityContext"][k] == v, k

        # The profile's image and the session's start page (JupyterLab or VS Code).
        assert nb["image"] == override(profile, "image")
        if SPAWNER.get("default_url"):
            assert env_of(nb)["JUPYTERHUB_DEFAULT_URL"]["value"] == SPAWNER["default_url"]

        # Resources as the profile.
        req, lim = nb["resources"]["requests"], nb["resources"]["limits"]
        assert quantity(req["cpu"]) == quantity(override(profile, "cpu_guarantee"))
        assert quantity(lim["cpu"]) == quantity(override(profile, "cpu_limit"))
        assert quantity(req["memory"]) == spawner_bytes(override(profile, "mem_guarantee"))
        assert quantity(lim["memory"]) == spawner_bytes(override(profile, "mem_limit"))
        ko = profile.get("kubespawner_override") or {}
        gpus = (ko.get("extra_resource_limits") or {}).get("nvidia.com/gpu")
        if gpus:
            # On the pool: the GPU, its taint tolerated, its nodes selected and required.
            assert quantity(req["nvidia.com/gpu"]) == quantity(gpus) == quantity(lim["nvidia.com/gpu"])
            for t in ko["tolerations"]:
                assert t in spec["tolerations"], t
            for k, v in (ko.get("node_selector") or {}).items():
                assert spec["nodeSelector"][k] == v, k
            assert spec["affinity"] == ko["extra_pod_config"]["affinity"]
            terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            assert any(e["key"] == "modelplane.dev/gpu-pool" for t in terms for e in t["matchExpressions"])
        else:
            assert "nvidia.com/gpu" not in req and "nvidia.com/gpu" not in lim
            assert "modelplane.dev/gpu-pool" not in json.dumps(spec.get("affinity", {})) + json.dumps(spec.get("nodeSelector", {}))
            assert not any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", []))

        # The user's claim, created by KubeSpawner with the size and class of the values, mounted at the home.
        claim = f"claim-{user}"
        pvc = get("pvc", claim)
        assert pvc is not None, f"no PersistentVolumeClaim {claim}"
        assert quantity(pvc["spec"]["resources"]["requests"]["storage"]) == quantity(SPAWNER["storage_capacity"])
        assert pvc["spec"]["storageClassName"] == SPAWNER["storage_class"]
        for k, v in (SPAWNER.get("storage_extra_labels") or {}).items():
            got = pvc["metadata"]["labels"].get(k)
            assert got == v, f"claim label {k}: the values' storage_extra_labels say {v!r}, the claim has {got!r}"
        assert pvc["spec"]["accessModes"] == SPAWNER["storage_access_modes"]
        vol = next(v for v in spec["volumes"] if v.get("persistentVolumeClaim", {}).get("claimName") == claim)
        mount = next(m for m in nb["volumeMounts"] if m["name"] == vol["name"])
        assert mount["mountPath"] == "/home/jovyan"

        # The team's MLflow and object store in the environment; the keys by reference only.
        env = env_of(nb)
        for name, want in SPAWNER["environment"].items():
            if isinstance(want, str):
                assert env[name] == {"name": name, "value": want}, name
            else:
                assert "value" not in env[name], name
                assert env[name] == {"name": name, "valueFrom": want["valueFrom"]}, name
        assert "MLFLOW_TRACKING_URI" in env and env["MLFLOW_TRACKING_URI"]["value"]
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert set(env[key]) == {"name", "valueFrom"} and env[key]["valueFrom"]["secretKeyRef"]["name"], key

        # Labels: the values' own and KubeSpawner's.
        labels = pod["metadata"]["labels"]
        for k, v in (SPAWNER.get("extra_labels") or {}).items():
            assert labels.get(k) == v, f"Pod label {k}: the values' extra_labels say {v!r}, the Pod has {labels.get(k)!r}"
        assert labels["hub.jupyter.org/username"] == user
        assert labels["component"] == "singleuser-server"
    finally:
        stop(user)
    wait_for(f"Pod jupyter-{user} to be deleted", lambda: get("pod", f"jupyter-{user}") is None, timeout=60)
    assert get("pvc", f"claim-{user}") is not None
    # Admitted under "restricted" without a single Pod Security warning (warn mode is restricted too).
    wait_for("the quota to release the server's usage", lambda: quota_used("requests.cpu") == 0, timeout=60)
    dry = kubectl("create", "--dry-run=server", "-o", "name", "-f", "-", input=json.dumps(probe))
    assert "Warning" not in dry.stderr, dry.stderr
    assert dry.stdout.strip() == f"pod/{probe['metadata']['name']}"
