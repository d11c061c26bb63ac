"""A member adds a passkey and signs in with it alone, in Chromium with a
virtual authenticator (the browser's own WebAuthn testing support)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Browser, expect

from tests.network.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_adds_a_passkey_and_signs_in_with_it(browser: Browser, live_server, settings):
    # given: WebAuthn needs a secure context; http://localhost is one, and the
    # relying party must allow it as in development
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    base = live_server.url.replace("127.0.0.1", "localhost")
    member = ProfileFactory(display_name="Passkey Person").user
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    # when: signed in with a password, the member adds a passkey
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    page.goto(base + "/accounts/2fa/webauthn/add/?passwordless=1")
    if page.get_by_label("Password:", exact=True).count():
        # changing sign-in methods asks for the password again
        page.get_by_label("Password:", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop passkey")
    passwordless = page.get_by_label("Passwordless")
    if passwordless.count() and not passwordless.is_checked():
        passwordless.check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)

    # then
    keys = Authenticator.objects.filter(user=member, type=Authenticator.Type.WEBAUTHN)
    assert keys.count() == 1
    assert keys.get().wrap().is_passwordless is True

    # when: signed out, the member signs in with the passkey alone
    page.goto(base + "/dashboard/")
    page.get_by_role("button", name="Sign out").click()
    page.goto(base + "/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()

    # then
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    assert page.url.endswith("/dashboard/")
