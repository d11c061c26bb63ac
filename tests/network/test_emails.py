"""Every email Rabta sends names the site and links to SITE_URL, whatever host the request used.

Each account email goes through its real flow over HTTP; the page is asked for on a host that is
not SITE_URL's, so a link built from the request would show up. Mail is queued on commit and sent
by the task worker (``deliver``), then read from the locmem outbox.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from network.models import Notification
from network.tasks import send_notification_email
from tests.sessions import totp_code

pytestmark = pytest.mark.django_db

SITE_URL = "https://rabta.example"
REQUEST_HOST = "[::1]"
NEW_PASSWORD = "a-long-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _public_origin(settings):
    settings.SITE_URL = SITE_URL


def _reauthenticated(client, user, password):
    """Signed in, with the password just typed again (allauth asks for it before email and MFA changes)."""
    client.force_login(user)
    assert client.post(reverse("account_reauthenticate"), {"password": password}).status_code == 302
    return client


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def _assert_names_rabta(message) -> None:
    text = f"{message.subject}\n{message.body}"
    assert "from !" not in text
    assert " on ." not in text
    assert "Hello from Rabta!" in message.body
    assert "Thank you for using Rabta!" in message.body
    assert REQUEST_HOST not in text
    assert message.alternatives == []
    assert message.body.rstrip().endswith(SITE_URL)
    assert [link for link in _links(message.body) if not link.startswith(f"{SITE_URL}/") and link != SITE_URL] == []


def test_signup_confirmation_names_rabta_and_links_to_site_url(client, deliver):
    # when
    with deliver():
        client.post(
            reverse("account_signup"),
            {"email": "newcomer@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_HOST=REQUEST_HOST,
        )

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.org"]
    assert message.subject == "[Rabta] Please Confirm Your Email Address"
    _assert_names_rabta(message)
    assert "register an account on rabta.example." in message.body
    assert [link for link in _links(message.body) if "/confirm-email/" in link] != []
    assert all(
        re.fullmatch(rf"{SITE_URL}/accounts/confirm-email/[^/\s]+/", link)
        for link in _links(message.body)
        if link != SITE_URL
    )


def test_signup_with_a_taken_address_sends_account_exists_naming_rabta(client, member, deliver):
    # when
    with deliver():
        client.post(
            reverse("account_signup"),
            {"email": member.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_HOST=REQUEST_HOST,
        )

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "[Rabta] Account Already Exists"
    _assert_names_rabta(message)
    assert member.email in message.body
    assert f"{SITE_URL}/accounts/password/reset/" in _links(message.body)


def test_password_reset_email_links_to_site_url(client, member, deliver):
    # when
    with deliver():
        client.post(reverse("account_reset_password"), {"email": member.email}, HTTP_HOST=REQUEST_HOST)

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Rabta] Password Reset Email"
    _assert_names_rabta(message)
    reset_links = [link for link in _links(message.body) if link != SITE_URL]
    assert len(reset_links) == 1
    assert re.fullmatch(rf"{SITE_URL}/accounts/password/reset/key/[^/\s]+/", reset_links[0])


def test_password_reset_for_an_unknown_address_names_rabta(client, deliver):
    # when
    with deliver():
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"}, HTTP_HOST=REQUEST_HOST)

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nobody@example.org"]
    assert message.subject == "[Rabta] Unknown Account"
    _assert_names_rabta(message)
    assert "an account with email nobody@example.org." in message.body
    assert f"{SITE_URL}/accounts/signup/" in _links(message.body)


def test_adding_an_email_address_sends_a_confirmation_to_site_url(client, member, password, deliver):
    # given
    _reauthenticated(client, member, password)

    # when
    with deliver():
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "second@example.org"}, HTTP_HOST=REQUEST_HOST
        )

    # then
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("account_email")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["second@example.org"]
    assert message.subject == "[Rabta] Please Confirm Your Email Address"
    _assert_names_rabta(message)
    confirm_links = [link for link in _links(message.body) if link != SITE_URL]
    assert len(confirm_links) == 1
    assert re.fullmatch(rf"{SITE_URL}/accounts/confirm-email/[^/\s]+/", confirm_links[0])


def test_security_notice_on_turning_on_an_authenticator_app_names_rabta(client, member, password, deliver, settings):
    # given: security notices on (allauth's ACCOUNT_EMAIL_NOTIFICATIONS, as Rabta runs)
    assert settings.ACCOUNT_EMAIL_NOTIFICATIONS is True
    _reauthenticated(client, member, password)
    assert client.get(reverse("mfa_activate_totp"), HTTP_HOST=REQUEST_HOST).status_code == 200
    secret = client.session["mfa.totp.secret"]

    # when
    with deliver():
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}, HTTP_HOST=REQUEST_HOST)

    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "[Rabta] Authenticator App Activated"
    _assert_names_rabta(message)
    assert _links(message.body) == [SITE_URL]


def test_notification_email_names_rabta_and_links_to_site_url(member, run_tasks):
    # given
    notification = Notification.objects.create(recipient=member, message="Bilal accepted", url="/introductions/7/")

    # when
    send_notification_email.enqueue(notification.pk)
    run_tasks()

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Rabta] Bilal accepted"
    assert "— Rabta" in message.body
    assert _links(message.body) == [f"{SITE_URL}/introductions/7/"]


def test_a_password_change_tells_the_member_by_email(client, member, password, deliver):
    # given: a signed-in member (security notices are on: ACCOUNT_EMAIL_NOTIFICATIONS)
    client.force_login(member)

    # when: they change their password
    with deliver():
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_HOST=REQUEST_HOST,
        )

    # then: a notice goes to their address, so a change they did not make does not go unseen
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "[Rabta] Password Changed"
    _assert_names_rabta(message)
