"""Reads of the mentorship app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from mentorship.models import (
    AvailabilityRule,
    Booking,
    CalendarFeed,
    Feedback,
    Mentor,
    RoomMessage,
    SessionNotes,
    SessionType,
)
from mentorship.permissions import ROOM_STATUSES
from mentorship.slots import Busy, Slot, WeeklyHours, Window, compute_slots
from network.models import User


def request_ttl() -> timedelta:
    return timedelta(hours=settings.RABTA["BOOKING_REQUEST_TTL_HOURS"])


def holding_bookings(now: datetime | None = None) -> QuerySet[Booking]:
    """Bookings that hold time now: confirmed ones and requests still inside their answer window."""
    now = now or timezone.now()
    return Booking.objects.filter(
        Q(status=Booking.Status.CONFIRMED) | Q(status=Booking.Status.REQUESTED, created_at__gt=now - request_ttl())
    )


NEVER_FREE = datetime(9999, 1, 1, tzinfo=UTC)


def mentor_list(*, viewer=None) -> QuerySet[Mentor]:
    """Listed mentors ``viewer`` may see (visitors: public profiles only), with what the mentor list
    shows, in a constant number of queries."""
    completed = (
        Booking.objects.filter(mentor=OuterRef("pk"), status=Booking.Status.COMPLETED)
        .values("mentor")
        .annotate(n=Count("id"))
        .values("n")
    )
    rating = (
        Feedback.objects.filter(booking__mentor=OuterRef("pk"))
        .exclude(author=OuterRef("user"))
        .values("booking__mentor")
        .annotate(a=Avg("rating"))
        .values("a")
    )
    return (
        Mentor.objects.visible_to(viewer)
        .annotate(sessions_held=Subquery(completed), average_rating=Subquery(rating))
        # Whole numbers, smallest first, for the list's keyset orderings (most held, best rated):
        # a mentor with none sorts after every mentor with some.
        .annotate(
            held_rank=-Coalesce(F("sessions_held"), 0),
            rating_rank=-Coalesce(Cast(Round(F("average_rating") * 100), IntegerField()), 0),
            # A mentor with no free time sorts after every mentor with some.
            free_rank=Coalesce(F("next_free_at"), Value(NEVER_FREE)),
        )
        .select_related("user__profile")
        .prefetch_related("user__profile__sectors", "user__profile__languages")
        .order_by("user__profile__display_name", "id")
    )


# The mentor list's orders, each ending in a unique column for its keyset pages: by name; by
# sessions held; by the founders' average rating (ties: the more experienced first).
MENTOR_ORDERINGS = {
    "": ("user__profile__display_name", "id"),
    "sessions": ("held_rank", "user__profile__display_name", "id"),
    "rating": ("rating_rank", "held_rank", "user__profile__display_name", "id"),
    "soonest": ("free_rank", "user__profile__display_name", "id"),
}


def mentor_public_list() -> QuerySet[Mentor]:
    """Mentors whose page a visitor may open: the mentor list's and ``access_listed_mentor``'s rule
    for a viewer who is not signed in (``Mentor.objects.visible_to``), with the profile whose last
    change the sitemap reads, by id."""
    return Mentor.objects.visible_to(None).select_related("user__profile").order_by("pk")


def mentor_busy(*, mentor: Mentor, start: datetime, end: datetime, now: datetime, exclude_pk: int | None = None):
    """Busy intervals of a mentor between ``start`` and ``end``, buffers included.

    Sessions the mentor booked with other mentors, as a mentee, are busy too;
    only sessions they give count toward their weekly cap.
    """
    margin = timedelta(hours=6)
    bookings = holding_bookings(now).filter(
        Q(mentor=mentor) | Q(mentee_id=mentor.user_id), start__lt=end + margin, end__gt=start - margin
    )
    if exclude_pk is not None:
        bookings = bookings.exclude(pk=exclude_pk)
    return [
        Busy(
            start=b.start,
            end=b.end,
            buffer_before=timedelta(minutes=b.buffer_before_minutes),
            buffer_after=timedelta(minutes=b.buffer_after_minutes),
            counts_toward_cap=b.mentor_id == mentor.pk,
        )
        for b in bookings.only("start", "end", "buffer_before_minutes", "buffer_after_minutes", "mentor_id")
    ]


def mentor_slots(
    *,
    session_type: SessionType,
    now: datetime | None = None,
    range_start: datetime | None = None,
    range_end: datetime | None = None,
    exclude_booking_pk: int | None = None,
) -> list[Slot]:
    """Bookable slots of one session type, computed from the database in four queries."""
    now = now or timezone.now()
    mentor = session_type.mentor
    tz = ZoneInfo(mentor.timezone)
    horizon = timedelta(days=session_type.horizon_days)
    window_start = max(now, range_start) if range_start else now
    window_end = min(now + horizon, range_end) if range_end else now + horizon
    if window_start > window_end:
        return []
    # A week either side of the range, for the weekly cap's counts.
    busy_from = window_start - timedelta(days=8)
    busy_to = window_end + timedelta(days=8)
    first_day = window_start.astimezone(tz).date() - timedelta(days=1)
    last_day = window_end.astimezone(tz).date() + timedelta(days=1)
    return compute_slots(
        tz=tz,
        weekly=[WeeklyHours(r.weekday, r.start_time, r.end_time) for r in mentor.rules.all()],
        extra=[
            Window(e.date, e.start_time, e.end_time)
            for e in mentor.extra_hours.filter(date__gte=first_day, date__lte=last_day)
        ],
        blocked={b.date for b in mentor.blocked_dates.filter(date__gte=first_day, date__lte=last_day)},
        busy=mentor_busy(mentor=mentor, start=busy_from, end=busy_to, now=now, exclude_pk=exclude_booking_pk),
        duration=session_type.duration,
        buffer_before=timedelta(minutes=session_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=session_type.buffer_after_minutes),
        now=now,
        min_notice=timedelta(hours=session_type.min_notice_hours),
        horizon=horizon,
        weekly_cap=session_type.weekly_cap,
        range_start=range_start,
        range_end=range_end,
    )


# How long a worked-out "next free" stays trusted when nothing changes: a mentor with no free time
# gains some as the booking horizon moves on; one with some is looked at again as a net.
NEXT_FREE_RECHECK_NONE = timedelta(hours=1)
NEXT_FREE_RECHECK_FOUND = timedelta(hours=6)


def mentor_next_free(*, mentor: Mentor, now: datetime | None = None) -> tuple[datetime | None, datetime]:
    """The first bookable start of any of ``mentor``'s open session types (None: none within their
    horizons), and when that answer must be worked out again even if nothing changes: as soon as
    any type's first start falls inside that type's minimum notice."""
    now = now or timezone.now()
    firsts = []
    for session_type in session_type_list(mentor=mentor):
        session_type.mentor = mentor
        slots = mentor_slots(session_type=session_type, now=now)
        if slots:
            firsts.append((slots[0].start, slots[0].start - timedelta(hours=session_type.min_notice_hours)))
    if not firsts:
        return None, now + NEXT_FREE_RECHECK_NONE
    return min(start for start, _ in firsts), min(now + NEXT_FREE_RECHECK_FOUND, *(late for _, late in firsts))


def mentor_next_free_due(*, now: datetime, limit: int) -> list[Mentor]:
    """Listed mentors whose "next free" is out of date (never worked out first), the oldest first."""
    return list(
        Mentor.objects.listed()
        .filter(Q(next_free_stale_at__isnull=True) | Q(next_free_stale_at__lte=now))
        .order_by(F("next_free_stale_at").asc(nulls_first=True), "pk")[:limit]
    )


def mentor_has_hours_ids(mentor_ids: list[int]) -> set[int]:
    return set(AvailabilityRule.objects.filter(mentor_id__in=mentor_ids).values_list("mentor_id", flat=True))


def mentor_stats(*, mentor: Mentor) -> dict:
    """Sessions given, hours, average rating from founders, reliability."""
    completed = Booking.objects.filter(mentor=mentor, status=Booking.Status.COMPLETED)
    totals = completed.aggregate(
        sessions=Count("id"),
        duration=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
    )
    rating = (
        Feedback.objects.filter(booking__mentor=mentor)
        .exclude(author=mentor.user)
        .aggregate(average=Avg("rating"), count=Count("id"))
    )
    hours = (totals["duration"] or timedelta(0)).total_seconds() / 3600
    return {
        "sessions": totals["sessions"],
        "hours": round(hours, 1),
        "average_rating": round(rating["average"], 1) if rating["average"] is not None else None,
        "ratings": rating["count"],
        **reliability(user=mentor.user),
    }


def reliability(*, user) -> dict:
    """Late cancellations and no-shows in the last twelve months, as the other side sees them."""
    since = timezone.now() - timedelta(days=365)
    late = Booking.objects.filter(cancelled_by=user, cancelled_late=True, cancelled_at__gte=since).count()
    no_shows = Booking.objects.filter(mentee=user, status=Booking.Status.NO_SHOW, start__gte=since).count()
    return {"late_cancellations": late, "no_shows": no_shows}


def booking_list_for(*, user) -> QuerySet[Booking]:
    """The member's sessions as their list shows them: each side's name, the type, the times.

    Only the columns the list reads: a booking joins two members and their profiles, whose every
    column Django would otherwise compile, PostgreSQL send and Python build into objects.
    """
    return (
        Booking.objects.involving(user)
        .exclude(status=Booking.Status.RESCHEDULED)
        .select_related("mentor__user__profile", "mentee__profile", "session_type")
        .only(
            "start",
            "end",
            "status",
            "mentee_timezone",
            "session_type__title",
            "mentor__timezone",
            *(f"{member}__{field}" for member in ("mentor__user", "mentee") for field in User.NAME_FIELDS),
        )
    )


def booking_list_for_mentor(*, mentor: Mentor) -> QuerySet[Booking]:
    """Every session of ``mentor``, soonest first, with what the mentor's own pages show."""
    return Booking.objects.filter(mentor=mentor).select_related("mentee__profile", "session_type").order_by("start")


