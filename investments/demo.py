"""Demo data for cohorts, called by ``manage.py seed_demo``. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from investments.models import (
    Application,
    ApplicationQuestion,
    Cohort,
    Evidence,
    MentorAssignment,
    Milestone,
    Review,
    ReviewScore,
    RubricCriterion,
    Tranche,
)
from network.demo import DEMO_TOTP_SECRET
from network.models import Membership, Organisation, Sector, User

QUESTIONS = [
    "What problem do you solve, and for whom?",
    "What traction do you have (users, revenue, exports)?",
    "What would you achieve in this cohort?",
]
CRITERIA = [
    ("Team", "Founders who can build and sell", 2),
    ("Market", "A large, reachable market", 1),
    ("Traction", "Paying users or exports", 2),
]


def seed(command, *, accounts: dict) -> None:
    incubator = Organisation.objects.filter(name="National Incubation Centre Lahore").first()
    if incubator is None or Cohort.objects.filter(incubator=incubator).exists():
        return
    _cohorts(command, incubator, accounts)
    _deal_room(command, incubator, accounts)


def _cohorts(command, incubator: Organisation, accounts: dict) -> None:
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        incubator=incubator,
        name="Export Builders 2027",
        phase=Cohort.Phase.BUILD,
        description="Six months for B2B software startups selling abroad: mentors, milestones and tranche funding.",
        starts_on=today + timedelta(days=45),
        ends_on=today + timedelta(days=225),
        demo_day=today + timedelta(days=220),
        applications_close_on=today + timedelta(days=30),
        status=Cohort.Status.OPEN,
        created_by=accounts["incubator"],
    )
    for position, text in enumerate(QUESTIONS):
        ApplicationQuestion.objects.create(cohort=cohort, text=text, position=position)
    criteria = [
        RubricCriterion.objects.create(cohort=cohort, name=name, description=description, weight=weight, position=n)
        for n, (name, description, weight) in enumerate(CRITERIA)
    ]
    reviewers = [accounts["incubator"], accounts["mentor"]]
    cohort.reviewers.set(reviewers)
    startups = (
        Organisation.objects.filter(kind=Organisation.Kind.STARTUP).exclude(name="Raqam Pay").order_by("name")[:4]
    )
    for n, startup in enumerate(startups):
        owner = User.objects.filter(memberships__organisation=startup, memberships__role="owner").first()
        application = Application.objects.create(
            cohort=cohort,
            startup=startup,
            submitted_by=owner,
            answers={str(q.pk): "See our profile on Rabta." for q in cohort.questions.all()},
        )
        # The first two have been scored by both reviewers, so their scores show.
        if n < 2:
            for reviewer in reviewers:
                review = Review.objects.create(application=application, reviewer=reviewer, comment="Promising team.")
                ReviewScore.objects.bulk_create(
                    [ReviewScore(review=review, criterion=c, score=3 + (n + c.position) % 3) for c in criteria]
                )
    _running_cohort(incubator, accounts, today)
    command.stdout.write(f"Investments: cohort {cohort.name!r} open with {len(startups)} applications.")


def _running_cohort(incubator: Organisation, accounts: dict, today) -> None:
    """The demo founder's Raqam Pay in a running cohort, with milestones, evidence and tranches."""
    raqam = Organisation.objects.filter(name="Raqam Pay").first()
    if raqam is None:
        return
    manager, founder = accounts["incubator"], accounts["founder"]
    cohort = Cohort.objects.create(
        incubator=incubator,
        name="Proof of Concept 2026",
        phase=Cohort.Phase.PROOF_OF_CONCEPT,
        description="Twelve weeks from prototype to first paying customers.",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=30),
        demo_day=today + timedelta(days=25),
        status=Cohort.Status.RUNNING,
        created_by=manager,
    )
    RubricCriterion.objects.create(cohort=cohort, name="Team", weight=1)
    Application.objects.create(
        cohort=cohort, startup=raqam, submitted_by=founder, status=Application.Status.ADMITTED, decided_by=manager,
        decided_at=timezone.now() - timedelta(days=65),
    )  # fmt: skip
    users = Milestone.objects.create(
        cohort=cohort, startup=raqam, title="500 freelancers paid through Raqam Pay",
        kpi=Milestone.Kpi.PAYING_CUSTOMERS, target=500, due_on=today - timedelta(days=10),
        status=Milestone.Status.VERIFIED, verified_by=manager, verified_at=timezone.now() - timedelta(days=12),
        created_by=manager,
    )  # fmt: skip
    for days, value in ((40, 120), (26, 310), (13, 540)):
        Evidence.objects.create(
            milestone=users, value=value, note="Monthly payout report.", submitted_by=founder,
            submitted_at=timezone.now() - timedelta(days=days),
        )  # fmt: skip
    exports = Milestone.objects.create(
        cohort=cohort, startup=raqam, title="USD 20,000 export revenue a month",
        kpi=Milestone.Kpi.EXPORT_REVENUE, target=20000, due_on=today + timedelta(days=20), created_by=manager,
    )  # fmt: skip
    Evidence.objects.create(milestone=exports, value=8500, note="October, from Stripe.", submitted_by=founder)
    exports.status = Milestone.Status.SUBMITTED
    exports.save(update_fields=["status"])
    Tranche.objects.create(
        cohort=cohort, startup=raqam, milestone=users, amount=1_500_000, currency="PKR",
        released_at=timezone.now() - timedelta(days=11), released_by=manager,
    )  # fmt: skip
    Tranche.objects.create(cohort=cohort, startup=raqam, milestone=exports, amount=2_500_000, currency="PKR")
    mentor = getattr(accounts["mentor"], "mentor", None)
    if mentor is not None:
        MentorAssignment.objects.create(
            cohort=cohort, startup=raqam, mentor=mentor, office_hours="Every other Tuesday, 20:00–21:00 Pakistan time",
            assigned_by=manager,
        )  # fmt: skip


