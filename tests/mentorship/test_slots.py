"""The slot function on fixed clocks, across the real 2026 and 2027
daylight-saving changes of the US, the EU/UK and Australia."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorship.slots import Busy, WeeklyHours, Window, compute_slots, local_instant, offset_changes

LA = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
KARACHI = ZoneInfo("Asia/Karachi")
HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)


def slots_on(tz, weekly, day: date, duration=HOUR, **kwargs):
    """Slots whose start falls on the local ``day`` in ``tz``, from a clock a week earlier."""
    now = datetime.combine(day - timedelta(days=7), time(0), tzinfo=UTC)
    slots = compute_slots(tz=tz, weekly=weekly, duration=duration, now=now, horizon=timedelta(days=21), **kwargs)
    return [s for s in slots if s.local_start.date() == day]


def local_times(slots, tz):
    return [s.start.astimezone(tz).strftime("%H:%M") for s in slots]


# --- A weekly rule keeps its local time; other zones see it move -----------------


@pytest.mark.parametrize(
    ("before", "after", "karachi_before", "karachi_after"),
    [
        # US spring forward: Sunday 8 March 2026, Sunday 14 March 2027.
        (date(2026, 3, 7), date(2026, 3, 14), "22:00", "21:00"),
        (date(2027, 3, 13), date(2027, 3, 20), "22:00", "21:00"),
        # US fall back: Sunday 1 November 2026, Sunday 7 November 2027.
        (date(2026, 10, 31), date(2026, 11, 7), "21:00", "22:00"),
        (date(2027, 11, 6), date(2027, 11, 13), "21:00", "22:00"),
    ],
)
def test_a_saturday_nine_oclock_los_angeles_rule_across_us_changes(before, after, karachi_before, karachi_after):
    # given: Saturday 09:00–10:00 in Los Angeles
    weekly = [WeeklyHours(5, time(9), time(10))]

    # when
    first = slots_on(LA, weekly, before)
    second = slots_on(LA, weekly, after)

    # then: 09:00 in Los Angeles both weeks, an hour apart in Karachi
    assert local_times(first, LA) == local_times(second, LA) == ["09:00"]
    assert local_times(first, KARACHI) == [karachi_before]
    assert local_times(second, KARACHI) == [karachi_after]


@pytest.mark.parametrize(
    ("before", "after", "karachi_before", "karachi_after"),
    [
        # EU/UK: Sunday 29 March 2026, 25 October 2026, 28 March 2027, 31 October 2027.
        (date(2026, 3, 24), date(2026, 3, 31), "23:00", "22:00"),
        (date(2026, 10, 20), date(2026, 10, 27), "22:00", "23:00"),
        (date(2027, 3, 23), date(2027, 3, 30), "23:00", "22:00"),
        (date(2027, 10, 26), date(2027, 11, 2), "22:00", "23:00"),
    ],
)
def test_a_tuesday_evening_london_rule_across_uk_changes(before, after, karachi_before, karachi_after):
    weekly = [WeeklyHours(1, time(18), time(19))]

    first = slots_on(LONDON, weekly, before)
    second = slots_on(LONDON, weekly, after)

    assert local_times(first, LONDON) == local_times(second, LONDON) == ["18:00"]
    assert local_times(first, KARACHI) == [karachi_before]
    assert local_times(second, KARACHI) == [karachi_after]


@pytest.mark.parametrize(
    ("before", "after", "karachi_before", "karachi_after"),
    [
        # Australia ends daylight saving on 5 April 2026 and 4 April 2027 (clocks go back)…
        (date(2026, 3, 30), date(2026, 4, 6), "13:00", "14:00"),
        (date(2027, 3, 29), date(2027, 4, 5), "13:00", "14:00"),
        # …and starts it on 4 October 2026 and 3 October 2027 (clocks go forward).
        (date(2026, 9, 28), date(2026, 10, 5), "14:00", "13:00"),
        (date(2027, 9, 27), date(2027, 10, 4), "14:00", "13:00"),
    ],
)
def test_a_monday_evening_sydney_rule_moves_the_other_way(before, after, karachi_before, karachi_after):
    weekly = [WeeklyHours(0, time(19), time(20))]

    first = slots_on(SYDNEY, weekly, before)
    second = slots_on(SYDNEY, weekly, after)

    assert local_times(first, SYDNEY) == local_times(second, SYDNEY) == ["19:00"]
    assert local_times(first, KARACHI) == [karachi_before]
    assert local_times(second, KARACHI) == [karachi_after]


# --- Change days themselves: no vanishing, no phantom, no duplicate slots -------


@pytest.mark.parametrize(
    ("tz", "day", "weekday", "start", "end", "expected"),
    [
        # 02:00–03:00 does not exist in Los Angeles on 8 March 2026.
        (LA, date(2026, 3, 8), 6, time(1), time(4), ["01:00", "01:30", "03:00", "03:30"]),
        (LA, date(2027, 3, 14), 6, time(1), time(4), ["01:00", "01:30", "03:00", "03:30"]),
        # 01:00–02:00 does not exist in London on 29 March 2026.
        (LONDON, date(2026, 3, 29), 6, time(0), time(3), ["00:00", "00:30", "02:00", "02:30"]),
        (LONDON, date(2027, 3, 28), 6, time(0), time(3), ["00:00", "00:30", "02:00", "02:30"]),
        # 02:00–03:00 does not exist in Sydney on 4 October 2026.
        (SYDNEY, date(2026, 10, 4), 6, time(1), time(4), ["01:00", "01:30", "03:00", "03:30"]),
        (SYDNEY, date(2027, 10, 3), 6, time(1), time(4), ["01:00", "01:30", "03:00", "03:30"]),
    ],
)
def test_spring_forward_offers_no_slot_in_the_missing_hour(tz, day, weekday, start, end, expected):
    slots = slots_on(tz, [WeeklyHours(weekday, start, end)], day, duration=HALF_HOUR)

    assert [s.local_start.strftime("%H:%M") for s in slots] == expected
    # each slot really starts at that local time
    assert [s.start.astimezone(tz).strftime("%H:%M") for s in slots] == expected


@pytest.mark.parametrize(
    ("tz", "day", "weekday", "start", "end"),
    [
        (LA, date(2026, 11, 1), 6, time(0), time(3)),
        (LA, date(2027, 11, 7), 6, time(0), time(3)),
        (LONDON, date(2026, 10, 25), 6, time(0), time(3)),
        (LONDON, date(2027, 10, 31), 6, time(0), time(3)),
        (SYDNEY, date(2026, 4, 5), 6, time(1), time(4)),
        (SYDNEY, date(2027, 4, 4), 6, time(1), time(4)),
    ],
)
def test_fall_back_offers_the_repeated_hour_once(tz, day, weekday, start, end):
    slots = slots_on(tz, [WeeklyHours(weekday, start, end)], day, duration=HALF_HOUR)

    wall_clock = [s.local_start.strftime("%H:%M") for s in slots]
    assert wall_clock == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"] or wall_clock == [
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
    ]
    assert len(set(wall_clock)) == len(wall_clock) == 6
    # no two slots at the same instant, and in order
    assert [s.start for s in slots] == sorted({s.start for s in slots})


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7)], ids=str)
def test_morning_hours_on_a_us_change_day_do_not_vanish(day):
    slots = slots_on(LA, [WeeklyHours(6, time(9), time(11))], day)

    assert [s.local_start.strftime("%H:%M") for s in slots] == ["09:00", "10:00"]


def test_local_instant_recognises_the_missing_hour():
    assert local_instant(date(2026, 3, 8), time(2, 30), LA) is None
    assert local_instant(date(2026, 3, 8), time(3, 0), LA) == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    # fall back: the first of the two 01:30s
    assert local_instant(date(2026, 11, 1), time(1, 30), LA).astimezone(UTC) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


# --- Notice, horizon, bookings, buffers, caps, days off, extra hours -----------------


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a Monday, 05:00 in Los Angeles
EVERY_DAY = [WeeklyHours(d, time(9), time(12)) for d in range(7)]


def test_minimum_notice_and_horizon_bound_the_slots():
    slots = compute_slots(
        tz=LA, weekly=EVERY_DAY, duration=HOUR, now=NOW, min_notice=timedelta(hours=26), horizon=timedelta(days=3)
    )

    assert slots[0].start >= NOW + timedelta(hours=26)
    assert slots[-1].start <= NOW + timedelta(days=3)
    # Tuesday 09:00 PDT = 16:00 UTC is 28 h away; Monday's and nothing later than Thursday 05:00 PDT
    assert [s.start.astimezone(LA).strftime("%a %H") for s in slots] == [
        "Tue 09",
        "Tue 10",
        "Tue 11",
        "Wed 09",
        "Wed 10",
        "Wed 11",
    ]


def test_a_booking_and_its_buffers_take_the_time_around_it():
    # given: a booking Tuesday 10:00–11:00 PDT with 30 minutes free after it
    booked = Busy(
        start=datetime(2026, 6, 2, 17, 0, tzinfo=UTC),
        end=datetime(2026, 6, 2, 18, 0, tzinfo=UTC),
        buffer_after=HALF_HOUR,
    )

    # when: half-hour slots on Tuesday
    slots = compute_slots(
        tz=LA,
        weekly=[WeeklyHours(1, time(9), time(12))],
        busy=[booked],
        duration=HALF_HOUR,
        buffer_before=timedelta(minutes=15),
        now=NOW,
        horizon=timedelta(days=2),
    )

    # then: 09:30 ends as the booking starts; 10:00 and 10:30 are booked; 11:00 falls in the
    # booking's 30 free minutes after it; 11:30 is free (its own 15 minutes before start at 11:15)
    assert [s.start.astimezone(LA).strftime("%H:%M") for s in slots] == ["09:00", "09:30", "11:30"]


def test_blocked_dates_and_extra_hours():
    slots = compute_slots(
        tz=LA,
        weekly=[WeeklyHours(1, time(9), time(10))],
        extra=[Window(date(2026, 6, 4), time(15), time(16))],
        blocked={date(2026, 6, 9)},
        duration=HOUR,
        now=NOW,
        horizon=timedelta(days=14),
    )

    # Tuesday 9 June is blocked; Tuesday 16 June is past the 14-day horizon.
    assert [s.start.astimezone(LA).strftime("%Y-%m-%d %H:%M") for s in slots] == [
        "2026-06-02 09:00",
        "2026-06-04 15:00",
    ]


def test_weekly_cap_closes_a_full_week():
    # given: two sessions already in the week of 1 June (Los Angeles), cap 2
    busy = [
        Busy(start=datetime(2026, 6, 2, 16, tzinfo=UTC), end=datetime(2026, 6, 2, 17, tzinfo=UTC)),
        Busy(start=datetime(2026, 6, 3, 16, tzinfo=UTC), end=datetime(2026, 6, 3, 17, tzinfo=UTC)),
    ]

    slots = compute_slots(
        tz=LA,
        weekly=[WeeklyHours(4, time(9), time(10))],  # Fridays
        busy=busy,
        duration=HOUR,
        now=NOW,
        horizon=timedelta(days=14),
        weekly_cap=2,
    )

    # then: Friday 5 June is closed, Friday 12 June is open
    assert [s.start.astimezone(LA).date() for s in slots] == [date(2026, 6, 12)]


def test_sessions_the_mentor_takes_as_a_mentee_block_time_but_not_the_cap():
    taken_as_mentee = Busy(
        start=datetime(2026, 6, 5, 16, tzinfo=UTC), end=datetime(2026, 6, 5, 17, tzinfo=UTC), counts_toward_cap=False
    )

    slots = compute_slots(
        tz=LA,
        weekly=[WeeklyHours(4, time(9), time(11))],
        busy=[taken_as_mentee],
        duration=HOUR,
        now=NOW,
        horizon=timedelta(days=5),
        weekly_cap=1,
    )

    assert [s.start.astimezone(LA).strftime("%H:%M") for s in slots] == ["10:00"]


def test_offset_changes_between_los_angeles_and_karachi_in_2026():
    changes = offset_changes(LA, KARACHI, datetime(2026, 1, 1, tzinfo=UTC), 364)

    assert [(day, old.total_seconds() / 3600, new.total_seconds() / 3600) for day, old, new in changes] == [
        (date(2026, 3, 8), 13.0, 12.0),
        (date(2026, 11, 1), 12.0, 13.0),
    ]


def test_offset_changes_between_sydney_and_karachi_in_2027():
    changes = offset_changes(SYDNEY, KARACHI, datetime(2027, 1, 1, tzinfo=UTC), 364)

    assert [(day, (new - old).total_seconds() / 3600) for day, old, new in changes] == [
        (date(2027, 4, 4), 1.0),
        (date(2027, 10, 3), -1.0),
    ]


# --- Properties over many zones, rules and clocks ----------------------------------

ZONES = [LA, ZoneInfo("America/New_York"), LONDON, ZoneInfo("Europe/Berlin"), SYDNEY, KARACHI, ZoneInfo("Asia/Dubai")]


@settings(max_examples=150, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    start_hour=st.integers(0, 20),
    length_hours=st.integers(1, 4),
    duration_minutes=st.sampled_from([15, 30, 45, 60, 90]),
    day_offset=st.integers(0, 730),
    booked_offset_hours=st.integers(0, 24 * 14),
)
def test_slot_properties(tz, weekday, start_hour, length_hours, duration_minutes, day_offset, booked_offset_hours):
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day_offset)
    end_hour = min(start_hour + length_hours, 23)
    duration = timedelta(minutes=duration_minutes)
    booked = Busy(start=now + timedelta(hours=booked_offset_hours), end=now + timedelta(hours=booked_offset_hours + 1))

    slots = compute_slots(
        tz=tz,
        weekly=[WeeklyHours(weekday, time(start_hour), time(end_hour))],
        busy=[booked],
        duration=duration,
        now=now,
        min_notice=timedelta(hours=2),
        horizon=timedelta(days=14),
    )

    starts = [s.start for s in slots]
    assert starts == sorted(set(starts)), "slots are unique and in order"
    wall_clock = [(s.local_start.date(), s.local_start.time()) for s in slots]
    assert len(set(wall_clock)) == len(wall_clock), "no local time is offered twice"
    for slot in slots:
        local = slot.start.astimezone(tz)
        assert local.replace(tzinfo=None) == slot.local_start.replace(tzinfo=None), "the local time exists"
        assert local.weekday() == weekday
        assert time(start_hour) <= local.time()
        assert datetime.combine(local.date(), local.time()) + duration <= datetime.combine(local.date(), time(end_hour))
        assert slot.end - slot.start == duration
        assert now + timedelta(hours=2) <= slot.start <= now + timedelta(days=14)
        assert not (slot.start < booked.end and booked.start < slot.end), "never over a booking"
