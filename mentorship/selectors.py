"""Reads of the mentorship app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship.models import (
    AvailabilityRule,
    Booking,
    CalendarFeed,
    Feedback,
    Mentor,
    RoomMessage,
    SessionNotes,
    SessionType,
    listed_mentor,
)
from mentorship.permissions import ROOM_STATUSES
from mentorship.slots import Busy, Slot, WeeklyHours, Window, compute_slots, hours_within, merged_hours
from network.models import Organisation, Profile, User


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
    return min(start for start, _late in firsts), min(now + NEXT_FREE_RECHECK_FOUND, *(late for _start, late in firsts))


def mentor_next_free_due(*, now: datetime, limit: int) -> list[Mentor]:
    """Listed mentors whose "next free" is out of date (never worked out first), the oldest first."""
    return list(
        Mentor.objects.listed()
        .filter(Q(next_free_stale_at__isnull=True) | Q(next_free_stale_at__lte=now))
        .order_by(F("next_free_stale_at").asc(nulls_first=True), "pk")[:limit]
    )


# Parts of the viewer's day the mentor list looks for a mentor's weekly hours in, in the viewer's zone.
DAY_PARTS = {
    "morning": (time(8), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(22)),
}
# The least of a mentor's weekly hours in a part of the viewer's day that counts: one short session.
DAY_PART_LEAST = timedelta(minutes=30)


def viewer_days(*, viewer_tz: ZoneInfo, now: datetime, count: int = 7) -> list[date]:
    """The viewer's next ``count`` dates in their own zone, today first."""
    today = now.astimezone(viewer_tz).date()
    return [today + timedelta(days=n) for n in range(count)]


def mentor_hours_in_part(*, rules: QuerySet[AvailabilityRule], viewer_tz: ZoneInfo, part: str, now: datetime) -> dict:
    """For each mentor of these weekly ``rules``, how much of their hours falls in ``part`` of the
    viewer's day over the coming week (``DAY_PARTS``): ``{mentor id: hours}``, the soonest free
    mentor first. One query; each day's hours in each zone, and each week's, are worked out once."""
    weekly: dict[int, list[tuple]] = {}
    zones: dict[int, str] = {}
    for pk, zone, weekday, start, end in rules.values_list(
        "mentor_id", "mentor__timezone", "weekday", "start_time", "end_time"
    ).order_by(F("mentor__next_free_at").asc(nulls_last=True), "mentor_id", "weekday", "start_time"):
        weekly.setdefault(pk, []).append((weekday, start, end))
        zones[pk] = zone
    days = viewer_days(viewer_tz=viewer_tz, now=now)
    per_day: dict[tuple, timedelta] = {}  # (zone, one day's hours): the time of them in the part
    per_week: dict[tuple, timedelta] = {}  # (zone, a whole week's hours): the sum
    found = {}
    for pk, hours in weekly.items():
        key = (zones[pk], tuple(hours))
        if key not in per_week:
            total = timedelta(0)
            # joined per day, so no hour counts twice; days never overlap
            for h in merged_hours(WeeklyHours(*row) for row in hours):
                if (key[0], h) not in per_day:
                    per_day[key[0], h] = hours_within(
                        weekly=[h], tz=ZoneInfo(key[0]), viewer_tz=viewer_tz, part=DAY_PARTS[part], days=days
                    )
                total += per_day[key[0], h]
            per_week[key] = total
        found[pk] = per_week[key]
    return found


def mentor_ids_with_hours_in(*, mentors: QuerySet[Mentor], viewer_tz: ZoneInfo, part: str, now: datetime) -> list:
    """The mentors of ``mentors`` with at least ``DAY_PART_LEAST`` of weekly hours in ``part`` of the
    viewer's day in the coming week (the mentor list's "weekly hours in my …" filter)."""
    rules = AvailabilityRule.objects.filter(mentor__in=mentors.values("pk"))
    found = mentor_hours_in_part(rules=rules, viewer_tz=viewer_tz, part=part, now=now)
    return [pk for pk, hours in found.items() if hours >= DAY_PART_LEAST]


@dataclass(frozen=True)
class Suggestion:
    """A mentor suggested to a member, and why: the sectors and languages they share, and how many of
    the mentor's weekly hours fall in the member's evenings."""

    mentor: Mentor
    sectors: list[str]
    languages: list[str]
    evening: timedelta

    @property
    def evening_hours(self) -> float:
        return round(self.evening.total_seconds() / 3600, 1)

    @property
    def reason(self) -> str:
        """Why, in a line: "Shares FinTech · Speaks Urdu · 4 h a week in your evenings"."""
        parts = []
        if self.sectors:
            parts.append(_("Shares %(sectors)s") % {"sectors": ", ".join(self.sectors)})
        if self.languages:
            parts.append(_("Speaks %(languages)s") % {"languages": ", ".join(self.languages)})
        parts.append(_("%(hours)s h a week in your evenings") % {"hours": floatformat(self.evening_hours, -1)})
        return " · ".join(parts)


SUGGESTIONS_PART = "evening"
SUGGESTIONS_SHOWN = 3


def _suggestion_score(sectors: int, languages: int, evening: timedelta) -> float:
    """Shared sectors weigh most (two at most count), then a shared language, then evening hours (up
    to six a week)."""
    return 3 * min(sectors, 2) + (2 if languages else 0) + min(evening.total_seconds() / 3600, 6) / 2