TERMS = """By entering Rabta's deal room you agree:

1. To keep confidential everything startups share here — decks, figures, answers — and to use it only
   to decide whether to invest.
2. Not to copy, forward or publish any deck or any part of it. Every slide and download carries your
   email address and the time.
3. That a soft commitment is an indication, not a contract; a firm commitment is made in good faith,
   and the investment itself is made in documents signed with the startup.
4. That Rabta records which decks you open, which slides you read and what you download, and shows
   this to the startup and its incubator.
5. That Rabta's staff may suspend your access at any time if these terms are broken."""


def _deal_room(command, incubator: Organisation, accounts: dict) -> None:
    """Confidentiality terms, the demo investor (approved, terms accepted; MFA is theirs to turn on), and
    Raqam Pay's endorsed pitch live in the deal room with a generated deck and a few investors' interest."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt
    from django.core.files.base import ContentFile

    from investments.dealroom import decks
    from investments.dealroom.decks import sample_deck
    from investments.models import (
        ConfidentialityTerms,
        DeckAccess,
        Interest,
        InterestEvent,
        InvestorProfile,
        Pitch,
        Question,
        TermsAcceptance,
    )
    from network.models import Sector

    raqam = Organisation.objects.filter(name="Raqam Pay").first()
    if raqam is None or ConfidentialityTerms.objects.exists():
        return
    terms = ConfidentialityTerms.objects.create(version=1, text=TERMS)
    manager, founder, staff = accounts["incubator"], accounts["founder"], accounts["staff"]
    now = timezone.now()

    def approve(user, focus: str, low: int, high: int, country: str) -> InvestorProfile:
        investor = InvestorProfile.objects.create(
            user=user, status=InvestorProfile.Status.APPROVED, focus=focus, ticket_min=low, ticket_max=high,
            country=country, attestation=True, decided_by=staff, decided_at=now - timedelta(days=20),
        )  # fmt: skip
        investor.sectors.set(Sector.objects.filter(slug__in=["fintech", "saas"]))
        TermsAcceptance.objects.create(user=user, terms=terms, accepted_at=now - timedelta(days=19))
        return investor

    approve(accounts["investor"], "Pre-seed B2B software selling abroad; I help with US go-to-market.", 10_000,
            50_000, "GB")  # fmt: skip
    pitch = Pitch.objects.create(
        startup=raqam, incubator=incubator, status=Pitch.Status.READY,
        one_liner="Payroll and instant payouts for Pakistani freelancers exporting services",
        problem="Two million freelancers wait up to three weeks, and lose up to 6%, to be paid from abroad.",
        solution="A Wise-style account in USD with same-day payouts to any Pakistani bank or wallet.",
        market="USD 400 million a year in fees on Pakistan's freelance exports, growing 20% a year.",
        traction=[
            {"metric": "Freelancers paid", "value": "540"},
            {"metric": "Monthly export volume (USD)", "value": "310,000"},
        ],
        team="Hina Farooqi (ex-Careem payments) and a team of six engineers in Lahore.",
        ask_amount=250_000, currency="USD", instrument=Pitch.Instrument.SAFE, valuation_cap=3_000_000,
        minimum_ticket=5_000, use_of_funds="Licensing, two engineers, and growth in Karachi and Islamabad.",
        sector=Sector.objects.filter(slug="fintech").first(), stage=Pitch.Stage.PRE_SEED, allow_download=True,
        endorsement_note="Verified 540 paying freelancers in our proof-of-concept cohort; a strong, honest team.",
        endorsed_by=manager, endorsed_at=now - timedelta(days=6), created_by=founder,
    )  # fmt: skip
    deck = sample_deck(
        "Raqam Pay",
        [
            "Payroll and instant payouts\nfor Pakistani freelancers",
            "The problem\n3 weeks and 6% lost on every payment",
            "Traction\n540 freelancers paid · USD 310,000 a month",
            "The round\nUSD 250,000 SAFE, USD 3M cap",
        ],
    )
    pitch.deck.save("deck.pdf", ContentFile(deck), save=True)
    decks.deck_render(pitch)  # what the upload's task does
    others = list(User.objects.filter(profile__is_investor=True).exclude(pk=accounts["investor"].pk).order_by("id")[:3])
    for n, (user, stage, amount) in enumerate(
        zip(
            others,
            [Interest.Stage.COMMITTED, Interest.Stage.SOFT, Interest.Stage.WATCHING],
            [50_000, 25_000, None],
            strict=False,
        )
    ):
        approve(user, "Fintech and marketplaces.", 5_000, 100_000, "US")
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(DEMO_TOTP_SECRET)}
        )
        interest = Interest.objects.create(
            pitch=pitch, investor=user, stage=stage, amount=amount, terms_version=1, updated_at=now - timedelta(days=2)
        )
        InterestEvent.objects.create(interest=interest, stage=stage, amount=amount, terms_version=1)
        DeckAccess.objects.create(
            pitch=pitch, user=user, kind=DeckAccess.Kind.VIEW, pitch_version=1, at=now - timedelta(days=3, minutes=1)
        )
        for page in range(1, 5 - n):
            DeckAccess.objects.create(
                pitch=pitch, user=user, kind=DeckAccess.Kind.PAGE, page=page, pitch_version=1,
                at=now - timedelta(days=3, minutes=-page * (2 + n)),
            )  # fmt: skip
    if others:
        Question.objects.create(
            pitch=pitch, asker=others[0], slide=3, text="How many of the 540 freelancers were paid more than once?",
            answer="412 of them, each paid 3.4 times on average.", answered_by=founder,
            answered_at=now - timedelta(days=1),
        )  # fmt: skip
    command.stdout.write("Investments: Raqam Pay's pitch is live in the deal room.")


# --- Bulk data for benchmarks ------------------------------------------------------------------

BULK_DOMAIN = "bulk.rabta.pk"  # the bulk members of ``seed_demo --members``
BULK_SLUG = "bulk-startup-"
BULK_COHORT = "Export Scale 2026"
# One bulk member in 110 (0, 110, 220…; every one of them has is_investor on their profile, one in
# 11 does) is an approved investor with MFA on and the terms accepted.
INVESTOR_EVERY = 110
INTERESTS_PER_PITCH = 10
INTEREST_STAGES = [
    "committed", "soft", "soft", "considering", "watching", "watching", "passed", "considering", "soft", "watching",
]  # fmt: skip
NAME_PARTS = (
    ["Khet", "Sehat", "Parhai", "Raqam", "Shehri", "Qila", "Soch", "Hisaab", "Bazaar", "Sanad", "Dhoop", "Rasta"],
    ["Labs", "Cloud", "Pay", "Link", "Works", "AI", "Hub", "Systems", "Health", "Logistics"],
)


def bulk_pitch_count(members: int) -> int:
    """Live pitches for ``members`` bulk members: one per 1,000, and at least a full page of the deal list."""
    return max(20, members // 1000)


def seed_bulk(command, *, members: int) -> str:
    """Approved investors from the bulk members (one in 110, with a TOTP authenticator and the current
    terms accepted), and ``bulk_pitch_count(members)`` live pitches: a startup owned by a bulk
    founder, admitted to a running cohort of a demo incubator, endorsed by the incubator's manager,
    with a deck and ten investors' interest at every stage.

    Only what is missing is added: investors who have no investor profile yet, pitches beyond the
    bulk startups that exist. Bulk inserts, no services.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    from investments.models import ConfidentialityTerms, InvestorProfile, TermsAcceptance

    profiles = command.bulk_profiles(members)
    now = timezone.now()
    staff = User.objects.filter(email="staff@demo.rabta.pk").first()
    with transaction.atomic():
        terms = ConfidentialityTerms.objects.order_by("-version").first()
        if terms is None:
            terms = ConfidentialityTerms.objects.create(version=1, text=TERMS)
        have = set(InvestorProfile.objects.values_list("user_id", flat=True))
        numbers = [
            n for n in range(0, members, INVESTOR_EVERY) if profiles.get(n, {}).get("is_investor")
        ]  # fmt: skip
        new = [profiles[n] for n in numbers if profiles[n]["user_id"] not in have]
        investors = InvestorProfile.objects.bulk_create(
            [
                InvestorProfile(
                    user_id=p["user_id"], status=InvestorProfile.Status.APPROVED,
                    focus="B2B software and fintech selling abroad; I help with go-to-market.",
                    ticket_min=5_000, ticket_max=50_000 + 10_000 * (n % 5), country=p["country"] or "GB",
                    attestation=True, decided_by=staff, decided_at=now - timedelta(days=30),
                )
                for n, p in enumerate(new)
            ]
        )  # fmt: skip
        if any(i.pk is None for i in investors):
            investors = list(InvestorProfile.objects.filter(user_id__in=[p["user_id"] for p in new]))
        sectors = list(Sector.objects.order_by("id"))
        link = InvestorProfile.sectors.through
        link.objects.bulk_create(
            [
                link(investorprofile_id=i.pk, sector_id=sectors[(n + k) % len(sectors)].pk)
                for n, i in enumerate(investors)
                for k in (0, 3)
            ]
        )
        TermsAcceptance.objects.bulk_create(
            [TermsAcceptance(user_id=p["user_id"], terms=terms, accepted_at=now - timedelta(days=29)) for p in new]
        )
        Authenticator.objects.bulk_create(
            [
                Authenticator(user_id=p["user_id"], type=Authenticator.Type.TOTP,
                              data={"secret": encrypt(DEMO_TOTP_SECRET)})
                for p in new
            ]
        )  # fmt: skip
        pitches, interests = _bulk_pitches(members, profiles, [profiles[n]["user_id"] for n in numbers], sectors, now)
    if not new and not pitches:
        return "nothing to add"
    return (
        f"{len(new):,} approved investors (MFA, terms accepted), {pitches:,} live pitches with startups, "
        f"cohort admissions and decks, {interests:,} interests"
    )


