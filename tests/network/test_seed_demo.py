"""``manage.py seed_demo --members N``: bulk members, and each app's bulk data in proportion, valid
against every constraint the services keep, and made once however often the command runs."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from cms.models import StoryPage
from investments.models import Application, Interest, InterestEvent, InvestorProfile, Pitch, TermsAcceptance
from mentorship.models import AvailabilityRule, Booking, Feedback, Mentor, RoomMessage, SessionType
from network.models import Membership, Organisation, Profile, User

pytestmark = pytest.mark.django_db

BULK = "@bulk.rabta.pk"


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    field = Pitch._meta.get_field("deck")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path / "private", base_url="/no-public-url/")
    yield field.storage
    field.storage = original


@pytest.fixture
def seed(media_root):
    def run(members: int) -> str:
        out = io.StringIO()
        call_command("seed_demo", members=members, stdout=out)
        return out.getvalue()

    return run


def bulk_bookings():
    return Booking.objects.filter(mentor__user__email__endswith=BULK).select_related("mentor", "session_type")


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "profiles": Profile.objects.count(),
        "mentors": Mentor.objects.count(),
        "session types": SessionType.objects.count(),
        "rules": AvailabilityRule.objects.count(),
        "bookings": Booking.objects.count(),
        "feedback": Feedback.objects.count(),
        "messages": RoomMessage.objects.count(),
        "investors": InvestorProfile.objects.count(),
        "authenticators": Authenticator.objects.count(),
        "terms accepted": TermsAcceptance.objects.count(),
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.count(),
        "applications": Application.objects.count(),
        "pitches": Pitch.objects.count(),
        "interests": Interest.objects.count(),
        "interest events": InterestEvent.objects.count(),
        "stories": StoryPage.objects.count(),
    }


def test_bulk_mentorship_data_is_in_proportion_to_the_members(seed):
    # when
    output = seed(400)

    # then: one mentor in 20, each with two session types and their weekly hours
    mentors = Mentor.objects.filter(user__email__endswith=BULK)
    assert mentors.count() == 20
    assert mentors.listed().count() == 20
    assert set(mentors.values_list("user__profile__is_mentor", flat=True)) == {True}
    assert SessionType.objects.filter(mentor__in=mentors).count() == 40
    # hours in four patterns of 3, 3, 2 and 4 weekly windows, five mentors each
    assert AvailabilityRule.objects.filter(mentor__in=mentors).count() == 60
    # bookings: members / 2, a third (rounded down per mentor) still to come
    assert bulk_bookings().count() == 200
    assert dict(Counter(bulk_bookings().values_list("status", flat=True))) == {"completed": 140, "confirmed": 60}
    # feedback: two founders in three and one mentor in three rate a held session (100 + 54)
    feedback = Feedback.objects.filter(booking__mentor__in=mentors)
    assert feedback.count() == 154
    by_founders = [f for f in feedback.select_related("booking__mentor") if f.author_id == f.booking.mentee_id]
    by_mentors = [f for f in feedback.select_related("booking__mentor") if f.author_id == f.booking.mentor.user_id]
    assert (len(by_founders), len(by_mentors)) == (100, 54)
    # ten room messages per member, only in held sessions, one long conversation
    messages = RoomMessage.objects.filter(booking__mentor__in=mentors)
    assert messages.count() == 4000
    assert set(messages.values_list("booking__status", flat=True)) == {"completed"}
    rooms = sorted(messages.values("booking").annotate(n=Count("id")).values_list("n", flat=True), reverse=True)
    assert rooms[0] == 2000
    assert sorted(set(rooms[1:])) == [14, 15]
    assert "Bulk mentorship: 20 mentors, 200 bookings (140 held, 60 to come), 154 feedback, 4,000 room messages" in (
        output
    )


def test_bulk_bookings_never_overlap_and_fit_the_mentors_hours(seed):
    # when
    seed(400)

    # then
    now = timezone.now()
    by_mentor, by_mentee = defaultdict(list), defaultdict(list)
    founders = set(Profile.objects.filter(is_founder=True).values_list("user_id", flat=True))
    rules = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(mentor__user__email__endswith=BULK):
        rules[rule.mentor_id].append(rule)
    for booking in bulk_bookings():
        by_mentor[booking.mentor_id].append((booking.busy_start, booking.busy_end))
        by_mentee[booking.mentee_id].append((booking.start, booking.end))
        assert booking.mentee_id != booking.mentor.user_id
        assert booking.mentee_id in founders
        assert booking.session_type.mentor_id == booking.mentor_id
        assert booking.end - booking.start == booking.session_type.duration
        assert booking.buffer_after_minutes == booking.session_type.buffer_after_minutes
        assert booking.created_at < booking.start
        local = booking.start.astimezone(ZoneInfo(booking.mentor.timezone))
        assert any(
            r.weekday == local.weekday()
            and r.start_time <= local.time()
            and (local + booking.duration).time() <= r.end_time
            for r in rules[booking.mentor_id]
        ), booking
        if booking.status == Booking.Status.CONFIRMED:
            assert booking.start > now + timedelta(hours=booking.session_type.min_notice_hours)
            assert booking.responded_at is not None
        else:
            assert booking.end < now
    for intervals in [*by_mentor.values(), *by_mentee.values()]:
        intervals.sort()
        for (_start, end), (next_start, _end) in pairwise(intervals):
            assert end <= next_start
    # a founder has sessions with one mentor only, and no more upcoming ones than the session types allow
    pairs = set(bulk_bookings().values_list("mentee_id", "mentor_id"))
    assert set(Counter(mentee for mentee, _mentor in pairs).values()) == {1}
    upcoming = Counter(bulk_bookings().filter(status="confirmed").values_list("mentee_id", "mentor_id"))
    assert max(upcoming.values()) <= 4


def test_bulk_room_messages_are_written_by_the_two_participants_while_the_room_is_open(seed):
    # when
    seed(400)

    # then
    previous: datetime | None = None
    messages = RoomMessage.objects.select_related("booking__mentor").order_by("id")
    for message in messages:
        booking = message.booking
        assert message.author_id in (booking.mentor.user_id, booking.mentee_id)
        assert booking.start - timedelta(minutes=30) <= message.created_at <= booking.end + timedelta(hours=2)
        assert message.body
        # stored in time order across rooms, as a live site stores them
        assert previous is None or previous <= message.created_at
        previous = message.created_at
    authors = messages.order_by().values("booking").annotate(n=Count("author", distinct=True))
    assert set(authors.values_list("n", flat=True)) == {2}


def test_bulk_deal_room_has_live_endorsed_pitches_and_approved_investors(seed, private_root):
    # when
    seed(400)

    # then: members 0, 110, 220 and 330 invest, with MFA on and the current terms accepted
    investors = InvestorProfile.objects.filter(user__email__endswith=BULK)
    assert sorted(investors.values_list("user__email", flat=True)) == [
        f"member{n:07d}{BULK}" for n in (0, 110, 220, 330)
    ]
    assert set(investors.values_list("status", flat=True)) == {"approved"}
    for investor in investors:
        assert Authenticator.objects.filter(user=investor.user, type=Authenticator.Type.TOTP).count() == 1
        assert TermsAcceptance.objects.filter(user=investor.user).count() == 1
    # twenty live pitches (a full page of the deal list), on top of the demo's one
    pitches = Pitch.objects.live().filter(startup__slug__startswith="bulk-startup-").select_related("startup")
    assert pitches.count() == 20
    assert Pitch.objects.live().count() == 21
    for pitch in pitches:
        owner = Membership.objects.get(organisation=pitch.startup, role="owner").user
        assert owner.email.endswith(BULK)
        assert owner.profile.is_founder
        assert pitch.created_by_id == owner.pk
        assert Application.objects.filter(
            startup=pitch.startup, cohort__incubator=pitch.incubator, status="admitted"
        ).exists()
        assert Membership.objects.filter(
            organisation=pitch.incubator, user_id=pitch.endorsed_by_id, role__in=["owner", "admin"]
        ).exists()
        assert pitch.endorsed_at is not None
        assert private_root.exists(pitch.deck.name)
    # ten interests a deal at most: as many as there are bulk investors (4), all theirs
    interests = Interest.objects.filter(pitch__in=pitches)
    assert interests.count() == 80
    assert set(interests.values_list("investor__investor__status", flat=True)) == {"approved"}
    assert dict(Counter(interests.values_list("stage", flat=True))) == {
        "committed": 20,
        "soft": 40,
        "considering": 20,
    }
    assert not interests.filter(stage__in=["soft", "committed"], amount__isnull=True).exists()
    assert not interests.exclude(stage__in=["soft", "committed"]).filter(amount__isnull=False).exists()
    assert InterestEvent.objects.filter(interest__in=interests).count() == 80


def test_bulk_stories_are_published(seed):
    # when
    seed(400)

    # then: one story per 2,000 members, at least one
    stories = StoryPage.objects.filter(slug__startswith="bulk-story-")
    assert stories.count() == 1
    assert stories.live().count() == 1


def test_seed_demo_twice_adds_nothing(seed):
    # given
    seed(400)
    before = counts()

    # when
    output = seed(400)

    # then
    assert counts() == before
    assert "Bulk members: 0 created" in output
    assert "Bulk mentorship: nothing to add" in output
    assert "Bulk investments: nothing to add" in output
    assert "Bulk cms: nothing to add" in output


def test_a_larger_run_adds_only_what_the_new_members_bring(seed):
    # given
    seed(400)
    before = counts()

    # when
    seed(600)

    # then: ten more mentors with a full cycle of sessions, two more investors, the same pitches and stories
    after = counts()
    assert Mentor.objects.filter(user__email__endswith=BULK).count() == 30
    assert bulk_bookings().count() == 300
    assert RoomMessage.objects.count() == 6000
    assert InvestorProfile.objects.filter(user__email__endswith=BULK).count() == 6
    changed = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    assert changed == {
        "users": 200,
        "profiles": 200,
        "mentors": 10,
        "session types": 20,
        "rules": 30,
        "bookings": 100,
        "feedback": 77,
        "messages": 2000,
        "investors": 2,
        "authenticators": 2,
        "terms accepted": 2,
    }


def test_the_demo_has_export_reports_from_the_ledgers_own_seed(seed):
    from ledger.models import ExchangeRate, ExportReport

    # when
    output = seed(0)

    # then: ledger.demo ran, found by seed_demo like every app's demo module
    assert "Exports: 50 quarterly reports, most verified." in output
    assert ExportReport.objects.count() == 50
    assert ExportReport.objects.filter(status=ExportReport.Status.VERIFIED).count() == 47
    assert ExchangeRate.objects.count() == 30
