"""Mentorship on the member profile page, and staff approving mentors in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mentorship.models import Booking, Endorsement, Mentor
from network.models import AuditEntry, Profile
from tests.mentorship.factories import BookingFactory, MentorFactory
from tests.network.factories import ProfileFactory, UserFactory
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db


def test_an_endorsement_shows_on_the_founders_profile(client):
    # given
    booking = BookingFactory(status=Booking.Status.COMPLETED)
    Profile.objects.filter(user=booking.mentee).update(visibility=Profile.Visibility.PUBLIC)
    Endorsement.objects.create(mentor=booking.mentor, founder=booking.mentee, text="Sharp, coachable, ships fast.")

    # when
    response = client.get(reverse("network:member-detail", args=[booking.mentee.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Endorsed by mentors" in html
    assert "Sharp, coachable, ships fast." in html
    assert booking.mentor.user.profile.display_name in html


def test_a_listed_mentor_profile_links_to_booking_and_a_pending_one_does_not(client):
    listed = MentorFactory()
    pending = MentorFactory(status=Mentor.Status.PENDING)

    listed_html = client.get(reverse("network:member-detail", args=[listed.user_id])).content.decode()
    pending_html = client.get(reverse("network:member-detail", args=[pending.user_id])).content.decode()

    assert reverse("mentorship:mentor-detail", args=[listed.pk]) in listed_html
    assert reverse("mentorship:mentor-detail", args=[pending.pk]) not in pending_html
    assert client.get(reverse("mentorship:mentor-detail", args=[pending.pk])).status_code == 404


def test_staff_approve_a_mentor_in_the_admin(client):
    # given
    staff = UserFactory(is_staff=True, is_superuser=True, mfa=True)
    ProfileFactory(user=staff)
    mentor = MentorFactory(status=Mentor.Status.PENDING)
    sign_in(client, staff)

    # when
    response = client.post(
        reverse("admin:mentorship_mentor_changelist"), {"action": "approve", "_selected_action": [mentor.pk]}
    )

    # then
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.status == Mentor.Status.APPROVED
    assert mentor.approved_at is not None
    assert list(AuditEntry.objects.filter(event="mentorship.mentor.status").values_list("actor_id", "data")) == [
        (staff.pk, {"from": "pending", "to": "approved"})
    ]


def test_bookings_cannot_be_edited_in_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True, mfa=True)
    booking = BookingFactory()
    sign_in(client, staff)

    response = client.post(
        reverse("admin:mentorship_booking_change", args=[booking.pk]), {"status": Booking.Status.CANCELLED}
    )

    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
