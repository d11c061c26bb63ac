"""Reads of the investments app: the rubric's weighted scores, when they are revealed, cohort counts."""

from __future__ import annotations

import pytest

from investments import selectors
from investments.models import Application, Cohort
from tests.investments.factories import (
    ApplicationFactory,
    CohortFactory,
    IncubatorFactory,
    ReviewFactory,
    ReviewScoreFactory,
    RubricCriterionFactory,
)
from tests.network.factories import UserFactory


@pytest.fixture
def cohort(db):
    return CohortFactory(name="Spring 2027")


@pytest.fixture
def criteria(cohort):
    return [
        RubricCriterionFactory(cohort=cohort, name="Team", weight=1, position=0),
        RubricCriterionFactory(cohort=cohort, name="Market", weight=3, position=1),
    ]


@pytest.fixture
def reviewers(cohort):
    people = [UserFactory(), UserFactory()]
    cohort.reviewers.add(*people)
    return people


@pytest.fixture
def application(cohort):
    return ApplicationFactory(cohort=cohort)


def review_with(application, reviewer, criteria, scores):
    review = ReviewFactory(application=application, reviewer=reviewer)
    for criterion, score in zip(criteria, scores, strict=True):
        ReviewScoreFactory(review=review, criterion=criterion, score=score)
    return review


# --- weighted_score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((5, 1), 2.0),  # (5*1 + 1*3) / 4
        ((1, 5), 4.0),  # (1*1 + 5*3) / 4
        ((3, 2), 2.25),  # (3*1 + 2*3) / 4
        ((4, 4), 4.0),
        ((5, 5), 5.0),
        ((1, 1), 1.0),
    ],
)
def test_weighted_score_weighs_each_criterion(application, reviewers, criteria, scores, expected):
    # given
    review = review_with(application, reviewers[0], criteria, scores)

    # when
    score = selectors.weighted_score(review)

    # then
    assert score == expected


def test_weighted_score_with_equal_weights_is_the_mean(cohort, application, reviewers):
    # given
    criteria = [RubricCriterionFactory(cohort=cohort, weight=2) for _ in range(3)]
    review = review_with(application, reviewers[0], criteria, (5, 4, 2))

    # when
    score = selectors.weighted_score(review)

    # then
    assert score == pytest.approx(11 / 3)


def test_weighted_score_of_a_review_without_scores_is_zero(application, reviewers):
    # given
    review = ReviewFactory(application=application, reviewer=reviewers[0])

    # when
    score = selectors.weighted_score(review)

    # then
    assert score == 0.0


# --- scores_revealed --------------------------------------------------------------


def test_scores_stay_hidden_until_every_reviewer_has_scored(application, reviewers, criteria):
    # given
    first, second = reviewers

    # then: nobody has scored
    assert selectors.scores_revealed(application=application, reviewer_count=2) is False

    # when: one of two has scored
    review_with(application, first, criteria, (5, 5))

    # then
    assert selectors.scores_revealed(application=application, reviewer_count=2) is False

    # when: both have scored
    review_with(application, second, criteria, (1, 1))

    # then
    assert selectors.scores_revealed(application=application, reviewer_count=2) is True


@pytest.mark.parametrize(
    "status", [Application.Status.ADMITTED, Application.Status.DECLINED, Application.Status.WITHDRAWN]
)
def test_scores_are_revealed_once_the_application_is_decided(cohort, reviewers, status):
    # given: nobody has scored yet
    application = ApplicationFactory(cohort=cohort, status=status)

    # when
    revealed = selectors.scores_revealed(application=application, reviewer_count=2)

    # then
    assert revealed is True


def test_scores_of_a_cohort_without_reviewers_stay_hidden(application):
    # when
    revealed = selectors.scores_revealed(application=application, reviewer_count=0)

    # then
    assert revealed is False


# --- application_summary ----------------------------------------------------------


def test_application_summary_hides_the_average_until_revealed(application, reviewers, criteria):
    # given
    review_with(application, reviewers[0], criteria, (5, 5))

    # when
    summary = selectors.application_summary(application=application, reviewer_count=2)

    # then
    assert summary == {"application": application, "reviews_in": 1, "revealed": False, "average": None}


