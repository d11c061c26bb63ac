"""Demo data for mentorship, called by ``manage.py seed_demo``. Safe to run twice.

``seed`` makes the hand-written demo set; ``seed_bulk`` the benchmark set in proportion to the bulk
members (``seed_demo --members N``).
"""

from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from mentorship.models import AvailabilityRule, Booking, Feedback, Mentor, RoomMessage, SessionType
from mentorship.services import _meeting_url, mentor_next_free_refresh
from network.models import User

DEMO_DOMAIN = "demo.rabta.pk"
BULK_DOMAIN = "bulk.rabta.pk"  # the bulk members of ``seed_demo --members``: member0000000@bulk.rabta.pk, …

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
    # The list's "next free" now rather than at the scheduler's next run (bulk mentors wait for it).
    for mentor in Mentor.objects.filter(pk__in=[m.pk for m in mentors]):
        mentor_next_free_refresh(mentor=mentor)
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
    # The founder shared theirs as a review, and staff published it on the mentor's page.
    Feedback.objects.create(
        booking=held, author=founder, rating=5, comment="Clear, practical advice on idempotency.",
        review=Feedback.Review.PUBLISHED, review_changed_at=now - timedelta(days=9),
    )  # fmt: skip
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


# --- Bulk data for benchmarks ------------------------------------------------------------------

# One bulk member in 20 mentors (member 0, 20, 40…: all have is_mentor on their profile). A mentor's
# founders are the founders among the 19 members after them, so no founder has sessions with two
# mentors and no two bookings of one founder can overlap: a mentor's own bookings never do.
MENTOR_EVERY = 20
# Sessions per mentor by mentor number modulo 10: 10 on average (bookings = members / 2), a third
# of them still to come (rounded down), the rest held.
BOOKINGS_PER_MENTOR = (2, 4, 6, 8, 10, 10, 12, 14, 16, 18)
# Ten room messages per member, over the held sessions; one mentor in 50 has one long conversation.
MESSAGES_PER_MENTOR = 10 * MENTOR_EVERY
LONG_EVERY = 50
LONG_MESSAGES = 5000
BATCH = 5000

# Weekly hours in the mentor's own zone: (weekday, from hour, until hour); sessions start on the hour.
BULK_HOURS = [
    [(0, 18, 21), (2, 18, 21), (5, 10, 13)],
    [(1, 19, 22), (3, 19, 22), (6, 9, 12)],
    [(5, 9, 13), (6, 9, 13)],
    [(0, 20, 22), (1, 20, 22), (2, 20, 22), (3, 20, 22)],
]
AGENDAS = [
    "Pricing our SaaS product for customers in the US.",
    "Hiring our first two senior engineers from abroad.",
    "Preparing the data room for our pre-seed round.",
    "Choosing between a SAFE and priced equity.",
    "Getting our first enterprise customer in the Gulf.",
    "Security questionnaires from European buyers.",
]
CHAT = [
    "Hi! Can you hear me?",
    "Yes, loud and clear. Shall we start with the pricing page?",
    "I shared the sheet with last quarter's numbers.",
    "Your churn is fine; the problem is the annual discount.",
    "What would you charge a team of fifty?",
    "Try three tiers and drop the free plan for teams.",
    "Here is the link to the deck: slide 7 has the funnel.",
    "Thanks, that is really helpful.",
    "Can we talk about hiring next time?",
    "Sure. Send me the job description before then.",
    "One more question about the term sheet.",
    "Ask away.",
]
# Founders' feedback, in turn: half shared as reviews (most published, one in ten still waiting for staff).
REVIEWS = [Feedback.Review.PUBLISHED] * 4 + [Feedback.Review.PENDING] + [Feedback.Review.PRIVATE] * 5
COMMENTS = [
    "Clear, practical advice.",
    "Well prepared; good questions.",
    "Exactly the introduction we needed.",
    "Very generous with time and contacts.",
]


@dataclass
class _Planned:
    """A booking to make, and the room messages it will hold."""

    booking: Booking
    mentor_user_id: int
    long: bool = False  # the long conversation of its mentor
    messages: int = 0
    feedback: list[Feedback] = field(default_factory=list)


