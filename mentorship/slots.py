"""Bookable slots: a pure function of a mentor's hours, bookings and a clock.

Availability is written in the mentor's own time zone as *local wall-clock
times* (Saturday 09:00–11:00 in Los Angeles). Each local date is turned into
absolute instants separately, so a rule keeps its local time across
daylight-saving changes and only its UTC (and everyone else's local) time
moves. Two edge cases follow from local times:

- spring forward: a local time that does not exist on that date (02:30 on the
  US change day) produces no slot;
- fall back: a local time that happens twice produces one slot, at its first
  occurrence (``fold=0``), so nobody sees the same hour twice.

Nothing here touches the database; ``selectors.mentor_slots`` gathers the
inputs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Local hours on one local date."""

    date: date
    start: time
    end: time


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # Monday = 0
    start: time
    end: time


@dataclass(frozen=True)
class Busy:
    """Time already held by a booking, with the buffers that booking asked for."""

    start: datetime
    end: datetime
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    counts_toward_cap: bool = True

    @property
    def padded_start(self) -> datetime:
        return self.start - self.buffer_before

    @property
    def padded_end(self) -> datetime:
        return self.end + self.buffer_after


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    local_start: datetime  # aware, in the mentor's zone

    def in_zone(self, tz: ZoneInfo) -> datetime:
        return self.start.astimezone(tz)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The instant of local wall-clock ``day at`` in ``tz``; None if that local time does not exist."""
    candidate = datetime.combine(day, at, tzinfo=tz).replace(fold=0)
    round_trip = candidate.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        return None  # skipped by a spring-forward change
    return candidate


def _windows(
    first: date,
    last: date,
    weekly: Iterable[WeeklyHours],
    extra: Iterable[Window],
    blocked: set[date],
) -> list[Window]:
    weekly = list(weekly)
    windows: list[Window] = []
    day = first
    while day <= last:
        if day not in blocked:
            windows.extend(Window(day, w.start, w.end) for w in weekly if w.weekday == day.weekday())
        day += timedelta(days=1)
    windows.extend(w for w in extra if first <= w.date <= last and w.date not in blocked)
    return windows


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def week_key(instant: datetime, tz: ZoneInfo) -> tuple[int, int]:
    iso = instant.astimezone(tz).isocalendar()
    return iso.year, iso.week


def compute_slots(
    *,
    tz: ZoneInfo,
    weekly: Iterable[WeeklyHours],
    extra: Iterable[Window] = (),
    blocked: Iterable[date] = (),
    busy: Iterable[Busy] = (),
    duration: timedelta,
    buffer_before: timedelta = timedelta(0),
    buffer_after: timedelta = timedelta(0),
    now: datetime,
    min_notice: timedelta = timedelta(0),
    horizon: timedelta = timedelta(days=56),
    weekly_cap: int | None = None,
    range_start: datetime | None = None,
    range_end: datetime | None = None,
) -> list[Slot]:
    """Every bookable start between ``now + min_notice`` and ``now + horizon``, in order.

    ``range_start``/``range_end`` narrow the answer (a page shows one week).
    Slots start at the beginning of each window and follow each other at
    ``duration`` steps; a slot must end (in local time) within its window.
    """
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    earliest = now + min_notice
    latest = now + horizon
    if range_start is not None:
        earliest = max(earliest, range_start)
    if range_end is not None:
        latest = min(latest, range_end)
    if earliest > latest:
        return []

    busy = _BusyTimes(busy, tz)
    # Local dates that can hold a start in [earliest, latest], one day of
    # margin each side for zones far from UTC.
    first_day = earliest.astimezone(tz).date() - timedelta(days=1)
    last_day = latest.astimezone(tz).date() + timedelta(days=1)

    starts: dict[datetime, Slot] = {}
    for window in _windows(first_day, last_day, weekly, extra, set(blocked)):
        for instant in _window_starts(window, duration, tz):
            start = instant.astimezone(UTC)
            end = start + duration
            if not earliest <= start <= latest or start in starts:
                continue
            if busy.is_free(start, end, buffer_before, buffer_after) and busy.under_cap(start, weekly_cap):
                starts[start] = Slot(start=start, end=end, local_start=instant)
    return [starts[key] for key in sorted(starts)]


def _window_starts(window: Window, duration: timedelta, tz: ZoneInfo) -> Iterable[datetime]:
    """The local start of each slot of ``window`` that ends within it, ``duration`` apart from the window's
    start, as aware instants; a local time the clocks skip (a spring-forward gap) is not one."""
    local_naive = datetime.combine(window.date, window.start)
    window_end = datetime.combine(window.date, window.end)
    while local_naive + duration <= window_end:
        instant = local_instant(window.date, local_naive.time(), tz)
        if instant is not None:
            yield instant
        local_naive += duration


class _BusyTimes:
    """The mentor's busy stretches, sorted so that those near a candidate slot are found by bisection,
    and the bookings each week already holds towards the weekly cap."""

    def __init__(self, busy: Iterable[Busy], tz: ZoneInfo):
        self.busy = sorted(busy, key=lambda b: b.padded_start)
        self.starts = [b.padded_start for b in self.busy]
        # The longest busy stretch bounds how far back an overlapping one can start.
        self.longest = max((b.padded_end - b.padded_start for b in self.busy), default=timedelta(0))
        self.tz = tz
        self.per_week: Counter[tuple[int, int]] = Counter(
            week_key(b.start, tz) for b in self.busy if b.counts_toward_cap
        )

    def is_free(self, start: datetime, end: datetime, buffer_before: timedelta, buffer_after: timedelta) -> bool:
        """Neither the slot with its buffers overlaps a booking, nor the slot a booking with its buffers."""
        padded_start, padded_end = start - buffer_before, end + buffer_after
        nearby = self.busy[bisect_left(self.starts, padded_start - self.longest) : bisect_left(self.starts, padded_end)]
        return not any(
            _overlaps(padded_start, padded_end, b.start, b.end) or _overlaps(start, end, b.padded_start, b.padded_end)
            for b in nearby
        )

    def under_cap(self, start: datetime, weekly_cap: int | None) -> bool:
        return weekly_cap is None or self.per_week[week_key(start, self.tz)] < weekly_cap


def offset_changes(
    tz_a: ZoneInfo, tz_b: ZoneInfo, start: datetime, days: int
) -> list[tuple[date, timedelta, timedelta]]:
    """Dates (UTC) within ``days`` of ``start`` on which the gap between two zones changes.

    Returns ``(date, old_gap, new_gap)`` where gap = offset(b) − offset(a).
    Used to warn both sides before a daylight-saving change moves recurring
    hours in the other's zone.
    """
    changes = []
    previous = None
    for n in range(days + 1):
        instant = (start + timedelta(days=n)).astimezone(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        gap = instant.astimezone(tz_b).utcoffset() - instant.astimezone(tz_a).utcoffset()
        if previous is not None and gap != previous:
            changes.append((instant.date(), previous, gap))
        previous = gap
    return changes


def merged_hours(hours: Iterable[WeeklyHours]) -> list[WeeklyHours]:
    """Weekly hours with those that touch or overlap on the same day joined into one."""
    merged: list[WeeklyHours] = []
    for h in sorted(hours, key=lambda h: (h.weekday, h.start)):
        if merged and merged[-1].weekday == h.weekday and h.start <= merged[-1].end:
            merged[-1] = WeeklyHours(h.weekday, merged[-1].start, max(merged[-1].end, h.end))
        else:
            merged.append(h)
    return merged


def hours_within(
    *,
    weekly: Iterable[WeeklyHours],
    tz: ZoneInfo,
    viewer_tz: ZoneInfo,
    part: tuple[time, time],
    days: list[date],
) -> timedelta:
    """How much of a mentor's weekly hours (local times in ``tz``) falls within the same part of the
    day (``part``, local times in ``viewer_tz``) on each of the viewer's ``days``: "4 hours a week in
    your evenings". Worked out on real dates, so a daylight-saving change on either side counts."""
    if not days:
        return timedelta(0)
    wanted = [
        (datetime.combine(day, part[0], tzinfo=viewer_tz).astimezone(UTC),
         datetime.combine(day, part[1], tzinfo=viewer_tz).astimezone(UTC))
        for day in days
    ]  # fmt: skip
    weekly = merged_hours(weekly)
    total = timedelta(0)
    # The mentor's dates that can touch the viewer's days, whatever the gap between the zones.
    day, last = min(days) - timedelta(days=1), max(days) + timedelta(days=1)
    while day <= last:
        for h in weekly:
            if h.weekday != day.weekday():
                continue
            start = datetime.combine(day, h.start, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(day, h.end, tzinfo=tz).astimezone(UTC)
            for want_start, want_end in wanted:
                overlap = min(end, want_end) - max(start, want_start)
                if overlap > timedelta(0):
                    total += overlap
        day += timedelta(days=1)
    return total
