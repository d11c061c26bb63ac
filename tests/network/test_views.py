"""Pages of the network app: the access ladder of every URL, then each page's own behaviour.

Anonymous visitors are sent to sign in (or see the public pages); the wrong
member gets 403 or 404 and nothing changes; the right member gets the page or
the change.
"""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import timezone
from PIL import Image

from network import services, urls
from network.models import (
    AuditEntry,
    Introduction,
    Language,
    Membership,
    Notification,
    Organisation,
    Profile,
    Sector,
)
from tests.home import home
from tests.network.factories import (
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
    image_upload,
)

REASON = "I am moving back to Lahore and would love advice on hiring a first engineering team."
PRIVATE_EMAIL = "ayesha.private@example.net"
PRIVATE_PHONE = "+92 300 1234567"


def text(response) -> str:
    """The page as a person reads it: entities such as &#x27; turned back into characters."""
    return html.unescape(response.content.decode())


def login_url(path: str) -> str:
    return f"/accounts/login/?next={path}"


def snapshot() -> dict:
    """Everything a page of the network app could change."""
    return {
        "introductions": sorted(
            Introduction.objects.values_list("pk", "status", "outcome", "outcome_note", "decline_note")
        ),
        "memberships": sorted(Membership.objects.values_list("pk", "organisation_id", "user_id", "role", "title")),
        "organisations": sorted(Organisation.objects.values_list("pk", "name", "slug", "tagline", "founded_year")),
        "notifications": sorted(Notification.objects.values_list("pk", "read_at")),
        "profiles": sorted(Profile.objects.values_list("pk", "display_name", "headline", "city", "photo")),
        "audit": AuditEntry.objects.count(),
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def world(member, other_member, third_member):
    """Ayesha owns Lahore AI Lab, where Sana is a plain member; Ayesha asked Bilal for an introduction."""
    organisation = OrganisationFactory(name="Lahore AI Lab", slug="lahore-ai-lab")
    owner = MembershipFactory(organisation=organisation, user=member, role=Membership.Role.OWNER)
    plain = MembershipFactory(organisation=organisation, user=third_member, role=Membership.Role.MEMBER)
    introduction = IntroductionFactory(requester=member, recipient=other_member)
    notification = Notification.objects.create(
        recipient=member, kind="network.test", message="Welcome to Rabta.", url="/members/"
    )
    return SimpleNamespace(
        member=member,
        other=other_member,
        third=third_member,
        organisation=organisation,
        owner=owner,
        plain=plain,
        introduction=introduction,
        notification=notification,
    )


def profile_form_data(**overrides) -> dict:
    data = {
        "display_name": "Ayesha Khan",
        "headline": "Staff engineer at a payments company",
        "bio": "",
        "city": "London",
        "country": "GB",
        "timezone": "Europe/London",
        "skills": "Django, hiring",
        "website": "https://ayesha.example.org",
        "linkedin": "",
        "github": "",
        "contact_email": "",
        "contact_phone": "",
        "contact_visibility": "introduced",
        "visibility": "members",
    }
    data.update(overrides)
    return data


def organisation_form_data(**overrides) -> dict:
    data = {
        "name": "Karachi Ventures",
        "kind": "incubator",
        "tagline": "Pre-seed programme",
        "description": "",
        "website": "",
        "city": "Karachi",
        "country": "PK",
        "founded_year": "2019",
    }
    data.update(overrides)
    return data


# --- The ladder: anonymous visitors ----------------------------------------------

# (method, url name, arguments from the world, data to post)
SIGNED_IN_ONLY = [
    ("get", "network:dashboard", lambda w: [], None),
    ("get", "network:mfa-required", lambda w: [], None),
    ("get", "network:profile-edit", lambda w: [], None),
    ("post", "network:profile-edit", lambda w: [], profile_form_data(display_name="Hacked")),
    ("get", "network:account-data", lambda w: [], None),
    ("post", "network:account-data-download", lambda w: [], {}),
    ("get", "network:account-delete", lambda w: [], None),
    ("post", "network:account-delete", lambda w: [], {"confirm_email": "member0@example.org"}),
    ("get", "network:member-list", lambda w: [], None),
    ("get", "network:introduction-request", lambda w: [w.other.pk], None),
    ("post", "network:introduction-request", lambda w: [w.third.pk], {"reason": REASON}),
    ("get", "network:organisation-list", lambda w: [], None),
    ("get", "network:organisation-create", lambda w: [], None),
    ("post", "network:organisation-create", lambda w: [], organisation_form_data()),
    ("get", "network:organisation-edit", lambda w: [w.organisation.slug], None),
    ("post", "network:organisation-edit", lambda w: [w.organisation.slug], organisation_form_data(name="Hacked")),
    ("get", "network:organisation-members", lambda w: [w.organisation.slug], None),
    (
        "post",
        "network:organisation-members",
        lambda w: [w.organisation.slug],
        {"email": "member0@example.org", "role": "owner"},
    ),
    ("post", "network:membership-role", lambda w: [w.organisation.slug, w.plain.pk], {"role": "owner"}),
    ("post", "network:membership-remove", lambda w: [w.organisation.slug, w.plain.pk], {}),
    ("get", "network:introduction-list", lambda w: [], None),
    ("get", "network:introduction-detail", lambda w: [w.introduction.pk], None),
    ("post", "network:introduction-accept", lambda w: [w.introduction.pk], {}),
    ("post", "network:introduction-decline", lambda w: [w.introduction.pk], {"note": "no"}),
    ("post", "network:introduction-withdraw", lambda w: [w.introduction.pk], {}),
    ("post", "network:introduction-outcome", lambda w: [w.introduction.pk], {"outcome": "met"}),
    ("get", "network:notification-list", lambda w: [], None),
    ("post", "network:notification-read-all", lambda w: [], {}),
    ("post", "network:notification-read", lambda w: [w.notification.pk], {}),
    # The export ledger (its own ladder, with reports, is in test_exports.py).
    ("get", "ledger:export-list", lambda w: [], None),
    ("post", "ledger:export-list", lambda w: [], {"reporter": "self", "amount": "1"}),
    ("get", "ledger:export-detail", lambda w: [999999], None),
    ("post", "ledger:export-detail", lambda w: [999999], {"kind": "verify"}),
    ("get", "ledger:export-evidence", lambda w: [999999], None),
    ("get", "ledger:centre-exports", lambda w: [w.organisation.slug], None),
]

PUBLIC = ["network:member-detail", "network:member-photo", "network:organisation-detail"]


def test_the_ladder_covers_every_url_of_the_network_and_ledger_apps():
    # given
    from ledger import urls as ledger_urls

    names = {
        f"{module.app_name}:{pattern.name}"
        for module in (urls, ledger_urls)
        for pattern in module.urlpatterns
        if isinstance(pattern, URLPattern)
    }

    # then
    assert {name for _method, name, _args, _data in SIGNED_IN_ONLY} | set(PUBLIC) == names


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    SIGNED_IN_ONLY,
    ids=[f"{method}-{name.split(':')[1]}" for method, name, _a, _d in SIGNED_IN_ONLY],
)
def test_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(client, world, method, name, args, data):
    # given
    path = reverse(name, args=args(world))
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert response.url == login_url(path)
    assert snapshot() == before


