"""Mentorship on the member profile page, and staff approving and editing mentors in the admin (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mentorship.models import AvailabilityRule, Booking, Endorsement, Mentor
from network.models import AuditEntry, Profile
from tests.admin_forms import admin_form_data
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
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
    assert list(AuditEntry.objects.filter(event="mentorship.mentor.change_status").values_list("actor_id", "data")) == [
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


def entries() -> list[tuple]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id", "target_type", "target_id", "data"))


def test_staff_suspend_mentors_in_bulk_through_the_service(admin_client_mfa, staff_superuser):
    # given
    mentors = sorted([MentorFactory(), MentorFactory()], key=lambda mentor: mentor.pk)

    # when
    response = admin_client_mfa.post(
        reverse("admin:mentorship_mentor_changelist"),
        {"action": "suspend", "_selected_action": [mentor.pk for mentor in mentors]},
    )

    # then: one mentorship.mentor.change_status entry each, written by the service
    assert response.status_code == 302
    assert set(Mentor.objects.values_list("status", flat=True)) == {Mentor.Status.SUSPENDED}
    assert sorted(entries()) == [
        (
            "mentorship.mentor.change_status",
            staff_superuser.pk,
            "mentorship.mentor",
            str(mentor.pk),
            {
                "from": "approved",
                "to": "suspended",
            },
        )
        for mentor in mentors
    ]


def test_staff_edit_a_mentor_with_their_session_types_and_hours(admin_client_mfa, staff_superuser):
    # given: staff change the expertise, close a session type and add Monday hours
    session_type = SessionTypeFactory(title="Office hours")
    mentor = session_type.mentor
    url = reverse("admin:mentorship_mentor_change", args=[mentor.pk])
    data = admin_form_data(admin_client_mfa.get(url))
    data["expertise"] = ["Payments, fraud"]
    assert data["session_types-0-id"] == [str(session_type.pk)]
    del data["session_types-0-is_active"]
    new = int(data["rules-TOTAL_FORMS"][0])
    data.update(
        {
            "rules-TOTAL_FORMS": [str(new + 1)],
            f"rules-{new}-id": [""],
            f"rules-{new}-mentor": [str(mentor.pk)],
            f"rules-{new}-weekday": ["0"],
            f"rules-{new}-start_time": ["18:00"],
            f"rules-{new}-end_time": ["20:00"],
        }
    )

    # when
    response = admin_client_mfa.post(url, data)

    # then
    assert response.status_code == 302
    rule = AvailabilityRule.objects.get(mentor=mentor)
    session_type.refresh_from_db()
    assert not session_type.is_active
    assert entries() == [
        (
            "mentorship.mentor.update",
            staff_superuser.pk,
            "mentorship.mentor",
            str(mentor.pk),
            {
                "fields": ["expertise"],
                "via": "admin",
            },
        ),
        (
            "mentorship.session_type.update",
            staff_superuser.pk,
            "mentorship.sessiontype",
            str(session_type.pk),
            {
                "fields": ["is_active"],
                "values": {"is_active": False},
                "via": "admin",
            },
        ),
        (
            "mentorship.availability.create",
            staff_superuser.pk,
            "mentorship.availabilityrule",
            str(rule.pk),
            {
                "fields": ["end_time", "start_time", "weekday"],
                "via": "admin",
            },
        ),
    ]


def test_staff_delete_a_booking_and_the_entry_records_it(admin_client_mfa, staff_superuser):
    booking = BookingFactory()
    pk = booking.pk

    response = admin_client_mfa.post(reverse("admin:mentorship_booking_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Booking.objects.filter(pk=pk).exists()
    assert entries() == [
        ("mentorship.booking.delete", staff_superuser.pk, "mentorship.booking", str(pk), {"via": "admin"})
    ]