def mentor_get_for_user(*, user) -> Mentor | None:
    """The member's own mentor record, whatever its status, or None before they set one up."""
    return Mentor.objects.filter(user=user).first() if user.is_authenticated else None


def feedback_get(*, booking: Booking, author) -> Feedback | None:
    feedback = Feedback.objects.filter(booking=booking, author=author).first()
    if feedback is not None:
        feedback.booking = booking  # the rules on reviews read who the founder is
    return feedback


# Reviews shown on a mentor's page, newest first; the rest are counted.
REVIEWS_SHOWN = 10


def mentor_reviews(*, mentor: Mentor) -> dict:
    """The published reviews of ``mentor``: the newest ``REVIEWS_SHOWN`` with their authors, and how
    many there are (counted over all of them in the same query)."""
    from django.db.models import Window

    shown = list(
        # A deactivated author's words leave the page with them (and come back if staff reactivate them).
        Feedback.objects.filter(booking__mentor=mentor, review=Feedback.Review.PUBLISHED, author__is_active=True)
        .select_related("author__profile")
        .only("rating", "comment", "created_at", "author__is_active", "author__email", "author__profile__display_name",
              "author__profile__visibility", "author__profile__user_id")
        .annotate(total=Window(Count("id")))
        .order_by("-created_at", "-id")[:REVIEWS_SHOWN]
    )  # fmt: skip
    return {"shown": shown, "count": shown[0].total if shown else 0}