def test_anonymous_visitor_sees_a_member_profile(client, world):
    # given: Ayesha chose a public profile
    Profile.objects.filter(user=world.member).update(visibility=Profile.Visibility.PUBLIC)

    # when
    response = client.get(f"/members/{world.member.pk}/")

    # then
    assert response.status_code == 200
    assert "Ayesha Khan" in text(response)
    assert "Sign in to ask for an introduction." in text(response)


def test_anonymous_visitor_sees_an_organisation(client, world):
    # given: Ayesha's profile is public, Sana's members-only
    Profile.objects.filter(user=world.member).update(visibility=Profile.Visibility.PUBLIC)

    # when
    response = client.get("/organisations/lahore-ai-lab/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert "Lahore AI Lab" in page
    assert "Ayesha Khan" in page
    assert "Sana Malik" not in page
    assert "Manage members" not in page


def test_anonymous_visitor_sees_a_member_photo(client, member, media_root):
    # given
    services.profile_update(profile=member.profile, data={"visibility": "public"}, photo=image_upload(size=(120, 90)))

    # when
    response = client.get(f"/members/{member.pk}/photo/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=3600"
    content = b"".join(response.streaming_content)
    assert content[:3] == b"\xff\xd8\xff"  # a JPEG


def test_member_photo_of_a_member_without_photo_is_not_found(client, member):
    # when
    response = client.get(f"/members/{member.pk}/photo/")

    # then
    assert response.status_code == 404


def test_member_photo_of_a_deactivated_member_is_not_found(client, member, media_root):
    # given
    services.profile_update(profile=member.profile, data={}, photo=image_upload())
    member.is_active = False
    member.save()

    # when
    response = client.get(f"/members/{member.pk}/photo/")

    # then
    assert response.status_code == 404


def test_a_deactivated_members_session_is_sent_to_sign_in(client_for, member):
    # given
    client = client_for(member)
    member.is_active = False
    member.save()

    # when
    response = client.get("/dashboard/")

    # then
    assert response.status_code == 302
    assert response.url == login_url("/dashboard/")


# --- Methods ---------------------------------------------------------------------

POST_ONLY_NAMES = [
    ("network:membership-role", lambda w: [w.organisation.slug, w.plain.pk]),
    ("network:membership-remove", lambda w: [w.organisation.slug, w.plain.pk]),
    ("network:introduction-accept", lambda w: [w.introduction.pk]),
    ("network:introduction-decline", lambda w: [w.introduction.pk]),
    ("network:introduction-withdraw", lambda w: [w.introduction.pk]),
    ("network:introduction-outcome", lambda w: [w.introduction.pk]),
    ("network:notification-read-all", lambda w: []),
    ("network:notification-read", lambda w: [w.notification.pk]),
]


@pytest.mark.parametrize(("name", "args"), POST_ONLY_NAMES, ids=[n.split(":")[1] for n, _a in POST_ONLY_NAMES])
def test_get_on_a_post_only_endpoint_is_not_allowed(client_for, world, name, args):
    # given
    client = client_for(world.member)
    before = snapshot()

    # when
    response = client.get(reverse(name, args=args(world)))

    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot() == before


GET_ONLY_NAMES = [
    ("network:member-list", lambda w: []),
    ("network:member-detail", lambda w: [w.other.pk]),
    ("network:member-photo", lambda w: [w.other.pk]),
    ("network:organisation-list", lambda w: []),
    ("network:organisation-detail", lambda w: [w.organisation.slug]),
    ("network:introduction-list", lambda w: []),
    ("network:introduction-detail", lambda w: [w.introduction.pk]),
    ("network:notification-list", lambda w: []),
]


@pytest.mark.parametrize(("name", "args"), GET_ONLY_NAMES, ids=[n.split(":")[1] for n, _a in GET_ONLY_NAMES])
def test_post_on_a_read_only_page_is_not_allowed(client_for, world, name, args):
    # given
    client = client_for(world.member)

    # when
    response = client.post(reverse(name, args=args(world)), {})

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET"


@pytest.mark.parametrize(
    "path",
    ["/profile/edit/", "/organisations/new/", "/organisations/lahore-ai-lab/edit/"],
)
def test_delete_on_a_form_page_is_not_allowed(client_for, world, path):
    # given
    client = client_for(world.member)

    # when
    response = client.delete(path)

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


# --- CSRF --------------------------------------------------------------------------


def test_a_post_without_csrf_token_is_refused(client_for, world):
    # given
    client = client_for(world.other, enforce_csrf_checks=True)

    # when
    response = client.post(f"/introductions/{world.introduction.pk}/accept/")

    # then
    assert response.status_code == 403
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.PENDING
    assert AuditEntry.objects.count() == 0


def test_a_post_with_the_csrf_token_is_accepted(client_for, world):
    # given
    client = client_for(world.other, enforce_csrf_checks=True)
    client.get(f"/introductions/{world.introduction.pk}/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    # when
    response = client.post(f"/introductions/{world.introduction.pk}/accept/", {"csrfmiddlewaretoken": token})

    # then
    assert response.status_code == 302
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.ACCEPTED


# --- Dashboard ---------------------------------------------------------------------


def test_dashboard_greets_the_member_and_lists_waiting_requests(client_for, world):
    # given
    client = client_for(world.other)

    # when
    response = client.get("/dashboard/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert "Welcome, Bilal Ahmed" in page
    assert "Ayesha Khan" in page  # her request waits for him
    waiting = home(client)["member"]["introductions"]
    assert waiting.count == 1
    assert (world.introduction.get_absolute_url(), "Ayesha Khan") in waiting.links


def test_dashboard_creates_a_missing_profile(client_for, db):
    # given
    user = UserFactory(email="new.member@example.org")

    # when
    response = client_for(user).get("/dashboard/")

    # then
    assert response.status_code == 200
    assert Profile.objects.get(user=user).display_name == "new.member"
    assert "Welcome, new.member" in text(response)


# --- Profile edit ------------------------------------------------------------------


def test_profile_edit_shows_the_form(client_for, member):
    # when
    response = client_for(member).get("/profile/edit/")

    # then
    assert response.status_code == 200
    assert response.context["form"].instance == member.profile
    assert 'value="Ayesha Khan"' in response.content.decode()


def test_profile_edit_saves_the_profile(client_for, member):
    # given
    client = client_for(member)
    fintech = Sector.objects.get(slug="fintech")
    urdu = Language.objects.get(code="ur")

    # when
    response = client.post(
        "/profile/edit/",
        profile_form_data(sectors=[fintech.pk], languages=[urdu.pk], lives_abroad="on", is_mentor="on"),
    )

    # then
    assert response.status_code == 302
    assert response.url == f"/members/{member.pk}/"
    profile = Profile.objects.get(user=member)
    assert profile.headline == "Staff engineer at a payments company"
    assert profile.city == "London"
    assert profile.country.code == "GB"
    assert profile.timezone == "Europe/London"
    assert profile.website == "https://ayesha.example.org"
    assert (profile.lives_abroad, profile.is_mentor, profile.is_founder) == (True, True, False)
    assert list(profile.sectors.values_list("slug", flat=True)) == ["fintech"]
    assert list(profile.languages.values_list("code", flat=True)) == ["ur"]
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id, entry.ip_address) == ("network.profile.update", member.pk, "127.0.0.1")


def test_profile_edit_stores_an_uploaded_photo_as_jpeg(client_for, member, media_root):
    # given
    client = client_for(member)

    # when
    response = client.post("/profile/edit/", {**profile_form_data(), "photo": image_upload("me.png")})

    # then
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert profile.photo.name.startswith("photos/")
    with profile.photo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG"


def test_profile_edit_keeps_the_photo_when_none_is_uploaded(client_for, member, media_root):
    # given
    services.profile_update(profile=member.profile, data={}, photo=image_upload())
    name = Profile.objects.get(user=member).photo.name
    client = client_for(member)

    # when
    response = client.post("/profile/edit/", profile_form_data())

    # then
    assert response.status_code == 302
    assert Profile.objects.get(user=member).photo.name == name


def test_profile_edit_removes_the_photo_when_asked(client_for, member, media_root, django_capture_on_commit_callbacks):
    # given
    services.profile_update(profile=member.profile, data={}, photo=image_upload())
    profile = Profile.objects.get(user=member)
    name, storage = profile.photo.name, profile.photo.storage
    client = client_for(member)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/profile/edit/", profile_form_data(remove_photo="on"))

    # then
    assert response.status_code == 302
    assert Profile.objects.get(user=member).photo.name == ""
    assert not storage.exists(name)


def _invalid_profile_posts():
    oversized = image_upload("big.png", size=(900, 900), noise=True, compress_level=0)
    assert oversized.size > 2 * 1024 * 1024
    return [
        pytest.param(
            profile_form_data(timezone="Mars/Olympus"),
            "“Mars/Olympus” is not a known time zone. Choose one such as Asia/Karachi or America/Los_Angeles.",
            id="unknown-time-zone",
        ),
        pytest.param(
            {**profile_form_data(), "photo": oversized},
            f"The photo is too large ({oversized.size / 1_048_576:.1f} MB). Upload one of at most 2 MB.",
            id="photo-over-2-mb",
        ),
        pytest.param(
            {**profile_form_data(), "photo": SimpleUploadedFile("cat.png", b"just some text\n" * 20, "image/png")},
            "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
            id="text-file-named-png",
        ),
        pytest.param(
            {**profile_form_data(), "photo": image_upload("anim.gif", image_format="GIF")},
            "Upload a JPEG, PNG or WebP photo.",
            id="gif-photo",
        ),
        pytest.param(profile_form_data(website="not a url"), "Enter a valid URL.", id="bad-website"),
        pytest.param(profile_form_data(linkedin="javascript:alert(1)"), "Enter a valid URL.", id="script-url"),
        pytest.param(profile_form_data(display_name=""), "This field is required.", id="no-name"),
        pytest.param(
            profile_form_data(contact_visibility="everyone"),
            "Select a valid choice. everyone is not one of the available choices.",
            id="bad-visibility",
        ),
    ]


@pytest.mark.parametrize(("data", "error"), _invalid_profile_posts())
def test_profile_edit_with_bad_input_shows_the_error_and_saves_nothing(client_for, member, media_root, data, error):
    # given
    client = client_for(member)
    before = snapshot()

    # when
    response = client.post("/profile/edit/", data)

    # then
    assert response.status_code == 200
    assert error in text(response)
    assert snapshot() == before
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.city, profile.timezone, profile.photo.name) == (
        "Ayesha Khan",
        "Lahore",
        "Asia/Karachi",
        "",
    )
    assert not (media_root / "photos").exists()


# --- Member detail and contact details ---------------------------------------------


@pytest.fixture
def ayesha_contact(member):
    profile = member.profile
    profile.contact_email = PRIVATE_EMAIL
    profile.contact_phone = PRIVATE_PHONE
    profile.visibility = Profile.Visibility.PUBLIC  # visitors may open it; the contact details keep their rule
    profile.save()
    return profile


def test_member_detail_of_an_unknown_member_is_not_found(client, db):
    # when
    response = client.get("/members/987654/")

    # then
    assert response.status_code == 404


def test_member_detail_of_a_deactivated_member_is_not_found(client_for, member, other_member):
    # given
    other_member.is_active = False
    other_member.save()

    # when
    response = client_for(member).get(f"/members/{other_member.pk}/")

    # then
    assert response.status_code == 404


def test_contact_details_are_shown_to_the_owner(client_for, member, ayesha_contact):
    # when
    response = client_for(member).get(f"/members/{member.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert PRIVATE_EMAIL in page
    assert PRIVATE_PHONE in page
    assert "Edit profile" in page


def test_contact_details_are_hidden_from_an_anonymous_visitor(client, member, ayesha_contact):
    # when
    response = client.get(f"/members/{member.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert PRIVATE_EMAIL not in page
    assert PRIVATE_PHONE not in page
    assert member.email not in page


def test_contact_details_are_hidden_from_a_member_not_introduced(client_for, member, other_member, ayesha_contact):
    # when
    response = client_for(other_member).get(f"/members/{member.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert PRIVATE_EMAIL not in page
    assert PRIVATE_PHONE not in page
    assert "Contact details are shared once you have been introduced and both of you agreed." in page
    assert f"/members/{member.pk}/introduce/" in page


def test_account_email_is_hidden_from_a_member_not_introduced(client_for, member, other_member):
    # when
    response = client_for(other_member).get(f"/members/{member.pk}/")

    # then
    assert member.email not in text(response)


def test_contact_details_are_hidden_while_the_introduction_is_pending(client_for, member, other_member, ayesha_contact):
    # given
    introduction = IntroductionFactory(requester=other_member, recipient=member)

    # when
    response = client_for(other_member).get(f"/members/{member.pk}/")

    # then
    page = text(response)
    assert PRIVATE_EMAIL not in page
    assert f'<a href="/introductions/{introduction.pk}/">Waiting for an answer</a>' in page
    assert f"/members/{member.pk}/introduce/" not in page


@pytest.mark.parametrize("direction", ["viewer_asked", "owner_asked"])
def test_contact_details_are_shown_after_an_accepted_introduction(
    client_for, member, other_member, ayesha_contact, direction
):
    # given
    requester, recipient = (other_member, member) if direction == "viewer_asked" else (member, other_member)
    IntroductionFactory(requester=requester, recipient=recipient, status=Introduction.Status.ACCEPTED)

    # when
    response = client_for(other_member).get(f"/members/{member.pk}/")

    # then
    page = text(response)
    assert PRIVATE_EMAIL in page
    assert PRIVATE_PHONE in page


def test_account_email_is_shown_after_an_accepted_introduction_when_no_contact_email(client_for, member, other_member):
    # given
    IntroductionFactory(requester=other_member, recipient=member, status=Introduction.Status.ACCEPTED)

    # when
    response = client_for(other_member).get(f"/members/{member.pk}/")

    # then
    assert member.email in text(response)


def test_contact_details_shared_with_all_members_are_shown_to_any_signed_in_member(
    client_for, member, third_member, ayesha_contact
):
    # given
    ayesha_contact.contact_visibility = Profile.ContactVisibility.MEMBERS
    ayesha_contact.save()

    # when
    response = client_for(third_member).get(f"/members/{member.pk}/")

    # then
    page = text(response)
    assert PRIVATE_EMAIL in page
    assert PRIVATE_PHONE in page


def test_contact_details_shared_with_all_members_stay_hidden_from_anonymous_visitors(client, member, ayesha_contact):
    # given
    ayesha_contact.contact_visibility = Profile.ContactVisibility.MEMBERS
    ayesha_contact.save()

    # when
    response = client.get(f"/members/{member.pk}/")

    # then
    page = text(response)
    assert PRIVATE_EMAIL not in page
    assert PRIVATE_PHONE not in page


# --- Introduction request ----------------------------------------------------------


def test_introduction_request_form_is_shown(client_for, member, other_member):
    # when
    response = client_for(member).get(f"/members/{other_member.pk}/introduce/")

    # then
    assert response.status_code == 200
    assert "Ask to meet Bilal Ahmed" in text(response)


def test_introduction_request_is_sent(client_for, member, other_member):
    # given
    client = client_for(member)

    # when
    response = client.post(f"/members/{other_member.pk}/introduce/", {"reason": REASON}, follow=True)

    # then
    introduction = Introduction.objects.get()
    assert response.redirect_chain == [(f"/introductions/{introduction.pk}/", 302)]
    assert (introduction.requester, introduction.recipient) == (member, other_member)
    assert introduction.status == Introduction.Status.PENDING
    assert introduction.reason == REASON
    assert messages_of(response) == ["Your request was sent. Bilal Ahmed will be told and can accept or decline."]
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [("network.introduction.request", member.pk)]
    assert Notification.objects.get().recipient == other_member


def test_introduction_request_to_oneself_is_forbidden(client_for, member):
    # given
    client = client_for(member)

    # when
    get_response = client.get(f"/members/{member.pk}/introduce/")
    post_response = client.post(f"/members/{member.pk}/introduce/", {"reason": REASON})

    # then
    assert get_response.status_code == 403
    assert post_response.status_code == 403
    assert Introduction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("case", ["deactivated", "unknown"])
def test_introduction_request_to_a_missing_member_is_not_found(client_for, member, other_member, case):
    # given
    if case == "deactivated":
        other_member.is_active = False
        other_member.save()
    target = other_member.pk if case == "deactivated" else 987654

    # when
    response = client_for(member).post(f"/members/{target}/introduce/", {"reason": REASON})

    # then
    assert response.status_code == 404
    assert Introduction.objects.count() == 0


def test_introduction_request_with_a_too_short_reason_shows_the_error(client_for, member, other_member):
    # when
    response = client_for(member).post(f"/members/{other_member.pk}/introduce/", {"reason": "Hello"})

    # then
    assert response.status_code == 200
    assert "Ensure this value has at least 20 characters (it has 5)." in text(response)
    assert Introduction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_introduction_request_while_one_is_waiting_shows_the_error(client_for, member, other_member):
    # given
    IntroductionFactory(requester=member, recipient=other_member)

    # when
    response = client_for(member).post(f"/members/{other_member.pk}/introduce/", {"reason": REASON})

    # then
    assert response.status_code == 200
    assert "A request between you and this member is already waiting for an answer." in text(response)
    assert Introduction.objects.count() == 1


def test_introduction_request_over_the_cap_shows_the_error(client_for, member, other_member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_OPEN_CAP": 1}
    IntroductionFactory(requester=member, recipient=UserFactory())

    # when
    response = client_for(member).post(f"/members/{other_member.pk}/introduce/", {"reason": REASON})

    # then
    assert response.status_code == 200
    assert (
        "You already have 1 requests waiting for an answer. Wait for replies, or withdraw one, before asking again."
        in text(response)
    )
    assert Introduction.objects.filter(recipient=other_member).count() == 0


def _local(moment, member):
    """``moment`` as ``member`` reads it: in their profile's time zone."""
    import zoneinfo

    return timezone.localtime(moment, zoneinfo.ZoneInfo(member.profile.timezone))


def _declined_yesterday_at_noon(requester, recipient) -> timezone.datetime:
    # Noon UTC keeps the date the same in every viewer's time zone.
    declined_at = (timezone.now() - timezone.timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    IntroductionFactory(
        requester=requester, recipient=recipient, status=Introduction.Status.DECLINED, responded_at=declined_at
    )
    return declined_at + timezone.timedelta(days=settings.RABTA["INTRODUCTION_COOLDOWN_DAYS"])


def test_member_page_after_a_decline_says_when_one_may_ask_again_instead_of_the_button(
    client_for, member, other_member
):
    # given
    until = _declined_yesterday_at_noon(member, other_member)

    # when
    response = client_for(member).get(f"/members/{other_member.pk}/")

    # then
    page = text(response)
    when = _local(until, member)
    expected = f"This member declined your last request. You can ask them again from {when:%-d %B %Y, %H:%M}."
    assert expected in page
    assert f"/members/{other_member.pk}/introduce/" not in page


def test_introduction_request_form_after_a_decline_says_when_one_may_ask_again(client_for, member, other_member):
    # given
    until = _declined_yesterday_at_noon(member, other_member)
    client = client_for(member)

    # when
    get_response = client.get(f"/members/{other_member.pk}/introduce/")
    post_response = client.post(f"/members/{other_member.pk}/introduce/", {"reason": REASON})

    # then
    when = _local(until, member)
    expected = f"This member declined your last request. You can ask them again from {when:%-d %B %Y, %H:%M}."
    assert get_response.status_code == 200
    assert expected in text(get_response)
    assert 'name="reason"' not in text(get_response)
    assert post_response.status_code == 200
    assert expected in text(post_response)
    assert Introduction.objects.count() == 1
    assert AuditEntry.objects.count() == 0


# --- Introductions: list, detail and answers ----------------------------------------


def test_introduction_list_shows_only_the_members_own_introductions(client_for, world):
    # given
    stranger_intro = IntroductionFactory(
        requester=ProfileFactory(display_name="Zara Stranger").user,
        recipient=ProfileFactory(display_name="Yusuf Stranger").user,
    )

    # when
    response = client_for(world.other).get("/introductions/")

    # then
    assert response.status_code == 200
    assert list(response.context["received"]) == [world.introduction]
    assert list(response.context["sent"]) == []
    page = text(response)
    assert "Ayesha Khan" in page
    assert "Zara Stranger" not in page
    assert f"/introductions/{stranger_intro.pk}/" not in page


@pytest.mark.parametrize("side", ["requester", "recipient"])
def test_introduction_detail_is_shown_to_both_sides(client_for, world, side):
    # given
    viewer = world.member if side == "requester" else world.other

    # when
    response = client_for(viewer).get(f"/introductions/{world.introduction.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    heading = "Your request to meet Bilal Ahmed" if side == "requester" else "Ayesha Khan asks to meet you"
    assert heading in page
    assert ("Accept and share contact details" in page) is (side == "recipient")
    assert ("Withdraw request" in page) is (side == "requester")


def test_introduction_detail_of_an_unknown_id_is_not_found(client_for, world):
    # when
    response = client_for(world.member).get(f"/introductions/{world.introduction.pk + 1000}/")

    # then
    assert response.status_code == 404


STRANGER_ACTIONS = [
    ("get", "network:introduction-detail", {}),
    ("post", "network:introduction-accept", {}),
    ("post", "network:introduction-decline", {"note": "no"}),
    ("post", "network:introduction-withdraw", {}),
    ("post", "network:introduction-outcome", {"outcome": "met"}),
]


@pytest.mark.parametrize(
    ("method", "name", "data"), STRANGER_ACTIONS, ids=[n.split(":")[1] for _m, n, _d in STRANGER_ACTIONS]
)
@pytest.mark.parametrize("status", [Introduction.Status.PENDING, Introduction.Status.ACCEPTED])
def test_another_member_cannot_see_or_answer_someone_elses_introduction(client_for, world, method, name, data, status):
    # given
    Introduction.objects.filter(pk=world.introduction.pk).update(status=status)
    client = client_for(world.third)
    path = reverse(name, args=[world.introduction.pk])
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 404
    assert snapshot() == before
    world.introduction.refresh_from_db()
    assert world.introduction.status == status
    assert world.introduction.outcome == ""


def test_introduction_accept_by_the_recipient(client_for, world):
    # given
    client = client_for(world.other)
    path = f"/introductions/{world.introduction.pk}/"

    # when
    response = client.post(f"{path}accept/", follow=True)

    # then
    assert response.redirect_chain == [(path, 302)]
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.ACCEPTED
    assert world.introduction.responded_at is not None
    assert messages_of(response) == ["You accepted. You can now see each other's contact details."]
    assert world.member.email in text(response)  # her contact details are on the page now
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [
        ("network.introduction.accept", world.other.pk)
    ]


def test_introduction_accept_by_the_requester_is_forbidden(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(f"/introductions/{world.introduction.pk}/accept/")

    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_introduction_accept_of_a_declined_request_shows_the_error(client_for, world):
    # given
    Introduction.objects.filter(pk=world.introduction.pk).update(status=Introduction.Status.DECLINED)
    client = client_for(world.other)

    # when
    response = client.post(f"/introductions/{world.introduction.pk}/accept/", follow=True)

    # then
    assert response.status_code == 200
    assert messages_of(response) == ["This request has already been answered (declined)."]
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.DECLINED
    assert AuditEntry.objects.count() == 0


def test_introduction_accept_of_a_lapsed_request_shows_the_error(client_for, member, other_member):
    # given
    introduction = IntroductionFactory(
        requester=member, recipient=other_member, created_at=timezone.now() - timezone.timedelta(days=15)
    )

    # when
    response = client_for(other_member).post(f"/introductions/{introduction.pk}/accept/", follow=True)

    # then
    assert messages_of(response) == ["This request has expired."]
    assert "Expired" in text(response)
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.PENDING


def test_introduction_decline_by_the_recipient(client_for, world):
    # given
    client = client_for(world.other)

    # when
    response = client.post(
        f"/introductions/{world.introduction.pk}/decline/", {"note": "Not this quarter."}, follow=True
    )

    # then
    assert response.redirect_chain == [(f"/introductions/{world.introduction.pk}/", 302)]
    assert messages_of(response) == ["You declined the request."]
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.DECLINED
    assert world.introduction.decline_note == "Not this quarter."
    assert world.member.email not in text(response)
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [
        ("network.introduction.decline", world.other.pk)
    ]


def test_introduction_decline_by_the_requester_is_forbidden(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(f"/introductions/{world.introduction.pk}/decline/", {"note": "x"})

    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_introduction_withdraw_by_the_requester(client_for, world):
    # given
    client = client_for(world.member)

    # when
    response = client.post(f"/introductions/{world.introduction.pk}/withdraw/", follow=True)

    # then
    assert response.redirect_chain == [(f"/introductions/{world.introduction.pk}/", 302)]
    assert messages_of(response) == ["You withdrew your request."]
    world.introduction.refresh_from_db()
    assert world.introduction.status == Introduction.Status.WITHDRAWN
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [
        ("network.introduction.withdraw", world.member.pk)
    ]


def test_introduction_withdraw_by_the_recipient_is_forbidden(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.other).post(f"/introductions/{world.introduction.pk}/withdraw/")

    # then
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("side", ["requester", "recipient"])
def test_introduction_outcome_is_recorded_by_either_side(client_for, world, side):
    # given
    Introduction.objects.filter(pk=world.introduction.pk).update(status=Introduction.Status.ACCEPTED)
    actor = world.member if side == "requester" else world.other

    # when
    response = client_for(actor).post(
        f"/introductions/{world.introduction.pk}/outcome/",
        {"outcome": "collaborating", "note": "Building a pilot together."},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(f"/introductions/{world.introduction.pk}/", 302)]
    assert messages_of(response) == ["Thank you. The outcome was recorded."]
    world.introduction.refresh_from_db()
    assert (world.introduction.outcome, world.introduction.outcome_note) == (
        "collaborating",
        "Building a pilot together.",
    )
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [("network.introduction.outcome", actor.pk)]


@pytest.mark.parametrize("outcome", ["", "married"])
def test_introduction_outcome_with_bad_input_changes_nothing(client_for, world, outcome):
    # given
    Introduction.objects.filter(pk=world.introduction.pk).update(status=Introduction.Status.ACCEPTED)
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/introductions/{world.introduction.pk}/outcome/", {"outcome": outcome}, follow=True
    )

    # then
    assert response.status_code == 200
    assert messages_of(response) == ["Choose what came of the introduction."]
    assert snapshot() == before


def test_introduction_outcome_of_a_pending_request_shows_the_error(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/introductions/{world.introduction.pk}/outcome/", {"outcome": "met"}, follow=True
    )

    # then
    assert messages_of(response) == ["Outcomes can be recorded only for accepted introductions."]
    assert snapshot() == before


# --- Organisations -----------------------------------------------------------------


def test_organisation_detail_of_an_unknown_slug_is_not_found(client, db):
    # when
    response = client.get("/organisations/no-such-organisation/")

    # then
    assert response.status_code == 404


@pytest.mark.parametrize(("who", "can_manage"), [("owner", True), ("plain", False), ("outsider", False)])
def test_organisation_detail_offers_management_only_to_managers(client_for, world, who, can_manage):
    # given
    viewer = {"owner": world.member, "plain": world.third, "outsider": world.other}[who]

    # when
    response = client_for(viewer).get("/organisations/lahore-ai-lab/")

    # then
    assert response.status_code == 200
    page = text(response)
    assert ("/organisations/lahore-ai-lab/edit/" in page) is can_manage
    assert ("/organisations/lahore-ai-lab/members/" in page) is can_manage


def test_organisation_create_form_is_shown(client_for, member):
    # when
    response = client_for(member).get("/organisations/new/")

    # then
    assert response.status_code == 200
    assert "Add your startup, incubator or centre" in text(response)


def test_organisation_create_makes_the_member_its_owner(client_for, member):
    # given
    agritech = Sector.objects.get(slug="agritech")

    # when
    response = client_for(member).post("/organisations/new/", organisation_form_data(sectors=[agritech.pk]))

    # then
    assert response.status_code == 302
    assert response.url == "/organisations/karachi-ventures/"
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.kind, organisation.city, organisation.founded_year) == (
        "Karachi Ventures",
        "incubator",
        "Karachi",
        2019,
    )
    assert list(organisation.sectors.values_list("slug", flat=True)) == ["agritech"]
    assert list(organisation.memberships.values_list("user_id", "role")) == [(member.pk, "owner")]
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [("network.organisation.create", member.pk)]


def test_organisation_named_new_gets_a_page_of_its_own(client_for, member):
    # given
    client = client_for(member)

    # when
    response = client.post("/organisations/new/", organisation_form_data(name="New"), follow=True)

    # then
    assert response.redirect_chain == [("/organisations/new-2/", 302)]
    assert response.templates[0].name == "network/organisation_detail.html"
    assert Organisation.objects.get().slug == "new-2"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"name": ""}, "This field is required.", id="missing-name"),
        pytest.param(
            {"founded_year": "1800"}, "Ensure this value is greater than or equal to 1947.", id="founded-1800"
        ),
        pytest.param(
            {"kind": "bank"}, "Select a valid choice. bank is not one of the available choices.", id="bad-kind"
        ),
        pytest.param({"website": "not a url"}, "Enter a valid URL.", id="bad-website"),
    ],
)
def test_organisation_create_with_bad_input_shows_the_error_and_saves_nothing(client_for, member, overrides, error):
    # when
    response = client_for(member).post("/organisations/new/", organisation_form_data(**overrides))

    # then
    assert response.status_code == 200
    assert error in text(response)
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_organisation_edit_by_a_manager(client_for, world, role):
    # given
    Membership.objects.filter(pk=world.plain.pk).update(role=role)
    client = client_for(world.third)

    # when
    response = client.post(
        "/organisations/lahore-ai-lab/edit/",
        organisation_form_data(name="Lahore AI Lab", tagline="Models for Urdu", kind="startup"),
    )

    # then
    assert response.status_code == 302
    assert response.url == "/organisations/lahore-ai-lab/"
    world.organisation.refresh_from_db()
    assert (world.organisation.name, world.organisation.tagline, world.organisation.slug) == (
        "Lahore AI Lab",
        "Models for Urdu",
        "lahore-ai-lab",
    )
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [
        ("network.organisation.update", world.third.pk)
    ]


def test_organisation_edit_form_is_shown_to_staff(client_for, world):
    # given
    staff = UserFactory(is_staff=True, mfa=True)

    # when
    response = client_for(staff).get("/organisations/lahore-ai-lab/edit/")

    # then
    assert response.status_code == 200
    assert "Edit Lahore AI Lab" in text(response)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"name": ""}, "This field is required.", id="missing-name"),
        pytest.param(
            {"founded_year": "1800"}, "Ensure this value is greater than or equal to 1947.", id="founded-1800"
        ),
    ],
)
def test_organisation_edit_with_bad_input_shows_the_error_and_saves_nothing(client_for, world, overrides, error):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post("/organisations/lahore-ai-lab/edit/", organisation_form_data(**overrides))

    # then
    assert response.status_code == 200
    assert error in text(response)
    assert snapshot() == before