def _bulk_pitches(members: int, profiles: dict, investor_ids: list[int], sectors: list, now) -> tuple[int, int]:
    from django.core.files.base import ContentFile

    from investments.dealroom.decks import sample_deck
    from investments.models import Interest, InterestEvent, Pitch, deck_upload_to

    existing = Organisation.objects.filter(slug__startswith=BULK_SLUG).count()
    target = bulk_pitch_count(members)
    founders = [profiles[n]["user_id"] for n in sorted(profiles) if profiles[n]["is_founder"]]
    if existing >= target or not founders:
        return 0, 0
    incubators = _bulk_incubators(profiles, now)
    if not incubators:
        return 0, 0
    indexes = range(existing, target)
    startups = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{NAME_PARTS[0][i % 12]} {NAME_PARTS[1][i // 12 % 10]} {i + 1}", slug=f"{BULK_SLUG}{i + 1:05d}",
                kind=Organisation.Kind.STARTUP, city=HOME[i % len(HOME)], country="PK",
                tagline="Software built in Pakistan, sold abroad.", founded_year=2018 + i % 8,
                description="A startup made for benchmarks by seed_demo --members.",
            )
            for i in indexes
        ]
    )  # fmt: skip
    if any(s.pk is None for s in startups):
        startups = list(Organisation.objects.filter(slug__in=[s.slug for s in startups]).order_by("slug"))
    owners = {i: founders[(i * 13 + 1) % len(founders)] for i in indexes}
    Organisation.sectors.through.objects.bulk_create(
        [
            Organisation.sectors.through(organisation_id=s.pk, sector_id=sectors[i % len(sectors)].pk)
            for i, s in zip(indexes, startups, strict=True)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(organisation=s, user_id=owners[i], role=Membership.Role.OWNER, title="CEO")
            for i, s in zip(indexes, startups, strict=True)
        ]
    )
    Application.objects.bulk_create(
        [
            Application(
                cohort=incubators[i % len(incubators)][1], startup=s, submitted_by_id=owners[i],
                status=Application.Status.ADMITTED, submitted_at=now - timedelta(days=120),
                decided_by_id=incubators[i % len(incubators)][2], decided_at=now - timedelta(days=100),
            )
            for i, s in zip(indexes, startups, strict=True)
        ]
    )  # fmt: skip
    deck = sample_deck("A Rabta startup", ["The problem", "Our product", "Traction", "The round"])
    storage = Pitch._meta.get_field("deck").storage
    instruments = [Pitch.Instrument.SAFE, Pitch.Instrument.CONVERTIBLE, Pitch.Instrument.EQUITY]
    stages = [Pitch.Stage.PRE_SEED, Pitch.Stage.SEED, Pitch.Stage.IDEA, Pitch.Stage.SERIES_A]
    rows = []
    for i, startup in zip(indexes, startups, strict=True):
        incubator, _cohort, manager = incubators[i % len(incubators)]
        instrument = instruments[i % 3]
        rows.append(
            Pitch(
                startup=startup, incubator=incubator, status=Pitch.Status.READY,
                one_liner=f"{startup.name}: {startup.tagline.lower()}",
                problem="Customers abroad cannot find reliable software teams they can afford.",
                solution="A product built in Pakistan, sold by subscription to customers abroad.",
                market="A large export market growing 20% a year.",
                traction=[{"metric": "Paying customers", "value": str(20 + i % 300)}],
                team="Two founders and a team of engineers.",
                ask_amount=100_000 + 50_000 * (i % 10), currency="USD", instrument=instrument,
                valuation_cap=None if instrument == Pitch.Instrument.EQUITY else 2_000_000 + 250_000 * (i % 8),
                pre_money=1_500_000 + 250_000 * (i % 8) if instrument == Pitch.Instrument.EQUITY else None,
                minimum_ticket=None if i % 5 == 4 else 5_000, use_of_funds="Engineers and sales abroad.",
                sector=sectors[i % len(sectors)], stage=stages[i % len(stages)], allow_download=i % 2 == 0,
                deck=storage.save(deck_upload_to(None, "deck.pdf"), ContentFile(deck)),
                endorsement_note="Verified traction in our cohort; a capable team.", endorsed_by_id=manager,
                endorsed_at=now - timedelta(days=i % 60, hours=i % 24), created_by_id=owners[i],
                created_at=now - timedelta(days=90),
            )
        )  # fmt: skip
    pitches = Pitch.objects.bulk_create(rows)
    if any(p.pk is None for p in pitches):
        pitches = list(Pitch.objects.filter(startup__in=startups).order_by("startup__slug"))
    interests = []
    for i, pitch in zip(indexes, pitches, strict=True):
        for j in range(min(INTERESTS_PER_PITCH, len(investor_ids))):
            stage = INTEREST_STAGES[j]
            committed = stage in (Interest.Stage.SOFT, Interest.Stage.COMMITTED)
            interests.append(
                Interest(
                    pitch=pitch, investor_id=investor_ids[(i * 7 + j) % len(investor_ids)], stage=stage,
                    amount=5_000 * (j + 1) if committed else None, terms_version=1,
                    updated_at=now - timedelta(days=(i + j) % 20),
                )
            )  # fmt: skip
    interests = Interest.objects.bulk_create(interests)
    if any(i.pk is None for i in interests):
        interests = list(Interest.objects.filter(pitch__in=pitches))
    InterestEvent.objects.bulk_create(
        [InterestEvent(interest=i, stage=i.stage, amount=i.amount, terms_version=1, at=i.updated_at) for i in interests]
    )
    return len(pitches), len(interests)


