"""Finding a mentor by the hours of one's own day: how much of a mentor's weekly hours falls in a
part of the viewer's day (across zones and daylight-saving changes), the mentor list's "weekly
hours in my …" filter, and the mentors suggested to a member."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from mentorship.models import AvailabilityRule, Booking, Mentor
from mentorship.selectors import DAY_PARTS, mentor_suggestions
from mentorship.slots import WeeklyHours, hours_within
from network.models import Language, Membership, Sector
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory

KARACHI = ZoneInfo("Asia/Karachi")
LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SYDNEY = ZoneInfo("Australia/Sydney")
EVENING = DAY_PARTS["evening"]  # 17:00–22:00


def week_from(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]


# --- Hours in a part of the viewer's day (pure) -------------------------------------------------


def test_a_london_afternoon_is_a_karachi_evening_in_winter():
    # London 13:00–15:00 on Monday is 18:00–20:00 in Karachi in December (GMT, five hours apart)
    within = hours_within(
        weekly=[WeeklyHours(0, time(13), time(15))],
        tz=LONDON,
        viewer_tz=KARACHI,
        part=EVENING,
        days=week_from(date(2026, 12, 7)),
    )
    assert within == timedelta(hours=2)


def test_a_daylight_saving_change_moves_hours_out_of_the_viewers_evening():
    # Los Angeles 04:00–06:00 on Monday: 17:00–19:00 in Karachi before the US change (14 March
    # 2027), 16:00–18:00 after it, of which one hour is still in the evening
    weekly = [WeeklyHours(0, time(4), time(6))]
    before = hours_within(
        weekly=weekly, tz=LOS_ANGELES, viewer_tz=KARACHI, part=EVENING, days=week_from(date(2027, 3, 8))
    )
    after = hours_within(
        weekly=weekly, tz=LOS_ANGELES, viewer_tz=KARACHI, part=EVENING, days=week_from(date(2027, 3, 15))
    )
    assert (before, after) == (timedelta(hours=2), timedelta(hours=1))


def test_hours_on_the_mentors_next_date_count_in_the_viewers_evening():
    # Sydney 00:00–01:00 on Tuesday is 18:00–19:00 on Monday in Karachi (December: AEDT, six hours
    # ahead); the viewer's week is Monday alone
    within = hours_within(
        weekly=[WeeklyHours(1, time(0), time(1))],
        tz=SYDNEY,
        viewer_tz=KARACHI,
        part=EVENING,
        days=[date(2026, 12, 7)],
    )
    assert within == timedelta(hours=1)


def test_overlapping_weekly_hours_count_once():
    within = hours_within(
        weekly=[WeeklyHours(0, time(13), time(15)), WeeklyHours(0, time(14), time(16))],
        tz=LONDON,
        viewer_tz=KARACHI,
        part=EVENING,
        days=week_from(date(2026, 12, 7)),
    )
    assert within == timedelta(hours=3)


def test_hours_outside_the_part_of_the_day_count_nothing():
    within = hours_within(
        weekly=[WeeklyHours(day, time(9), time(11)) for day in range(7)],
        tz=KARACHI,
        viewer_tz=KARACHI,
        part=EVENING,
        days=week_from(date(2026, 12, 7)),
    )
    assert within == timedelta(0)


# --- Mentors on the list -----------------------------------------------------------------------


def sector(name: str) -> Sector:
    return Sector.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]


def language(code: str, name: str) -> Language:
    return Language.objects.get_or_create(code=code, defaults={"name": name})[0]


def mentor(name: str, *, zone: str, hours: tuple[int, int], sectors=(), languages=(), free: bool = True) -> Mentor:
    """A listed mentor in ``zone`` with the same weekly hours every day, free to book unless told."""
    profile = ProfileFactory(display_name=name, headline="Mentor", timezone=zone, is_mentor=True, visibility="public")
    profile.sectors.set(sectors)
    profile.languages.set(languages)
    m = MentorFactory(user=profile.user, timezone=zone)
    SessionTypeFactory(mentor=m)
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=m, weekday=day, start_time=time(hours[0]), end_time=time(hours[1])) for day in range(7)
    )
    Mentor.objects.filter(pk=m.pk).update(
        next_free_at=timezone.now() + timedelta(days=2) if free else None,
        next_free_stale_at=timezone.now() + timedelta(hours=1),
    )
    return Mentor.objects.get(pk=m.pk)


@pytest.fixture
def founder(db):
    """A founder in Karachi who speaks Urdu, whose startup is in FinTech."""
    profile = ProfileFactory(display_name="Hina Qureshi", timezone="Asia/Karachi")
    profile.languages.set([language("ur", "Urdu")])
    startup = OrganisationFactory(name="PayLoop")
    startup.sectors.set([sector("FinTech")])
    MembershipFactory(organisation=startup, user=profile.user, role=Membership.Role.OWNER)
    return profile.user


def card_names(section: str) -> list[str]:
    return re.findall(r"<h[23]><a href=\"/mentors/\d+/\">([^<]+)</a>", section)


def suggested(response) -> str:
    html = response.content.decode()
    match = re.search(r'<section class="suggestions".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.mark.django_db
def test_the_hours_filter_keeps_mentors_with_hours_in_that_part_of_the_viewers_day(client_for, founder):
    mentor("Evening Ali", zone="Europe/London", hours=(13, 15))  # 17:00/18:00 onwards in Karachi
    mentor("Morning Zara", zone="Asia/Karachi", hours=(9, 11))
    client = client_for(founder)

    evening = client.get("/mentors/", {"hours": "evening"})
    morning = client.get("/mentors/", {"hours": "morning"})

    assert [m.user.profile.display_name for m in evening.context["page"]] == ["Evening Ali"]
    assert [m.user.profile.display_name for m in morning.context["page"]] == ["Morning Zara"]


@pytest.mark.django_db
def test_the_hours_filter_reads_the_viewers_own_zone(client_for):
    # 13:00–15:00 in London is the evening in Karachi, the early morning in Los Angeles
    mentor("Evening Ali", zone="Europe/London", hours=(13, 15))
    in_los_angeles = ProfileFactory(timezone="America/Los_Angeles").user

    response = client_for(in_los_angeles).get("/mentors/", {"hours": "evening"})

    assert list(response.context["page"]) == []


@pytest.mark.django_db
def test_a_founder_is_suggested_new_mentors_who_share_a_sector_or_language_and_are_free_in_their_evenings(
    client_for, founder
):
    fintech, urdu = sector("FinTech"), language("ur", "Urdu")
    mentor("Both Farid", zone="Europe/London", hours=(13, 15), sectors=[fintech], languages=[urdu])
    mentor("Sector Sadia", zone="Europe/London", hours=(13, 17), sectors=[fintech, sector("AgriTech")])
    mentor("Language Laila", zone="Europe/London", hours=(13, 15), languages=[urdu])
    mentor("Morning Mona", zone="Asia/Karachi", hours=(9, 11), sectors=[fintech], languages=[urdu])
    mentor("Stranger Sami", zone="Europe/London", hours=(13, 15), sectors=[sector("EdTech")])
    mentor("Booked Basit", zone="Europe/London", hours=(13, 15), sectors=[fintech])
    mentor("Full Fauzia", zone="Europe/London", hours=(13, 15), sectors=[fintech], free=False)
    suspended = mentor("Suspended Saad", zone="Europe/London", hours=(13, 15), sectors=[fintech])
    Mentor.objects.filter(pk=suspended.pk).update(status=Mentor.Status.SUSPENDED)
    booked = Mentor.objects.get(user__profile__display_name="Booked Basit")
    BookingFactory(session_type=booked.session_types.get(), mentee=founder, status=Booking.Status.COMPLETED)

    found = mentor_suggestions(viewer=founder, viewer_tz=KARACHI, limit=10)

    assert [(s.mentor.user.profile.display_name, s.sectors, s.languages) for s in found] == [
        ("Both Farid", ["FinTech"], ["Urdu"]),  # 3 + 2 + 3 (fourteen hours, six count)
        ("Sector Sadia", ["FinTech"], []),  # 3 + 0 + 3
        ("Language Laila", [], ["Urdu"]),  # 0 + 2 + 3
    ]
    # 13:00–15:00 in London is two hours a day of the Karachi evening, whichever side of the
    # British change the week falls (17:00–19:00 or 18:00–20:00)
    assert found[0].evening == timedelta(hours=14)


@pytest.mark.django_db
def test_the_mentor_list_shows_a_members_suggestions_with_why_on_its_first_unfiltered_page(client_for, founder):
    mentor(
        "Both Farid",
        zone="Europe/London",
        hours=(13, 15),
        sectors=[sector("FinTech")],
        languages=[language("ur", "Urdu")],
    )
    client = client_for(founder)

    first = suggested(client.get("/mentors/"))
    filtered = suggested(client.get("/mentors/", {"sector": "fintech"}))
    blank_search = suggested(client.get("/mentors/", {"q": "", "sector": "", "sort": "soonest"}))

    assert card_names(first) == ["Both Farid"]
    why = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'<p class="why">(.*?)</p>', first, re.S).group(1)).split())
    assert why == "Shares FinTech · Speaks Urdu · 14 h a week in your evenings"
    assert filtered == ""
    assert card_names(blank_search) == ["Both Farid"]  # an empty search and an order narrow nothing


@pytest.mark.django_db
def test_visitors_and_a_mentor_themselves_are_not_suggested_anything_of_their_own(client, client_for):
    me = mentor("Both Farid", zone="Europe/London", hours=(13, 15), sectors=[sector("FinTech")])
    me.user.profile.sectors.set([sector("FinTech")])

    assert suggested(client.get("/mentors/")) == ""
    assert mentor_suggestions(viewer=me.user, viewer_tz=KARACHI) == []


@pytest.mark.django_db
def test_a_member_without_sectors_or_languages_is_suggested_mentors_by_their_evening_hours_alone(client_for):
    mentor("Evening Ali", zone="Europe/London", hours=(13, 15), sectors=[sector("EdTech")])
    mentor("Morning Zara", zone="Asia/Karachi", hours=(9, 11))
    newcomer = ProfileFactory(timezone="Asia/Karachi").user

    found = mentor_suggestions(viewer=newcomer, viewer_tz=KARACHI)

    assert [s.mentor.user.profile.display_name for s in found] == ["Evening Ali"]


@pytest.mark.django_db
def test_of_two_mentors_as_well_suited_the_sooner_free_comes_first(founder):
    later = mentor("Later Lubna", zone="Europe/London", hours=(13, 15), sectors=[sector("FinTech")])
    sooner = mentor("Sooner Saima", zone="Europe/London", hours=(13, 15), sectors=[sector("FinTech")])
    Mentor.objects.filter(pk=later.pk).update(next_free_at=timezone.now() + timedelta(days=5))
    Mentor.objects.filter(pk=sooner.pk).update(next_free_at=timezone.now() + timedelta(hours=3))

    assert [s.mentor for s in mentor_suggestions(viewer=founder, viewer_tz=KARACHI)] == [sooner, later]


def queries_of(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


@pytest.mark.django_db
def test_suggestions_take_the_same_number_of_queries_whatever_the_number_of_mentors(founder):
    fintech, urdu = sector("FinTech"), language("ur", "Urdu")
    mentor("Mentor 0", zone="Europe/London", hours=(13, 15), sectors=[fintech], languages=[urdu])
    cache.clear()
    few = queries_of(lambda: mentor_suggestions(viewer=founder, viewer_tz=KARACHI))
    for n in range(1, 12):
        zone = ("Europe/London", "Asia/Dubai")[n % 2]
        mentor(f"Mentor {n}", zone=zone, hours=(13, 16), sectors=[fintech], languages=[urdu])
    cache.clear()

    cold = queries_of(lambda: mentor_suggestions(viewer=founder, viewer_tz=KARACHI))
    warm = queries_of(lambda: mentor_suggestions(viewer=founder, viewer_tz=KARACHI))

    assert len(mentor_suggestions(viewer=founder, viewer_tz=KARACHI)) == 3
    assert cold == few
    # the ranking's three reads (weekly hours, shared sectors, shared languages) are shared until a
    # mentor or profile changes: the member's own reads remain
    assert warm == cold - 3


@pytest.mark.django_db
def test_a_mentor_who_changes_their_hours_leaves_or_joins_the_suggestions_at_once(
    founder, django_capture_on_commit_callbacks
):
    fintech = sector("FinTech")
    ali = mentor("Evening Ali", zone="Europe/London", hours=(13, 15), sectors=[fintech])
    assert [s.mentor for s in mentor_suggestions(viewer=founder, viewer_tz=KARACHI)] == [ali]

    # when: his hours move to the Karachi morning
    with django_capture_on_commit_callbacks(execute=True):
        for rule in AvailabilityRule.objects.filter(mentor=ali):
            rule.start_time, rule.end_time = time(4), time(6)
            rule.save()
    assert mentor_suggestions(viewer=founder, viewer_tz=KARACHI) == []

    # and a new mentor, free in the evenings, is listed
    with django_capture_on_commit_callbacks(execute=True):
        sadia = mentor("Evening Sadia", zone="Europe/London", hours=(14, 16), sectors=[fintech])
    assert [s.mentor for s in mentor_suggestions(viewer=founder, viewer_tz=KARACHI)] == [sadia]


@pytest.mark.django_db
def test_a_founders_home_offers_mentors_for_them_with_why(client_for, founder):
    fintech = sector("FinTech")
    farid = mentor(
        "Both Farid", zone="Europe/London", hours=(13, 15), sectors=[fintech], languages=[language("ur", "Urdu")]
    )

    html = client_for(founder).get("/dashboard/").content.decode()

    block = re.search(
        r'<li class="card home-block" id="block-mentors-for-you">.*?</li>\s*(?=<li class="card home-block"|</ul>)',
        html,
        re.S,
    ).group(0)
    assert f'href="/mentors/{farid.pk}/"' in block
    assert "Shares FinTech · Speaks Urdu · 14 h a week in your evenings" in " ".join(block.split())
