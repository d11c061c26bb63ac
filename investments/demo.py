"""Demo data for cohorts, called by ``manage.py seed_demo``. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from investments.models import Application, ApplicationQuestion, Cohort, Review, ReviewScore, RubricCriterion
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
    command.stdout.write(f"Investments: cohort {cohort.name!r} open with {len(startups)} applications.")
