"""pytest set-up of the SSO tier (scripts/sso/run-tier.sh): where the tier's Keycloak runs, what the
synthesized platform emitted (emit.ts), the client secrets the tier generated, the admin REST API of
Keycloak (test only) and a browser-like authorization-code login. Under CI=true a skipped test fails."""
import base64
import hashlib
import html.parser
import http.cookiejar
import json
import os
import secrets
import urllib.parse

import pytest
import requests

WORK = os.environ.get("MODELPLANE_SSO_WORK", "")
KEYCLOAK = os.environ.get("MODELPLANE_SSO_KEYCLOAK", "")
REALM = "modelplane"
PASSWORD = "correct horse battery staple"


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test fails the tier (a missing tool never becomes a silent skip)."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"{len(skipped)} test(s) skipped under CI=true: {', '.join(r.nodeid for r in skipped)}."
            " Fix: run the tier with bash scripts/sso/run-tier.sh (bash scripts/setup.sh installs what it needs)"
        )
        session.exitstatus = 1


@pytest.fixture(scope="session")
def emitted():
    if not WORK:
        pytest.fail("MODELPLANE_SSO_WORK is not set: run the tier with bash scripts/sso/run-tier.sh")
    with open(os.path.join(WORK, "emitted.json")) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def client_secrets():
    with open(os.path.join(WORK, "client-secrets.json")) as f:
        return json.load(f)


def backchannel(emitted, url):
    """An endpoint the clients' pods call, at the tier's Keycloak: the in-cluster Service's base URL (checked to
    be the synthesized one) swapped for the loopback address the tier's Keycloak listens on."""
    internal = emitted["keycloakInternalUrl"]
    assert url.startswith(internal + "/realms/"), url
    return KEYCLOAK + url[len(internal):]


class Admin:
    """Keycloak's admin REST API with the tier's bootstrap admin (test only, never the platform's output)."""

    def __init__(self):
        r = requests.post(
            f"{KEYCLOAK}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": os.environ["MODELPLANE_SSO_ADMIN"],
                "password": os.environ["MODELPLANE_SSO_ADMIN_PASSWORD"],
            },
            timeout=30,
        )
        r.raise_for_status()
        self.headers = {"Authorization": "Bearer " + r.json()["access_token"]}
        self.base = f"{KEYCLOAK}/admin/realms/{REALM}"

    def get(self, path, **params):
        r = requests.get(self.base + path, headers=self.headers, params=params, timeout=30)
        r.raise_for_status()
        return r.json()

    def add_user(self, username, groups):
        body = {
            "username": username,
            "enabled": True,
            "email": f"{username}@example.com",
            "emailVerified": True,
            "firstName": username.capitalize(),
            "lastName": "Tester",
            "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
        }
        r = requests.post(self.base + "/users", headers=self.headers, json=body, timeout=30)
        assert r.status_code == 201, r.text
        user_id = r.headers["Location"].rsplit("/", 1)[1]
        by_name = {g["name"]: g["id"] for g in self.get("/groups")}
        for g in groups:
            r = requests.put(f"{self.base}/users/{user_id}/groups/{by_name[g]}", headers=self.headers, timeout=30)
            assert r.status_code == 204, r.text
        return user_id


@pytest.fixture(scope="session")
def admin():
    return Admin()


@pytest.fixture(scope="session")
def users(admin):
    """Alice is in the team risk's editor group; Bob is in no group."""
    admin.add_user("alice", ["risk-editors"])
    admin.add_user("bob", [])
    return {"member": "alice", "outsider": "bob"}


_LOOPBACK = ("localhost", "localhost.local", "127.0.0.1")
_return_ok_secure = http.cookiejar.DefaultCookiePolicy.return_ok_secure


def _loopback_is_secure(self, cookie, request):
    """Browsers treat http://localhost and http://127.0.0.1 as secure contexts and send them `Secure` cookies
    (Keycloak's session cookies are `Secure; SameSite=None`); Python's cookie jar does not. requests copies the
    session's jar into a fresh one per request, so the policy is patched where every jar reads it (this test
    process only)."""
    host = urllib.parse.urlsplit(request.get_full_url()).hostname
    return host in _LOOPBACK or _return_ok_secure(self, cookie, request)


http.cookiejar.DefaultCookiePolicy.return_ok_secure = _loopback_is_secure


def browser():
    """A requests session that keeps and sends cookies as a browser does on loopback addresses."""
    return requests.Session()


class _LoginForm(html.parser.HTMLParser):
    """The action of Keycloak's login form (the form with the password field)."""

    def __init__(self):
        super().__init__()
        self.action = None
        self._form = None
        self._password = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form, self._password = a.get("action"), False
        if tag == "input" and a.get("name") == "password":
            self._password = True
            self.action = self._form


def submit_login(session, page, username):
    """Fills Keycloak's login form on `page` as a browser would and posts it; returns the response (not followed)."""
    assert page.status_code == 200, page.text[:500]
    form = _LoginForm()
    form.feed(page.text)
    assert form.action, "no login form on " + page.url
    return session.post(
        form.action,
        data={"username": username, "password": PASSWORD, "credentialId": ""},
        allow_redirects=False,
        timeout=30,
    )


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def claims(jwt):
    """The payload of a JWT (the signature is Keycloak's; the test reads what it says)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