def test_organisation_edit_of_an_unknown_slug_is_not_found(client_for, member):
    # when
    response = client_for(member).get("/organisations/no-such-organisation/edit/")

    # then
    assert response.status_code == 404


NON_MANAGER_ACTIONS = [
    ("get", "network:organisation-edit", lambda w: [w.organisation.slug], None),
    ("post", "network:organisation-edit", lambda w: [w.organisation.slug], organisation_form_data(name="Hacked")),
    ("get", "network:organisation-members", lambda w: [w.organisation.slug], None),
    (
        "post",
        "network:organisation-members",
        lambda w: [w.organisation.slug],
        {"email": "", "role": "owner"},
    ),
    ("post", "network:membership-role", lambda w: [w.organisation.slug, w.owner.pk], {"role": "member"}),
    ("post", "network:membership-role", lambda w: [w.organisation.slug, w.plain.pk], {"role": "owner"}),
    ("post", "network:membership-remove", lambda w: [w.organisation.slug, w.owner.pk], {}),
]


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    NON_MANAGER_ACTIONS,
    ids=[f"{m}-{n.split(':')[1]}-{i}" for i, (m, n, _a, _d) in enumerate(NON_MANAGER_ACTIONS)],
)
@pytest.mark.parametrize("who", ["plain_member", "outsider"])
def test_a_non_manager_cannot_edit_an_organisation_or_manage_its_members(
    client_for, world, method, name, args, data, who
):
    # given
    viewer = world.third if who == "plain_member" else world.other
    if data is not None and "email" in data:
        data = {**data, "email": world.other.email}
    path = reverse(name, args=args(world))
    before = snapshot()

    # when
    client = client_for(viewer)
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 403
    assert snapshot() == before
    world.organisation.refresh_from_db()
    assert world.organisation.name == "Lahore AI Lab"
    assert dict(world.organisation.memberships.values_list("user_id", "role")) == {
        world.member.pk: "owner",
        world.third.pk: "member",
    }