HOME = ["Lahore", "Karachi", "Islamabad", "Peshawar", "Faisalabad", "Quetta", "Multan", "Hyderabad"]


def _bulk_incubators(profiles: dict, now) -> list[tuple[Organisation, Cohort, int]]:
    """(incubator, its running bulk cohort, a manager's user id) for each incubator-like organisation.
    An incubator without an owner or admin gets a bulk member (1, 2, 3…) as its admin."""
    result = []
    incubators = Organisation.objects.exclude(kind=Organisation.Kind.STARTUP).order_by("id")
    for n, incubator in enumerate(incubators, start=1):
        manager = (
            Membership.objects.filter(organisation=incubator, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN])
            .order_by("id")
            .values_list("user_id", flat=True)
            .first()
        )
        if manager is None:
            if n not in profiles:
                continue
            manager = profiles[n]["user_id"]
            Membership.objects.create(
                organisation=incubator, user_id=manager, role=Membership.Role.ADMIN, title="Programme manager"
            )
        today = now.date()
        cohort, _ = Cohort.objects.get_or_create(
            incubator=incubator,
            name=BULK_COHORT,
            defaults={
                "phase": Cohort.Phase.COMMERCIALISATION,
                "description": "Six months of selling abroad, for startups with paying customers at home.",
                "starts_on": today - timedelta(days=90),
                "ends_on": today + timedelta(days=90),
                "demo_day": today + timedelta(days=80),
                "status": Cohort.Status.RUNNING,
                "created_by_id": manager,
            },
        )
        result.append((incubator, cohort, manager))
    return result