def seed_bulk(command, *, members: int) -> str:
    """Mentors from the bulk members (one in 20, approved and listed), two session types and weekly
    hours each, bookings (members / 2: held ones with feedback, confirmed ones to come) and
    ``10 × members`` room messages in the held sessions.

    Mentors that exist already are left as they are, with everything that hangs from them: running
    it again adds nothing, and a larger ``members`` adds only the new mentors and their sessions.
    Bulk inserts only (no services, no signals); room messages are copied in on PostgreSQL.
    """
    profiles = command.bulk_profiles(members)
    existing = set(Mentor.objects.filter(user__email__endswith=f"@{BULK_DOMAIN}").values_list("user_id", flat=True))
    numbers = [
        number
        for number in range(0, members - MENTOR_EVERY + 1, MENTOR_EVERY)
        if number in profiles and profiles[number]["is_mentor"] and profiles[number]["user_id"] not in existing
    ]
    if not numbers:
        return "nothing to add"
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        mentors = _bulk_mentors(numbers, profiles, now)
        planned = _bulk_bookings(numbers, profiles, mentors, now)
        Booking.objects.bulk_create([p.booking for p in planned], batch_size=BATCH)
        for p in planned:
            for feedback in p.feedback:
                feedback.booking = p.booking  # now that the booking has its id
        Feedback.objects.bulk_create([f for p in planned for f in p.feedback], batch_size=BATCH)
        messages = _bulk_room_messages(planned, len(numbers))
    held = sum(1 for p in planned if p.booking.status == Booking.Status.COMPLETED)
    return (
        f"{len(numbers):,} mentors, {len(planned):,} bookings ({held:,} held, {len(planned) - held:,} to come), "
        f"{sum(len(p.feedback) for p in planned):,} feedback, {messages:,} room messages"
    )


