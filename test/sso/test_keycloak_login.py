"""Keycloak from Maven Central with the realm the platform synthesized: its clients and groups as written,
each client secret the one the tier generated (Keycloak's import replaced the realm's ${ENV}), and a
browser's authorization-code login whose ID token carries the team group, flat."""
import secrets
import urllib.parse

import requests

from conftest import KEYCLOAK, backchannel, browser, claims, pkce, query, submit_login


def authorize(emitted, client, challenge, redirect_uri=None, **extra):
    params = {
        "client_id": client["clientId"],
        "redirect_uri": redirect_uri or client["redirectUri"],
        "response_type": "code",
        "scope": " ".join(emitted["sso"]["scopes"]),
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        **({"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}),
        **extra,
    }
    # The browser opens the public authorization endpoint: the synthesized one, as it is.
    return emitted["sso"]["authorizeUrl"] + "?" + urllib.parse.urlencode(params), params["state"]


def client_of(emitted, client_id):
    return next(c for c in emitted["clients"] if c["clientId"] == client_id)


def login(emitted, client, username):
    """A browser's authorization-code login: authorize, Keycloak's login form, the redirect with the code."""
    s = browser()
    verifier, challenge = pkce()
    url, state = authorize(emitted, client, challenge)
    page = s.get(url, timeout=30)
    done = submit_login(s, page, username)
    assert done.status_code == 302, done.text[:500]
    location = done.headers["Location"]
    assert location.startswith(client["redirectUri"] + "?"), location
    q = query(location)
    assert q["state"] == state
    return q["code"], verifier


def exchange(emitted, client, code, verifier, secret):
    return requests.post(
        backchannel(emitted, emitted["sso"]["tokenUrl"]),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client["redirectUri"],
            "client_id": client["clientId"],
            "client_secret": secret,
            "code_verifier": verifier,
        },
        timeout=30,
    )


def test_the_realm_is_the_synthesized_one_with_the_generated_secrets(emitted, admin, client_secrets):
    groups = sorted(g["name"] for g in admin.get("/groups"))
    assert groups == ["fraud-editors", "risk-editors"]
    for c in emitted["clients"]:
        (found,) = admin.get("/clients", clientId=c["clientId"])
        assert found["redirectUris"] == [c["redirectUri"]]
        assert found["publicClient"] is False and found["directAccessGrantsEnabled"] is False
        secret = admin.get(f"/clients/{found['id']}/client-secret")["value"]
        # The realm file says ${SSO_CLIENT_SECRET_...}; Keycloak holds the value of that variable.
        assert secret == client_secrets[c["secretEnv"]], c["clientId"]


def test_a_team_member_logs_in_and_the_id_token_has_the_flat_team_group(emitted, users, client_secrets):
    client = client_of(emitted, "jupyterhub-risk")
    code, verifier = login(emitted, client, users["member"])
    r = exchange(emitted, client, code, verifier, client_secrets[client["secretEnv"]])
    assert r.status_code == 200, r.text
    tokens = r.json()
    id_token = claims(tokens["id_token"])
    assert id_token["iss"] == emitted["sso"]["issuerUrl"]
    assert id_token["aud"] == "jupyterhub-risk"
    assert id_token[emitted["sso"]["usernameClaim"]] == "alice"
    assert id_token[emitted["sso"]["groupsClaim"]] == ["risk-editors"]
    # The hub reads the groups from userinfo, at the in-cluster endpoint (swapped for the loopback one).
    info = requests.get(
        backchannel(emitted, emitted["sso"]["userinfoUrl"]),
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=30,
    )
    assert info.status_code == 200, info.text
    assert info.json()[emitted["sso"]["groupsClaim"]] == ["risk-editors"]


def test_an_outsider_logs_in_with_no_group(emitted, users, client_secrets):
    client = client_of(emitted, "jupyterhub-risk")
    code, verifier = login(emitted, client, users["outsider"])
    r = exchange(emitted, client, code, verifier, client_secrets[client["secretEnv"]])
    assert r.status_code == 200, r.text
    assert claims(r.json()["id_token"]).get(emitted["sso"]["groupsClaim"], []) == []


def test_a_wrong_client_secret_is_refused(emitted, users, client_secrets):
    client = client_of(emitted, "jupyterhub-risk")
    code, verifier = login(emitted, client, users["member"])
    other = client_secrets[client_of(emitted, "jupyterhub-fraud")["secretEnv"]]
    r = exchange(emitted, client, code, verifier, other)
    assert r.status_code == 401, r.text


def test_another_teams_callback_is_refused(emitted):
    client = client_of(emitted, "jupyterhub-risk")
    _, challenge = pkce()
    url, _ = authorize(emitted, client, challenge, redirect_uri=client_of(emitted, "jupyterhub-fraud")["redirectUri"])
    r = requests.get(url, allow_redirects=False, timeout=30)
    assert r.status_code == 400 and "redirect_uri" in r.text, r.text[:300]


def test_a_login_without_pkce_is_refused(emitted):
    client = client_of(emitted, "jupyterhub-risk")
    url, _ = authorize(emitted, client, None)
    r = requests.get(url, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:300]
    q = query(r.headers["Location"])
    assert q.get("error") == "invalid_request" and "code_challenge" in q.get("error_description", ""), q


def test_the_issuer_serves_the_synthesized_public_and_in_cluster_endpoints(emitted):
    # Discovery through the public URL names the public issuer and authorization endpoint...
    public = requests.get(emitted["sso"]["issuerUrl"] + "/.well-known/openid-configuration", timeout=30).json()
    assert public["issuer"] == emitted["sso"]["issuerUrl"]
    assert public["authorization_endpoint"] == emitted["sso"]["authorizeUrl"]
    # ...and through the address the pods use (hostname-backchannel-dynamic), the backchannel endpoints there.
    internal = requests.get(f"{KEYCLOAK}/realms/modelplane/.well-known/openid-configuration", timeout=30).json()
    assert internal["issuer"] == emitted["sso"]["issuerUrl"]
    assert internal["token_endpoint"] == backchannel(emitted, emitted["sso"]["tokenUrl"])
    assert internal["jwks_uri"] == backchannel(emitted, emitted["sso"]["jwksUrl"])
