"""The mentor list's "next free": worked out from the same slots the booking page offers, marked out
of date by every change it depends on, refreshed by a periodic job without covering up a change made
meanwhile, shown on each card in the viewer's zone, and the list's "soonest free" order."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.keyset import encode_cursor
from mentorship import services
from mentorship.models import AvailabilityRule, BlockedDate, ExtraHours, Mentor
from mentorship.selectors import NEXT_FREE_RECHECK_FOUND, NEXT_FREE_RECHECK_NONE, mentor_next_free, mentor_slots
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db

LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def mentor_with_hours(name: str, *, days_ahead: int, hour: int = 10, notice: int = 0) -> Mentor:
    """A listed mentor (Los Angeles) whose only hours are one hour, ``days_ahead`` days from today in
    their zone, with one open session type of an hour."""
    mentor = MentorFactory(user=ProfileFactory(display_name=name, visibility="public", is_mentor=True).user)
    SessionTypeFactory(mentor=mentor, duration_minutes=60, min_notice_hours=notice)
    day = timezone.now().astimezone(LOS_ANGELES).date() + timedelta(days=days_ahead)
    ExtraHours.objects.create(mentor=mentor, date=day, start_time=time(hour), end_time=time(hour + 1))
    return Mentor.objects.get(pk=mentor.pk)


def at(days_ahead: int, hour: int = 10) -> datetime:
    day = timezone.now().astimezone(LOS_ANGELES).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour), tzinfo=LOS_ANGELES).astimezone(UTC)


def names(response) -> list[str]:
    return [m.user.profile.display_name for m in response.context["page"]]


def refreshed(mentor: Mentor) -> Mentor:
    return Mentor.objects.get(pk=mentor.pk)


# --- Working it out ----------------------------------------------------------------------------


def test_next_free_is_the_first_slot_of_any_open_session_type_and_is_rechecked_before_its_notice():
    # given: an hour in 3 days (an hour-long type, 12 hours' notice), a half-hour type with 48
    # hours' notice, and an earlier hour, in 1 day, that only the first type can book
    mentor = mentor_with_hours("Sana Mir", days_ahead=3, notice=12)
    SessionTypeFactory(mentor=mentor, duration_minutes=30, min_notice_hours=48)
    ExtraHours.objects.create(
        mentor=mentor, date=at(1, 20).astimezone(LOS_ANGELES).date(), start_time=time(20), end_time=time(21)
    )
    SessionTypeFactory(mentor=mentor, duration_minutes=15, min_notice_hours=0, is_active=False)
    now = timezone.now()

    # when
    first, stale_at = mentor_next_free(mentor=mentor, now=now)

    # then: the earliest of the open types (the closed one is not offered)
    firsts = [mentor_slots(session_type=st, now=now) for st in mentor.session_types.filter(is_active=True)]
    assert first == min(slots[0].start for slots in firsts if slots)
    # looked at again as soon as any type's first start falls inside its notice (or as a net)
    expected = [
        slots[0].start - timedelta(hours=st.min_notice_hours)
        for st, slots in zip(mentor.session_types.filter(is_active=True), firsts, strict=True)
        if slots
    ]
    assert stale_at == min(now + NEXT_FREE_RECHECK_FOUND, *expected)


def test_a_mentor_with_no_free_time_is_looked_at_again_within_the_hour():
    # given: hours, but inside the session type's notice
    mentor = mentor_with_hours("Sana Mir", days_ahead=1, notice=24 * 30)
    now = timezone.now()

    # when
    first, stale_at = mentor_next_free(mentor=mentor, now=now)

    # then
    assert first is None
    assert stale_at == now + NEXT_FREE_RECHECK_NONE


# --- Marked out of date by what it depends on --------------------------------------------------


def test_a_booking_marks_it_out_of_date_and_the_refresh_moves_it_to_the_next_free_slot(member):
    # given: a mentor whose next free slot is worked out
    mentor = mentor_with_hours("Sana Mir", days_ahead=3)
    ExtraHours.objects.create(
        mentor=mentor, date=at(5).astimezone(LOS_ANGELES).date(), start_time=time(10), end_time=time(11)
    )
    services.mentor_next_free_refresh(mentor=refreshed(mentor))
    assert refreshed(mentor).next_free_at == at(3)
    assert refreshed(mentor).next_free_stale_at > timezone.now()

    # when: a founder books it
    services.booking_request(
        mentee=member, session_type=mentor.session_types.get(), start=at(3), agenda="Pricing for US customers."
    )

    # then: out of date at once; the periodic refresh moves it to the next free hour
    assert refreshed(mentor).next_free_stale_at <= timezone.now()
    assert services.mentor_next_free_refresh_due() == 1
    assert refreshed(mentor).next_free_at == at(5)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: BlockedDate.objects.create(mentor=m, date=at(3).astimezone(LOS_ANGELES).date()),
        lambda m: m.extra_hours.get().delete(),
        lambda m: SessionTypeFactory(mentor=m, duration_minutes=30),
        lambda m: services.session_type_save(mentor=m, session_type=m.session_types.get(), data={"is_active": False}),
        lambda m: services.mentor_update(mentor=m, data={"timezone": "Asia/Karachi"}),
        lambda m: BookingFactory(session_type=SessionTypeFactory(), mentee=m.user, start=at(3), end=at(3, 11)),
    ],
    ids=["blocked date", "hours deleted", "new session type", "type closed", "time zone", "booked as mentee"],
)
def test_every_change_it_depends_on_marks_it_out_of_date(change):
    # given
    mentor = mentor_with_hours("Sana Mir", days_ahead=3)
    services.mentor_next_free_refresh(mentor=refreshed(mentor))
    before = refreshed(mentor).next_free_stale_at
    assert before > timezone.now()

    # when
    change(refreshed(mentor))

    # then
    assert refreshed(mentor).next_free_stale_at <= timezone.now()


def test_a_change_made_while_it_is_worked_out_is_not_covered_up():
    # given: the refresh has read the mentor
    mentor = mentor_with_hours("Sana Mir", days_ahead=3)
    read = refreshed(mentor)

    # when: hours change before it stores its answer
    BlockedDate.objects.create(mentor=mentor, date=at(3).astimezone(LOS_ANGELES).date())
    changed = services.mentor_next_free_refresh(mentor=read)

    # then: nothing stored; it stays out of date, and the next run gets it right
    assert changed is False
    assert refreshed(mentor).next_free_at is None
    assert refreshed(mentor).next_free_stale_at <= timezone.now()
    services.mentor_next_free_refresh_due()
    assert refreshed(mentor).next_free_at is None
    assert refreshed(mentor).next_free_stale_at > timezone.now()


def test_the_periodic_refresh_takes_listed_mentors_out_of_date_never_worked_out_first():
    # given: one never worked out (as bulk-loaded mentors are), one out of date, one up to date, one
    # not listed
    never = mentor_with_hours("Never", days_ahead=2)
    Mentor.objects.filter(pk=never.pk).update(next_free_stale_at=None)
    old = mentor_with_hours("Old", days_ahead=3)
    Mentor.objects.filter(pk=old.pk).update(next_free_stale_at=timezone.now() - timedelta(minutes=5))
    fresh = mentor_with_hours("Fresh", days_ahead=4)
    Mentor.objects.filter(pk=fresh.pk).update(next_free_stale_at=timezone.now() + timedelta(hours=1))
    pending = mentor_with_hours("Pending", days_ahead=2)
    Mentor.objects.filter(pk=pending.pk).update(status=Mentor.Status.PENDING, next_free_stale_at=None)

    # when: room for one
    services.mentor_next_free_refresh_due(limit=1)

    # then: the one never worked out
    assert refreshed(never).next_free_at == at(2)
    assert refreshed(old).next_free_at is None

    # when: room for all
    services.mentor_next_free_refresh_due()

    # then: the listed ones out of date, and no other
    assert refreshed(old).next_free_at == at(3)
    assert refreshed(fresh).next_free_at is None
    assert refreshed(pending).next_free_at is None


def test_the_scheduler_runs_the_refresh_every_minute(settings):
    assert ("mentorship.tasks.refresh_next_free_slots", 60) in settings.PERIODIC_TASKS


# --- On the list -------------------------------------------------------------------------------


def test_each_card_shows_the_next_free_time_in_the_viewers_zone(client, client_for):
    # given: a mentor free in 3 days at 10:00 in Los Angeles
    mentor = mentor_with_hours("Sana Mir", days_ahead=3)
    # weekly hours, but none free within a week (the type's horizon) after 30 days' notice
    busy = mentor_with_hours("Zain Butt", days_ahead=3, notice=24 * 30)
    busy.session_types.update(horizon_days=7)
    AvailabilityRule.objects.create(mentor=busy, weekday=0, start_time=time(9), end_time=time(17))
    services.mentor_next_free_refresh_due()
    karachi = at(3).astimezone(ZoneInfo("Asia/Karachi"))
    london = at(3).astimezone(ZoneInfo("Europe/London"))
    viewer = ProfileFactory(timezone="Europe/London").user

    # when
    as_visitor = html.unescape(client.get("/mentors/").content.decode())
    as_member = html.unescape(client_for(viewer).get("/mentors/").content.decode())

    # then: a visitor sees it in the site's zone (Pakistan), a member in their own
    shown = f"{karachi:%a} {karachi.day} {karachi:%b, %H:%M}"
    assert f'Next free: <time datetime="{karachi.isoformat()}">{shown}</time>, your time' in as_visitor
    assert f'<time datetime="{london.isoformat()}">{london:%a} {london.day} {london:%b, %H:%M}</time>' in as_member
    assert as_visitor.count("Next free:") == 1
    assert "No free time in the coming weeks" in as_visitor
    assert refreshed(mentor).next_free_at == at(3)


def test_a_visitors_cached_list_shows_the_new_time_once_the_refresh_moved_it(
    client, member, django_capture_on_commit_callbacks
):
    # given: a visitor's page of the list, cached
    mentor = mentor_with_hours("Sana Mir", days_ahead=3)
    ExtraHours.objects.create(
        mentor=mentor, date=at(5).astimezone(LOS_ANGELES).date(), start_time=time(10), end_time=time(11)
    )
    services.mentor_next_free_refresh_due()
    first = at(3).astimezone(ZoneInfo("Asia/Karachi"))
    assert f'datetime="{first.isoformat()}"' in client.get("/mentors/").content.decode()

    # when: the slot is booked and the refresh runs
    services.booking_request(
        mentee=member, session_type=mentor.session_types.get(), start=at(3), agenda="Pricing for US customers."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.mentor_next_free_refresh_due()

    # then
    later = at(5).astimezone(ZoneInfo("Asia/Karachi"))
    page = client.get("/mentors/").content.decode()
    assert f'datetime="{later.isoformat()}"' in page
    assert f'datetime="{first.isoformat()}"' not in page


def test_the_soonest_order_puts_the_earliest_free_first_and_those_with_none_last(client):
    # given
    mentor_with_hours("Asad Ali", days_ahead=6)
    mentor_with_hours("Bina Shah", days_ahead=2)
    mentor_with_hours("Chand Mir", days_ahead=1, notice=24 * 30)  # none within the notice
    mentor_with_hours("Dua Noor", days_ahead=4)
    services.mentor_next_free_refresh_due()

    # when
    response = client.get("/mentors/", {"sort": "soonest"})

    # then
    assert names(response) == ["Bina Shah", "Dua Noor", "Asad Ali", "Chand Mir"]
    assert '<option value="soonest" selected>Soonest free time</option>' in response.content.decode()


def test_the_soonest_order_pages_through_ties_without_a_gap_or_a_repeat(client):
    # given: 45 mentors on 3 days, many tied on their next free time, and some with none
    for n in range(45):
        mentor_with_hours(f"Mentor {n:02d}", days_ahead=2 + n % 3, notice=0 if n % 5 else 24 * 30)
    services.mentor_next_free_refresh_due()
    seen: list[str] = []

    # when: following "next" to the end
    response = client.get("/mentors/", {"sort": "soonest"})
    while True:
        seen += names(response)
        found = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
        if not found:
            break
        response = client.get(f"/mentors/?{html.unescape(found.group(1))}")

    # then: every mentor once, soonest first, then by name; those with none last
    def key(name: str):
        n = int(name[-2:])
        return (99 if n % 5 == 0 else n % 3, name)

    assert seen == sorted((f"Mentor {n:02d}" for n in range(45)), key=key)


def test_a_forged_cursor_in_the_soonest_order_gives_the_first_page(client):
    mentor_with_hours("Asad Ali", days_ahead=2)
    services.mentor_next_free_refresh_due()

    for cursor in (encode_cursor(["not a time", "A", 1]), encode_cursor([1, "A", 1])):
        response = client.get("/mentors/", {"sort": "soonest", "after": cursor})
        assert response.status_code == 200
        assert names(response) == ["Asad Ali"]
