"""A member downloads their data and deletes their account; staff do the same at a member's request."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from investments.models import ConfidentialityTerms, Interest, InvestorProfile, Question, TermsAcceptance
from mentorship.models import Booking, CalendarFeed, Endorsement, Feedback, RoomMessage
from network.models import AuditEntry, Introduction, Membership, Notification, Profile, User
from network.services import account_delete, profile_update
from tests.dealroom.conftest import live_pitch, private_root  # noqa: F401 - decks go to a temporary folder
from tests.investments.factories import IncubatorFactory
from tests.mentorship.factories import BookingFactory, MentorFactory
from tests.network.factories import (
    PASSWORD,
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

DATA_URL = reverse("network:account-data")
DOWNLOAD_URL = reverse("network:account-data-download")
DELETE_URL = reverse("network:account-delete")


@pytest.fixture
def reauthenticated(client_for):
    """A client for ``user`` who has just confirmed their password."""

    def make(user):
        client = client_for(user)
        assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
        return client

    return make


@pytest.fixture
def world(member, other_member, media_root):
    """``member`` (Ayesha) with data in every category, and the same kinds of data for others."""
    profile = member.profile
    profile_update(profile=profile, data={"headline": "Founder of Raqam Pay", "city": "Lahore"}, photo=image_upload())
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    MembershipFactory(organisation=startup, user=member, role=Membership.Role.OWNER, title="CEO")
    MembershipFactory(organisation=startup, user=other_member, role=Membership.Role.OWNER, title="CTO")
    sent = IntroductionFactory(requester=member, recipient=other_member, reason="Ayesha wants advice on Europe.")
    IntroductionFactory(requester=other_member, recipient=ProfileFactory(display_name="Stranger").user,
                        reason="Bilal asks a stranger about hiring.")  # fmt: skip
    Notification.objects.create(recipient=member, kind="test", message="Your profile was viewed")
    Notification.objects.create(recipient=other_member, kind="test", message="Bilal's private notice")
    mentor = MentorFactory(user=ProfileFactory(display_name="Mentor Malik", is_mentor=True, visibility="public").user)
    now = timezone.now().replace(microsecond=0)
    week_ago = now - timedelta(days=7)
    past = BookingFactory(mentor=mentor, session_type__mentor=mentor, mentee=member, start=week_ago,
                          end=week_ago + timedelta(hours=1), status=Booking.Status.COMPLETED)  # fmt: skip
    future = BookingFactory(mentor=mentor, session_type=past.session_type, mentee=member,
                            start=now + timedelta(days=5), end=now + timedelta(days=5, hours=1))  # fmt: skip
    BookingFactory(mentor=mentor, session_type=past.session_type, mentee=other_member,
                   start=now + timedelta(days=6), end=now + timedelta(days=6, hours=1))  # fmt: skip
    RoomMessage.objects.create(booking=past, author=member, client_id=uuid.uuid4(), body="Ayesha's own words")
    RoomMessage.objects.create(booking=past, author=mentor.user, client_id=uuid.uuid4(), body="The mentor's reply")
    Feedback.objects.create(booking=past, author=member, rating=5, comment="Very helpful session")
    Feedback.objects.create(booking=past, author=mentor.user, rating=4, comment="The mentor's view of Ayesha")
    Endorsement.objects.create(mentor=mentor, founder=member, text="Ayesha ships fast.")
    CalendarFeed.objects.create(user=member)
    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    pitch = live_pitch(OrganisationFactory(name="Khet Kahani", slug="khet-kahani"), incubator, other_member)
    InvestorProfile.objects.create(user=member, status=InvestorProfile.Status.APPROVED, focus="Fintech in Pakistan",
                                   ticket_min=5000, ticket_max=50000, country="GB", attestation=True)  # fmt: skip
    Interest.objects.create(pitch=pitch, investor=member, stage=Interest.Stage.SOFT, amount=Decimal(10000),
                            terms_version=pitch.version)  # fmt: skip
    Interest.objects.create(pitch=pitch, investor=other_member, stage=Interest.Stage.WATCHING,
                            terms_version=pitch.version)  # fmt: skip
    Question.objects.create(pitch=pitch, asker=member, text="What is the burn rate?")
    Question.objects.create(pitch=pitch, asker=other_member, text="Bilal's question on churn")
    terms = ConfidentialityTerms.objects.create(version=1, text="Keep it confidential.")
    TermsAcceptance.objects.create(user=member, terms=terms)
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "secret-seed"})
    return locals()


def download(client) -> dict:
    response = client.post(DOWNLOAD_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="rabta-data-')
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


# --- Who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DATA_URL, DELETE_URL])
def test_a_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_visitor_cannot_download(client):
    response = client.post(DOWNLOAD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert AuditEntry.objects.filter(event="network.account.export").count() == 0


def test_download_and_delete_ask_for_the_password_again(client_for, member):
    client = client_for(member)

    assert client.get(DATA_URL).status_code == 200
    for response in (
        client.post(DOWNLOAD_URL),
        client.get(DELETE_URL),
        client.post(DELETE_URL, {"confirm_email": member.email}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    member.refresh_from_db()
    assert member.is_active
    assert member.deleted_at is None
    assert AuditEntry.objects.filter(event__startswith="network.account.").count() == 0


def test_after_reauthenticating_the_member_is_back_on_the_page_and_downloads_once(client_for, member):
    # given: a download that asked for the password first
    client = client_for(member)
    asked = client.post(DOWNLOAD_URL)

    # when: the member confirms, is back on the page, and downloads
    confirmed = client.post(asked["Location"], {"password": PASSWORD})
    page = client.get(confirmed["Location"]).content.decode()
    exports_before = AuditEntry.objects.filter(event="network.account.export").count()
    response = client.post(DOWNLOAD_URL)

    # then: nothing was handed over unasked; one download, audited once
    assert asked["Location"] == reverse("account_reauthenticate") + f"?next={DATA_URL.replace('/', '%2F')}"
    assert confirmed["Location"] == DATA_URL
    assert "Access confirmed — submit again to finish." in page
    assert exports_before == 0
    assert response.status_code == 200
    assert json.loads(response.content)["account"]["email"] == member.email
    assert AuditEntry.objects.filter(event="network.account.export").count() == 1


def test_each_member_downloads_only_their_own_data(reauthenticated, member, other_member):
    data = download(reauthenticated(other_member))

    assert data["account"]["email"] == other_member.email
    assert member.email not in json.dumps(data)


def test_the_account_pages_link_to_the_data_page(client_for, member):
    page = client_for(member).get(reverse("network:profile-edit")).content.decode()

    assert DATA_URL in page


# --- The download ------------------------------------------------------------------------


def test_the_download_holds_every_category_and_nothing_of_anyone_else(reauthenticated, world, member):
    data = download(reauthenticated(member))

    assert (data["format"], data["version"]) == ("rabta-personal-data", 1)
    assert data["account"]["email"] == member.email
    assert data["account"]["email_addresses"] == [{"email": member.email, "verified": True, "primary": True}]
    assert data["account"]["two_factor_methods"] == ["recovery_codes"]
    profile = data["profile"]
    assert (profile["name"], profile["headline"], profile["city"], profile["has_photo"]) == (
        "Ayesha Khan", "Founder of Raqam Pay", "Lahore", True,
    )  # fmt: skip
    assert profile["visibility"] == "members"
    assert [(m["organisation"], m["role"], m["title"]) for m in data["memberships"]] == [("Raqam Pay", "owner", "CEO")]
    assert [(i["direction"], i["other_member"], i["reason"], i["status"]) for i in data["introductions"]] == [
        ("sent", "Bilal Ahmed", "Ayesha wants advice on Europe.", "pending")
    ]
    assert [n["message"] for n in data["notifications"]] == ["Your profile was viewed"]
    assert [(s["role"], s["with"], s["status"]) for s in data["sessions"]] == [
        ("founder", "Mentor Malik", "completed"),
        ("founder", "Mentor Malik", "confirmed"),
    ]
    assert [m["body"] for m in data["room_messages"]] == ["Ayesha's own words"]
    assert [(f["rating"], f["comment"]) for f in data["feedback"]] == [(5, "Very helpful session")]
    assert [(e["given"], e["other_member"], e["text"]) for e in data["endorsements"]] == [
        (False, "Mentor Malik", "Ayesha ships fast.")
    ]
    assert data["mentor"] is None
    assert data["investor_profile"]["focus"] == "Fintech in Pakistan"
    assert [(i["deal"], i["stage"], i["amount"]) for i in data["investor_interests"]] == [
        ("Khet Kahani", "soft", "10000.00")
    ]
    assert [q["question"] for q in data["deal_questions"]] == ["What is the burn rate?"]
    assert [t["version"] for t in data["confidentiality_terms_accepted"]] == [1]
    assert [(a["event"], a["by_you"]) for a in data["audit_entries"]] == [("network.profile.update", True)]
    text = json.dumps(data)
    for others in ("The mentor's reply", "The mentor's view of Ayesha", "Bilal's private notice",
                   "Bilal's question on churn", "Bilal asks a stranger", "CTO", "secret-seed",
                   world["other_member"].email):  # fmt: skip
        assert others not in text


def test_a_download_is_audited(reauthenticated, member):
    download(reauthenticated(member))

    entry = AuditEntry.objects.get(event="network.account.export")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.data) == (
        member.pk, "network.user", str(member.pk), {"by": "member"},
    )  # fmt: skip


# --- Deleting an account -----------------------------------------------------------------


def test_the_confirmation_page_says_what_is_removed_and_kept(reauthenticated, member):
    page = reauthenticated(member).get(DELETE_URL).content.decode()

    assert "What is removed" in page
    assert "a former member" in page
    assert 'name="confirm_email"' in page


def test_a_wrong_confirmation_changes_nothing(reauthenticated, world, member):
    audit_before = AuditEntry.objects.count()

    response = reauthenticated(member).post(DELETE_URL, {"confirm_email": "someone@example.org"})

    assert response.status_code == 200
    assert "That is not the email address of this account" in response.content.decode()
    member.refresh_from_db()
    assert (member.is_active, member.deleted_at, member.profile.display_name) == (True, None, "Ayesha Khan")
    assert AuditEntry.objects.count() == audit_before
    assert Booking.objects.filter(mentee=member, status=Booking.Status.CONFIRMED).count() == 1


def test_deleting_anonymises_the_account_and_keeps_what_others_rely_on(
    reauthenticated, client_for, world, member, other_member, django_capture_on_commit_callbacks
):
    old_email = member.email
    photo_path = member.profile.photo.path
    audit_before = list(AuditEntry.objects.order_by("id").values())
    client = reauthenticated(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE_URL, {"confirm_email": old_email.upper()})

    # then: signed out, on the home page
    assert response.status_code == 302
    assert response["Location"] == reverse("cms:home")
    assert SESSION_KEY not in client.session
    # the account row stays, anonymised
    user = User.objects.get(pk=member.pk)
    assert user.email.startswith("deleted-")
    assert user.email.endswith("@deleted.invalid")
    assert (user.is_active, user.is_staff, user.has_usable_password()) == (False, False, False)
    assert user.deleted_at is not None
    assert user.display_name == "a former member"
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.headline, profile.city, profile.photo.name) == ("", "", "", "")
    assert profile.sectors.count() == profile.languages.count() == 0
    import os

    assert not os.path.exists(photo_path)
    assert EmailAddress.objects.filter(user=user).count() == 0
    assert Authenticator.objects.filter(user=user).count() == 0
    assert Notification.objects.filter(recipient=user).count() == 0
    assert CalendarFeed.objects.filter(user=user).count() == 0
    assert Endorsement.objects.filter(founder=user).count() == 0
    # memberships end, except where the member was not the only owner… here Bilal owns it too
    assert Membership.objects.filter(user=user).count() == 0
    # sessions still to come are cancelled, and the mentor is told by "a former member"
    future = Booking.objects.get(pk=world["future"].pk)
    assert (future.status, future.cancelled_by_id) == (Booking.Status.CANCELLED, user.pk)
    mentor_user = world["mentor"].user
    told = Notification.objects.get(recipient=mentor_user, kind="mentorship.booking.cancel")
    assert told.message.startswith("a former member cancelled your session")
    assert "Ayesha" not in told.message
    # the past session, its messages and feedback stay, attributed to a former member
    assert Booking.objects.get(pk=world["past"].pk).status == Booking.Status.COMPLETED
    assert RoomMessage.objects.filter(author=user).count() == 1
    assert Feedback.objects.filter(author=user).count() == 1
    room = client_for(mentor_user).get(reverse("mentorship:booking-room", args=[world["past"].pk])).content.decode()
    assert "Ayesha&#x27;s own words" in room or "Ayesha's own words" in room
    assert "Ayesha Khan" not in room
    # the pending introduction is withdrawn, and kept for Bilal as "a former member"
    assert Introduction.objects.get(pk=world["sent"].pk).status == Introduction.Status.WITHDRAWN
    # an uncommitted interest is passed; questions stay
    assert Interest.objects.get(investor=user).stage == Interest.Stage.PASSED
    assert Question.objects.filter(asker=user).count() == 1
    assert InvestorProfile.objects.get(user=user).focus == ""
    # the audit trail is only ever added to, the deletion itself recorded by the member
    assert list(AuditEntry.objects.filter(id__lte=audit_before[-1]["id"]).order_by("id").values()) == audit_before
    entry = AuditEntry.objects.get(event="network.account.delete")
    assert (entry.actor_id, entry.target_id, entry.data) == (user.pk, str(user.pk), {"by": "member"})


def test_after_deletion_signing_in_fails_and_the_address_can_sign_up_again(
    reauthenticated, member, client, django_capture_on_commit_callbacks
):
    old_email = member.email
    reauthenticated(member).post(DELETE_URL, {"confirm_email": old_email})

    login = client.post(reverse("account_login"), {"login": old_email, "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert login.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        signup = client.post(
            reverse("account_signup"),
            {"email": old_email, "password1": "a-new-long-pass-2027", "password2": "a-new-long-pass-2027"},
        )
    assert signup.status_code == 302
    newcomer = User.objects.get(email=old_email)
    assert newcomer.pk != member.pk
    assert newcomer.is_active
    assert newcomer.deleted_at is None


def test_an_old_session_of_a_deleted_member_is_signed_out(client_for, member):
    elsewhere = client_for(member)  # signed in on another device
    assert elsewhere.get(reverse("network:dashboard")).status_code == 200

    account_delete(actor=member, user=member)

    response = elsewhere.get(reverse("network:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_last_owner_keeps_the_organisation_until_staff_hand_it_over(member):
    startup = OrganisationFactory(name="Solo", slug="solo")
    MembershipFactory(organisation=startup, user=member, role=Membership.Role.OWNER)

    account_delete(actor=member, user=member)

    assert Membership.objects.filter(organisation=startup, user=member, role=Membership.Role.OWNER).count() == 1


def test_a_received_request_is_declined_and_the_requester_sees_a_former_member(member, other_member, client_for):
    received = IntroductionFactory(requester=other_member, recipient=member)

    with TestCase.captureOnCommitCallbacks(execute=True):
        account_delete(actor=member, user=member)

    assert Introduction.objects.get(pk=received.pk).status == Introduction.Status.DECLINED
    page = client_for(other_member).get(reverse("network:introduction-list")).content.decode()
    assert "Ayesha" not in page
    assert "a former member" in page


def test_deleting_twice_is_refused(member):
    account_delete(actor=member, user=member)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already been deleted"):
        account_delete(actor=member, user=member)
    assert AuditEntry.objects.filter(event="network.account.delete").count() == 1


# --- Staff, at a member's request ---------------------------------------------------------


@pytest.fixture
def staff(db):
    return ProfileFactory(display_name="Staff", user__is_staff=True, user__is_superuser=True, user__mfa=True).user


def test_the_admin_never_deletes_a_member_row(client_for, staff, member):
    client = client_for(staff)

    response = client.get(reverse("admin:network_user_delete", args=[member.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:network_user_changelist")
    assert "Delete account (anonymise)" in response.content.decode()
    assert User.objects.filter(pk=member.pk, is_active=True).count() == 1
    changelist = client.get(reverse("admin:network_user_changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist
    assert 'value="delete_account"' in changelist
    assert 'value="export_data"' in changelist


def test_staff_export_a_members_data(client_for, staff, member):
    response = client_for(staff).post(
        reverse("admin:network_user_changelist"), {"action": "export_data", "_selected_action": [member.pk]}
    )

    assert response.status_code == 200
    assert json.loads(response.content)["account"]["email"] == member.email
    entry = AuditEntry.objects.get(event="network.account.export")
    assert (entry.actor_id, entry.target_id, entry.data) == (staff.pk, str(member.pk), {"by": "staff"})


def test_staff_delete_an_account_after_confirming(client_for, staff, member, other_member):
    client = client_for(staff)
    url = reverse("admin:network_user_changelist")

    confirm = client.post(url, {"action": "delete_account", "_selected_action": [member.pk]})
    assert confirm.status_code == 200
    assert member.email in confirm.content.decode()
    assert User.objects.get(pk=member.pk).deleted_at is None

    done = client.post(url, {"action": "delete_account", "_selected_action": [member.pk], "post": "yes"}, follow=True)

    assert "1 account was deleted" in done.content.decode()
    assert User.objects.get(pk=member.pk).deleted_at is not None
    assert User.objects.get(pk=other_member.pk).deleted_at is None
    entry = AuditEntry.objects.get(event="network.account.delete")
    assert (entry.actor_id, entry.target_id, entry.data) == (staff.pk, str(member.pk), {"by": "staff"})