# --- Organisation members ----------------------------------------------------------


def test_organisation_members_lists_the_members(client_for, world):
    # when
    response = client_for(world.member).get("/organisations/lahore-ai-lab/members/")

    # then
    assert response.status_code == 200
    assert [m.user for m in response.context["memberships"]] == [world.third, world.member]  # member before owner
    page = text(response)
    assert world.member.email in page
    assert world.third.email in page


def test_organisation_members_adds_a_member(client_for, world):
    # when
    response = client_for(world.member).post(
        "/organisations/lahore-ai-lab/members/",
        {"email": world.other.email, "role": "admin", "title": "CTO"},
        follow=True,
    )

    # then
    assert response.redirect_chain == [("/organisations/lahore-ai-lab/members/", 302)]
    assert messages_of(response) == ["The member was added."]
    membership = Membership.objects.get(organisation=world.organisation, user=world.other)
    assert (membership.role, membership.title) == ("admin", "CTO")
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [("network.membership.create", world.member.pk)]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(
            {"email": "nobody@example.org", "role": "member"},
            "No Rabta member uses this email address. Ask them to sign up first.",
            id="unknown-email",
        ),
        pytest.param({"email": "not-an-email", "role": "member"}, "Enter a valid email address.", id="bad-email"),
        pytest.param(
            {"email": "member@example.org", "role": "king"},
            "Select a valid choice. king is not one of the available choices.",
            id="bad-role",
        ),
    ],
)
def test_organisation_members_with_bad_input_shows_the_error_and_adds_nobody(client_for, world, data, error):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post("/organisations/lahore-ai-lab/members/", data)

    # then
    assert response.status_code == 200
    assert error in text(response)
    assert snapshot() == before


