"""One way in: every door to an account (allauth's, the Django admin's, Wagtail's, Django's own views
that third-party URL configurations bring) goes through allauth's sign-in, with its two-factor
authentication, email verification and rate limits; staff and editors' tools and the deal room ask
for a session that passed two-factor authentication."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from network.models import Organisation
from tests.network.factories import PASSWORD, TOTP_SECRET, MembershipFactory, OrganisationFactory, ProfileFactory
from tests.sessions import sign_in, totp_code

pytestmark = pytest.mark.django_db


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Every sign-in, password reset and password change door leads to allauth ----------------------

AUTH_VIEWS = (
    auth_views.LoginView,
    auth_views.PasswordResetView,
    auth_views.PasswordResetConfirmView,
    auth_views.PasswordChangeView,
)


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _concrete(route: str) -> str:
    """A path for a route: its converters and groups filled with plausible values."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "7" if "id" in m.group(1) else "abc", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "abc", route)
    return "/" + route.replace("\\", "")


def test_no_url_reaches_a_sign_in_or_password_view_other_than_allauths(member):
    # given: every URL pattern whose view is one of Django's own sign-in or password views, or a
    # subclass (Wagtail's admin login and password reset, Wagtail's front-end login), and the admin's
    doors = []
    for route, callback in _walk(get_resolver()):
        view_class = getattr(callback, "view_class", None)
        if view_class and issubclass(view_class, AUTH_VIEWS) and not view_class.__module__.startswith("allauth"):
            doors.append(_concrete(route))
    doors.append(reverse("admin:login"))
    assert len(doors) >= 5

    for path in doors:
        # when: a visitor opens it, or posts a member's email and password to it
        opened = Client().get(path)
        poster = Client()
        posted = poster.post(path, {"username": member.email, "email": member.email, "password": PASSWORD})

        # then: both are sent to allauth's pages, and nobody is signed in
        assert opened.status_code == 302, path
        assert opened["Location"].startswith("/accounts/"), path
        assert posted["Location"].startswith("/accounts/"), path
        assert not _signed_in(poster), path


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/editors/login/?next=/deals/1/", "/accounts/login/?next=%2Fdeals%2F1%2F"),
        ("/editors/password_reset/", "/accounts/password/reset/"),
        ("/editors/password_reset/confirm/MQ/abc-123/", "/accounts/password/reset/"),
        ("/_util/login/?next=/stories/", "/accounts/login/?next=%2Fstories%2F"),
        ("/admin/login/?next=/admin/", "/accounts/login/?next=%2Fadmin%2F"),
    ],
)
def test_the_other_doors_send_visitors_to_allauth(client, path, target):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == target


