"""Accounts through allauth, end to end over HTTP: sign-up with email
verification, log-in, no account enumeration, rate limits, TOTP."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse

from network.models import Profile, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-unusual-passphrase-42"


def _current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _login(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_signup_sends_verification_and_the_link_logs_the_member_in(
    client, django_capture_on_commit_callbacks, run_tasks
):
    # given
    email = "newcomer@example.org"

    # when: sign up
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"), {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    # the email is queued, not sent inside the request
    assert mail.outbox == []
    assert run_tasks() == 1

    # then: not logged in yet, told to check the inbox, one email with a link
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    user = User.objects.get(email=email)
    assert Profile.objects.filter(user=user, display_name="newcomer").count() == 1
    assert EmailAddress.objects.get(user=user).verified is False
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)

    # when: open the link and confirm
    assert client.get(link).status_code == 200
    response = client.post(link)

    # then: verified and signed in
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("network:dashboard")).status_code == 200


def test_unverified_member_cannot_log_in(client, user_factory, password):
    # given
    user = user_factory(email="unverified@example.org", verified=False)

    # when
    response = _login(client, user.email, password)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verified_member_logs_in_and_out(client, member, password):
    response = _login(client, member.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("network:dashboard")
    assert client.session["_auth_user_id"] == str(member.pk)

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signup_with_a_taken_email_does_not_reveal_the_account(client, member):
    # when
    response = client.post(
        reverse("account_signup"), {"email": member.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    # then: the same answer as for a new address, and no second account
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email=member.email).count() == 1


def test_password_reset_answers_the_same_for_unknown_addresses(client, member, deliver):
    with deliver():
        known = client.post(reverse("account_reset_password"), {"email": member.email})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    # The unknown address is told it has no account, without telling the asker.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["nobody@example.org", member.email])


def test_password_reset_by_the_emailed_link(client, member, deliver):
    with deliver():
        client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_repeated_failed_logins_are_rate_limited(client, member):
    for _ in range(5):
        response = _login(client, member.email, "wrong-password")
        assert response.status_code == 200

    response = _login(client, member.email, "wrong-password")

    assert response.status_code == 429 or b"Too many failed login attempts" in response.content


def test_totp_enrolment_then_login_asks_for_a_code(client, member, password):
    # given: logged in, and the password confirmed again (MFA changes need it)
    _login(client, member.email, password)
    reauth = client.post(reverse("account_reauthenticate"), {"password": password})
    assert reauth.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]

    # when: a wrong code, then the right one
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert Authenticator.objects.filter(user=member).count() == 0
    right = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})

    # then: TOTP and recovery codes exist
    assert right.status_code == 302
    assert sorted(Authenticator.objects.filter(user=member).values_list("type", flat=True)) == [
        Authenticator.Type.RECOVERY_CODES,
        Authenticator.Type.TOTP,
    ]

    # when: log out and in again
    client.post(reverse("account_logout"))
    response = _login(client, member.email, password)

    # then: the password alone does not sign in
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_mfa_changes_require_reauthentication(client, member):
    # given: a session without a recent password entry
    client.force_login(member)

    # when
    response = client.get(reverse("mfa_activate_totp"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_email_change_requires_reauthentication(client, member):
    client.force_login(member)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert EmailAddress.objects.filter(email="second@example.org").count() == 0


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"],
)
def test_account_pages_use_the_site_layout(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'href="#main"' in html


def test_signed_in_account_pages_use_the_site_layout(client, member, password):
    _login(client, member.email, password)
    for url_name in ["mfa_index", "account_email", "account_change_password"]:
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert 'aria-label="Account settings"' in response.content.decode()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("Europe/London", "Europe/London"), ("Mars/Olympus_Mons", "Asia/Karachi"), (None, "Asia/Karachi")],
)
def test_a_new_member_starts_in_the_zone_their_browser_sent(client, sent, kept):
    form = {"email": "zone@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    if sent is not None:
        form["timezone"] = sent

    response = client.post(reverse("account_signup"), form)

    assert response.status_code == 302
    assert Profile.objects.get(user__email="zone@example.org").timezone == kept


def test_the_sign_up_page_asks_the_browser_for_its_zone(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert re.search(r'<input type="hidden" name="timezone"[^>]*data-browser-zone', html)
    assert re.search(r'<script src="/static/js/browser_zone(\.[0-9a-f]+)?\.js" defer>', html)