def test_organisation_members_adding_an_existing_member_shows_the_error(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        "/organisations/lahore-ai-lab/members/", {"email": world.third.email, "role": "admin"}
    )

    # then
    assert response.status_code == 200
    assert "This person is already a member of Lahore AI Lab." in text(response)
    assert snapshot() == before


def test_membership_role_is_changed_by_a_manager(client_for, world):
    # when
    response = client_for(world.member).post(
        f"/organisations/lahore-ai-lab/members/{world.plain.pk}/role/", {"role": "admin"}, follow=True
    )

    # then
    assert response.redirect_chain == [("/organisations/lahore-ai-lab/members/", 302)]
    assert messages_of(response) == ["The role was changed."]
    world.plain.refresh_from_db()
    assert world.plain.role == "admin"
    assert list(AuditEntry.objects.values_list("event", "actor_id", "data")) == [
        ("network.membership.update", world.member.pk, {"from": "member", "to": "admin"})
    ]


def test_membership_role_of_the_last_owner_cannot_be_lowered(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/organisations/lahore-ai-lab/members/{world.owner.pk}/role/", {"role": "member"}, follow=True
    )

    # then
    assert response.redirect_chain == [("/organisations/lahore-ai-lab/members/", 302)]
    assert messages_of(response) == ["An organisation needs at least one owner. Make someone else owner first."]
    assert snapshot() == before