def review_queue() -> dict:
    """Reviews waiting for staff: how many, and since when the oldest has waited. One query."""
    from django.db.models import Min

    return Feedback.objects.filter(review=Feedback.Review.PENDING).aggregate(
        count=Count("id"), oldest=Min("review_changed_at")
    )


def feedback_list_received(*, mentor: Mentor) -> QuerySet[Feedback]:
    """What founders wrote about ``mentor``'s sessions, newest first (the mentor's own notes left out)."""
    return (
        Feedback.objects.filter(booking__mentor=mentor)
        .exclude(author=mentor.user)
        .select_related("author__profile")
        .order_by("-created_at")
    )


def calendar_feed_get(*, token: str) -> CalendarFeed | None:
    """The feed a private calendar address names, if its member is still active."""
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def calendar_feed_bookings(*, user, since: datetime) -> QuerySet[Booking]:
    """The sessions a member's calendar feed carries: held, coming or cancelled (so calendar apps
    remove them), ending after ``since``; never the superseded, declined or expired ones."""
    return (
        Booking.objects.involving(user)
        .exclude(status__in=[Booking.Status.RESCHEDULED, Booking.Status.DECLINED, Booking.Status.EXPIRED])
        .filter(end__gte=since)
        .select_related("mentor__user__profile", "mentee__profile", "session_type")
        .order_by("start")
    )


