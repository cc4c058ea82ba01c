"""The team's quota holds the notebooks too: with the quota's one GPU taken by a server of the GPU profile, a
second one is refused by the ResourceQuota admission, and JupyterHub reports that spawn as failed."""

import json

import requests

from conftest import HUB, PROFILES, TEAM_OBJECTS, TOKEN, api, get, quantity, quota_used, wait_for
from test_spawn import pod_of, start, stop


def failed_event(user: str) -> dict:
    """The spawn's progress events until the last one; the failure event."""
    with requests.get(
        f"{HUB}/hub/api/users/{user}/server/progress",
        headers={"Authorization": f"token {TOKEN}"},
        stream=True,
        timeout=90,
    ) as r:
        assert r.status_code == 200, r.text
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                event = json.loads(line[5:])
                if event.get("failed") or event.get("ready"):
                    return event
    raise AssertionError(f"{user}'s progress stream ended without a final event")


def gpu_used() -> int:
    return int(quota_used("requests.nvidia.com/gpu"))


def test_a_gpu_server_beyond_the_quota_is_refused_and_the_hub_reports_the_failed_spawn():
    quota = next(o for o in TEAM_OBJECTS if o["kind"] == "ResourceQuota")
    assert quantity(quota["spec"]["hard"]["requests.nvidia.com/gpu"]) == 1
    gpu = next(p for p in PROFILES if (p.get("kubespawner_override") or {}).get("extra_resource_limits"))
    # The earlier tests' servers are gone: the quota controller has released their usage.
    wait_for("the quota's GPU usage to be 0", lambda: gpu_used() == 0, timeout=60)
    start("quota-a", gpu["slug"])
    try:
        pod_of("quota-a")
        wait_for("the quota to count quota-a's GPU", lambda: gpu_used() == 1, timeout=60)
        start("quota-b", gpu["slug"])
        event = failed_event("quota-b")
        assert event["failed"] is True
        assert "exceeded quota" in event["message"] and "requests.nvidia.com/gpu" in event["message"], event
        assert get("pod", "jupyter-quota-b") is None
        model = api("GET", "/users/quota-b").json()
        assert model["servers"] == {}
        # The first one is untouched, still waiting for its node.
        assert api("GET", "/users/quota-a").json()["servers"][""]["pending"] == "spawn"
    finally:
        stop("quota-a")
