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
