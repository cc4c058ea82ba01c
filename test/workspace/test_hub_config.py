"""The hub as installed: the values the install script hands to helm, applied to a real JupyterHub, which talks to
the API server with the hub ServiceAccount's token and only with what the team's hub Role grants."""

import json

from conftest import HUB_KUBECONFIG, SPAWNER, TEAM, TEAM_OBJECTS, VALUES, api, kubectl


def test_the_hub_runs_every_hub_config_entry_of_the_values(applied):
    expected = sorted(f"{app}.{trait}" for app, cfg in VALUES["hub"]["config"].items() for trait in cfg)
    assert sorted(applied["applied"]) == expected
    # Every spawner setting the contract names is there, for KubeSpawner itself.
    for trait in (
        "namespace", "service_account", "automount_service_account_token", "image", "profile_list",
        "storage_pvc_ensure", "pvc_name_template", "storage_capacity", "volumes", "volume_mounts", "environment",
    ):
        assert f"KubeSpawner.{trait}" in applied["applied"], trait
    assert SPAWNER["namespace"] == TEAM
    # The hub answers with the JupyterHub the chart pins.
    r = api("GET", "/")
    assert r.status_code == 200 and r.json()["version"] == "5.4.4"


def test_chart_parts_a_restricted_least_privilege_namespace_cannot_take_are_off():
    assert VALUES["rbac"]["create"] is False
    assert VALUES["hub"]["serviceAccount"] == {"create": False, "name": "modelplane-jupyterhub"}
    assert VALUES["singleuser"]["cloudMetadata"]["blockWithIptables"] is False
    for part in ("userScheduler", "podPriority", "userPlaceholder"):
        assert VALUES["scheduling"][part]["enabled"] is False, part
    assert VALUES["prePuller"]["hook"]["enabled"] is False
    assert VALUES["prePuller"]["continuous"]["enabled"] is False


def test_no_secret_value_in_the_values():
    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                if "secret" in str(k).lower() or "password" in str(k).lower() or str(k).lower().endswith("token"):
                    assert not (isinstance(x, str) and x), f"{path}.{k} holds a literal value"
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")

    walk(VALUES, "values")


def test_the_teams_files_carry_the_hub_and_notebook_identities():
    kinds = {(o["kind"], o["metadata"]["name"]) for o in TEAM_OBJECTS}
    for k in (
        ("ServiceAccount", "modelplane-jupyterhub"), ("ServiceAccount", "modelplane-notebook"),
        ("Role", "modelplane-jupyterhub"), ("RoleBinding", "modelplane-jupyterhub"),
    ):
        assert k in kinds, k
    ns = next(o for o in TEAM_OBJECTS if o["kind"] == "Namespace")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def can_i(*args: str) -> str:
    r = kubectl("auth", "can-i", *args, kubeconfig=HUB_KUBECONFIG, check=False)
    return r.stdout.strip()


def test_the_hub_token_is_the_hub_serviceaccount_with_least_privilege():
    who = json.loads(kubectl("auth", "whoami", "-o", "json", kubeconfig=HUB_KUBECONFIG).stdout)
    assert who["status"]["userInfo"]["username"] == f"system:serviceaccount:{TEAM}:modelplane-jupyterhub"
    # What KubeSpawner needs, in the team's namespace.
    for verb, res in [
        ("create", "pods"), ("get", "pods"), ("list", "pods"), ("watch", "pods"), ("delete", "pods"),
        ("create", "persistentvolumeclaims"), ("get", "persistentvolumeclaims"), ("list", "events"),
    ]:
        assert can_i(verb, res, "-n", TEAM) == "yes", (verb, res)
    # Nothing else: not the team's Secrets, not other namespaces, not the cluster.
    for args in [
        ("get", "secrets", "-n", TEAM), ("list", "secrets", "-n", TEAM),
        ("list", "pods", "-n", "default"), ("create", "pods", "-n", "kube-system"),
        ("list", "namespaces"), ("create", "rolebindings", "-n", TEAM), ("patch", "resourcequotas", "-n", TEAM),
        ("create", "pods", "--subresource=exec", "-n", TEAM), ("create", "serviceaccounts", "--subresource=token", "-n", TEAM),
    ]:
        assert can_i(*args) == "no", args
    r = kubectl("get", "pods", "-n", "default", kubeconfig=HUB_KUBECONFIG, check=False)
    assert r.returncode != 0 and "Forbidden" in r.stderr


def test_the_hub_and_proxy_containers_security_contexts_pass_restricted():
    """The chart's hub and proxy Pods are not created here (the hub runs on loopback): their containers' security
    contexts from the values pass Pod Security "restricted" in the team namespace (server-side dry run, no warning)."""
    for name, ctx in [
        ("hub", VALUES["hub"]["containerSecurityContext"]),
        ("proxy", VALUES["proxy"]["chp"]["containerSecurityContext"]),
    ]:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"security-context-{name}", "namespace": TEAM},
            "spec": {
                "serviceAccountName": "modelplane-jupyterhub" if name == "hub" else "default",
                "automountServiceAccountToken": name == "hub",
                "containers": [
                    {
                        "name": name,
                        "image": "registry.k8s.io/pause:3.10",
                        "securityContext": ctx,
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "10m", "memory": "16Mi"}},
                    }
                ],
            },
        }
        r = kubectl("create", "--dry-run=server", "-o", "name", "-f", "-", input=json.dumps(pod))
        assert "Warning" not in r.stderr, (name, r.stderr)
        assert r.stdout.strip() == f"pod/security-context-{name}"
