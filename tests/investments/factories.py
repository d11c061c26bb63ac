from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from investments import services
from investments.models import Application, ApplicationQuestion, Cohort, Milestone, Review, ReviewScore, RubricCriterion
from network.models import Organisation
from tests.network.factories import OrganisationFactory, UserFactory, pdf_document


class IncubatorFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Incubator {n}")
    slug = factory.Sequence(lambda n: f"incubator-{n}")
    kind = Organisation.Kind.INCUBATOR
    city = "Lahore"


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    incubator = factory.SubFactory(IncubatorFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    phase = Cohort.Phase.BUILD
    starts_on = date(2027, 1, 10)
    ends_on = date(2027, 6, 30)
    demo_day = date(2027, 6, 20)
    status = Cohort.Status.OPEN


class RubricCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricCriterion

    cohort = factory.SubFactory(CohortFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    cohort = factory.SubFactory(CohortFactory)
    startup = factory.SubFactory(OrganisationFactory)


class ApplicationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationQuestion

    cohort = factory.SubFactory(CohortFactory)
    text = factory.Sequence(lambda n: f"Question {n}?")
    required = True


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(UserFactory)


class ReviewScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewScore

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(RubricCriterionFactory)
    score = 3


PDF = pdf_document(text="Milestone evidence")


def make_milestone(setting, **overrides) -> Milestone:
    data = {
        "title": "1,000 paying users",
        "kpi": "paying_customers",
        "target": Decimal(1000),
        "due_on": date(2027, 4, 1),
    }
    data.update(overrides)
    return services.milestone_create(actor=setting.manager, cohort=setting.cohort, startup=setting.startup, data=data)
