"""Reads of the investments app."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from investments.models import (
    Application,
    Cohort,
    Evidence,
    MentorAssignment,
    Milestone,
    Pitch,
    Review,
    ReviewScore,
    Tranche,
)
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


def enrolment_milestones(*, cohort: Cohort, startup: Organisation) -> list[dict]:
    """Each milestone with its evidence history, progress toward the target and a sparkline."""
    milestones = (
        Milestone.objects.filter(cohort=cohort, startup=startup)
        .select_related("verified_by__profile")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("submitted_by__profile")))
        .prefetch_related(Prefetch("tranches", queryset=Tranche.objects.order_by("id")))
    )
    rows = []
    for milestone in milestones:
        history = list(milestone.evidence.all())
        latest = history[-1].value if history else Decimal(0)
        target = milestone.target or Decimal(0)
        progress = 100 if target == 0 and history else int(min(100, latest / target * 100)) if target else 0
        rows.append(
            {
                "milestone": milestone,
                "history": history,
                "latest": latest,
                "progress": progress,
                "chart": sparkline([e.value for e in history], target),
            }
        )
    return rows


def sparkline(values: list[Decimal], target: Decimal, width: int = 240, height: int = 60) -> dict | None:
    """Points for a small SVG line chart of KPI history, with the target as a dashed line."""
    if len(values) < 2:
        return None  # one figure is no history; the progress bar shows it
    top = max([*values, target, Decimal(1)])
    step = width / max(1, len(values) - 1)

    def y(value: Decimal) -> float:
        return round(height - float(value / top) * (height - 4) - 2, 1)

    points = " ".join(f"{round(i * step, 1)},{y(v)}" for i, v in enumerate(values))
    return {"points": points, "target_y": y(target), "width": width, "height": height}


def mentorship_signals(*, startup: Organisation) -> dict:
    """What Rabta itself knows of a startup's mentoring: sessions its members held, hours, endorsements."""
    from django.db.models import DurationField, ExpressionWrapper, F, Sum

    from mentorship.models import Booking, Endorsement

    members = startup.memberships.values("user_id")
    sessions = Booking.objects.filter(mentee__in=members, status=Booking.Status.COMPLETED).aggregate(
        count=Count("id"),
        mentors=Count("mentor", distinct=True),
        duration=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
    )
    endorsements = list(
        Endorsement.objects.filter(founder__in=members).select_related("mentor__user__profile", "founder__profile")[:5]
    )
    duration = sessions["duration"]
    return {
        "sessions": sessions["count"],
        "mentors": sessions["mentors"],
        "hours": round(duration.total_seconds() / 3600, 1) if duration else 0,
        "endorsements": endorsements,
    }


def cohort_overview(*, cohort: Cohort) -> list[dict]:
    """The cohort at a glance: each admitted startup with its mentors, milestone progress and latest pitch.

    Four queries whatever the cohort's size.
    """
    startups = list(
        Organisation.objects.filter(applications__cohort=cohort, applications__status=Application.Status.ADMITTED)
        .order_by("name")
        .only("id", "name", "slug")
    )
    counts = {
        row["startup_id"]: row
        for row in Milestone.objects.filter(cohort=cohort)
        .values("startup_id")
        .annotate(
            total=Count("id"),
            verified=Count("id", filter=Q(status=Milestone.Status.VERIFIED)),
            waiting=Count("id", filter=Q(status=Milestone.Status.SUBMITTED)),
            overdue=Count("id", filter=~Q(status=Milestone.Status.VERIFIED) & Q(due_on__lt=timezone.localdate())),
        )
    }
    mentors: dict[int, list[MentorAssignment]] = {}
    # Mentors who left Rabta are not offered to founders (managers still see them on the manage page).
    assigned = MentorAssignment.objects.filter(cohort=cohort, mentor__user__is_active=True)
    for assignment in assigned.select_related("mentor__user__profile"):
        mentors.setdefault(assignment.startup_id, []).append(assignment)
    pitches: dict[int, Pitch] = {}
    for pitch in (
        Pitch.objects.filter(incubator=cohort.incubator, startup__in=[s.pk for s in startups])
        .exclude(status=Pitch.Status.WITHDRAWN)
        .only("id", "startup_id", "status", "one_liner", "updated_at")
        .order_by("updated_at", "id")
    ):
        pitches[pitch.startup_id] = pitch  # the latest wins
    rows = []
    for startup in startups:
        count = counts.get(startup.pk, {"total": 0, "verified": 0, "waiting": 0, "overdue": 0})
        rows.append(
            {
                "startup": startup,
                "mentors": mentors.get(startup.pk, []),
                "milestones": count["total"],
                "verified": count["verified"],
                "waiting": count["waiting"],
                "overdue": count["overdue"],
                "progress": round(count["verified"] * 100 / count["total"]) if count["total"] else 0,
                "pitch": pitches.get(startup.pk),
            }
        )
    return rows


def open_cohort_list(*, sector=None, incubator: Organisation | None = None) -> QuerySet[Cohort]:
    """The open calls: cohorts taking applications today, soonest deadline first (no deadline last),
    with their incubator and sectors — three queries whatever their number."""
    from django.db.models import F

    cohorts = Cohort.objects.accepting_applications().select_related("incubator").prefetch_related("sectors")
    if sector is not None:
        cohorts = cohorts.filter(sectors=sector)
    if incubator is not None:
        cohorts = cohorts.filter(incubator=incubator)
    return cohorts.order_by(F("applications_close_on").asc(nulls_last=True), "starts_on", "id")