def session_notes_get(*, booking: Booking) -> SessionNotes | None:
    return SessionNotes.objects.filter(booking=booking).select_related("updated_by__profile").first()


@dataclass(frozen=True)
class Move:
    """One move of a session: from one start to another, by whom (None if unknown), and when."""

    old_start: datetime
    new_start: datetime
    by: object
    at: datetime
    booking: Booking  # the booking the move made


def booking_moves(*, booking: Booking) -> tuple[list[Move], Booking]:
    """Every move of the session ``booking`` is part of (the bookings sharing its calendar UID),
    oldest first, and the latest booking of that session; one query whatever the length."""
    chain = list(
        Booking.objects.filter(uid=booking.uid, mentor_id=booking.mentor_id, mentee_id=booking.mentee_id)
        .select_related("rescheduled_by__profile")
        .order_by("sequence", "created_at", "id")
    )
    by_pk = {b.pk: b for b in chain}
    moves = [
        Move(
            old_start=by_pk[b.rescheduled_from_id].start,
            new_start=b.start,
            by=b.rescheduled_by,
            at=b.created_at,
            booking=b,
        )
        for b in chain
        if b.rescheduled_from_id in by_pk
    ]
    moves.sort(key=lambda move: (move.at, move.booking.pk))
    latest = moves[-1].booking if moves else booking
    return moves, latest


def session_type_list(*, mentor: Mentor, active_only: bool = True) -> QuerySet[SessionType]:
    qs = SessionType.objects.filter(mentor=mentor).select_related("mentor")
    return qs.filter(is_active=True) if active_only else qs


def room_messages_after(*, booking_id: int, after_seq: int = 0, limit: int = 200) -> list[RoomMessage]:
    """Messages of a room numbered after ``after_seq``, in order, with their authors, at most ``limit``."""
    return list(
        RoomMessage.objects.filter(booking_id=booking_id, seq__gt=after_seq)
        .select_related("author__profile")
        .order_by("seq")[:limit]
    )


def room_latest_messages(*, booking_id: int, limit: int = 100) -> list[RoomMessage]:
    """The last ``limit`` messages of a room, in order (for the page's first render)."""
    latest = list(
        RoomMessage.objects.filter(booking_id=booking_id).select_related("author__profile").order_by("-seq")[:limit]
    )
    latest.reverse()
    return latest