def _bulk_mentors(numbers: list[int], profiles: dict[int, dict], now: datetime) -> dict[int, Mentor]:
    """Approved mentors with their session types and weekly hours, by member number."""
    created = Mentor.objects.bulk_create(
        [
            Mentor(
                user_id=profiles[n]["user_id"],
                status=Mentor.Status.APPROVED,
                approved_at=now - timedelta(days=200),
                timezone=profiles[n]["timezone"],
                expertise=profiles[n]["skills"] or "Product, engineering, going abroad",
            )
            for n in numbers
        ],
        batch_size=BATCH,
    )
    by_user = {m.user_id: m for m in created}
    if any(m.pk is None for m in created):  # backends that do not return ids from bulk inserts
        by_user = {m.user_id: m for m in Mentor.objects.filter(user_id__in=list(by_user))}
    mentors = {n: by_user[profiles[n]["user_id"]] for n in numbers}
    types = []
    rules = []
    for n, mentor in mentors.items():
        types += [
            SessionType(
                mentor=mentor, title="Office hours", description="A focused half hour on one question.",
                duration_minutes=30, requires_approval=False, min_notice_hours=12, buffer_after_minutes=10,
                weekly_cap=6, per_mentee_cap=4,
            ),
            SessionType(
                mentor=mentor, title="Deep dive", description="An hour on strategy, architecture or fundraising.",
                duration_minutes=60, requires_approval=True, min_notice_hours=24, weekly_cap=6, per_mentee_cap=4,
            ),
        ]  # fmt: skip
        rules += [
            AvailabilityRule(mentor=mentor, weekday=weekday, start_time=time(start), end_time=time(end))
            for weekday, start, end in BULK_HOURS[(n // MENTOR_EVERY) % len(BULK_HOURS)]
        ]
    SessionType.objects.bulk_create(types, batch_size=BATCH)
    AvailabilityRule.objects.bulk_create(rules, batch_size=BATCH)
    by_mentor: dict[int, dict[str, SessionType]] = {}
    for session_type in SessionType.objects.filter(mentor__in=list(mentors.values())):
        by_mentor.setdefault(session_type.mentor_id, {})[session_type.title] = session_type
    for mentor in mentors.values():
        mentor.bulk_types = by_mentor[mentor.pk]
    return mentors


def _bulk_bookings(
    numbers: list[int], profiles: dict[int, dict], mentors: dict[int, Mentor], now: datetime
) -> list[_Planned]:
    """Each mentor's sessions inside their weekly hours: one a week in the past weeks (held), two a
    week from next week on (confirmed; from the week after if today is Sunday, for the notice)."""
    planned = []
    for n in numbers:
        mentor, k = mentors[n], n // MENTOR_EVERY
        founders = [profiles[m] for m in range(n + 1, n + MENTOR_EVERY) if profiles[m]["is_founder"]]
        if not founders:
            continue
        tz = ZoneInfo(mentor.timezone)
        today = now.astimezone(tz).date()
        monday = today - timedelta(days=today.weekday())
        slots = sorted(
            (weekday, hour) for weekday, start, end in BULK_HOURS[k % len(BULK_HOURS)] for hour in range(start, end)
        )
        total = BOOKINGS_PER_MENTOR[k % len(BOOKINGS_PER_MENTOR)]
        upcoming = total // 3
        first_week = 2 if today.weekday() == 6 else 1

        def at(week: int, slot: tuple[int, int], monday: date = monday, tz: ZoneInfo = tz) -> datetime:
            # Evening and morning hours: never inside a daylight-saving change (those happen at night).
            return datetime.combine(monday + timedelta(days=7 * week + slot[0]), time(slot[1]), tzinfo=tz)

        for i in range(total - upcoming):
            session_type = mentor.bulk_types["Deep dive" if i % 4 == 3 else "Office hours"]
            start = at(-(1 + i), slots[(i * 5 + k) % len(slots)])
            founder = founders[i % len(founders)]
            booking = _bulk_booking(mentor, founder, session_type, start, Booking.Status.COMPLETED, i + k)
            booking.created_at = start - timedelta(days=3, hours=k % 5)
            booking.responded_at = booking.created_at + timedelta(hours=2)
            plan = _Planned(booking, mentor.user_id, long=i == 0 and k % LONG_EVERY == 0)
            if i % 3 != 2:  # two founders in three rate the session…
                plan.feedback.append(
                    Feedback(
                        author_id=founder["user_id"], rating=5 - (i + k) % 3, comment=COMMENTS[(i + k) % len(COMMENTS)],
                        may_feature=(i + k) % 7 == 0, created_at=booking.end + timedelta(hours=1),
                        review=(review := REVIEWS[(i + k) % len(REVIEWS)]),
                        review_changed_at=None if review == "private" else booking.end + timedelta(days=1),
                    )
                )  # fmt: skip
            if i % 3 == 0:  # …and the mentor rates one in three
                plan.feedback.append(
                    Feedback(
                        author_id=mentor.user_id, rating=4 + (i + k) % 2, comment="Well prepared founder.",
                        created_at=booking.end + timedelta(hours=2),
                    )
                )  # fmt: skip
            planned.append(plan)
        for j in range(upcoming):
            session_type = mentor.bulk_types["Deep dive" if j % 3 == 2 else "Office hours"]
            start = at(first_week + j // 2, slots[((j % 2) * (len(slots) // 2) + k) % len(slots)])
            founder = founders[(j + 1) % len(founders)]
            booking = _bulk_booking(mentor, founder, session_type, start, Booking.Status.CONFIRMED, j + k)
            booking.created_at = now - timedelta(hours=2 + (7 * j + k) % 40)
            booking.responded_at = booking.created_at + timedelta(hours=0 if j % 3 != 2 else 1)
            planned.append(_Planned(booking, mentor.user_id))
    return planned


def _bulk_booking(mentor: Mentor, founder: dict, session_type: SessionType, start: datetime, status: str, n: int):
    return Booking(
        mentor=mentor,
        mentee_id=founder["user_id"],
        session_type=session_type,
        start=start.astimezone(UTC),
        end=(start + session_type.duration).astimezone(UTC),
        buffer_before_minutes=session_type.buffer_before_minutes,
        buffer_after_minutes=session_type.buffer_after_minutes,
        status=status,
        agenda=AGENDAS[n % len(AGENDAS)],
        mentee_timezone=founder["timezone"],
        meeting_url=_meeting_url(session_type),
    )


def _bulk_room_messages(planned: list[_Planned], mentor_count: int) -> int:
    """``MESSAGES_PER_MENTOR × mentor_count`` messages in the held sessions' rooms: the first held
    session of every 50th mentor gets a long conversation (up to 5,000), the rest share evenly.

    Messages are written from half an hour before the session to two hours after it, alternately by
    the two participants, and stored in time order across rooms, as a live site stores them.
    """
    held = [p for p in planned if p.booking.status == Booking.Status.COMPLETED]
    if not held:
        return 0
    budget = MESSAGES_PER_MENTOR * mentor_count
    long = [p for p in held if p.long]
    long_size = min(LONG_MESSAGES, budget // 2 // len(long)) if long else 0
    for p in long:
        p.messages = long_size
    others = [p for p in held if not p.long]
    share, extra = divmod(budget - long_size * len(long), len(others))
    for n, p in enumerate(others):
        p.messages = share + (1 if n < extra else 0)

    def room(p: _Planned):
        booking = p.booking
        opens = booking.start - timedelta(minutes=30)
        step = (booking.end + timedelta(hours=2) - opens) / p.messages
        for j in range(p.messages):
            author = p.mentor_user_id if j % 9 in (1, 3, 5, 7) else booking.mentee_id
            yield (opens + step * j, booking.pk, j, author)

    ordered = heapq.merge(*(room(p) for p in held if p.messages))
    total = sum(p.messages for p in held)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY mentorship_roommessage (booking_id, seq, author_id, client_id, body, created_at) FROM STDIN"
            ) as copy,
        ):
            for created_at, booking_id, j, author in ordered:
                copy.write_row(
                    (booking_id, j + 1, author, uuid.uuid4(), CHAT[(j + booking_id) % len(CHAT)], created_at)
                )
    else:
        batch = []
        for created_at, booking_id, j, author in ordered:
            batch.append(
                RoomMessage(
                    booking_id=booking_id, seq=j + 1, author_id=author, client_id=uuid.uuid4(),
                    body=CHAT[(j + booking_id) % len(CHAT)], created_at=created_at,
                )
            )  # fmt: skip
            if len(batch) == BATCH:
                RoomMessage.objects.bulk_create(batch)
                batch = []
        RoomMessage.objects.bulk_create(batch)
    return total