def test_membership_role_with_an_unknown_role_changes_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/organisations/lahore-ai-lab/members/{world.plain.pk}/role/", {"role": "king"}, follow=True
    )

    # then
    assert messages_of(response) == ["Choose owner, admin or member."]
    assert snapshot() == before


def test_membership_of_another_organisation_is_not_found(client_for, world):
    # given: Ayesha manages Lahore AI Lab, not Karachi Ventures
    elsewhere = MembershipFactory(organisation=OrganisationFactory(slug="karachi-ventures"), user=world.other)
    client = client_for(world.member)
    before = snapshot()

    # when
    role_response = client.post(f"/organisations/lahore-ai-lab/members/{elsewhere.pk}/role/", {"role": "owner"})
    remove_response = client.post(f"/organisations/lahore-ai-lab/members/{elsewhere.pk}/remove/")
    forbidden_response = client.post(f"/organisations/karachi-ventures/members/{elsewhere.pk}/remove/")

    # then
    assert role_response.status_code == 404
    assert remove_response.status_code == 404
    assert forbidden_response.status_code == 403
    assert snapshot() == before


def test_membership_remove_by_a_manager(client_for, world):
    # when
    response = client_for(world.member).post(
        f"/organisations/lahore-ai-lab/members/{world.plain.pk}/remove/", follow=True
    )

    # then
    assert response.redirect_chain == [("/organisations/lahore-ai-lab/members/", 302)]
    assert messages_of(response) == ["The member was removed."]
    assert list(world.organisation.memberships.values_list("user_id", flat=True)) == [world.member.pk]
    assert list(AuditEntry.objects.values_list("event", "actor_id")) == [("network.membership.delete", world.member.pk)]