def room_connections_allowed(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of these (booking id, member id) room connections, those still allowed: the member active and a
    participant of the booking, the booking in a state that has a room. One query for any number."""
    if not pairs:
        return set()
    rows = Booking.objects.filter(pk__in={booking for booking, _ in pairs}, status__in=ROOM_STATUSES).values_list(
        "pk", "mentee_id", "mentee__is_active", "mentor__user_id", "mentor__user__is_active"
    )
    allowed = set()
    for pk, mentee, mentee_active, mentor_user, mentor_active in rows:
        if mentee_active:
            allowed.add((pk, mentee))
        if mentor_active:
            allowed.add((pk, mentor_user))
    return allowed & pairs


# --- The member's home (network.dashboard_blocks) -----------------------------------------


def week_bounds(tz: ZoneInfo, now: datetime, week: int = 0) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``tz``, in UTC, of ``now``'s week (``week`` weeks on)."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def month_start(tz: ZoneInfo, now: datetime) -> datetime:
    """The first moment of ``now``'s month in ``tz``, in UTC."""
    first = now.astimezone(tz).date().replace(day=1)
    return datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def _without_feedback_from(user) -> Q:
    return ~Q(pk__in=Feedback.objects.filter(author=user).values("booking_id"))


def mentee_home(*, user, now: datetime) -> dict:
    """A founder's mentoring at ``now``: their next confirmed session (with its mentor), how many
    requests wait for a mentor's answer, and the held sessions they have not given feedback on.
    Three queries whatever the number of sessions."""
    mine = Booking.objects.filter(mentee=user)
    owed = Q(status=Booking.Status.COMPLETED) & _without_feedback_from(user)
    counts = mine.aggregate(
        total=Count("id"),
        waiting=Count("id", filter=Q(status=Booking.Status.REQUESTED, created_at__gt=now - request_ttl(), end__gt=now)),
        upcoming=Count("id", filter=Q(status=Booking.Status.CONFIRMED, end__gt=now)),
        feedback=Count("id", filter=owed),
    )
    feedback_list = list(
        mine.filter(owed).select_related("mentor__user__profile", "session_type").order_by("-start", "-id")[:5]
    )
    next_session = (
        mine.filter(status=Booking.Status.CONFIRMED, end__gt=now)
        .select_related("mentor__user__profile", "session_type")
        .order_by("start", "id")
        .first()
    )
    return {**counts, "next": next_session, "feedback_list": feedback_list}


def mentor_home(*, mentor: Mentor, now: datetime) -> dict:
    """A mentor's week at ``now`` in their own zone: requests still inside their answer window (oldest
    first, so the soonest to expire lead), this week's sessions, hours held this month, and held
    sessions they have not given feedback on, and the next confirmed session. Five queries whatever
    the number of sessions."""
    tz = ZoneInfo(mentor.timezone)
    week_start, week_end = week_bounds(tz, now)
    since = month_start(tz, now)
    bookings = Booking.objects.filter(mentor=mentor)
    waiting = Q(status=Booking.Status.REQUESTED, created_at__gt=now - request_ttl(), end__gt=now)
    in_week = Q(
        start__gte=week_start,
        start__lt=week_end,
        status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED],
    )
    owed = Q(status=Booking.Status.COMPLETED) & _without_feedback_from(mentor.user)
    counts = bookings.aggregate(
        requests=Count("id", filter=waiting),
        week=Count("id", filter=in_week),
        feedback=Count("id", filter=owed),
        held_this_month=Count("id", filter=Q(status=Booking.Status.COMPLETED, start__gte=since, start__lt=now)),
        duration=Sum(
            ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
            filter=Q(status=Booking.Status.COMPLETED, start__gte=since, start__lt=now),
        ),
    )
    related = ("mentee__profile", "session_type")
    duration = counts.pop("duration") or timedelta(0)
    return {
        **counts,
        "hours_this_month": round(duration.total_seconds() / 3600, 1),
        "tz": tz,
        "request_list": list(bookings.filter(waiting).select_related(*related).order_by("created_at", "id")[:5]),
        "week_list": list(bookings.filter(in_week).select_related(*related).order_by("start", "id")[:7]),
        "feedback_list": list(bookings.filter(owed).select_related(*related).order_by("-start", "-id")[:5]),
        "next": bookings.filter(status=Booking.Status.CONFIRMED, end__gt=now)
        .select_related(*related)
        .order_by("start", "id")
        .first(),
    }


def mentor_vetting_queue() -> dict:
    """Mentors waiting for vetting: how many, and when the oldest applied. One query."""
    from django.db.models import Min

    return Mentor.objects.filter(status=Mentor.Status.PENDING).aggregate(count=Count("id"), oldest=Min("created_at"))
