"""Reads of the mentorship app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from mentorship.models import AvailabilityRule, Booking, Feedback, Mentor, RoomMessage, SessionType
from mentorship.permissions import ROOM_STATUSES
from mentorship.slots import Busy, Slot, WeeklyHours, Window, compute_slots


def request_ttl() -> timedelta:
    return timedelta(hours=settings.RABTA["BOOKING_REQUEST_TTL_HOURS"])


def holding_bookings(now: datetime | None = None) -> QuerySet[Booking]:
    """Bookings that hold time now: confirmed ones and requests still inside their answer window."""
    now = now or timezone.now()
    return Booking.objects.filter(
        Q(status=Booking.Status.CONFIRMED) | Q(status=Booking.Status.REQUESTED, created_at__gt=now - request_ttl())
    )


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
        .select_related("user__profile")
        .prefetch_related("user__profile__sectors", "user__profile__languages")
        .order_by("user__profile__display_name", "id")
    )


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
    return (
        Booking.objects.involving(user)
        .exclude(status=Booking.Status.RESCHEDULED)
        .select_related("mentor__user__profile", "mentee__profile", "session_type")
    )


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
