"""Background work of mentorship: reminders, expiry of unanswered requests, completion.

Tasks are queued after commit (captured with ``django_capture_on_commit_callbacks``)
and run by the real database worker through ``run_tasks(now=...)``, which runs
every task that is due at ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from mentorship import services
from mentorship.models import Booking
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SAT_9 = datetime(2026, 6, 6, 16, 0, tzinfo=UTC)  # Saturday 09:00 in Los Angeles, 21:00 in Karachi
SAT_10 = datetime(2026, 6, 6, 17, 0, tzinfo=UTC)
NEXT_SAT_9 = datetime(2026, 6, 13, 16, 0, tzinfo=UTC)
AGENDA = "We are pricing our SaaS product for US customers and need a second opinion."

REMINDER = "mentorship.tasks.send_booking_reminder"
EXPIRE = "mentorship.tasks.expire_booking_request"
COMPLETE = "mentorship.tasks.complete_booking"


@pytest.fixture
def mentor(db):
    user = ProfileFactory(
        display_name="Omar Farooq", city="San Francisco", country="US", timezone="America/Los_Angeles"
    ).user
    mentor = MentorFactory(user=user)
    AvailabilityRuleFactory(mentor=mentor)  # Saturday 09:00–11:00
    return mentor


@pytest.fixture
def office_hours(mentor):
    return SessionTypeFactory(mentor=mentor, title="Office hours", requires_approval=False)


@pytest.fixture
def deep_dive(mentor):
    return SessionTypeFactory(mentor=mentor, title="Deep dive", requires_approval=True)


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    """Book through the service and run its on-commit hooks, as a real commit would."""

    def make(mentee, session_type, start=SAT_9, now=NOW) -> Booking:
        with django_capture_on_commit_callbacks(execute=True):
            return services.booking_request(
                mentee=mentee, session_type=session_type, start=start, agenda=AGENDA, now=now
            )

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a service and run its on-commit hooks."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def flush(run_tasks):
    """Send the notification emails queued so far (due at once) and forget them."""

    def run(now) -> None:
        run_tasks(now=now)
        mail.outbox.clear()

    return run


def queued(task_path: str) -> list[tuple[datetime, list]]:
    return sorted(
        (result.run_after, result.args_kwargs["args"])
        for result in DBTaskResult.objects.filter(task_path=task_path, status="READY")
    )


def results(task_path: str) -> list[tuple[str, object]]:
    return sorted((result.status, result.return_value) for result in DBTaskResult.objects.filter(task_path=task_path))


def sent() -> list[tuple[str, list[str]]]:
    return [(message.subject, message.to) for message in mail.outbox]


# --- Queueing ----------------------------------------------------------------------


def test_a_confirmed_booking_queues_two_reminders_and_its_completion(member, office_hours, book):
    # when
    booking = book(member, office_hours)

    # then
    assert queued(REMINDER) == [
        (SAT_9 - timedelta(hours=24), [booking.pk, SAT_9.isoformat(), 0, 24]),
        (SAT_9 - timedelta(hours=1), [booking.pk, SAT_9.isoformat(), 0, 1]),
    ]
    assert queued(COMPLETE) == [(SAT_10 + timedelta(hours=12), [booking.pk])]
    assert queued(EXPIRE) == []


def test_a_request_queues_only_its_expiry(member, deep_dive, book):
    # when
    booking = book(member, deep_dive)

    # then
    assert queued(EXPIRE) == [(NOW + timedelta(hours=48), [booking.pk])]
    assert queued(REMINDER) == []
    assert queued(COMPLETE) == []


def test_accepting_a_request_queues_the_reminders_with_the_new_sequence(member, mentor, deep_dive, book, committed):
    # given
    booking = book(member, deep_dive)

    # when
    committed(services.booking_accept, actor=mentor.user, booking=booking, now=NOW + timedelta(hours=2))

    # then
    assert queued(REMINDER) == [
        (SAT_9 - timedelta(hours=24), [booking.pk, SAT_9.isoformat(), 1, 24]),
        (SAT_9 - timedelta(hours=1), [booking.pk, SAT_9.isoformat(), 1, 1]),
    ]
    assert queued(COMPLETE) == [(SAT_10 + timedelta(hours=12), [booking.pk])]


def test_a_booking_made_less_than_a_day_ahead_gets_only_the_one_hour_reminder(member, office_hours, book):
    # when: booked 20 hours before the start
    booking = book(member, office_hours, now=SAT_9 - timedelta(hours=20))

    # then: a "24 hours before" reminder would be late already
    assert queued(REMINDER) == [(SAT_9 - timedelta(hours=1), [booking.pk, SAT_9.isoformat(), 0, 1])]


# --- Reminders ---------------------------------------------------------------------


def test_each_reminder_sends_one_email_to_each_side_at_its_time(member, mentor, office_hours, book, flush, run_tasks):
    # given
    booking = book(member, office_hours)
    flush(NOW)

    # when: a minute early, nothing is due
    early = run_tasks(now=SAT_9 - timedelta(hours=24, minutes=1))

    # then
    assert early == 0
    assert mail.outbox == []

    # when: a day before
    day_before = run_tasks(now=SAT_9 - timedelta(hours=24))

    # then: each side once, in their own time zone
    assert day_before == 1
    assert sent() == [
        ("Reminder: Office hours on Sat 6 Jun, 21:00", [member.email]),
        ("Reminder: Office hours on Sat 6 Jun, 09:00", [mentor.user.email]),
    ]
    to_mentee, to_mentor = mail.outbox
    assert "Hello Ayesha Khan," in to_mentee.body
    assert "Your Rabta session with Omar Farooq starts in 24 hours: Saturday 6 June 2026, 21:00 (Asia/Karachi)." in (
        to_mentee.body
    )
    assert (
        "Your Rabta session with Ayesha Khan starts in 24 hours: Saturday 6 June 2026, 09:00 (America/Los_Angeles)."
        in (to_mentor.body)
    )
    assert booking.meeting_url in to_mentee.body
    assert f"/sessions/{booking.pk}/" in to_mentor.body

    # when: an hour before
    mail.outbox.clear()
    hour_before = run_tasks(now=SAT_9 - timedelta(hours=1))

    # then
    assert hour_before == 1
    assert sorted(to for _subject, (to,) in sent()) == sorted([member.email, mentor.user.email])
    assert all("Reminder" in subject for subject, _to in sent())
    assert "starts in 1 hour:" in mail.outbox[0].body
    assert results(REMINDER) == [("SUCCESSFUL", True), ("SUCCESSFUL", True)]

    # when: running again later sends nothing twice
    mail.outbox.clear()
    again = run_tasks(now=SAT_9 - timedelta(minutes=30))

    # then
    assert again == 0
    assert mail.outbox == []


def test_a_cancelled_booking_gets_no_reminder(member, office_hours, book, committed, flush, run_tasks):
    # given
    booking = book(member, office_hours)
    committed(services.booking_cancel, actor=member, booking=booking, reason="Ill.", now=NOW + timedelta(days=1))
    flush(NOW + timedelta(days=1))

    # when
    ran = run_tasks(now=SAT_9 - timedelta(hours=1))

    # then: both reminders ran and sent nothing
    assert ran == 2
    assert mail.outbox == []
    assert results(REMINDER) == [("SUCCESSFUL", False), ("SUCCESSFUL", False)]


def test_a_moved_booking_gets_reminders_only_at_its_new_time(
    member, mentor, office_hours, book, committed, flush, run_tasks
):
    # given
    booking = book(member, office_hours, start=SAT_9)
    moved = committed(services.booking_reschedule, actor=member, booking=booking, new_start=NEXT_SAT_9, now=NOW)
    flush(NOW)

    # when: the old reminders come due
    ran_old = run_tasks(now=SAT_9 - timedelta(hours=1))

    # then: they run and send nothing
    assert ran_old == 2
    assert mail.outbox == []
    assert sorted(
        (r.args_kwargs["args"][0], r.return_value)
        for r in DBTaskResult.objects.filter(task_path=REMINDER, status="SUCCESSFUL")
    ) == [(booking.pk, False), (booking.pk, False)]

    # when: the new time's first reminder comes due (the old completion task too)
    ran_new = run_tasks(now=NEXT_SAT_9 - timedelta(hours=24))

    # then
    assert ran_new == 2
    assert sent() == [
        ("Reminder: Office hours on Sat 13 Jun, 21:00", [member.email]),
        ("Reminder: Office hours on Sat 13 Jun, 09:00", [mentor.user.email]),
    ]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.RESCHEDULED
    assert moved.pk != booking.pk
    assert queued(REMINDER) == [(NEXT_SAT_9 - timedelta(hours=1), [moved.pk, NEXT_SAT_9.isoformat(), 1, 1])]


def test_a_reminder_for_a_changed_booking_sends_nothing(member, office_hours, book, flush, run_tasks):
    # given: the booking changed (its sequence grew) after the reminder was queued
    booking = book(member, office_hours)
    flush(NOW)
    Booking.objects.filter(pk=booking.pk).update(sequence=5)

    # when
    ran = run_tasks(now=SAT_9 - timedelta(hours=24))

    # then
    assert ran == 1
    assert mail.outbox == []


# --- Expiry ------------------------------------------------------------------------


def test_the_expiry_task_expires_an_unanswered_request_after_48_hours(
    member, mentor, deep_dive, book, flush, run_tasks
):
    # given
    booking = book(member, deep_dive)
    flush(NOW)

    # when: 47 hours on
    early = run_tasks(now=NOW + timedelta(hours=47))

    # then
    assert early == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED

    # when: 48 hours on
    ran = run_tasks(now=NOW + timedelta(hours=48))

    # then
    assert ran == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert results(EXPIRE) == [("SUCCESSFUL", True)]
    assert sorted(
        booking.mentee.notifications.filter(kind="mentorship.booking.expire").values_list("recipient_id", flat=True)
    ) == [member.pk]
    assert mentor.user.notifications.filter(kind="mentorship.booking.expire").count() == 1


def test_the_expiry_task_leaves_an_accepted_request_alone(member, mentor, deep_dive, book, committed, run_tasks):
    # given
    booking = book(member, deep_dive)
    committed(services.booking_accept, actor=mentor.user, booking=booking, now=NOW + timedelta(hours=1))

    # when
    run_tasks(now=NOW + timedelta(hours=48))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert results(EXPIRE) == [("SUCCESSFUL", False)]


# --- Completion --------------------------------------------------------------------


def test_the_completion_task_marks_a_confirmed_session_held_12_hours_after_its_end(
    member, office_hours, book, run_tasks
):
    # given
    booking = book(member, office_hours)

    # when: a minute early (the reminders run, the completion waits)
    run_tasks(now=SAT_10 + timedelta(hours=12) - timedelta(minutes=1))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert results(COMPLETE) == [("READY", None)]

    # when
    ran = run_tasks(now=SAT_10 + timedelta(hours=12))

    # then
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert results(COMPLETE) == [("SUCCESSFUL", True)]
    assert ran == 1
    assert booking.mentee.notifications.filter(kind="mentorship.booking.complete").count() == 1


@pytest.mark.parametrize("outcome", ["completed", "no_show", "cancelled"])
def test_the_completion_task_leaves_a_session_that_is_no_longer_confirmed_alone(
    member, mentor, office_hours, book, committed, run_tasks, outcome
):
    # given
    booking = book(member, office_hours)
    if outcome == "completed":
        services.booking_complete(actor=mentor.user, booking=booking, now=SAT_10)
    elif outcome == "no_show":
        services.booking_mark_no_show(actor=mentor.user, booking=booking, now=SAT_9 + timedelta(minutes=20))
    else:
        services.booking_cancel(actor=member, booking=booking, reason="Ill.", now=NOW)

    # when
    run_tasks(now=SAT_10 + timedelta(hours=12))

    # then
    booking.refresh_from_db()
    assert booking.status == outcome
    assert results(COMPLETE) == [("SUCCESSFUL", False)]
