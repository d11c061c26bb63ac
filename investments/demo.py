"""Demo data for cohorts, called by ``manage.py seed_demo``. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

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
from network.models import Organisation, User

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
    from allauth.mfa.totp.internal.auth import generate_totp_secret
    from allauth.mfa.utils import encrypt
    from django.core.files.base import ContentFile

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
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(generate_totp_secret())}
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
