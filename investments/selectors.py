"""Reads of the investments app."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

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
    programme_today,
)
from network.models import Organisation


def incubator_list_managed_by(*, user) -> QuerySet[Organisation]:
    """The incubators, centres and tech parks whose cohorts ``user`` runs as owner or admin
    (``can_manage_incubator``'s membership rule; staff manage every one, so are not listed here)."""
    from investments.permissions import MANAGER_ROLES

    return (
        Organisation.objects.exclude(kind=Organisation.Kind.STARTUP)
        .filter(memberships__user=user, memberships__role__in=MANAGER_ROLES)
        .distinct()
        .only("name", "slug")
        .order_by("name")
    )


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
            overdue=Count("id", filter=~Q(status=Milestone.Status.VERIFIED) & Q(due_on__lt=programme_today())),
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


# --- Versions of a live pitch ------------------------------------------------------------

MONEY_FIELDS = ("ask_amount", "valuation_cap", "pre_money", "minimum_ticket")


def _number(text: str) -> str | None:
    """A figure with separators ("5400" → "5,400"), or None when the text is not a number."""
    from decimal import InvalidOperation

    from django.utils.formats import number_format

    try:
        value = Decimal(str(text).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    places = 0 if value == value.to_integral_value() else max(0, -value.normalize().as_tuple().exponent)
    return number_format(value, decimal_pos=places, force_grouping=True)


def _figure(text: str) -> str:
    """A traction value as a reader expects it: a number with separators, a date as a date, else as written."""
    from datetime import date

    from django.utils.formats import date_format

    number = _number(text)
    if number is not None:
        return number
    try:
        return date_format(date.fromisoformat(str(text).strip()), "j M Y")
    except ValueError:
        return str(text)


def _material_value(field: str, value, currency: str) -> str:
    from django.utils.translation import gettext as _

    if value in (None, ""):
        return _("none")
    if field in MONEY_FIELDS:
        return f"{_number(value) or value} {currency}"
    if field == "instrument":
        return str(Pitch.Instrument(value).label) if value in Pitch.Instrument.values else str(value)
    if field == "stage":
        return str(Pitch.Stage(value).label) if value in Pitch.Stage.values else str(value)
    return str(value)


def material_changes(before: dict, after: dict, *, deck_replaced: bool = False) -> list[dict]:
    """What changed between two snapshots of a pitch's material fields, each value formatted:
    ``[{"label", "before", "after"}]``. A field an older snapshot did not record is left out."""
    from django.utils.translation import gettext as _

    rows = []
    for field in Pitch.MATERIAL:
        if field not in before or field not in after or before[field] == after[field]:
            continue
        if field == "traction":
            old = {row["metric"]: row["value"] for row in before[field] or []}
            new = {row["metric"]: row["value"] for row in after[field] or []}
            for metric in [*old, *(m for m in new if m not in old)]:
                if old.get(metric) != new.get(metric):
                    rows.append(
                        {
                            "label": _("Traction: %(metric)s") % {"metric": metric},
                            "before": _figure(old[metric]) if metric in old else _("none"),
                            "after": _figure(new[metric]) if metric in new else _("none"),
                        }
                    )
            continue
        rows.append(
            {
                "label": str(Pitch._meta.get_field(field).verbose_name).capitalize(),
                "before": _material_value(field, before[field], before.get("currency") or ""),
                "after": _material_value(field, after[field], after.get("currency") or ""),
            }
        )
    if deck_replaced:
        rows.append({"label": _("Deck"), "before": _("the earlier deck"), "after": _("a new deck")})
    return rows


def pitch_version_history(*, pitch: Pitch) -> list[dict]:
    """Each earlier version of a live pitch, newest first, with every material field that changed when it
    was replaced (formatted: money as money, figures with separators, dates as dates). One query."""
    versions = list(pitch.versions.order_by("number"))
    snapshots = [(v.terms, v.deck_name) for v in versions] + [(pitch.material(), pitch.deck.name)]
    history = []
    for n, version in enumerate(versions):
        (before, old_deck), (after, new_deck) = snapshots[n], snapshots[n + 1]
        history.append(
            {
                "number": version.number,
                "replaced_at": version.created_at,
                "next": version.number + 1,
                "changes": material_changes(before, after, deck_replaced=bool(old_deck) and old_deck != new_deck),
            }
        )
    return list(reversed(history))
