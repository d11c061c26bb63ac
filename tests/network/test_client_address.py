"""The production web server (bin/web, production settings): the address that sign-in limits and the
audit trail see is the connection's unless a proxy the operator named (RABTA_TRUSTED_PROXIES) says
otherwise, and its cookies are secure, host-only and out of scripts' reach."""

from __future__ import annotations

import re

import pytest
import requests

from tests.network.factories import PASSWORD, ProfileFactory
from tests.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True)


def _wrong_passwords(base: str, email: str, forwarded_for: list[str]) -> list[str]:
    """Post a wrong password once per address claimed in X-Forwarded-For; what each answer says."""
    session = requests.Session()
    answers = []
    for claimed in forwarded_for:
        form = session.get(f"{base}/accounts/login/", timeout=30)
        for cookie in session.cookies:
            cookie.secure = False  # production marks cookies secure; this server speaks plain HTTP on loopback
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "login": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": claimed, "Referer": f"{base}/accounts/login/"},
            timeout=30,
        )
        answers.append("limited" if "Too many failed login attempts" in response.text else str(response.status_code))
    return answers


def test_a_forwarded_address_does_not_dodge_the_limit_when_no_proxy_is_trusted():
    # given: the production server as bin/run-prod starts it (no proxy named)
    email = ProfileFactory().user.email
    with web_server() as base:
        # when: every attempt claims to come from another address
        answers = _wrong_passwords(base, email, [f"198.51.100.{n}" for n in range(1, 8)])

    # then: the five attempts per address and account counted the real one
    assert answers == ["200"] * 5 + ["limited"] * 2


def test_a_named_proxy_is_believed_for_the_addresses_behind_it():
    # given: this machine is the load balancer the operator named
    email = ProfileFactory().user.email
    with web_server(RABTA_TRUSTED_PROXIES="127.0.0.1") as base:
        # when: the proxy passes on seven different clients, then one client seven times
        spread = _wrong_passwords(base, email, [f"198.51.100.{n}" for n in range(1, 8)])
        one = _wrong_passwords(base, ProfileFactory().user.email, ["203.0.113.5"] * 7)

    # then: each client is counted on its own
    assert spread == ["200"] * 7
    assert one == ["200"] * 5 + ["limited"] * 2


def test_production_cookies_are_secure_host_only_cookies():
    # given: the production server, and a member signing in
    member = ProfileFactory().user
    with web_server() as base:
        session = requests.Session()
        form = session.get(f"{base}/accounts/login/", timeout=30)
        csrf_cookie = form.headers["Set-Cookie"]
        for cookie in session.cookies:
            cookie.secure = False
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        signed_in = session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "login": member.email, "password": PASSWORD},
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )

    # then: every cookie is __Host- (Secure, the whole site, this host only) and out of scripts' reach
    assert signed_in.status_code == 302
    session_cookie = next(c for c in signed_in.raw.headers.getlist("Set-Cookie") if "session" in c)
    for header in (csrf_cookie, session_cookie):
        name = header.split("=", 1)[0]
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert name.startswith("__Host-rabta-"), header
        assert {"secure", "httponly", "samesite", "path"} <= attributes, header
        assert "domain" not in attributes, header