# Ranked for everyone sharing a zone, sectors and languages, then thinned per member (themselves and
# mentors they have met left out): enough spare that a member who met a few still gets their three.
SUGGESTIONS_RANKED = 30
SUGGESTIONS_KEPT = 300  # seconds


def mentor_suggestions(*, viewer, viewer_tz: ZoneInfo, now: datetime | None = None, limit: int = SUGGESTIONS_SHOWN):
    """Mentors for ``viewer`` to meet: listed, free to book in the coming weeks, new to them (no
    session requested, booked or held together), with weekly hours in the viewer's evenings (17:00 to
    22:00 in ``viewer_tz``), and, when the viewer's profile or startup names sectors or languages,
    sharing one of them; best first (``_suggestion_score``), then the soonest free.

    The ranking depends only on the zone, the sectors, the languages and the date, so it is shared by
    every member with the same ones (``cached_value``) until a profile, a mentor's standing or zone, or
    weekly hours change, five minutes at most; a fixed number of queries whatever the number of
    mentors."""
    from core.pagecache import cached_value

    now = now or timezone.now()
    try:
        profile = viewer.profile  # loaded with the member for a request
    except Profile.DoesNotExist:
        return []
    sector_ids = sorted(
        set(profile.sectors.values_list("pk", flat=True))
        | set(
            Organisation.sectors.through.objects.filter(
                organisation__kind=Organisation.Kind.STARTUP, organisation__memberships__user=viewer
            ).values_list("sector_id", flat=True)
        )
    )
    language_ids = sorted(profile.languages.values_list("pk", flat=True))
    today = now.astimezone(viewer_tz).date()
    ranked = cached_value(
        "mentor-suggestions",
        str(viewer_tz),
        today,
        sector_ids,
        language_ids,
        # Not "mentors", bumped by every booking and every move of a next free time: the ranking
        # reads weekly hours, zones, sectors and languages, and whether a mentor is free is read
        # afresh below; the order among equals (the soonest free) may be five minutes old.
        depends_on=("profiles", "mentor-hours"),
        timeout=SUGGESTIONS_KEPT,
        compute=lambda: _suggestion_ranking(
            sector_ids=sector_ids, language_ids=language_ids, viewer_tz=viewer_tz, now=now
        ),
    )
    met = set(
        Booking.objects.filter(
            mentee=viewer, status__in=[Booking.Status.REQUESTED, Booking.Status.CONFIRMED, Booking.Status.COMPLETED]
        ).values_list("mentor_id", flat=True)
    )
    chosen = [row for row in ranked if row[0] not in met]
    mentors = {
        m.pk: m
        for m in Mentor.objects.visible_to(viewer)
        .exclude(user=viewer)
        .filter(next_free_at__isnull=False)
        .filter(pk__in=[r[0] for r in chosen])
        .select_related("user__profile")
    }
    return [
        Suggestion(mentor=mentors[pk], sectors=sectors, languages=languages, evening=timedelta(seconds=evening))
        for pk, sectors, languages, evening in chosen
        if pk in mentors
    ][:limit]


def _suggestion_ranking(*, sector_ids: list[int], language_ids: list[int], viewer_tz: ZoneInfo, now: datetime):
    """Listed mentors with weekly hours in the evenings of ``viewer_tz``, sharing one
    of the sectors or languages if any are given, best first: ``SUGGESTIONS_RANKED`` rows of (mentor
    id, shared sector names, shared language names, seconds of evening hours a week)."""
    # Joined, not a subquery of mentors: the one read that grows with the number of mentors.
    rules = AvailabilityRule.objects.filter(listed_mentor("mentor__"))
    evenings = mentor_hours_in_part(rules=rules, viewer_tz=viewer_tz, part=SUGGESTIONS_PART, now=now)
    evenings = {pk: hours for pk, hours in evenings.items() if hours >= DAY_PART_LEAST}
    shared_sectors: dict[int, list[str]] = {}
    shared_languages: dict[int, list[str]] = {}
    if evenings and sector_ids:
        for pk, name in (
            Profile.sectors.through.objects.filter(profile__user__mentor__in=list(evenings), sector_id__in=sector_ids)
            .values_list("profile__user__mentor", "sector__name")
            .order_by("sector__name")
        ):
            shared_sectors.setdefault(pk, []).append(name)
    if evenings and language_ids:
        for pk, name in (
            Profile.languages.through.objects.filter(
                profile__user__mentor__in=list(evenings), language_id__in=language_ids
            )
            .values_list("profile__user__mentor", "language__name")
            .order_by("language__name")
        ):
            shared_languages.setdefault(pk, []).append(name)
    if sector_ids or language_ids:
        evenings = {pk: hours for pk, hours in evenings.items() if pk in shared_sectors or pk in shared_languages}
    # A stable sort of mentors already soonest free first: equal scores stay in that order.
    ranked = sorted(
        evenings,
        key=lambda pk: (
            -_suggestion_score(len(shared_sectors.get(pk, [])), len(shared_languages.get(pk, [])), evenings[pk])
        ),
    )[:SUGGESTIONS_RANKED]
    return [
        (pk, shared_sectors.get(pk, []), shared_languages.get(pk, []), int(evenings[pk].total_seconds()))
        for pk in ranked
    ]


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
    rows = Booking.objects.filter(pk__in={booking for booking, _member in pairs}, status__in=ROOM_STATUSES).values_list(
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
