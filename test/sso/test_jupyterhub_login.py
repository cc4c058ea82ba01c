"""Real JupyterHub with OAuthenticator's GenericOAuthenticator, configured with what jupyterHubAuth emits for
team risk, against the tier's Keycloak: a member of the team's editor group logs in through the browser flow
(the JupyterHub user is created, in the group); someone outside it is refused (403) and never becomes a user."""
import json
import os
import secrets
import subprocess
import sys
import time

import pytest
import requests

from conftest import KEYCLOAK, WORK, backchannel, browser, submit_login

TEAM = "risk"


@pytest.fixture(scope="module")
def hub(emitted, client_secrets):
    auth = emitted["hubAuth"][TEAM]
    client = next(c for c in emitted["clients"] if c["clientId"] == f"jupyterhub-{TEAM}")
    # The hub pod reads its client secret from the team's Secret the bootstrap creates, by secretKeyRef.
    assert auth["env"] == {
        "name": "OAUTH_CLIENT_SECRET",
        "valueFrom": {"secretKeyRef": {"name": "modelplane-sso-jupyterhub", "key": "client-secret"}},
    }
    assert "client_secret" not in auth["config"]
    config = dict(auth["config"])
    # The hub calls the token and userinfo endpoints at Keycloak's Service: swapped for the loopback address.
    config["token_url"] = backchannel(emitted, config["token_url"])
    config["userdata_url"] = backchannel(emitted, config["userdata_url"])
    assert config["oauth_callback_url"] == client["redirectUri"]
    port = int(os.environ["MODELPLANE_SSO_HUB_PORT"])
    base = f"http://127.0.0.1:{port}"  # risk's workspace.url
    assert client["url"] == base
    home = os.path.join(WORK, "hub")
    os.makedirs(home)
    token = secrets.token_hex(32)
    lines = [
        "c = get_config()  # noqa: F821",
        f"c.JupyterHub.authenticator_class = {auth['authenticatorClass']!r}",
        *(f"c.GenericOAuthenticator.{k} = {json.loads(json.dumps(v))!r}" for k, v in config.items()),
        f"c.JupyterHub.bind_url = {base + '/'!r}",
        f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{os.environ['MODELPLANE_SSO_HUB_API_PORT']}'",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{os.environ['MODELPLANE_SSO_PROXY_API_PORT']}'",
        f"c.ConfigurableHTTPProxy.command = [{os.environ['MODELPLANE_SSO_CHP']!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///{home}/jupyterhub.sqlite'",
        f"c.JupyterHub.cookie_secret_file = '{home}/cookie_secret'",
        "c.JupyterHub.services = [{'name': 'tier', 'api_token': %r}]" % token,
        "c.JupyterHub.load_roles = [{'name': 'tier', 'scopes': ['list:users', 'read:users', 'read:groups'], 'services': ['tier']}]",
    ]
    with open(os.path.join(home, "jupyterhub_config.py"), "w") as f:
        f.write("\n".join(lines) + "\n")
    env = {
        **os.environ,
        "OAUTH_CLIENT_SECRET": client_secrets[client["secretEnv"]],
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
    }
    log = open(os.path.join(home, "jupyterhub.log"), "w")
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "jupyterhub"), "-f", "jupyterhub_config.py"],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 90
        while True:
            assert proc.poll() is None, "JupyterHub exited:\n" + open(log.name).read()[-3000:]
            try:
                if requests.get(base + "/hub/api", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.time() < deadline, "JupyterHub not up after 90 s:\n" + open(log.name).read()[-3000:]
            time.sleep(0.5)
        yield {"base": base, "headers": {"Authorization": "token " + token}, "log": log.name}
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


def hub_login(hub, username):
    """The browser: the hub's login redirects to Keycloak, the login form, Keycloak redirects to the hub's callback."""
    s = browser()
    r = s.get(hub["base"] + "/hub/oauth_login", allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:300]
    location = r.headers["Location"]
    assert location.startswith(KEYCLOAK.replace("127.0.0.1", "localhost") + "/realms/modelplane/protocol/openid-connect/auth?"), location
    done = submit_login(s, s.get(location, timeout=30), username)
    assert done.status_code == 302, done.text[:300]
    callback = done.headers["Location"]
    assert callback.startswith(hub["base"] + "/hub/oauth_callback?"), callback
    return s.get(callback, allow_redirects=False, timeout=60)


def test_a_team_member_signs_in_to_the_hub_and_is_in_the_team_group(hub, users):
    r = hub_login(hub, users["member"])
    assert r.status_code == 302, f"{r.status_code} {r.text[:500]}\n" + open(hub["log"]).read()[-3000:]
    user = requests.get(f"{hub['base']}/hub/api/users/{users['member']}", headers=hub["headers"], timeout=30)
    assert user.status_code == 200, user.text
    assert user.json()["groups"] == ["risk-editors"]
    group = requests.get(f"{hub['base']}/hub/api/groups/risk-editors", headers=hub["headers"], timeout=30)
    assert group.status_code == 200 and group.json()["users"] == [users["member"]], group.text


def test_someone_outside_the_team_is_refused(hub, users):
    r = hub_login(hub, users["outsider"])
    assert r.status_code == 403, f"{r.status_code} {r.text[:500]}"
    user = requests.get(f"{hub['base']}/hub/api/users/{users['outsider']}", headers=hub["headers"], timeout=30)
    assert user.status_code == 404, user.text
