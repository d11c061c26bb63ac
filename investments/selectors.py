"""Reads of the investments app."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from investments.models import Application, Cohort, Review, ReviewScore
from network.models import Organisation


def cohort_list_for_incubator(*, incubator: Organisation) -> QuerySet[Cohort]:
    return Cohort.objects.filter(incubator=incubator).annotate(
        application_count=Count("applications", distinct=True),
        admitted_count=Count("applications", filter=Q(applications__status="admitted"), distinct=True),
        reviewer_count=Count("reviewers", distinct=True),
    )


def application_list_for_cohort(*, cohort: Cohort) -> QuerySet[Application]:
    return (
        Application.objects.filter(cohort=cohort)
        .select_related("startup")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.prefetch_related(
                    Prefetch("scores", queryset=ReviewScore.objects.select_related("criterion"))
                ),
            )
        )
        .order_by("status", "-submitted_at")
    )


def weighted_score(review: Review) -> float:
    """A review's score: criteria scores weighted by their weights, on the 1–5 scale."""
    scores = list(review.scores.all())
    total_weight = sum(s.criterion.weight for s in scores)
    return sum(s.score * s.criterion.weight for s in scores) / total_weight if total_weight else 0.0


def scores_revealed(*, application: Application, reviewer_count: int) -> bool:
    """Scores stay hidden until every reviewer of the cohort has scored (or the application is decided)."""
    reviews = application.reviews.all()
    return application.status != Application.Status.SUBMITTED or (reviewer_count > 0 and len(reviews) >= reviewer_count)


def application_summary(*, application: Application, reviewer_count: int) -> dict:
    reviews = list(application.reviews.all())
    revealed = scores_revealed(application=application, reviewer_count=reviewer_count)
    return {
        "application": application,
        "reviews_in": len(reviews),
        "revealed": revealed,
        "average": round(sum(weighted_score(r) for r in reviews) / len(reviews), 2) if revealed and reviews else None,
    }
