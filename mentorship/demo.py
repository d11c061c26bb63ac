"""Demo data for mentorship, called by ``manage.py seed_demo``. Safe to run twice."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from mentorship.models import AvailabilityRule, Booking, Feedback, Mentor, SessionType
from mentorship.services import _meeting_url
from network.models import User

DEMO_DOMAIN = "demo.rabta.pk"

# Evening and weekend hours, as diaspora professionals give them.
HOURS = [
    [(5, time(9), time(11))],
    [(1, time(18), time(20)), (3, time(18), time(20))],
    [(6, time(10), time(12))],
    [(2, time(19), time(21)), (5, time(14), time(16))],
]


def seed(command, *, accounts: dict) -> None:
    mentor_users = [accounts["mentor"], *User.objects.filter(email__regex=r"^mentor\d\d@").order_by("email")]
    mentors = []
    for n, user in enumerate(mentor_users):
        mentor, created = Mentor.objects.get_or_create(
            user=user,
            defaults={
                "timezone": user.profile.timezone,
                "status": Mentor.Status.APPROVED,
                "approved_at": timezone.now(),
                "expertise": user.profile.skills or "Product, engineering, going abroad",
            },
        )
        if created:
            SessionType.objects.create(
                mentor=mentor,
                title="Office hours",
                description="A focused half hour on one question.",
                duration_minutes=30,
                requires_approval=n % 2 == 1,
                min_notice_hours=12,
                buffer_after_minutes=10,
                weekly_cap=6,
            )
            SessionType.objects.create(
                mentor=mentor,
                title="Deep dive",
                description="An hour on strategy, architecture or fundraising.",
                duration_minutes=60,
                requires_approval=True,
                min_notice_hours=24,
                weekly_cap=6,
            )
            for weekday, start, end in HOURS[n % len(HOURS)]:
                AvailabilityRule.objects.create(mentor=mentor, weekday=weekday, start_time=start, end_time=end)
        mentors.append(mentor)
    _bookings(accounts, mentors)
    command.stdout.write(f"Mentorship: {len(mentors)} mentors with hours and session types.")


def _bookings(accounts: dict, mentors: list[Mentor]) -> None:
    founder = accounts["founder"]
    if Booking.objects.filter(mentee=founder).exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    demo_mentor = mentors[0]
    office, deep = demo_mentor.session_types.order_by("duration_minutes")
    # A session already held, with feedback both ways.
    held = Booking.objects.create(
        mentor=demo_mentor,
        mentee=founder,
        session_type=deep,
        start=now - timedelta(days=10),
        end=now - timedelta(days=10) + deep.duration,
        status=Booking.Status.COMPLETED,
        agenda="Scaling our payouts system before the seed round.",
        meeting_url=_meeting_url(deep),
        created_at=now - timedelta(days=14),
        responded_at=now - timedelta(days=13),
    )
    Feedback.objects.create(booking=held, author=founder, rating=5, comment="Clear, practical advice on idempotency.")
    Feedback.objects.create(booking=held, author=demo_mentor.user, rating=5, comment="Well prepared founder.")
    # A session starting within the hour (its room is open), one confirmed in a
    # few days, and one request waiting for the mentor.
    for start, session_type, status in (
        (now + timedelta(minutes=30), office, Booking.Status.CONFIRMED),
        (now + timedelta(days=3), office, Booking.Status.CONFIRMED),
        (now + timedelta(days=6), deep, Booking.Status.REQUESTED),
    ):
        Booking.objects.create(
            mentor=demo_mentor,
            mentee=founder,
            session_type=session_type,
            start=start,
            end=start + session_type.duration,
            status=status,
            agenda="Pricing our product for US customers.",
            meeting_url=_meeting_url(session_type),
            created_at=now - timedelta(hours=2),
            responded_at=now if status == Booking.Status.CONFIRMED else None,
        )