def test_application_summary_averages_weighted_scores_once_revealed(cohort, application, reviewers, criteria):
    # given
    third = UserFactory()
    cohort.reviewers.add(third)
    review_with(application, reviewers[0], criteria, (5, 1))  # 2.0
    review_with(application, reviewers[1], criteria, (3, 2))  # 2.25
    review_with(application, third, criteria, (2, 5))  # 4.25

    # when
    summary = selectors.application_summary(application=application, reviewer_count=3)

    # then: (2.0 + 2.25 + 4.25) / 3 = 2.8333…
    assert summary == {"application": application, "reviews_in": 3, "revealed": True, "average": 2.83}


def test_application_summary_of_a_decided_application_averages_the_reviews_in(cohort, reviewers, criteria):
    # given: only one of two reviewers scored before the decision
    application = ApplicationFactory(cohort=cohort, status=Application.Status.ADMITTED)
    review_with(application, reviewers[0], criteria, (1, 5))  # 4.0

    # when
    summary = selectors.application_summary(application=application, reviewer_count=2)

    # then
    assert summary == {"application": application, "reviews_in": 1, "revealed": True, "average": 4.0}


def test_application_summary_of_a_decided_application_without_reviews_has_no_average(cohort, reviewers):
    # given
    application = ApplicationFactory(cohort=cohort, status=Application.Status.DECLINED)

    # when
    summary = selectors.application_summary(application=application, reviewer_count=2)

    # then
    assert summary == {"application": application, "reviews_in": 0, "revealed": True, "average": None}


def test_application_list_for_cohort_prefetches_what_the_summary_needs(
    cohort, reviewers, criteria, django_assert_num_queries
):
    # given
    application = ApplicationFactory(cohort=cohort)
    review_with(application, reviewers[0], criteria, (5, 1))
    review_with(application, reviewers[1], criteria, (1, 5))
    ApplicationFactory(cohort=cohort)
    ApplicationFactory()  # another cohort's

    # when: one query each for applications, reviews, scores with criteria
    with django_assert_num_queries(3):
        summaries = [
            selectors.application_summary(application=a, reviewer_count=2)
            for a in selectors.application_list_for_cohort(cohort=cohort)
        ]

    # then
    assert sorted((s["reviews_in"], s["revealed"], s["average"]) for s in summaries) == [
        (0, False, None),
        (2, True, 3.0),
    ]


def test_application_list_for_cohort_puts_open_decisions_after_decided_ones_newest_first(cohort):
    # given
    older = ApplicationFactory(cohort=cohort)
    newer = ApplicationFactory(cohort=cohort)
    Application.objects.filter(pk=older.pk).update(submitted_at=newer.submitted_at.replace(year=2020))
    admitted = ApplicationFactory(cohort=cohort, status=Application.Status.ADMITTED)
    declined = ApplicationFactory(cohort=cohort, status=Application.Status.DECLINED)

    # when
    listed = list(selectors.application_list_for_cohort(cohort=cohort))

    # then
    assert listed == [admitted, declined, newer, older]


# --- cohort_list_for_incubator ----------------------------------------------------


def test_cohort_list_for_incubator_counts_applications_admissions_and_reviewers(db):
    # given
    incubator = IncubatorFactory()
    busy = CohortFactory(incubator=incubator, name="Busy", status=Cohort.Status.RUNNING)
    busy.reviewers.add(UserFactory(), UserFactory())
    ApplicationFactory(cohort=busy, status=Application.Status.ADMITTED)
    ApplicationFactory(cohort=busy, status=Application.Status.ADMITTED)
    ApplicationFactory(cohort=busy, status=Application.Status.DECLINED)
    ApplicationFactory(cohort=busy, status=Application.Status.SUBMITTED)
    quiet = CohortFactory(incubator=incubator, name="Quiet", status=Cohort.Status.DRAFT)
    elsewhere = CohortFactory(name="Elsewhere")
    ApplicationFactory(cohort=elsewhere)

    # when
    cohorts = selectors.cohort_list_for_incubator(incubator=incubator)

    # then
    assert sorted((c.name, c.application_count, c.admitted_count, c.reviewer_count) for c in cohorts) == [
        ("Busy", 4, 2, 2),
        ("Quiet", 0, 0, 0),
    ]
    assert quiet in cohorts
