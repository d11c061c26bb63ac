"""Services of the mentorship app: every write, its refusals, its audit entries and notifications.

Clocks are fixed: services take ``now=``, and slot times are explicit. The
mentor lives in Los Angeles with Saturday 09:00–11:00 hours; on Saturday
6 June 2026 (PDT, UTC−7) that is 16:00 and 17:00 UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mentorship import services
from mentorship.models import (
    AvailabilityRule,
    BlockedDate,
    Booking,
    CalendarFeed,
    Endorsement,
    ExtraHours,
    Feedback,
    Mentor,
    RoomMessage,
    SessionNotes,
    SessionType,
)
from network.models import AuditEntry, Notification
from tests.mentorship.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    MentorFactory,
    SessionTypeFactory,
)
from tests.network.factories import ProfileFactory, UserFactory

NOW = datetime(2026, 6, 1, tzinfo=UTC)  # Monday
SAT_9 = datetime(2026, 6, 6, 16, 0, tzinfo=UTC)  # Saturday 09:00 in Los Angeles
SAT_10 = datetime(2026, 6, 6, 17, 0, tzinfo=UTC)  # Saturday 10:00 in Los Angeles
NEXT_SAT_9 = datetime(2026, 6, 13, 16, 0, tzinfo=UTC)
AGENDA = "We are pricing our SaaS product for US customers and need a second opinion."


def audit_trail() -> list[tuple[str, int | None]]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id"))


def notifications() -> list[tuple[int, str]]:
    return list(Notification.objects.order_by("id").values_list("recipient_id", "kind"))


def state() -> dict:
    """Everything a mentorship service could change."""
    return {
        "mentors": sorted(Mentor.objects.values_list("pk", "status", "approved_at", "timezone", "expertise")),
        "session_types": sorted(
            SessionType.objects.values_list("pk", "title", "duration_minutes", "is_active", "location")
        ),
        "rules": sorted(AvailabilityRule.objects.values_list("pk", "weekday", "start_time", "end_time")),
        "extra": sorted(ExtraHours.objects.values_list("pk", "date", "start_time", "end_time")),
        "blocked": sorted(BlockedDate.objects.values_list("pk", "date")),
        "bookings": sorted(
            Booking.objects.values_list(
                "pk",
                "status",
                "start",
                "end",
                "sequence",
                "responded_at",
                "cancelled_at",
                "cancelled_late",
                "cancel_reason",
                "decline_reason",
                "reschedule_count",
                "reschedule_cap",
                "rescheduled_by",
            )
        ),
        "feedback": sorted(Feedback.objects.values_list("pk", "rating")),
        "endorsements": sorted(Endorsement.objects.values_list("pk", "text")),
        "feeds": sorted(CalendarFeed.objects.values_list("pk", "token")),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def mentor(db):
    """Omar in Los Angeles, approved, with Saturday 09:00–11:00 hours."""
    user = ProfileFactory(
        display_name="Omar Farooq", city="San Francisco", country="US", timezone="America/Los_Angeles"
    ).user
    mentor = MentorFactory(user=user)
    AvailabilityRuleFactory(mentor=mentor)
    return mentor


@pytest.fixture
def office_hours(mentor):
    """Confirmed at once, one hour."""
    return SessionTypeFactory(mentor=mentor, title="Office hours", requires_approval=False)


@pytest.fixture
def deep_dive(mentor):
    """The mentor accepts each request, one hour."""
    return SessionTypeFactory(mentor=mentor, title="Deep dive", requires_approval=True)


def book(mentee, session_type, start=SAT_9, now=NOW, **kwargs) -> Booking:
    return services.booking_request(
        mentee=mentee, session_type=session_type, start=start, agenda=AGENDA, now=now, **kwargs
    )


def confirmed(mentee, session_type, start=SAT_9, **fields) -> Booking:
    """A confirmed booking written directly, for tests of what happens after booking."""
    return BookingFactory(
        session_type=session_type,
        mentee=mentee,
        start=start,
        status=fields.pop("status", Booking.Status.CONFIRMED),
        created_at=fields.pop("created_at", NOW),
        **fields,
    )


# --- mentor_become -----------------------------------------------------------------


def test_mentor_become_waits_for_approval_when_required(settings, member):
    # given
    settings.RABTA = {**settings.RABTA, "MENTOR_APPROVAL_REQUIRED": True}

    # when
    mentor = services.mentor_become(
        user=member, timezone_name="Europe/London", expertise="Hiring", meeting_url="https://meet.example.org/a"
    )

    # then
    mentor.refresh_from_db()
    assert mentor.user == member
    assert mentor.status == Mentor.Status.PENDING
    assert mentor.approved_at is None
    assert mentor.timezone == "Europe/London"
    assert mentor.expertise == "Hiring"
    assert mentor.meeting_url == "https://meet.example.org/a"
    assert mentor.is_listed is False
    member.profile.refresh_from_db()
    assert member.profile.is_mentor is True
    assert audit_trail() == [("mentorship.mentor.create", member.pk)]
    assert AuditEntry.objects.get().data == {"status": "pending"}
    assert list(Mentor.objects.listed()) == []


def test_mentor_become_is_listed_at_once_when_approval_is_not_required(settings, member):
    # given
    settings.RABTA = {**settings.RABTA, "MENTOR_APPROVAL_REQUIRED": False}

    # when
    mentor = services.mentor_become(user=member, timezone_name="America/New_York")

    # then
    mentor.refresh_from_db()
    assert mentor.status == Mentor.Status.APPROVED
    assert mentor.approved_at is not None
    assert mentor.is_listed is True
    assert list(Mentor.objects.listed()) == [mentor]
    assert AuditEntry.objects.get().data == {"status": "approved"}


def test_mentor_become_twice_is_refused(member):
    # given
    services.mentor_become(user=member, timezone_name="Europe/London")
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.mentor_become(user=member, timezone_name="Asia/Dubai")

    # then
    assert excinfo.value.messages == ["You are already a mentor."]
    assert state() == before


def test_mentor_become_with_an_unknown_time_zone_is_refused(member):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.mentor_become(user=member, timezone_name="Mars/Olympus_Mons")

    # then
    assert set(excinfo.value.message_dict) == {"timezone"}
    assert state() == before
    member.profile.refresh_from_db()
    assert member.profile.is_mentor is False


def test_mentor_update_saves_the_fields_and_audits_them(mentor):
    # when
    services.mentor_update(mentor=mentor, data={"expertise": "Fundraising", "timezone": "America/Denver"})

    # then
    mentor.refresh_from_db()
    assert (mentor.expertise, mentor.timezone) == ("Fundraising", "America/Denver")
    assert audit_trail() == [("mentorship.mentor.update", mentor.user_id)]
    assert AuditEntry.objects.get().data == {"fields": ["expertise", "timezone"]}


# --- mentor_set_status -------------------------------------------------------------


def test_staff_approve_a_pending_mentor_who_is_notified(member):
    # given
    staff = UserFactory(is_staff=True, mfa=True)
    pending = MentorFactory(user=member, status=Mentor.Status.PENDING)

    # when
    services.mentor_set_status(actor=staff, mentor=pending, status=Mentor.Status.APPROVED)

    # then
    pending.refresh_from_db()
    assert pending.status == Mentor.Status.APPROVED
    assert pending.approved_at is not None
    assert audit_trail() == [("mentorship.mentor.change_status", staff.pk)]
    assert AuditEntry.objects.get().data == {"from": "pending", "to": "approved"}
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (member, "mentorship.mentor.approved")
    assert notification.message == "You are now listed as a mentor on Rabta."
    assert notification.url == f"/mentors/{pending.pk}/"


def test_staff_suspend_a_mentor_who_is_then_unlisted(mentor):
    # given
    staff = UserFactory(is_staff=True, mfa=True)

    # when
    services.mentor_set_status(actor=staff, mentor=mentor, status=Mentor.Status.SUSPENDED)

    # then
    mentor.refresh_from_db()
    assert mentor.status == Mentor.Status.SUSPENDED
    assert list(Mentor.objects.listed()) == []
    assert audit_trail() == [("mentorship.mentor.change_status", staff.pk)]
    assert Notification.objects.count() == 0


def test_mentor_set_status_by_a_non_staff_member_is_refused(member):
    # given
    pending = MentorFactory(status=Mentor.Status.PENDING)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.mentor_set_status(actor=member, mentor=pending, status=Mentor.Status.APPROVED)

    # then
    assert state() == before
    pending.refresh_from_db()
    assert pending.status == Mentor.Status.PENDING


def test_mentor_set_status_by_the_mentor_themself_is_refused(db):
    # given
    pending = MentorFactory(status=Mentor.Status.PENDING)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.mentor_set_status(actor=pending.user, mentor=pending, status=Mentor.Status.APPROVED)

    # then
    assert state() == before


def test_mentor_set_status_to_an_unknown_status_is_refused(mentor):
    # given
    staff = UserFactory(is_staff=True, mfa=True)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.mentor_set_status(actor=staff, mentor=mentor, status="famous")

    # then
    assert excinfo.value.messages == ["Unknown status."]
    assert state() == before


# --- session_type_save -------------------------------------------------------------


def test_session_type_save_creates_a_session_type(mentor):
    # when
    session_type = services.session_type_save(
        mentor=mentor,
        session_type=None,
        data={"title": "Pitch review", "duration_minutes": 45, "requires_approval": False},
    )

    # then
    session_type.refresh_from_db()
    assert session_type.mentor == mentor
    assert (session_type.title, session_type.duration_minutes, session_type.requires_approval) == (
        "Pitch review",
        45,
        False,
    )
    assert audit_trail() == [("mentorship.session_type.create", mentor.user_id)]


def test_session_type_save_updates_an_existing_one(office_hours, mentor):
    # when
    services.session_type_save(mentor=mentor, session_type=office_hours, data={"title": "Open hour"})

    # then
    office_hours.refresh_from_db()
    assert office_hours.title == "Open hour"
    assert audit_trail() == [("mentorship.session_type.update", mentor.user_id)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "Quick chat", "duration_minutes": 5}, "duration_minutes"),
        ({"title": "Marathon", "duration_minutes": 300}, "duration_minutes"),
        ({"title": "", "duration_minutes": 30}, "title"),
        ({"title": "My link", "location": SessionType.Location.OWN}, "location"),
    ],
    ids=["too-short", "too-long", "no-title", "own-link-without-link"],
)
def test_session_type_save_with_bad_data_is_refused(mentor, data, field):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.session_type_save(mentor=mentor, session_type=None, data=data)

    # then
    assert set(excinfo.value.message_dict) == {field}
    assert state() == before


def test_session_type_with_own_link_is_saved_once_the_mentor_has_a_link(mentor):
    # given
    mentor.meeting_url = "https://zoom.example.org/omar"
    mentor.save()

    # when
    session_type = services.session_type_save(
        mentor=mentor, session_type=None, data={"title": "My link", "location": SessionType.Location.OWN}
    )

    # then
    session_type.refresh_from_db()
    assert session_type.location == SessionType.Location.OWN


def test_session_type_save_of_another_mentors_type_is_refused(mentor):
    # given
    theirs = SessionTypeFactory(title="Theirs")
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.session_type_save(mentor=mentor, session_type=theirs, data={"title": "Mine now"})

    # then
    assert state() == before
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


# --- Hours -------------------------------------------------------------------------


def test_availability_rule_add_saves_the_hours(mentor):
    # when
    rule = services.availability_rule_add(mentor=mentor, weekday=6, start_time=time(14), end_time=time(16))

    # then
    rule.refresh_from_db()
    assert (rule.weekday, rule.start_time, rule.end_time) == (6, time(14), time(16))
    assert audit_trail() == [("mentorship.availability.create", mentor.user_id)]


def test_availability_rule_next_to_existing_hours_is_accepted(mentor):
    # when: Saturday 11:00–12:00 touches, but does not overlap, 09:00–11:00
    services.availability_rule_add(mentor=mentor, weekday=5, start_time=time(11), end_time=time(12))

    # then
    assert list(mentor.rules.values_list("start_time", "end_time")) == [(time(9), time(11)), (time(11), time(12))]


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(10), time(12)), (time(8), time(9, 30)), (time(9, 30), time(10)), (time(8), time(12))],
    ids=["overlaps-end", "overlaps-start", "inside", "around"],
)
def test_availability_rule_overlapping_existing_hours_is_refused(mentor, start, end):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.availability_rule_add(mentor=mentor, weekday=5, start_time=start, end_time=end)

    # then
    assert excinfo.value.messages == ["These hours overlap hours you already have on that day."]
    assert state() == before


@pytest.mark.parametrize(("start", "end"), [(time(12), time(10)), (time(12), time(12))], ids=["before", "equal"])
def test_availability_rule_ending_before_it_starts_is_refused(mentor, start, end):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.availability_rule_add(mentor=mentor, weekday=1, start_time=start, end_time=end)

    # then
    assert excinfo.value.messages == ["The end time must be after the start time."]
    assert state() == before


def test_availability_rule_delete_removes_own_hours(mentor):
    # given
    rule = mentor.rules.get()

    # when
    services.availability_rule_delete(mentor=mentor, rule_id=rule.pk)

    # then
    assert AvailabilityRule.objects.count() == 0
    assert audit_trail() == [("mentorship.availability.delete", mentor.user_id)]


def test_availability_rule_delete_of_another_mentors_hours_is_refused(mentor):
    # given
    theirs = AvailabilityRuleFactory()
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.availability_rule_delete(mentor=mentor, rule_id=theirs.pk)

    # then
    assert excinfo.value.messages == ["These hours no longer exist."]
    assert state() == before


def test_extra_hours_add_and_delete(mentor):
    # when
    extra = services.extra_hours_add(mentor=mentor, date=date(2026, 6, 7), start_time=time(9), end_time=time(10))
    services.extra_hours_delete(mentor=mentor, extra_id=extra.pk)

    # then
    assert ExtraHours.objects.count() == 0
    assert audit_trail() == [
        ("mentorship.extra_hours.create", mentor.user_id),
        ("mentorship.extra_hours.delete", mentor.user_id),
    ]


def test_extra_hours_ending_before_they_start_are_refused(mentor):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.extra_hours_add(mentor=mentor, date=date(2026, 6, 7), start_time=time(10), end_time=time(9))

    # then
    assert excinfo.value.messages == ["The end time must be after the start time."]
    assert state() == before


def test_extra_hours_delete_of_another_mentors_hours_is_refused(mentor):
    # given
    other = MentorFactory()
    theirs = services.extra_hours_add(mentor=other, date=date(2026, 6, 7), start_time=time(9), end_time=time(10))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.extra_hours_delete(mentor=mentor, extra_id=theirs.pk)

    # then
    assert excinfo.value.messages == ["These hours no longer exist."]
    assert state() == before


def test_extra_hours_make_a_slot_bookable(member, mentor, office_hours):
    # given: Sunday 7 June 09:00–10:00 in Los Angeles
    services.extra_hours_add(mentor=mentor, date=date(2026, 6, 7), start_time=time(9), end_time=time(10))

    # when
    booking = book(member, office_hours, start=datetime(2026, 6, 7, 16, tzinfo=UTC))

    # then
    assert booking.status == Booking.Status.CONFIRMED


def test_blocked_date_add_and_delete(mentor):
    # when
    blocked = services.blocked_date_add(mentor=mentor, date=date(2026, 6, 6), note="Wedding")
    blocked.refresh_from_db()
    note = blocked.note
    services.blocked_date_delete(mentor=mentor, blocked_id=blocked.pk)

    # then
    assert note == "Wedding"
    assert BlockedDate.objects.count() == 0
    assert audit_trail() == [
        ("mentorship.blocked_date.create", mentor.user_id),
        ("mentorship.blocked_date.delete", mentor.user_id),
    ]


def test_blocked_date_twice_is_refused(mentor):
    # given
    services.blocked_date_add(mentor=mentor, date=date(2026, 6, 6))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.blocked_date_add(mentor=mentor, date=date(2026, 6, 6), note="again")

    # then
    assert excinfo.value.messages == ["This date is already blocked."]
    assert state() == before


def test_blocked_date_delete_of_another_mentors_date_is_refused(mentor):
    # given
    theirs = services.blocked_date_add(mentor=MentorFactory(), date=date(2026, 6, 6))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.blocked_date_delete(mentor=mentor, blocked_id=theirs.pk)

    # then
    assert excinfo.value.messages == ["This date is no longer blocked."]
    assert state() == before


def test_a_blocked_date_takes_its_slots_away(member, mentor, office_hours):
    # given
    services.blocked_date_add(mentor=mentor, date=date(2026, 6, 6))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours)

    # then
    assert excinfo.value.code == "unavailable"
    assert state() == before


# --- booking_request ---------------------------------------------------------------


def test_booking_request_of_an_instant_session_type_is_confirmed_at_once(member, mentor, office_hours):
    # when
    booking = book(member, office_hours, mentee_timezone="Asia/Karachi", ip_address="203.0.113.9")

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.mentor, booking.mentee, booking.session_type) == (mentor, member, office_hours)
    assert (booking.start, booking.end) == (SAT_9, SAT_10)
    assert booking.agenda == AGENDA
    assert booking.mentee_timezone == "Asia/Karachi"
    assert booking.meeting_url.startswith("https://meet.jit.si/Rabta-")
    assert booking.created_at == NOW
    assert booking.responded_at == NOW
    assert booking.sequence == 0
    assert audit_trail() == [("mentorship.booking.confirm", member.pk)]
    entry = AuditEntry.objects.get()
    assert entry.data == {"start": SAT_9.isoformat()}
    assert entry.ip_address == "203.0.113.9"
    assert notifications() == [
        (mentor.user_id, "mentorship.booking.confirm"),
        (member.pk, "mentorship.booking.confirm"),
    ]
    assert list(Notification.objects.order_by("id").values_list("message", flat=True)) == [
        "Ayesha Khan booked a session: Office hours.",
        "Your session with Omar Farooq is confirmed.",
    ]


def test_booking_request_of_an_approved_session_type_waits_for_the_mentor(member, mentor, deep_dive):
    # when
    booking = book(member, deep_dive)

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED
    assert booking.responded_at is None
    assert audit_trail() == [("mentorship.booking.request", member.pk)]
    notification = Notification.objects.get()
    assert (notification.recipient_id, notification.kind) == (mentor.user_id, "mentorship.booking.request")
    assert notification.message == "Ayesha Khan asks for a session: Deep dive."
    assert notification.url == f"/sessions/{booking.pk}/"


def test_booking_request_uses_the_mentors_own_link_when_the_type_says_so(member, mentor):
    # given
    mentor.meeting_url = "https://zoom.example.org/omar"
    mentor.save()
    own = SessionTypeFactory(mentor=mentor, location=SessionType.Location.OWN)

    # when
    booking = book(member, own)

    # then
    assert booking.meeting_url == "https://zoom.example.org/omar"


def test_booking_request_strips_the_agenda(member, office_hours):
    # when
    booking = services.booking_request(
        mentee=member, session_type=office_hours, start=SAT_9, agenda=f"   {AGENDA}\n ", now=NOW
    )

    # then
    booking.refresh_from_db()
    assert booking.agenda == AGENDA


def test_booking_request_with_oneself_is_refused(mentor, office_hours):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(mentor.user, office_hours)

    # then
    assert excinfo.value.messages == ["You cannot book a session with yourself."]
    assert state() == before


def test_booking_request_of_an_inactive_session_type_is_refused(member, office_hours):
    # given
    office_hours.is_active = False
    office_hours.save()
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours)

    # then
    assert excinfo.value.messages == ["This mentor is not taking bookings of this kind."]
    assert state() == before


@pytest.mark.parametrize("status", [Mentor.Status.PENDING, Mentor.Status.SUSPENDED])
def test_booking_request_with_an_unlisted_mentor_is_refused(member, mentor, office_hours, status):
    # given
    mentor.status = status
    mentor.save()
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours)

    # then
    assert excinfo.value.messages == ["This mentor is not taking bookings of this kind."]
    assert state() == before


def test_booking_request_with_a_deactivated_mentor_is_refused(member, mentor, office_hours):
    # given
    mentor.user.is_active = False
    mentor.user.save()
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours)

    # then
    assert excinfo.value.messages == ["This mentor is not taking bookings of this kind."]
    assert state() == before


@pytest.mark.parametrize("agenda", ["", "Help!", "   too short   "])
def test_booking_request_with_a_too_short_agenda_is_refused(member, office_hours, agenda):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_request(mentee=member, session_type=office_hours, start=SAT_9, agenda=agenda, now=NOW)

    # then
    assert excinfo.value.message_dict == {"agenda": ["Tell the mentor in a sentence what you would like to discuss."]}
    assert state() == before


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 6, 6, 16, 30, tzinfo=UTC),  # between two slots
        datetime(2026, 6, 6, 18, 0, tzinfo=UTC),  # 11:00, the hours' end
        datetime(2026, 6, 7, 16, 0, tzinfo=UTC),  # Sunday: no hours
        datetime(2026, 6, 6, 9, 0, tzinfo=UTC),  # 09:00 UTC, not 09:00 in Los Angeles
        datetime(2026, 5, 30, 16, 0, tzinfo=UTC),  # a Saturday already past
        datetime(2026, 8, 1, 16, 0, tzinfo=UTC),  # beyond the 56 days ahead
    ],
    ids=["off-grid", "at-closing", "no-hours", "wrong-zone", "past", "beyond-horizon"],
)
def test_booking_request_at_a_time_that_is_not_a_slot_is_refused(member, office_hours, start):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, start=start)

    # then
    assert excinfo.value.code == "unavailable"
    assert excinfo.value.messages == ["This time is not available for booking."]
    assert state() == before


def test_booking_request_inside_the_minimum_notice_is_refused(member, office_hours):
    # given
    office_hours.min_notice_hours = 12
    office_hours.save()
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, now=SAT_9 - timedelta(hours=11))

    # then
    assert excinfo.value.code == "unavailable"
    assert state() == before


def test_booking_request_beyond_the_per_mentee_cap_is_refused(member, office_hours):
    # given
    office_hours.per_mentee_cap = 1
    office_hours.save()
    book(member, office_hours, start=SAT_9)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, start=SAT_10)

    # then
    assert excinfo.value.code == "mentee_cap"
    assert excinfo.value.messages == ["You already have 1 upcoming sessions with this mentor, the most allowed."]
    assert state() == before


def test_booking_request_when_the_mentee_is_busy_at_that_time_is_refused(member, office_hours):
    # given: Ayesha already has a session with another mentor at the same moment
    elsewhere = SessionTypeFactory(mentor=MentorFactory(), title="Elsewhere")
    confirmed(member, elsewhere, start=SAT_9)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, start=SAT_9)

    # then
    assert excinfo.value.code == "mentee_busy"
    assert excinfo.value.messages == ["You already have a session at this time."]
    assert state() == before


def test_booking_request_of_a_time_already_held_is_refused_as_taken(member, other_member, office_hours):
    # given
    first = book(other_member, office_hours, start=SAT_9)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, start=SAT_9)

    # then
    assert excinfo.value.code == "slot_taken"
    assert excinfo.value.messages == ["This time was just taken by someone else. Please choose another time."]
    assert state() == before
    first.refresh_from_db()
    assert (first.mentee, first.status) == (other_member, Booking.Status.CONFIRMED)


def test_booking_request_of_a_time_held_by_a_fresh_request_is_refused_as_taken(
    member, other_member, office_hours, deep_dive
):
    # given: a request 47 hours old still holds its time
    book(other_member, deep_dive, start=SAT_9, now=NOW)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, office_hours, start=SAT_9, now=NOW + timedelta(hours=47))

    # then
    assert excinfo.value.code == "slot_taken"
    assert state() == before


def test_a_lapsed_request_frees_its_time_and_is_marked_expired(member, other_member, mentor, office_hours, deep_dive):
    # given: Bilal's request was left unanswered for 49 hours
    lapsed = book(other_member, deep_dive, start=SAT_9, now=NOW)
    Notification.objects.all().delete()

    # when
    booking = book(member, office_hours, start=SAT_9, now=NOW + timedelta(hours=49))

    # then
    lapsed.refresh_from_db()
    booking.refresh_from_db()
    assert lapsed.status == Booking.Status.EXPIRED
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.start == SAT_9
    assert audit_trail() == [
        ("mentorship.booking.request", other_member.pk),
        ("mentorship.booking.expire", None),
        ("mentorship.booking.confirm", member.pk),
    ]
    assert notifications()[:2] == [
        (other_member.pk, "mentorship.booking.expire"),
        (mentor.user_id, "mentorship.booking.expire"),
    ]


def test_booking_request_respects_the_buffers_of_other_bookings(member, other_member, mentor):
    # given: a 30-minute type with 30 minutes free after each session
    padded = SessionTypeFactory(mentor=mentor, duration_minutes=30, buffer_after_minutes=30)
    book(other_member, padded, start=SAT_9)
    before = state()

    # when: 09:30 is inside the first session's buffer
    with pytest.raises(ValidationError) as excinfo:
        book(member, padded, start=SAT_9 + timedelta(minutes=30))

    # then: not held by the booking itself, so "not available" rather than "taken"
    assert excinfo.value.code == "unavailable"
    assert state() == before


def test_booking_request_beyond_the_weekly_cap_is_refused(member, other_member, mentor):
    # given
    capped = SessionTypeFactory(mentor=mentor, weekly_cap=1)
    book(other_member, capped, start=SAT_9)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        book(member, capped, start=SAT_10)

    # then
    assert excinfo.value.code == "unavailable"
    assert state() == before


# --- booking_accept / booking_decline ----------------------------------------------


def test_booking_accept_confirms_the_request(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    Notification.objects.all().delete()
    accepted_at = NOW + timedelta(hours=3)

    # when
    services.booking_accept(actor=mentor.user, booking=booking, ip_address="198.51.100.4", now=accepted_at)

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.responded_at == accepted_at
    assert booking.sequence == 1
    assert audit_trail() == [
        ("mentorship.booking.request", member.pk),
        ("mentorship.booking.accept", mentor.user_id),
    ]
    assert AuditEntry.objects.order_by("id").last().ip_address == "198.51.100.4"
    assert notifications() == [(member.pk, "mentorship.booking.accept")]
    assert Notification.objects.get().message == "Omar Farooq confirmed your session."


@pytest.mark.parametrize("service", [services.booking_accept, services.booking_decline])
def test_only_the_mentor_may_answer_a_request(member, other_member, deep_dive, service):
    # given
    booking = book(member, deep_dive)
    before = state()

    # when / then: neither the mentee nor a stranger
    for actor in (member, other_member):
        with pytest.raises(PermissionDenied):
            service(actor=actor, booking=booking, now=NOW + timedelta(hours=1))
    assert state() == before


@pytest.mark.parametrize("service", [services.booking_accept, services.booking_decline])
def test_a_request_cannot_be_answered_twice(member, mentor, deep_dive, service):
    # given
    booking = book(member, deep_dive)
    services.booking_accept(actor=mentor.user, booking=booking, now=NOW + timedelta(hours=1))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        service(actor=mentor.user, booking=booking, now=NOW + timedelta(hours=2))

    # then
    assert excinfo.value.messages == ["This request has already been answered."]
    assert state() == before


def test_booking_accept_of_a_lapsed_request_is_refused_and_expires_it(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    Notification.objects.all().delete()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_accept(actor=mentor.user, booking=booking, now=NOW + timedelta(hours=48))

    # then
    assert excinfo.value.messages == ["This request has expired; its time is free again."]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert booking.responded_at is None
    assert booking.sequence == 0
    assert audit_trail() == [("mentorship.booking.request", member.pk), ("mentorship.booking.expire", None)]
    assert notifications() == [(member.pk, "mentorship.booking.expire"), (mentor.user_id, "mentorship.booking.expire")]


@pytest.mark.parametrize("service", [services.booking_accept, services.booking_decline])
def test_an_expired_request_cannot_be_answered(member, mentor, deep_dive, service):
    # given
    booking = book(member, deep_dive)
    assert services.booking_expire(booking_id=booking.pk, now=NOW + timedelta(hours=48)) is True
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        service(actor=mentor.user, booking=booking, now=NOW + timedelta(hours=49))

    # then
    assert excinfo.value.messages == ["This request has already been answered."]
    assert state() == before


def test_booking_accept_after_the_start_is_refused(member, mentor, deep_dive):
    # given: a request made an hour before the start, answered too late
    booking = book(member, deep_dive, now=SAT_9 - timedelta(hours=1))
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_accept(actor=mentor.user, booking=booking, now=SAT_9 + timedelta(minutes=1))

    # then
    assert excinfo.value.messages == ["This session's time has passed."]
    assert state() == before


def test_booking_decline_records_the_reason_and_tells_the_mentee(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    Notification.objects.all().delete()
    declined_at = NOW + timedelta(hours=5)

    # when
    services.booking_decline(actor=mentor.user, booking=booking, reason="  Travelling that week.  ", now=declined_at)

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert booking.decline_reason == "Travelling that week."
    assert booking.responded_at == declined_at
    assert audit_trail()[-1] == ("mentorship.booking.decline", mentor.user_id)
    assert notifications() == [(member.pk, "mentorship.booking.decline")]
    assert Notification.objects.get().message == "Omar Farooq declined your session request."


def test_a_declined_request_frees_its_time(member, other_member, mentor, office_hours, deep_dive):
    # given
    booking = book(member, deep_dive)
    services.booking_decline(actor=mentor.user, booking=booking, now=NOW + timedelta(hours=1))

    # when
    second = book(other_member, office_hours, now=NOW + timedelta(hours=2))

    # then
    assert second.status == Booking.Status.CONFIRMED
    assert second.start == SAT_9


# --- booking_expire ----------------------------------------------------------------


def test_booking_expire_before_48_hours_does_nothing(member, deep_dive):
    # given
    booking = book(member, deep_dive)
    before = state()

    # when
    expired = services.booking_expire(booking_id=booking.pk, now=NOW + timedelta(hours=47, minutes=59))

    # then
    assert expired is False
    assert state() == before


def test_booking_expire_of_a_confirmed_booking_does_nothing(member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    expired = services.booking_expire(booking_id=booking.pk, now=NOW + timedelta(days=3))

    # then
    assert expired is False
    assert state() == before


# --- booking_cancel ----------------------------------------------------------------


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_either_side_may_cancel_early_and_the_other_is_told(member, mentor, office_hours, side):
    # given
    booking = book(member, office_hours)
    Notification.objects.all().delete()
    actor, other = (member, mentor.user) if side == "mentee" else (mentor.user, member)
    cancelled_at = NOW + timedelta(days=1)

    # when
    services.booking_cancel(
        actor=actor, booking=booking, reason="  Something came up.  ", ip_address="203.0.113.1", now=cancelled_at
    )

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_at == cancelled_at
    assert booking.cancelled_by == actor
    assert booking.cancel_reason == "Something came up."
    assert booking.cancelled_late is False
    assert booking.sequence == 1
    assert audit_trail()[-1] == ("mentorship.booking.cancel", actor.pk)
    assert AuditEntry.objects.order_by("id").last().data == {"late": False}
    assert notifications() == [(other.pk, "mentorship.booking.cancel")]
    assert Notification.objects.get().message == f"{actor.display_name} cancelled your session: Something came up."


def test_cancelling_a_confirmed_session_inside_the_window_is_late(member, office_hours):
    # given: 24 hours of free cancellation; 23 hours are left
    booking = book(member, office_hours)

    # when
    services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=SAT_9 - timedelta(hours=23))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_late is True
    assert AuditEntry.objects.order_by("id").last().data == {"late": True}


def test_cancelling_exactly_at_the_window_is_not_late(member, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=SAT_9 - timedelta(hours=24))

    # then
    booking.refresh_from_db()
    assert booking.cancelled_late is False


def test_cancelling_a_request_inside_the_window_is_not_late(member, deep_dive):
    # given
    booking = book(member, deep_dive, now=SAT_9 - timedelta(hours=30))

    # when
    services.booking_cancel(actor=member, booking=booking, reason="Found the answer.", now=SAT_9 - timedelta(hours=2))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_late is False


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_is_refused(member, office_hours, reason):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_cancel(actor=member, booking=booking, reason=reason, now=NOW)

    # then
    assert excinfo.value.message_dict == {"reason": ["Say briefly why you cancel; the other side will read it."]}
    assert state() == before


@pytest.mark.parametrize("minutes_after_start", [0, 30])
def test_cancelling_once_the_session_has_started_is_refused(member, office_hours, minutes_after_start):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_cancel(
            actor=member, booking=booking, reason="Late.", now=SAT_9 + timedelta(minutes=minutes_after_start)
        )

    # then
    assert excinfo.value.messages == ["This session has already started and can no longer be cancelled."]
    assert state() == before


def test_cancelling_by_a_stranger_is_refused(member, other_member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=other_member, booking=booking, reason="Mischief.", now=NOW)

    # then
    assert state() == before


def test_cancelling_twice_is_refused(member, office_hours):
    # given
    booking = book(member, office_hours)
    services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=NOW)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_cancel(actor=member, booking=booking, reason="Still ill.", now=NOW)

    # then
    assert excinfo.value.messages == ["Only waiting or confirmed sessions can be cancelled."]
    assert state() == before


def test_a_cancelled_booking_frees_its_time(member, other_member, office_hours):
    # given
    booking = book(member, office_hours)
    services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=NOW)

    # when
    second = book(other_member, office_hours, now=NOW + timedelta(hours=1))

    # then
    assert (second.start, second.status) == (SAT_9, Booking.Status.CONFIRMED)


# --- booking_reschedule ------------------------------------------------------------


def test_booking_reschedule_moves_the_booking_and_keeps_its_identity(member, mentor, office_hours):
    # given
    booking = book(member, office_hours)
    Notification.objects.all().delete()
    moved_at = NOW + timedelta(days=1)

    # when
    moved = services.booking_reschedule(
        actor=member, booking=booking, new_start=NEXT_SAT_9, ip_address="203.0.113.2", now=moved_at
    )

    # then
    booking.refresh_from_db()
    moved.refresh_from_db()
    assert booking.status == Booking.Status.RESCHEDULED
    assert (booking.start, booking.sequence) == (SAT_9, 0)
    assert moved.pk != booking.pk
    assert moved.uid == booking.uid
    assert moved.sequence == 1
    assert moved.rescheduled_from == booking
    assert moved.status == Booking.Status.CONFIRMED
    assert (moved.start, moved.end) == (NEXT_SAT_9, NEXT_SAT_9 + timedelta(hours=1))
    assert moved.created_at == moved_at
    assert (moved.agenda, moved.meeting_url, moved.mentee_timezone) == (
        booking.agenda,
        booking.meeting_url,
        booking.mentee_timezone,
    )
    assert audit_trail()[-1] == ("mentorship.booking.reschedule", member.pk)
    assert AuditEntry.objects.order_by("id").last().data == {
        "from": SAT_9.isoformat(),
        "to": NEXT_SAT_9.isoformat(),
        "previous": booking.pk,
    }
    assert notifications() == [(mentor.user_id, "mentorship.booking.reschedule")]
    assert Notification.objects.get().url == f"/sessions/{moved.pk}/"


def test_booking_reschedule_within_the_same_morning(member, office_hours):
    # given
    booking = book(member, office_hours, start=SAT_9)

    # when
    moved = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)

    # then
    assert (moved.start, moved.status, moved.sequence) == (SAT_10, Booking.Status.CONFIRMED, 1)


def test_moving_a_booking_twice_keeps_the_uid_and_counts_up(member, mentor, office_hours):
    # given
    booking = book(member, office_hours, start=SAT_9)
    first_move = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)

    # when
    second_move = services.booking_reschedule(actor=mentor.user, booking=first_move, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert (second_move.uid, second_move.sequence) == (booking.uid, 2)
    assert second_move.rescheduled_from == first_move
    assert list(Booking.objects.order_by("id").values_list("status", flat=True)) == [
        "rescheduled",
        "rescheduled",
        "confirmed",
    ]


def test_a_mentee_moving_a_confirmed_session_of_an_approved_type_asks_again(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    services.booking_accept(actor=mentor.user, booking=booking, now=NOW)

    # when
    moved = services.booking_reschedule(actor=member, booking=booking, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert moved.status == Booking.Status.REQUESTED
    assert moved.responded_at is None
    assert moved.sequence == 2


def test_the_mentor_moving_a_confirmed_session_keeps_it_confirmed(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    services.booking_accept(actor=mentor.user, booking=booking, now=NOW)

    # when
    moved = services.booking_reschedule(actor=mentor.user, booking=booking, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert moved.status == Booking.Status.CONFIRMED


def test_booking_reschedule_inside_the_window_is_refused(member, office_hours, mentor):
    # given: rescheduling is allowed until 24 hours before
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(
            actor=member, booking=booking, new_start=NEXT_SAT_9, now=SAT_9 - timedelta(hours=23)
        )

    # then
    assert excinfo.value.messages == [
        "Sessions can be moved until 24 hours before they start. Cancel instead, if you must."
    ]
    assert state() == before


def test_booking_reschedule_into_a_taken_time_is_refused(member, other_member, office_hours):
    # given
    booking = book(member, office_hours, start=SAT_9)
    book(other_member, office_hours, start=SAT_10)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)

    # then
    assert excinfo.value.code == "slot_taken"
    assert state() == before
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_booking_reschedule_to_a_time_that_is_not_a_slot_is_refused(member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(
            actor=member, booking=booking, new_start=datetime(2026, 6, 7, 16, tzinfo=UTC), now=NOW
        )

    # then
    assert excinfo.value.code == "unavailable"
    assert state() == before


def test_booking_reschedule_by_a_stranger_is_refused(member, other_member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.booking_reschedule(actor=other_member, booking=booking, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert state() == before


def test_booking_reschedule_of_a_cancelled_booking_is_refused(member, office_hours):
    # given
    booking = book(member, office_hours)
    services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=NOW)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(actor=member, booking=booking, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert excinfo.value.messages == ["Only waiting or confirmed sessions can be moved."]
    assert state() == before


NEXT_SAT_10 = NEXT_SAT_9 + timedelta(hours=1)


def test_booking_reschedule_counts_each_move_and_records_who_moved(member, mentor, office_hours):
    # given
    booking = book(member, office_hours, start=SAT_9)

    # when
    first = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)
    second = services.booking_reschedule(
        actor=mentor.user, booking=first, new_start=NEXT_SAT_9, now=NOW + timedelta(hours=2)
    )

    # then
    assert list(
        Booking.objects.order_by("id").values_list("status", "reschedule_count", "reschedule_cap", "rescheduled_by")
    ) == [
        ("rescheduled", 0, 2, None),
        ("rescheduled", 1, 2, member.pk),
        ("confirmed", 2, 2, mentor.user_id),
    ]
    assert (second.created_at, second.reschedules_left) == (NOW + timedelta(hours=2), 0)


def test_booking_reschedule_past_the_cap_is_refused(member, mentor, office_hours):
    # given: the default cap is two moves, by either side
    assert office_hours.reschedule_cap == 2
    booking = book(member, office_hours, start=SAT_9)
    first = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)
    second = services.booking_reschedule(actor=mentor.user, booking=first, new_start=NEXT_SAT_9, now=NOW)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(actor=member, booking=second, new_start=NEXT_SAT_10, now=NOW)

    # then
    assert excinfo.value.code == "cannot_move"
    assert excinfo.value.messages == [
        "This session has already been moved 2 times, the most allowed. Cancel instead, if you must."
    ]
    assert state() == before


def test_booking_reschedule_follows_the_cap_the_mentor_set(member, mentor, office_hours):
    # given
    services.session_type_save(mentor=mentor, session_type=office_hours, data={"reschedule_cap": 1})
    booking = book(member, office_hours, start=SAT_9)
    moved = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(actor=member, booking=moved, new_start=NEXT_SAT_9, now=NOW)

    # then
    assert excinfo.value.messages == [
        "This session has already been moved 1 time, the most allowed. Cancel instead, if you must."
    ]
    assert state() == before


def test_booking_reschedule_of_a_type_that_allows_no_moves_is_refused(member, mentor, office_hours):
    # given
    services.session_type_save(mentor=mentor, session_type=office_hours, data={"reschedule_cap": 0})
    booking = book(member, office_hours, start=SAT_9)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)

    # then
    assert excinfo.value.messages == ["Sessions of this kind cannot be moved. Cancel instead, if you must."]
    assert state() == before


def test_a_booking_keeps_the_cap_of_when_it_was_booked(member, mentor, office_hours):
    # given: booked with two moves allowed, then the mentor allows none
    booking = book(member, office_hours, start=SAT_9)
    services.session_type_save(mentor=mentor, session_type=office_hours, data={"reschedule_cap": 0})

    # when
    moved = services.booking_reschedule(actor=member, booking=booking, new_start=SAT_10, now=NOW)

    # then
    assert (moved.reschedule_count, moved.reschedule_cap, moved.reschedules_left) == (1, 2, 1)


def test_a_cap_above_ten_is_refused(mentor, office_hours):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.session_type_save(mentor=mentor, session_type=office_hours, data={"reschedule_cap": 11})

    # then
    assert excinfo.value.message_dict == {"reschedule_cap": ["Ensure this value is less than or equal to 10."]}
    office_hours.refresh_from_db()
    assert office_hours.reschedule_cap == 2


def test_the_old_time_of_a_moved_booking_is_free_again(member, other_member, office_hours):
    # given
    booking = book(member, office_hours, start=SAT_9)
    services.booking_reschedule(actor=member, booking=booking, new_start=NEXT_SAT_9, now=NOW)

    # when
    second = book(other_member, office_hours, start=SAT_9, now=NOW)

    # then
    assert second.status == Booking.Status.CONFIRMED


# --- booking_complete / booking_mark_no_show ---------------------------------------


def test_booking_complete_by_the_mentor_after_the_end(member, mentor, office_hours):
    # given
    booking = book(member, office_hours)
    Notification.objects.all().delete()

    # when
    services.booking_complete(actor=mentor.user, booking=booking, now=SAT_10)

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert audit_trail()[-1] == ("mentorship.booking.complete", mentor.user_id)
    assert notifications() == [
        (member.pk, "mentorship.booking.complete"),
        (mentor.user_id, "mentorship.booking.complete"),
    ]


def test_booking_complete_by_the_worker_has_no_actor(member, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    services.booking_complete(actor=None, booking=booking, now=SAT_10 + timedelta(hours=12))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert audit_trail()[-1] == ("mentorship.booking.complete", None)


@pytest.mark.parametrize("now", [SAT_9 - timedelta(days=1), SAT_9, SAT_10 - timedelta(minutes=1)])
def test_booking_complete_before_the_end_is_refused(member, mentor, office_hours, now):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_complete(actor=mentor.user, booking=booking, now=now)

    # then
    assert excinfo.value.messages == ["A session can be marked as held once it has ended."]
    assert state() == before


def test_booking_complete_by_the_mentee_is_refused(member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.booking_complete(actor=member, booking=booking, now=SAT_10)

    # then
    assert state() == before


@pytest.mark.parametrize("status", [Booking.Status.REQUESTED, Booking.Status.CANCELLED, Booking.Status.COMPLETED])
def test_booking_complete_of_an_unconfirmed_booking_is_refused(member, mentor, office_hours, status):
    # given
    booking = confirmed(member, office_hours, status=status)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_complete(actor=mentor.user, booking=booking, now=SAT_10)

    # then
    assert excinfo.value.messages == ["Only confirmed sessions can be marked as held."]
    assert state() == before


def test_booking_mark_no_show_once_the_session_started(member, mentor, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    services.booking_mark_no_show(actor=mentor.user, booking=booking, now=SAT_9 + timedelta(minutes=15))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert audit_trail()[-1] == ("mentorship.booking.no_show", mentor.user_id)


def test_booking_mark_no_show_before_the_start_is_refused(member, mentor, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.booking_mark_no_show(actor=mentor.user, booking=booking, now=SAT_9 - timedelta(minutes=1))

    # then
    assert excinfo.value.messages == ["A no-show can be recorded only for a confirmed session that has started."]
    assert state() == before


def test_booking_mark_no_show_of_a_request_is_refused(member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive, now=SAT_9 - timedelta(hours=2))
    before = state()

    # when
    with pytest.raises(ValidationError):
        services.booking_mark_no_show(actor=mentor.user, booking=booking, now=SAT_9 + timedelta(minutes=5))

    # then
    assert state() == before


def test_booking_mark_no_show_by_the_mentee_is_refused(member, office_hours):
    # given
    booking = book(member, office_hours)
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.booking_mark_no_show(actor=member, booking=booking, now=SAT_10)

    # then
    assert state() == before


# --- feedback_submit ---------------------------------------------------------------


@pytest.fixture
def held(member, office_hours):
    return confirmed(member, office_hours, status=Booking.Status.COMPLETED)


def test_feedback_submit_by_each_side_once(held, member, mentor):
    # when
    by_mentee = services.feedback_submit(
        author=member, booking=held, rating=5, comment="  Very useful.  ", may_feature=True
    )
    by_mentor = services.feedback_submit(author=mentor.user, booking=held, rating=4)

    # then
    by_mentee.refresh_from_db()
    assert (by_mentee.rating, by_mentee.comment, by_mentee.may_feature) == (5, "Very useful.", True)
    assert (by_mentor.rating, by_mentor.comment, by_mentor.may_feature) == (4, "", False)
    assert audit_trail() == [
        ("mentorship.feedback.create", member.pk),
        ("mentorship.feedback.create", mentor.user_id),
    ]
    assert list(AuditEntry.objects.order_by("id").values_list("data", flat=True)) == [
        {"rating": 5, "review": "private"},
        {"rating": 4, "review": "private"},
    ]


def test_feedback_submit_twice_is_refused(held, member):
    # given
    services.feedback_submit(author=member, booking=held, rating=5)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.feedback_submit(author=member, booking=held, rating=1)

    # then
    assert excinfo.value.messages == ["You already left feedback for this session."]
    assert state() == before


@pytest.mark.parametrize("rating", [0, 6, 7])
def test_feedback_submit_with_a_rating_outside_1_to_5_is_refused(held, member, rating):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.feedback_submit(author=member, booking=held, rating=rating)

    # then
    assert set(excinfo.value.message_dict) == {"rating"}
    assert state() == before


@pytest.mark.parametrize(
    "status",
    [Booking.Status.REQUESTED, Booking.Status.CONFIRMED, Booking.Status.CANCELLED, Booking.Status.NO_SHOW],
)
def test_feedback_submit_before_the_session_is_held_is_refused(member, office_hours, status):
    # given
    booking = confirmed(member, office_hours, status=status)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.feedback_submit(author=member, booking=booking, rating=5)

    # then
    assert excinfo.value.messages == ["Feedback opens once the session is marked as held."]
    assert state() == before


def test_feedback_submit_by_a_stranger_is_refused(held, other_member):
    # given
    before = state()

    # when
    with pytest.raises(PermissionDenied):
        services.feedback_submit(author=other_member, booking=held, rating=1)

    # then
    assert state() == before


# --- endorsement_create ------------------------------------------------------------


def test_endorsement_create_after_a_completed_session(held, member, mentor):
    # when
    endorsement = services.endorsement_create(mentor=mentor, founder=member, text="  A sharp founder.  ")

    # then
    endorsement.refresh_from_db()
    assert (endorsement.mentor, endorsement.founder, endorsement.text) == (mentor, member, "A sharp founder.")
    assert audit_trail() == [("mentorship.endorsement.create", mentor.user_id)]
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (member, "mentorship.endorsement.create")
    assert notification.message == "Omar Farooq endorsed you."
    assert notification.url == member.profile.get_absolute_url()


@pytest.mark.parametrize("status", [Booking.Status.CONFIRMED, Booking.Status.CANCELLED, Booking.Status.NO_SHOW])
def test_endorsement_create_without_a_completed_session_is_refused(member, mentor, office_hours, status):
    # given
    confirmed(member, office_hours, status=status)
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.endorsement_create(mentor=mentor, founder=member, text="A sharp founder.")

    # then
    assert excinfo.value.messages == ["You can endorse a founder after at least one completed session with them."]
    assert state() == before


def test_endorsement_create_for_a_session_with_another_mentor_is_refused(member, mentor):
    # given: Ayesha's completed session was with someone else
    confirmed(member, SessionTypeFactory(mentor=MentorFactory()), status=Booking.Status.COMPLETED)
    before = state()

    # when
    with pytest.raises(ValidationError):
        services.endorsement_create(mentor=mentor, founder=member, text="A sharp founder.")

    # then
    assert state() == before


def test_endorsement_create_with_a_blank_text_is_refused(held, member, mentor):
    # given
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.endorsement_create(mentor=mentor, founder=member, text="   ")

    # then
    assert excinfo.value.message_dict == {"text": ["Write a sentence or two about the founder."]}
    assert state() == before


def test_endorsement_create_twice_is_refused(held, member, mentor):
    # given
    services.endorsement_create(mentor=mentor, founder=member, text="A sharp founder.")
    before = state()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.endorsement_create(mentor=mentor, founder=member, text="Still sharp.")

    # then
    assert excinfo.value.messages == ["You have already endorsed this founder."]
    assert state() == before


# --- Calendar feed -----------------------------------------------------------------


def test_calendar_feed_get_or_create_returns_the_same_feed(member):
    # when
    first = services.calendar_feed_get_or_create(user=member)
    second = services.calendar_feed_get_or_create(user=member)

    # then
    assert first.pk == second.pk
    assert first.token == second.token
    assert len(first.token) >= 40
    assert CalendarFeed.objects.count() == 1


def test_calendar_feed_revoke_changes_the_token(member):
    # given
    feed = services.calendar_feed_get_or_create(user=member)
    old_token = feed.token

    # when
    revoked = services.calendar_feed_revoke(user=member)

    # then
    feed.refresh_from_db()
    assert revoked.pk == feed.pk
    assert feed.token == revoked.token
    assert feed.token != old_token
    assert CalendarFeed.objects.filter(token=old_token).exists() is False
    assert audit_trail() == [("mentorship.calendar_feed.revoke", member.pk)]


def test_calendar_feed_revoke_without_a_feed_makes_one(member):
    # when
    feed = services.calendar_feed_revoke(user=member)

    # then
    assert CalendarFeed.objects.get(user=member).token == feed.token


@pytest.mark.parametrize("text", ["hello\x00world", "hello \udcff"])
def test_room_messages_and_notes_with_a_nul_or_a_lone_surrogate_are_refused(db, text):
    # given: a session on now (a WebSocket frame reaches these services without Django's middleware)
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    booking = BookingFactory(start=start, end=start + timedelta(hours=1))

    # when
    with pytest.raises(ValidationError) as message_refusal:
        services.room_message_post(booking=booking, author=booking.mentee, client_id=uuid.uuid4(), body=text)
    with pytest.raises(ValidationError) as notes_refusal:
        services.session_notes_save(booking=booking, author=booking.mentee, text=text, base_version=0)

    # then
    assert message_refusal.value.code == notes_refusal.value.code == "bad_characters"
    assert not RoomMessage.objects.exists()
    assert not SessionNotes.objects.filter(booking=booking).exclude(text="").exists()