def test_a_next_to_another_site_is_dropped(client):
    response = client.get("/editors/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/"


@pytest.mark.parametrize("path", ["/editors/login/", "/admin/login/", "/_util/login/"])
def test_posting_a_password_to_the_other_doors_signs_nobody_in(client, path):
    # given: a member with TOTP, who would reach the deal room through a door that skips the code
    member = ProfileFactory(user__mfa=True).user

    # when
    response = client.post(path, {"username": member.email, "password": PASSWORD, "next": "/deals/"})

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not _signed_in(client)


def test_an_unverified_address_cannot_sign_in_through_wagtail(client, user_factory):
    user = user_factory(email="unverified@example.org", verified=False)

    response = client.post("/editors/login/", {"username": user.email, "password": PASSWORD})

    assert response["Location"].startswith("/accounts/login/")
    assert not _signed_in(client)


def test_wagtails_password_reset_sends_no_email(client, member):
    for _ in range(3):
        client.post("/editors/password_reset/", {"email": member.email})

    assert mail.outbox == []


def test_the_admins_password_change_is_allauths(client):
    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user
    sign_in(client, staff)

    response = client.get("/admin/password_change/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


def test_a_member_without_editor_rights_is_refused_by_wagtail_not_sent_round(client, member):
    sign_in(client, member)

    response = client.get("/editors/", follow=True)

    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /editors/ → /editors/login/ → refused, no loop


def test_signing_in_at_wagtails_door_asks_for_the_code(client):
    # given
    editor = ProfileFactory(user__mfa=True).user
    editor.groups.add(Group.objects.get(name="Editors"))

    # when: the door leads to allauth, where the password alone is not enough
    login = client.get("/editors/login/?next=/editors/")["Location"]
    response = client.post(login, {"login": editor.email, "password": PASSWORD})

    # then
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == "/editors/"
    assert client.get("/editors/").status_code == 200


# --- Staff and editors' tools, the deal room's vetting: two-factor authentication in this session ----


@pytest.fixture
def editor(db):
    user = ProfileFactory(display_name="Nadia Editor").user
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.parametrize("tool", ["/admin/", "/editors/"])
def test_staff_and_editors_without_two_factor_authentication_are_asked_to_turn_it_on(client, editor, tool):
    # given: an editor (Wagtail) or staff (admin) whose account has no second factor
    user = editor if tool == "/editors/" else ProfileFactory(user__is_staff=True, user__is_superuser=True).user
    sign_in(client, user)

    # when
    response = client.get(tool)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('network:mfa-required')}?next={tool.replace('/', '%2F')}"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("mfa_activate_totp") in page.content.decode()


@pytest.mark.parametrize("tool", ["/admin/", "/editors/"])
def test_a_session_that_never_used_the_second_factor_confirms_it_and_goes_on(client, editor, tool):
    # given: the account has TOTP, but this session signed in without it (before it was turned on)
    user = editor if tool == "/editors/" else ProfileFactory(user__is_staff=True, user__is_superuser=True).user
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(TOTP_SECRET)})
    sign_in(client, user, mfa=False)

    # when
    asked = client.get(tool)
    page = client.get(asked["Location"])
    confirm = f"{reverse('mfa_reauthenticate')}?next={tool}"

    # then: the page offers to confirm with the authenticator, which brings them back
    assert confirm in page.content.decode()
    response = client.post(confirm, {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == tool
    assert client.get(tool).status_code == 200


def test_the_tools_sign_out_needs_no_second_factor(client, editor):
    sign_in(client, editor)

    response = client.post(reverse("wagtailadmin_logout"))

    assert response.status_code == 302
    assert not _signed_in(client)


def test_staff_powers_count_only_in_a_session_that_passed_two_factor_authentication(client):
    # given: staff with TOTP, signed in with and without using it; an organisation they do not belong to
    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user
    organisation = OrganisationFactory(name="Not theirs")
    MembershipFactory(organisation=organisation)
    strong, weak = sign_in(Client(), staff), sign_in(Client(), staff, mfa=False)
    edit = reverse("network:organisation-edit", args=[organisation.slug])
    vetting = reverse("deals:investor-list")

    # then
    assert strong.get(edit).status_code == 200
    assert weak.get(edit).status_code == 403
    assert strong.get(vetting).status_code == 200
    asked = weak.get(vetting)
    assert asked.status_code == 302
    assert asked["Location"] == f"{reverse('network:mfa-required')}?next=%2Fdeals%2Finvestors%2F"
    assert sign_in(Client(), ProfileFactory().user).get(vetting).status_code == 404
    weak.post(edit, {"name": "Renamed", "kind": "startup", "city": "Lahore", "country": "PK"})
    assert Organisation.objects.get(pk=organisation.pk).name == "Not theirs"


@pytest.mark.django_db(transaction=True)
def test_turning_totp_on_in_this_session_counts_as_using_it(client, member):
    # (a transaction that commits: allauth tells of the new authenticator once it is committed)
    # given: a member who signs in with a password, then turns TOTP on (allauth asks for the password)
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]

    # when
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counter = list(yield_hotp_counters_from_time())[1]
    client.post(reverse("mfa_activate_totp"), {"code": format_hotp_value(hotp_value(secret, counter))})

    # then: the session has used the new authenticator
    from django.http import HttpRequest

    from network.mfa import session_passed_mfa

    request = HttpRequest()
    request.user, request.session = member, client.session
    assert session_passed_mfa(request) is True


# --- A TOTP code is good once -----------------------------------------------------------------


@override_settings(CACHES={**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
@pytest.mark.parametrize("later", [36, 60, 80])
def test_a_code_used_once_is_refused_for_as_long_as_it_would_be_accepted(later):
    # given: a member signs in at the start of a 30-second window with the code of the next window
    # (accepted: phone clocks drift), so that code stays valid for up to 90 s
    member = ProfileFactory(user__mfa=True).user
    from django.core.cache import cache

    cache.clear()
    start = (int(__import__("time").time()) // 30 + 1) * 30 + 1
    first, second = Client(), Client()
    with mock.patch("time.time", return_value=start):
        code = totp_code(offset=1)
        first.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
        assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
        assert _signed_in(first)

    # when: someone who saw it types it into another session, seconds later
    with mock.patch("time.time", return_value=start + later):
        second.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
        response = second.post(reverse("mfa_authenticate"), {"code": code})

    # then
    assert response.status_code == 200
    assert not _signed_in(second)


# --- Sign-up tells nobody whether an address is registered ----------------------------------------


def test_sign_up_answers_a_known_address_like_a_new_one(member):
    import statistics
    import time

    def sign_up(email: str) -> tuple[float, str, list[str]]:
        client = Client()
        client.get(reverse("account_signup"))
        started = time.perf_counter()
        response = client.post(
            reverse("account_signup"),
            {"email": email, "password1": "a-long-unusual-pass-42", "password2": "a-long-unusual-pass-42"},
        )
        took = time.perf_counter() - started
        page = client.get(response["Location"])
        return took, response["Location"], [str(m) for m in page.context["messages"]]

    new = [sign_up(f"new{n}@example.org") for n in range(3)]
    known = [sign_up(email) for email in (member.email, ProfileFactory().user.email, ProfileFactory().user.email)]

    # then: the same page, the same kind of message, and about the same time
    assert {location for _, location, _ in new + known} == {reverse("account_email_verification_sent")}
    assert [re.sub(r"\S+@\S+", "ADDRESS", m) for _, _, messages in new + known for m in messages] == [
        "Confirmation email sent to ADDRESS"
    ] * 6
    ratio = statistics.median(t for t, _, _ in known) / statistics.median(t for t, _, _ in new)
    assert 0.5 < ratio < 2, ratio


# --- Wrong passwords: limited per address and account, and per account -----------------------------


def _wrong(client: Client, email: str, address: str):
    return client.post(reverse("account_login"), {"login": email, "password": "wrong-password"}, REMOTE_ADDR=address)


def test_five_wrong_passwords_from_one_address_do_not_lock_the_owner_out(member):
    # given: someone at another address tries five wrong passwords
    attacker = Client()
    for _ in range(5):
        assert _wrong(attacker, member.email, "203.0.113.9").status_code == 200

    # then: that address is refused for this account, even with the right password
    refused = attacker.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert "Too many failed login attempts" in refused.content.decode()

    # and the owner, elsewhere, signs in
    owner = Client()
    response = owner.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302
    assert _signed_in(owner)


def test_a_guesser_spread_over_many_addresses_is_stopped_until_the_owner_resets(member, deliver):
    # given: 30 wrong passwords for one account from 30 addresses
    for n in range(30):
        _wrong(Client(), member.email, f"203.0.113.{n + 1}")

    # then: the account is closed to passwords for now, from anywhere
    refused = Client().post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert "Too many failed login attempts" in refused.content.decode()

    # when: the owner resets the password by email (allauth clears the counts on a reset)
    owner = Client(REMOTE_ADDR="198.51.100.7")
    with deliver():
        owner.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body).group(1)
    form_url = owner.get(link, follow=True).redirect_chain[-1][0]
    owner.post(form_url, {"password1": "a-brand-new-passphrase-7", "password2": "a-brand-new-passphrase-7"})

    # then
    response = owner.post(reverse("account_login"), {"login": member.email, "password": "a-brand-new-passphrase-7"})
    assert response.status_code == 302
    assert _signed_in(owner)


def test_one_address_trying_many_accounts_is_limited(member):
    client = Client()
    answers = [_wrong(client, f"someone{n}@example.org", "203.0.113.50") for n in range(11)]

    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert "Too many failed login attempts" in answers[10].content.decode()
