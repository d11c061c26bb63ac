"""A deactivated member disappears wherever others can see them: left out of lists meant for finding
people, shown as "a former member" (no name, photo or link) where a record about them stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from cms.models import StoryIndexPage, StoryPage
from mentorship.models import RoomMessage
from network.models import AuditEntry, Membership, User
from network.services import user_deactivate
from tests.mentorship.factories import BookingFactory, MentorFactory
from tests.network.factories import (
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

NAME = "Zarmeen Qureshi"


@pytest.fixture
def leaver(media_root):
    """A member with a public profile and a photo, about to leave."""
    from network.services import profile_update

    profile = ProfileFactory(display_name=NAME, visibility="public")
    profile_update(profile=profile, data={}, photo=image_upload())
    return profile.user


def deactivate(user: User) -> None:
    """Deactivate and run what waits for the commit (the page cache's bumps, closing connections)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        user_deactivate(actor=None, user=user)
    user.refresh_from_db()


def test_the_name_others_see_becomes_a_former_member(leaver):
    assert leaver.display_name == NAME

    deactivate(leaver)

    assert leaver.display_name == "a former member"
    assert User.objects.select_related("profile").get(pk=leaver.pk).display_name == "a former member"


def test_deactivating_is_audited_once_and_is_idempotent(leaver, member):
    user_deactivate(actor=member, user=leaver)
    user_deactivate(actor=member, user=leaver)

    entries = AuditEntry.objects.filter(event="network.user.deactivate", target_id=str(leaver.pk))
    assert [(e.actor_id, e.target_type) for e in entries] == [(member.pk, "network.user")]


def test_profile_and_photo_are_gone_for_every_viewer(client, client_for, leaver, member):
    profile_url = reverse("network:member-detail", args=[leaver.pk])
    photo_url = reverse("network:member-photo", args=[leaver.pk])
    assert client.get(profile_url).status_code == 200
    assert client.get(photo_url).status_code == 200

    deactivate(leaver)

    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user
    for viewer in (client, client_for(member), client_for(staff)):
        assert viewer.get(profile_url).status_code == 404
        assert viewer.get(photo_url).status_code == 404


def test_introductions_and_the_dashboard_show_a_former_member(client_for, leaver, member):
    IntroductionFactory(requester=leaver, recipient=member)
    IntroductionFactory(requester=member, recipient=ProfileFactory(display_name="Other").user)
    sent = IntroductionFactory(requester=member, recipient=leaver)
    viewer = client_for(member)
    assert NAME in viewer.get(reverse("network:introduction-list")).content.decode()

    deactivate(leaver)

    listing = viewer.get(reverse("network:introduction-list")).content.decode()
    dashboard = viewer.get(reverse("network:dashboard")).content.decode()
    detail = viewer.get(reverse("network:introduction-detail", args=[sent.pk])).content.decode()
    for page in (listing, dashboard, detail):
        assert NAME not in page
        assert "a former member" in page
    assert reverse("network:member-detail", args=[leaver.pk]) not in detail
    assert listing.count("a former member") == 2


def test_session_lists_and_the_mentor_dashboard_show_a_former_member(client_for, leaver):
    booking = BookingFactory(mentee=leaver)
    mentor = booking.mentor.user
    viewer = client_for(mentor)

    deactivate(leaver)

    pages = [
        viewer.get(reverse("mentorship:booking-list")).content.decode(),
        viewer.get(reverse("mentorship:mentor-dashboard")).content.decode(),
        viewer.get(reverse("mentorship:booking-detail", args=[booking.pk])).content.decode(),
    ]
    for page in pages:
        assert NAME not in page
        assert "a former member" in page
    assert reverse("network:member-detail", args=[leaver.pk]) not in pages[2]


def test_room_history_keeps_the_messages_attributed_to_a_former_member(client_for, leaver):
    start = timezone.now() + timedelta(minutes=10)
    booking = BookingFactory(mentee=leaver, start=start, end=start + timedelta(hours=1))
    RoomMessage.objects.create(booking=booking, author=leaver, client_id="0" * 32, body="My question about pricing")

    deactivate(leaver)

    page = client_for(booking.mentor.user).get(reverse("mentorship:booking-room", args=[booking.pk])).content.decode()
    assert "My question about pricing" in page
    assert NAME not in page
    assert "a former member" in page


def test_organisation_pages_leave_a_deactivated_member_out(client, client_for, leaver, member):
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    MembershipFactory(organisation=startup, user=member, role=Membership.Role.OWNER)
    MembershipFactory(organisation=startup, user=leaver, role=Membership.Role.MEMBER, title="CTO")
    detail_url = reverse("network:organisation-detail", args=[startup.slug])
    assert NAME in client.get(detail_url).content.decode()

    deactivate(leaver)

    for viewer in (client, client_for(member)):
        page = viewer.get(detail_url).content.decode()
        assert NAME not in page
        assert "CTO" not in page
    # The managers' page keeps the membership (it can be removed there), without name or email.
    managers = client_for(member).get(reverse("network:organisation-members", args=[startup.slug])).content.decode()
    assert NAME not in managers
    assert leaver.email not in managers
    assert "a former member" in managers


def test_the_mentor_list_and_directory_leave_a_deactivated_mentor_out(client, client_for, member):
    mentor = MentorFactory(user=ProfileFactory(display_name=NAME, is_mentor=True, visibility="public").user)
    assert NAME in client_for(member).get(reverse("mentorship:mentor-list")).content.decode()

    deactivate(mentor.user)

    for viewer in (client, client_for(member)):
        assert NAME not in viewer.get(reverse("mentorship:mentor-list")).content.decode()
        assert viewer.get(reverse("mentorship:mentor-detail", args=[mentor.pk])).status_code == 404
    assert NAME not in client_for(member).get(reverse("network:member-list")).content.decode()


def test_a_story_leaves_a_deactivated_mentor_out(client):
    mentor = MentorFactory(user=ProfileFactory(display_name=NAME, is_mentor=True, visibility="public").user)
    story = StoryPage(title="Across time zones", standfirst="A mentor and a founder.")
    story.mentors = [mentor]
    StoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    assert NAME in client.get(story.url).content.decode()

    deactivate(mentor.user)

    page = client.get(story.url).content.decode()
    assert NAME not in page
    assert reverse("mentorship:mentor-detail", args=[mentor.pk]) not in page


def test_unticking_active_in_the_admin_deactivates_through_the_service(
    client_for, leaver, django_capture_on_commit_callbacks
):
    admin_user = ProfileFactory(user__is_staff=True, user__is_superuser=True, user__mfa=True).user
    url = reverse("admin:network_user_change", args=[leaver.pk])
    form = {
        "email": leaver.email,
        "is_staff": "",
        "is_superuser": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": leaver.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": leaver.date_joined.strftime("%H:%M:%S"),
    }
    sent = []
    import network.realtime

    original = network.realtime.disconnect_member
    network.realtime.disconnect_member = sent.append
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(admin_user).post(url, form)
    finally:
        network.realtime.disconnect_member = original

    assert response.status_code == 302
    leaver.refresh_from_db()
    assert leaver.is_active is False
    assert sent == [leaver.pk]
    assert AuditEntry.objects.filter(event="network.user.deactivate", actor=admin_user).count() == 1
    assert site.is_registered(User)
