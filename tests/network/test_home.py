"""A member's home (``/dashboard/``): what each role has to do next, with exact counts and links to
where it is done, built from real state; a constant number of queries whatever the data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from cms.stories import story_draft_create
from investments import services as investment_services
from investments.models import Application, Cohort, Interest, InvestorProfile, Pitch, Question
from mentorship import services as mentorship_services
from mentorship.models import Booking, Feedback, Mentor
from mentorship.selectors import month_start, week_bounds
from network import services as network_services
from network.models import Membership, Sector
from tests.home import home
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import IntroductionFactory, MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def clear_zone(now: datetime) -> str:
    """A time zone in which ``now`` is at least four hours into its week and month and three hours
    before the week ends, so sessions two hours either side of now are "this week" and "this month"
    there. Three zones 12–14 hours apart always leave one clear of both boundaries."""
    for name in ("Pacific/Kiritimati", "UTC", "Etc/GMT+12"):
        tz = ZoneInfo(name)
        start, end = week_bounds(tz, now)
        into_month = now - month_start(tz, now)
        if now - start >= timedelta(hours=4) and end - now >= timedelta(hours=3) and into_month >= timedelta(hours=4):
            return name
    raise AssertionError("no clear zone")  # pragma: no cover - see the docstring


def _member(name: str, **user):
    return ProfileFactory(display_name=name, **{f"user__{key}": value for key, value in user.items()}).user


# --- Founder -----------------------------------------------------------------------------------


def founder_sessions(founder, *, n: int = 1, now: datetime) -> SimpleNamespace:
    """A founder's mentoring: the next session starting in 30 minutes (its room open), ``n`` requests
    waiting for a mentor, ``n`` held sessions without their feedback and one with it."""
    mentor = MentorFactory(user=_member("Sara Mentor"))
    office_hours = SessionTypeFactory(mentor=mentor, title="Office hours")
    next_session = BookingFactory(session_type=office_hours, mentee=founder, start=now + timedelta(minutes=30))
    later = [
        BookingFactory(session_type=office_hours, mentee=founder, start=now + timedelta(days=5 + i))
        for i in range(n - 1)
    ]
    requests = [
        BookingFactory(
            session_type=office_hours,
            mentee=founder,
            status=Booking.Status.REQUESTED,
            start=now + timedelta(days=20 + i),
            created_at=now - timedelta(hours=1),
        )
        for i in range(n)
    ]
    # A request the mentor let lapse is not waiting any more.
    BookingFactory(
        session_type=office_hours,
        mentee=founder,
        status=Booking.Status.REQUESTED,
        start=now + timedelta(days=40),
        created_at=now - timedelta(hours=49),
    )
    held = []
    for i in range(n + 1):
        booking = BookingFactory(session_type=office_hours, mentee=founder, start=now - timedelta(days=10 + i))
        held.append(mentorship_services.booking_complete(actor=mentor.user, booking=booking, now=now))
    mentorship_services.feedback_submit(author=founder, booking=held[-1], rating=5)
    return SimpleNamespace(
        mentor=mentor, next=next_session, later=later, requests=requests, owed=held[:-1], rated=held[-1]
    )


def founder_startup(founder, *, n: int = 1) -> SimpleNamespace:
    """The founder's startup admitted to a running cohort, ``n`` open milestones and one sent back, a live
    pitch with investors at several stages and ``n`` questions waiting for an answer (one answered)."""
    startup = OrganisationFactory(name="Hisaab", slug="hisaab")
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    incubator = IncubatorFactory(name="NIC Karachi", slug="nic-karachi")
    manager = _member("Nadia Manager")
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    cohort = CohortFactory(incubator=incubator, name="Spring 2027", status=Cohort.Status.RUNNING)
    ApplicationFactory(cohort=cohort, startup=startup, status=Application.Status.ADMITTED)
    data = {"kpi": "paying_customers", "target": Decimal(1000)}
    open_ones = [
        investment_services.milestone_create(
            actor=manager,
            cohort=cohort,
            startup=startup,
            data={**data, "title": f"Customers {i}", "due_on": date(2027, 3, 1) + timedelta(days=i)},
        )
        for i in range(n)
    ]
    returned = investment_services.milestone_create(
        actor=manager, cohort=cohort, startup=startup, data={**data, "title": "Pilot", "due_on": date(2027, 5, 1)}
    )
    investment_services.evidence_submit(actor=founder, milestone=returned, value=Decimal(900), note="Near")
    investment_services.milestone_return(actor=manager, milestone=returned, reason="Attach the invoices")
    pitch = Pitch.objects.create(
        startup=startup,
        incubator=incubator,
        status=Pitch.Status.READY,
        one_liner="Hisaab: payroll for freelancers",
        ask_amount=Decimal(250000),
        instrument=Pitch.Instrument.SAFE,
        endorsed_at=timezone.now(),
        created_by=founder,
    )
    investors = [_member(f"Investor {i}") for i in range(n + 2)]
    for investor in investors[:n]:
        Interest.objects.create(pitch=pitch, investor=investor, stage=Interest.Stage.WATCHING, terms_version=1)
    Interest.objects.create(
        pitch=pitch, investor=investors[n], stage=Interest.Stage.SOFT, amount=Decimal(20000), terms_version=1
    )
    for i in range(n):
        Question.objects.create(pitch=pitch, asker=investors[n + 1], text=f"What is your churn {i}?")
    Question.objects.create(
        pitch=pitch,
        asker=investors[n + 1],
        text="Who audits you?",
        answer="KPMG",
        answered_by=founder,
        answered_at=timezone.now(),
    )
    return SimpleNamespace(
        startup=startup,
        incubator=incubator,
        manager=manager,
        cohort=cohort,
        open=open_ones,
        returned=returned,
        pitch=pitch,
    )


def test_a_founder_sees_their_next_session_with_the_room_open_and_what_waits(client_for):
    # given
    founder = _member("Ayesha Founder")
    sessions = founder_sessions(founder, now=timezone.now())

    # when
    shown = home(client_for(founder))["founder"]

    # then
    mine = shown["my-sessions"]
    assert mine.count == 1
    assert (sessions.next.get_absolute_url(), "Next session: Office hours with Sara Mentor") in mine.links
    assert (reverse("mentorship:booking-room", args=[sessions.next.pk]), "Join the room") in mine.links
    assert "1 request waiting for a mentor's answer" in mine.text
    owed = shown["feedback-to-give"]
    assert owed.count == 1
    assert [href for href, _ in owed.links[1:-1]] == [sessions.owed[0].get_absolute_url()]
    assert set(shown) == {"my-sessions", "feedback-to-give"}  # no startup, no startup blocks
    assert "start" not in home(client_for(founder))


def test_the_room_link_is_not_offered_before_the_room_opens(client_for):
    # given: the next session is in three days
    founder = _member("Ayesha Founder")
    booking = BookingFactory(mentee=founder, start=timezone.now().replace(microsecond=0) + timedelta(days=3))

    # when
    mine = home(client_for(founder))["founder"]["my-sessions"]

    # then
    assert mine.count == 1
    assert (booking.get_absolute_url(), "Next session: Office hours with " + booking.mentor.user.display_name) in (
        mine.links
    )
    assert "Join the room" not in mine.text
    assert "0 requests waiting for a mentor's answer" in mine.text


def test_a_founder_sees_their_cohort_milestones_and_pitch_interest(client_for):
    # given
    founder = _member("Ayesha Founder")
    world = founder_startup(founder)
    enrolment = reverse("investments:enrolment-detail", args=[world.cohort.pk, "hisaab"])

    # when
    shown = home(client_for(founder))["founder"]

    # then
    cohorts = shown["my-cohorts"]
    assert cohorts.count == 1
    assert (enrolment, "Hisaab in Spring 2027 (NIC Karachi)") in cohorts.links
    milestones = shown["milestones-to-do"]
    assert milestones.count == 2
    assert milestones.url == enrolment
    assert "1 sent back · 0 overdue" in milestones.text
    assert [text for _, text in milestones.links[1:-1]] == ["Pilot", "Customers 0"]  # sent back first
    assert "sent back: Attach the invoices" in milestones.text
    pitch = shown["my-pitch"]
    assert pitch.count == 1  # one question waiting for an answer
    assert (reverse("investments:pitch-detail", args=[world.pitch.pk]), "Hisaab: Ready for the deal room") in (
        pitch.links
    )
    assert "Watching: 1, Soft commitment: 1" in pitch.text
    assert (reverse("deals:analytics", args=[world.pitch.pk]), "1 question to answer") in pitch.links


def test_introductions_waiting_are_shown_with_a_link_to_each(client_for):
    # given: two requests wait for her, one she already answered
    founder = _member("Ayesha Founder")
    waiting = [IntroductionFactory(recipient=founder) for _ in range(2)]
    network_services.introduction_accept(actor=founder, introduction=IntroductionFactory(recipient=founder))

    # when
    shown = home(client_for(founder))

    # then
    introductions = shown["member"]["introductions"]
    assert introductions.count == 2
    assert [href for href, _ in introductions.links[1:-1]] == [i.get_absolute_url() for i in waiting]
    assert introductions.url == reverse("network:introduction-list")
    assert "start" in shown  # introductions alone are not a role: she still sees where to start


# --- Mentor ------------------------------------------------------------------------------------


def mentor_week(mentor: Mentor, *, n: int = 1, now: datetime) -> SimpleNamespace:
    """A mentor's week: ``n`` requests (one 90 minutes from expiring), a lapsed one, a session held two
    hours ago and one 30-minute session held earlier today, ``n`` confirmed later today and one next week."""
    office_hours = SessionTypeFactory(mentor=mentor, title="Office hours")
    now = now.replace(microsecond=0)
    requests = [
        BookingFactory(
            session_type=office_hours,
            mentee=_member(f"Request {i}"),
            status=Booking.Status.REQUESTED,
            start=now + timedelta(days=10 + i),
            created_at=now - timedelta(hours=46, minutes=30) + timedelta(minutes=i),
        )
        for i in range(n)
    ]
    BookingFactory(
        session_type=office_hours,
        status=Booking.Status.REQUESTED,
        start=now + timedelta(days=30),
        created_at=now - timedelta(hours=49),
    )
    held_hour = BookingFactory(session_type=office_hours, mentee=_member("Bilal Held"), start=now - timedelta(hours=2))
    held_half = BookingFactory(
        session_type=office_hours,
        mentee=_member("Zara Held"),
        start=now - timedelta(hours=3, minutes=30),
        end=now - timedelta(hours=3),
    )
    held_hour, held_half = (
        mentorship_services.booking_complete(actor=mentor.user, booking=booking, now=now)
        for booking in (held_hour, held_half)
    )
    mentorship_services.feedback_submit(author=mentor.user, booking=held_half, rating=4)
    coming = [
        BookingFactory(
            session_type=office_hours,
            mentee=_member(f"Coming {i}"),
            start=now + timedelta(hours=1, minutes=i),
            end=now + timedelta(hours=1, minutes=i + 1),
        )
        for i in range(n)
    ]
    BookingFactory(session_type=office_hours, start=now + timedelta(days=8))
    return SimpleNamespace(requests=requests, held_hour=held_hour, held_half=held_half, coming=coming)


def test_a_mentor_sees_requests_with_their_expiry_the_week_hours_and_feedback(client_for):
    # given
    now = timezone.now()
    mentor = MentorFactory(user=_member("Sara Mentor"), timezone=clear_zone(now))
    week = mentor_week(mentor, now=now)
    dashboard = reverse("mentorship:mentor-dashboard")

    # when
    shown = home(client_for(mentor.user))["mentor"]

    # then
    upcoming = shown["mentor-next-session"]
    assert (week.coming[0].get_absolute_url(), "Next session: Office hours with Coming 0") in upcoming.links
    assert (reverse("mentorship:booking-room", args=[week.coming[0].pk]), "Join the room") in upcoming.links
    requests = shown["requests-to-accept"]
    assert requests.count == 1
    assert requests.url == dashboard
    assert (week.requests[0].get_absolute_url(), "Request 0: Office hours") in requests.links
    assert "expires in 1 hour" in requests.text
    this_week = shown["sessions-this-week"]
    assert this_week.count == 3  # two held, one coming; next week's is not counted
    assert [href for href, _ in this_week.links[1:-1]] == [
        week.held_half.get_absolute_url(),
        week.held_hour.get_absolute_url(),
        week.coming[0].get_absolute_url(),
    ]
    hours = shown["hours-this-month"]
    assert "Given this month 1.5 hours 2 sessions held" in hours.text
    assert hours.url == reverse("mentorship:mentor-availability")
    feedback = shown["feedback-to-write"]
    assert feedback.count == 1
    assert [href for href, _ in feedback.links[1:-1]] == [week.held_hour.get_absolute_url()]


def test_a_new_mentor_sees_empty_blocks_that_say_so(client_for):
    mentor = MentorFactory(status=Mentor.Status.PENDING)

    shown = home(client_for(mentor.user))["mentor"]

    assert shown["mentor-next-session"].links == [
        ("/sessions/", "Your next session"),
        ("/sessions/", "All my sessions"),
    ]
    assert "No confirmed session to come." in shown["mentor-next-session"].text
    assert shown["requests-to-accept"].count == 0
    assert "No requests are waiting for you." in shown["requests-to-accept"].text
    assert shown["sessions-this-week"].count == 0
    assert "Given this month 0 hours 0 sessions held" in shown["hours-this-month"].text
    assert "feedback-to-write" not in shown


# --- Investor ----------------------------------------------------------------------------------


def investor_deals(investor, *, n: int = 1) -> SimpleNamespace:
    """An approved fintech investor (tickets up to 50,000) and live deals: ``n`` that match and they do not
    follow, one in another sector, one with a minimum above their ticket; ``n`` they watch, one of them
    answered this week, and one they committed to whose terms changed."""
    fintech, agritech = Sector.objects.get(slug="fintech"), Sector.objects.get(slug="agritech")
    profile = InvestorProfile.objects.create(
        user=investor,
        status=InvestorProfile.Status.APPROVED,
        focus="Fintech",
        ticket_min=5000,
        ticket_max=50000,
        country="GB",
        attestation=True,
    )
    profile.sectors.add(fintech)
    incubator = IncubatorFactory()

    def deal(name: str, **extra) -> Pitch:
        startup = OrganisationFactory(name=name)
        fields = {
            "startup": startup,
            "incubator": incubator,
            "status": Pitch.Status.READY,
            "one_liner": f"{name}: payroll",
            "ask_amount": Decimal(250000),
            "instrument": Pitch.Instrument.SAFE,
            "sector": fintech,
            "minimum_ticket": Decimal(5000),
            "created_by": investor,
        }
        fields.update(extra)
        return Pitch.objects.create(**fields)

    matching = [deal(f"Match {i}", endorsed_at=timezone.now() - timedelta(hours=i)) for i in range(n)]
    deal("Farm", sector=agritech)
    deal("Big", minimum_ticket=Decimal(100000))
    deal("Draft", status=Pitch.Status.SUBMITTED)
    watched = [deal(f"Watched {i}") for i in range(n)]
    for pitch in watched:
        Interest.objects.create(pitch=pitch, investor=investor, stage=Interest.Stage.WATCHING, terms_version=1)
    Question.objects.create(
        pitch=watched[0], asker=investor, text="Churn?", answer="2%", answered_at=timezone.now(), answered_by=investor
    )
    committed = deal("Committed")
    Interest.objects.create(
        pitch=committed,
        investor=investor,
        stage=Interest.Stage.COMMITTED,
        amount=Decimal(10000),
        terms_version=1,
        needs_reconfirmation=True,
    )
    return SimpleNamespace(matching=matching, watched=watched, committed=committed)


def test_an_investor_sees_matching_deals_what_changed_and_commitments(client_for):
    # given
    investor = _member("Imran Investor")
    deals = investor_deals(investor)

    # when
    shown = home(client_for(investor))["investor"]

    # then
    matching = shown["matching-deals"]
    assert matching.count == 1
    assert [href for href, _ in matching.links[1:-1]] == [reverse("deals:deal-detail", args=[deals.matching[0].pk])]
    assert "FinTech, ask 250,000 USD" in matching.text
    watched = shown["watched-deals"]
    assert watched.count == 2  # terms to reconfirm on one, an answer on another
    assert [text for _, text in watched.links[1:-1]] == ["Committed", "Watched 0"]
    assert "Committed Committed · new terms to reconfirm" in watched.text
    assert "Watched 0 Watching · 1 answer to your questions" in watched.text
    commitments = shown["commitments"]
    assert commitments.count == 1
    assert "Committed Committed: 10,000 USD" in commitments.text


@pytest.mark.parametrize("status", [InvestorProfile.Status.PENDING, InvestorProfile.Status.SUSPENDED])
def test_an_investor_not_approved_sees_no_deals(client_for, status):
    investor = _member("Imran Investor")
    investor_deals(investor)
    InvestorProfile.objects.filter(user=investor).update(status=status)

    assert "investor" not in home(client_for(investor))


# --- Incubator manager -------------------------------------------------------------------------


def incubator_queues(manager, *, n: int = 1) -> SimpleNamespace:
    """An incubator ``manager`` runs: ``n`` applications waiting in an open cohort (one decided), a running
    cohort with ``n`` admitted startups, each with a milestone whose evidence waits, one verified; ``n``
    export reports to verify; a pitch to endorse."""
    from ledger import services as ledger_services
    from ledger.models import ExchangeRate

    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    open_call = CohortFactory(incubator=incubator, name="Autumn call", status=Cohort.Status.OPEN)
    waiting = [
        ApplicationFactory(cohort=open_call, startup=OrganisationFactory(name=f"Applicant {i}")) for i in range(n)
    ]
    ApplicationFactory(cohort=open_call, status=Application.Status.DECLINED)
    running = CohortFactory(
        incubator=incubator, name="Spring", status=Cohort.Status.RUNNING, starts_on=date(2026, 1, 1)
    )
    milestones = []
    founders = []
    for i in range(n):
        startup = OrganisationFactory(name=f"Startup {i}")
        founder = _member(f"Founder {i}")
        founders.append(founder)
        MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
        ApplicationFactory(cohort=running, startup=startup, status=Application.Status.ADMITTED)
        milestone = investment_services.milestone_create(
            actor=manager,
            cohort=running,
            startup=startup,
            data={"title": f"Users {i}", "kpi": "active_users", "target": Decimal(10), "due_on": date(2027, 1, 1)},
        )
        investment_services.evidence_submit(actor=founder, milestone=milestone, value=Decimal(12))
        milestones.append(milestone)
    verified = investment_services.milestone_create(
        actor=manager,
        cohort=running,
        startup=milestone.startup,
        data={"title": "Done", "kpi": "active_users", "target": Decimal(10), "due_on": date(2027, 1, 1)},
    )
    investment_services.evidence_submit(actor=founders[-1], milestone=verified, value=Decimal(12))
    investment_services.milestone_verify(actor=manager, milestone=verified)
    ExchangeRate.objects.get_or_create(
        currency="USD", year=2026, quarter=2, defaults={"usd_per_unit": Decimal(1), "source": "SBP"}
    )
    for i in range(n):
        ledger_services.export_report_submit(
            actor=founders[i],
            centre=incubator,
            organisation=milestones[i].startup,
            data={"year": 2026, "quarter": 2, "amount": Decimal(1000), "currency": "USD", "markets": ["US"]},
        )
    Pitch.objects.create(
        startup=milestone.startup,
        incubator=incubator,
        status=Pitch.Status.SUBMITTED,
        one_liner="To endorse",
        ask_amount=Decimal(1000),
        instrument=Pitch.Instrument.SAFE,
        created_by=founders[-1],
    )
    return SimpleNamespace(incubator=incubator, waiting=waiting, running=running, milestones=milestones)


def test_an_incubator_manager_sees_what_to_decide_verify_and_the_cohort(client_for):
    # given
    manager = _member("Nadia Manager")
    world = incubator_queues(manager)
    incubator_page = reverse("investments:incubator-dashboard", args=["nic-lahore"])

    # when
    shown = home(client_for(manager))["incubator"]

    # then
    applications = shown["applications-to-decide"]
    assert applications.count == 1
    assert applications.url == incubator_page
    assert (reverse("investments:application-detail", args=[world.waiting[0].pk]), "Applicant 0 for Autumn call") in (
        applications.links
    )
    to_verify = shown["to-verify"]
    assert to_verify.count == 2  # one milestone, one export report
    assert (
        reverse("investments:enrolment-detail", args=[world.running.pk, world.milestones[0].startup.slug]),
        "Milestone: Startup 0, Users 0",
    ) in to_verify.links
    assert (reverse("ledger:centre-exports", args=["nic-lahore"]), "1 export report for NIC Lahore") in (
        to_verify.links
    )
    glance = shown["cohorts-at-a-glance"]
    assert glance.count == 2
    assert "Spring 1 startup · 1 of 2 milestones verified" in glance.text
    assert "Autumn call 0 startups · 0 of 0 milestones verified" in glance.text
    assert "1 pitch to endorse · 0 live deals" in glance.text


def draft_story(source_key: str, title: str):
    return story_draft_create(
        source_key=source_key, title=title, standfirst="From a verified milestone.", figures=[], facts=[]
    )


# --- Editor and staff --------------------------------------------------------------------------


def test_an_editor_sees_the_draft_stories_offered_from_outcomes(client_for):
    # given
    editor = _member("Erum Editor")
    editor.groups.add(Group.objects.get(name="Editors"))
    story = draft_story("milestone:1", "Hisaab reached 1,000 users")

    # when
    shown = home(client_for(editor))["editor"]

    # then
    drafts = shown["story-drafts"]
    assert drafts.count == 1
    assert (reverse("wagtailadmin_pages:edit", args=[story.pk]), "Hisaab reached 1,000 users") in drafts.links
    assert set(shown) == {"story-drafts"}  # not staff: no vetting queues


def test_staff_see_the_vetting_queues_with_counts_and_the_oldest_age(client_for):
    # given
    staff = _member("Saad Staff", mfa=True, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_mentor", content_type__app_label="mentorship"))
    pending = [MentorFactory(status=Mentor.Status.PENDING) for _ in range(2)]
    Mentor.objects.filter(pk=pending[0].pk).update(created_at=timezone.now() - timedelta(days=3, hours=1))
    MentorFactory()  # approved
    InvestorProfile.objects.create(
        user=_member("Waiting investor"), focus="x", ticket_min=1, ticket_max=2, country="GB", attestation=True
    )

    # when
    shown = home(client_for(staff, mfa=True))["editor"]

    # then
    mentors = shown["mentor-vetting"]
    assert mentors.count == 2
    assert mentors.url == "/admin/mentorship/mentor/?status__exact=pending"
    assert "The oldest has waited 3 days" in mentors.text
    investors = shown["investor-vetting"]
    assert investors.count == 1
    assert investors.url == reverse("deals:investor-list")
    assert "The oldest has waited 0 minutes" in investors.text


# --- No role yet -------------------------------------------------------------------------------


def test_a_member_with_no_role_sees_where_to_start(client_for):
    shown = home(client_for(_member("New Member")))

    assert list(shown) == ["start"]
    start = shown["start"]["start"]
    assert start.url == reverse("network:profile-edit")
    assert [href for href, _ in start.links] == [
        reverse("network:profile-edit"),
        reverse("mentorship:mentor-list"),
        reverse("investments:open-calls"),
        reverse("network:organisation-create"),
        reverse("network:member-list"),
        reverse("network:profile-edit"),
    ]


# --- Every role at once, constant queries ------------------------------------------------------


def everything(n: int) -> object:
    """A superuser editor who founds a startup, mentors, invests and runs an incubator, with ``n`` of
    everything in each role."""
    now = timezone.now()
    user = _member("All Roles", mfa=True, is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get(name="Editors"))
    mentor = MentorFactory(user=user, timezone=clear_zone(now))
    mentor_week(mentor, n=n, now=now)
    founder_sessions(user, n=n, now=now + timedelta(days=60))
    founder_startup(user, n=n)
    investor_deals(user, n=n)
    incubator_queues(user, n=n)
    for i in range(n):
        IntroductionFactory(recipient=user)
        draft_story(f"milestone:{i}", f"Story {i}")
        held = BookingFactory(status=Booking.Status.COMPLETED, start=now - timedelta(days=10 + i))
        Feedback.objects.create(
            booking=held, author=held.mentee, rating=5, comment="Clear advice.", review=Feedback.Review.PENDING,
            review_changed_at=now,
        )  # fmt: skip
    return user


@pytest.mark.parametrize("n", [1, 5])
def test_the_home_of_a_member_with_every_role_runs_the_same_queries_with_1_or_5_of_everything(
    client_for, django_assert_num_queries, n
):
    # given
    user = everything(n)
    client = client_for(user, mfa=True)
    shown = home(client)  # warm per-process caches
    assert list(shown) == ["founder", "mentor", "investor", "incubator", "editor", "member"]
    assert shown["mentor"]["requests-to-accept"].count == n
    assert shown["investor"]["matching-deals"].count == n
    assert shown["incubator"]["applications-to-decide"].count == n
    assert shown["editor"]["story-drafts"].count == n
    assert shown["editor"]["review-moderation"].count == n
    assert shown["member"]["introductions"].count == n

    # then: the same number for 1 and for 5 (a session, the member with their profile, then each app's
    # blocks and tools in a fixed number of queries; the suggested mentors' four are the member's own
    # sectors, startups' sectors, languages and the mentors they met, the shared ranking kept)
    with django_assert_num_queries(54):
        assert client.get(reverse("network:dashboard")).status_code == 200
