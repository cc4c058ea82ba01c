"""Idle culling: the culler the chart runs from the values' `cull` settings (jupyterhub_idle_culler as a hub
service, with its role) stops a server nobody uses. Only the timeout and period are shortened (run-tier.sh sets
them; the values' own are asserted below).

The culler leaves pending servers alone, and no kubelet runs here, so the test plays the kubelet for one Pod: it
marks the Pod Running and ready at a loopback address (status subresource, as the admin) where a stand-in for
jupyterhub-singleuser answers, so that the hub sees the server up and routes it."""

import datetime
import http.server
import json
import os
import threading

import pytest

from conftest import PROFILES, SPAWNER, TEAM, VALUES, WORK, api, get, kubectl, wait_for
from test_spawn import pod_of, start, stop

# A loopback address of its own: the server's port is KubeSpawner's (8888 unless the values set one).
POD_IP = "127.81.0.1"


@pytest.fixture
def singleuser_stand_in():
    """Answers every request on POD_IP:<port> (the hub only waits for an HTTP answer)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    port = int(SPAWNER.get("port", 8888))
    server = http.server.ThreadingHTTPServer((POD_IP, port), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield
    server.shutdown()
    server.server_close()


def play_kubelet(name: str):
    """Marks the Pod Running with its containers ready at POD_IP, as a kubelet would report it."""
    pod = get("pod", name)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {
        "phase": "Running",
        "podIP": POD_IP,
        "podIPs": [{"ip": POD_IP}],
        "startTime": now,
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": "",
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": now}},
            }
            for c in pod["spec"]["containers"]
        ],
    }
    kubectl("patch", "pod", name, "-n", TEAM, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}))


def test_the_values_turn_culling_on_with_the_workspaces_idle_time(applied):
    cull = VALUES["cull"]
    assert cull["enabled"] is True
    assert cull["timeout"] == 3600  # test/workspace/platform.yaml: culling.idleSeconds
    assert cull["every"] > 0
    # The culler the hub runs: the values' flags, the timeout and period shortened by run-tier.sh.
    cmd = applied["culler"]
    assert cmd[1:3] == ["-m", "jupyterhub_idle_culler"]
    assert f"--timeout={os.environ['MODELPLANE_WS_CULL_TIMEOUT']}" in cmd
    assert f"--cull-every={os.environ['MODELPLANE_WS_CULL_EVERY']}" in cmd
    assert ("--cull-users" in cmd) == bool(cull.get("users"))


def test_an_idle_server_is_stopped_by_the_culler(singleuser_stand_in):
    user = "idle-user"
    default = next((p for p in PROFILES if p.get("default")), PROFILES[0])
    start(user, default["slug"])
    try:
        pod = pod_of(user)
        play_kubelet(pod["metadata"]["name"])
        ready = wait_for(f"{user}'s server to be ready", lambda: api("GET", f"/users/{user}").json()["servers"].get("", {}).get("ready"), timeout=60)
        assert ready is True
        timeout = int(os.environ["MODELPLANE_WS_CULL_TIMEOUT"]) + 2 * int(os.environ["MODELPLANE_WS_CULL_EVERY"]) + 30
        # Nobody uses it: the culler stops it, and KubeSpawner deletes the Pod.
        wait_for(f"the culler to stop {user}'s server", lambda: not api("GET", f"/users/{user}").json()["servers"], timeout=timeout)
        wait_for(f"Pod jupyter-{user} to be deleted", lambda: get("pod", f"jupyter-{user}") is None, timeout=60)
        assert get("pvc", f"claim-{user}") is not None
        # It was the culler: its own log line, in the hub's log (the hub runs it as a managed service).
        with open(os.path.join(WORK, "hub.log")) as f:
            assert f"Culling server {user} " in f.read()
    finally:
        if api("GET", f"/users/{user}").json()["servers"]:
            stop(user)