def test_membership_remove_of_the_last_owner_is_refused(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/organisations/lahore-ai-lab/members/{world.owner.pk}/remove/", follow=True
    )

    # then
    assert messages_of(response) == ["An organisation needs at least one owner. Make someone else owner first."]
    assert snapshot() == before


# --- Notifications -----------------------------------------------------------------


def test_notification_list_shows_only_the_members_own(client_for, world):
    # given
    Notification.objects.create(recipient=world.other, kind="network.test", message="For Bilal only.")

    # when
    response = client_for(world.member).get("/notifications/")

    # then
    assert response.status_code == 200
    assert list(response.context["page"]) == [world.notification]
    page = text(response)
    assert "Welcome to Rabta." in page
    assert "For Bilal only." not in page


def test_notification_read_marks_it_read_and_follows_its_link(client_for, world):
    # when
    response = client_for(world.member).post(f"/notifications/{world.notification.pk}/read/")

    # then
    assert response.status_code == 302
    assert response.url == "/members/"
    world.notification.refresh_from_db()
    assert world.notification.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_notification_read_never_redirects_to_another_site(client_for, member, url):
    # given
    notification = Notification.objects.create(recipient=member, kind="network.test", message="Click me.", url=url)

    # when
    response = client_for(member).post(f"/notifications/{notification.pk}/read/")

    # then
    assert response.status_code == 302
    assert response.url == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_notification_read_of_someone_elses_notification_is_not_found(client_for, world):
    # when
    response = client_for(world.other).post(f"/notifications/{world.notification.pk}/read/")

    # then
    assert response.status_code == 404
    world.notification.refresh_from_db()
    assert world.notification.read_at is None


def test_notification_read_all_marks_only_the_members_own(client_for, world):
    # given
    Notification.objects.create(recipient=world.member, kind="network.test", message="Second.")
    theirs = Notification.objects.create(recipient=world.other, kind="network.test", message="For Bilal only.")

    # when
    response = client_for(world.member).post("/notifications/read-all/", follow=True)

    # then
    assert response.redirect_chain == [("/notifications/", 302)]
    assert messages_of(response) == ["All notifications are marked as read."]
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
