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
from network.models import Organisation, Sector
from network.permissions import MANAGER_ROLES


def incubator_list_managed_by(*, user) -> QuerySet[Organisation]:
    """The incubators, centres and tech parks whose cohorts ``user`` runs as owner or admin
    (``can_manage_incubator``'s membership rule; staff manage every one, so are not listed here)."""
    return (
        Organisation.objects.exclude(kind=Organisation.Kind.STARTUP)
        .filter(memberships__user=user, memberships__role__in=MANAGER_ROLES)
        .distinct()
        .only("name", "slug")
        .order_by("name")
    )


def sector_list() -> QuerySet[Sector]:
    return Sector.objects.order_by("name")


def pitch_list_for_incubator(*, incubator: Organisation, limit: int = 50) -> QuerySet[Pitch]:
    """The pitches that reached the incubator (submitted or further, not drafts or withdrawn ones)."""
    return (
        Pitch.objects.filter(incubator=incubator)
        .exclude(status__in=[Pitch.Status.DRAFT, Pitch.Status.WITHDRAWN])
        .select_related("startup")[:limit]
    )


def application_list_for_member(*, cohort: Cohort, user) -> QuerySet[Application]:
    """The applications to ``cohort`` of the startups ``user`` belongs to."""
    return Application.objects.filter(cohort=cohort, startup__memberships__user=user).select_related("startup")


def admitted_startup_list(*, cohort: Cohort) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        applications__cohort=cohort, applications__status=Application.Status.ADMITTED
    ).order_by("name")


def mentor_assignment_list(*, cohort: Cohort, startup: Organisation | None = None) -> QuerySet[MentorAssignment]:
    """The mentors assigned in a cohort; for one startup, only those whose accounts are active."""
    assignments = MentorAssignment.objects.filter(cohort=cohort)
    if startup is not None:
        assignments = assignments.filter(startup=startup, mentor__user__is_active=True)
    return assignments.select_related("startup", "mentor__user__profile")


def mentor_assignment_get(*, cohort: Cohort, pk: int) -> MentorAssignment | None:
    return MentorAssignment.objects.filter(cohort=cohort, pk=pk).first()


def review_list_for_application(*, application: Application) -> list[Review]:
    return list(
        Review.objects.filter(application=application)
        .select_related("reviewer__profile")
        .prefetch_related("scores__criterion")
    )


def milestone_list_for_enrolment(*, cohort: Cohort, startup: Organisation) -> QuerySet[Milestone]:
    return Milestone.objects.filter(cohort=cohort, startup=startup)


def milestone_get(*, cohort: Cohort, startup: Organisation, pk: int) -> Milestone | None:
    return (
        milestone_list_for_enrolment(cohort=cohort, startup=startup)
        .filter(pk=pk)
        .select_related("cohort", "startup")
        .first()
    )


def tranche_list_for_enrolment(*, cohort: Cohort, startup: Organisation) -> QuerySet[Tranche]:
    return Tranche.objects.filter(cohort=cohort, startup=startup).select_related("milestone", "released_by")


def tranche_get(*, cohort: Cohort, startup: Organisation, pk: int) -> Tranche | None:
    return Tranche.objects.filter(cohort=cohort, startup=startup, pk=pk).first()


def pitch_list_for_enrolment(*, cohort: Cohort, startup: Organisation) -> QuerySet[Pitch]:
    return Pitch.objects.filter(startup=startup, incubator=cohort.incubator)


def pitch_incubator_list(*, startup: Organisation) -> QuerySet[Organisation]:
    """The incubators that admitted the startup to a cohort: the only ones it may pitch through."""
    return Organisation.objects.filter(
        cohorts__applications__startup=startup, cohorts__applications__status=Application.Status.ADMITTED
    ).distinct()


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


# --- The member's home (network.dashboard_blocks) -----------------------------------------


def founder_home(*, user, today) -> dict:
    """What a founder's startups have going on: the cohorts they are in, milestones due or sent back
    (soonest due first), each startup's latest pitch with investor interest by stage and questions
    waiting for an answer. Seven queries whatever the number of startups, milestones or interests."""
    from investments.models import Interest, Question

    startups = list(
        Organisation.objects.filter(kind=Organisation.Kind.STARTUP, memberships__user=user)
        .only("id", "name", "slug")
        .order_by("name", "id")
    )
    if not startups:
        return {"startups": []}
    ids = [s.pk for s in startups]
    enrolments = list(
        Application.objects.filter(startup__in=ids, status=Application.Status.ADMITTED)
        .exclude(cohort__status=Cohort.Status.FINISHED)
        .select_related("cohort__incubator", "startup")
        .order_by("cohort__starts_on", "id")
    )
    to_do = Milestone.objects.filter(
        startup__in=ids, status__in=[Milestone.Status.OPEN, Milestone.Status.RETURNED]
    ).exclude(cohort__status=Cohort.Status.FINISHED)
    milestone_counts = to_do.aggregate(
        returned=Count("id", filter=Q(status=Milestone.Status.RETURNED)),
        due=Count("id", filter=Q(status=Milestone.Status.OPEN)),
        overdue=Count("id", filter=Q(status=Milestone.Status.OPEN, due_on__lt=today)),
    )
    milestones = list(
        to_do.select_related("cohort", "startup").order_by("-status", "due_on", "id")[:5]
    )  # "returned" sorts before "open"
    latest: dict[int, Pitch] = {}
    for pitch in (
        Pitch.objects.filter(startup__in=ids)
        .exclude(status=Pitch.Status.WITHDRAWN)
        .select_related("startup")
        .only("id", "status", "one_liner", "startup__name", "startup__slug", "updated_at")
        .order_by("updated_at", "id")
    ):
        latest[pitch.startup_id] = pitch
    pitches = sorted(latest.values(), key=lambda p: p.startup.name)
    pitch_ids = [p.pk for p in pitches]
    stages: dict[int, dict[str, int]] = {pk: {} for pk in pitch_ids}
    for row in Interest.objects.filter(pitch__in=pitch_ids).values("pitch_id", "stage").annotate(n=Count("id")):
        stages[row["pitch_id"]][row["stage"]] = row["n"]
    unanswered = dict(
        Question.objects.filter(pitch__in=pitch_ids, answered_at__isnull=True)
        .values("pitch_id")
        .annotate(n=Count("id"))
        .values_list("pitch_id", "n")
    )
    return {
        "startups": startups,
        "enrolments": enrolments,
        "milestones": milestones,
        **milestone_counts,
        "pitches": [
            {
                "pitch": p,
                "stages": [(label, stages[p.pk].get(value, 0)) for value, label in Interest.Stage.choices],
                "unanswered": unanswered.get(p.pk, 0),
            }
            for p in pitches
        ],
    }


def investor_home(*, user, now) -> dict:
    """An approved investor's deals: live deals matching their sectors (any, when they named none) and
    ticket that they do not follow yet, newest first; the live deals they follow with what changed
    (terms to reconfirm, answers to their questions in the last fortnight); their commitments.
    Six queries whatever the number of deals."""
    from datetime import timedelta

    from investments.models import Interest, InvestorProfile, Question

    investor = InvestorProfile.objects.filter(user=user).prefetch_related("sectors").first()
    sectors = [s.pk for s in investor.sectors.all()] if investor else []
    followed = Interest.objects.filter(investor=user).values("pitch_id")
    matching = Pitch.objects.live().exclude(pk__in=followed)
    if sectors:
        matching = matching.filter(sector__in=sectors)
    if investor is not None and investor.ticket_max:
        matching = matching.filter(Q(minimum_ticket__isnull=True) | Q(minimum_ticket__lte=investor.ticket_max))
    since = now - timedelta(days=14)
    watched = list(
        Interest.objects.filter(investor=user, pitch__status=Pitch.Status.READY)
        .exclude(stage=Interest.Stage.PASSED)
        .select_related("pitch__startup")
        .order_by("-needs_reconfirmation", "-updated_at", "-id")
    )
    answers = dict(
        Question.objects.filter(asker=user, answered_at__gte=since)
        .values("pitch_id")
        .annotate(n=Count("id"))
        .values_list("pitch_id", "n")
    )
    commitments = list(
        Interest.objects.filter(
            investor=user,
            stage__in=[Interest.Stage.SOFT, Interest.Stage.COMMITTED],
            pitch__status__in=[Pitch.Status.READY, Pitch.Status.CLOSED],
        )
        .select_related("pitch__startup")
        .order_by("-updated_at", "-id")
    )
    return {
        "matching_count": matching.count(),
        "matching": list(matching.select_related("startup", "sector").order_by("-endorsed_at", "-id")[:5]),
        "watched": [{"interest": i, "answers": answers.get(i.pitch_id, 0)} for i in watched],
        "to_reconfirm": sum(1 for i in watched if i.needs_reconfirmation),
        "new_answers": sum(answers.get(i.pitch_id, 0) for i in watched),
        "commitments": commitments,
    }


def investor_vetting_queue() -> dict:
    """Investors waiting for vetting: how many, and when the oldest applied. One query."""
    from django.db.models import Min

    from investments.models import InvestorProfile

    return InvestorProfile.objects.filter(status=InvestorProfile.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )


def incubator_home(*, incubators: list[Organisation]) -> dict:
    """What waits for the managers of ``incubators``: applications to decide (oldest first), milestone
    evidence and export reports to verify, and each open or running cohort at a glance (admitted
    startups, milestones verified of all, pitches). Eight queries whatever the data."""
    from ledger.models import ExportReport

    ids = [i.pk for i in incubators]
    applications = Application.objects.filter(cohort__incubator__in=ids, status=Application.Status.SUBMITTED)
    milestones = Milestone.objects.filter(cohort__incubator__in=ids, status=Milestone.Status.SUBMITTED)
    exports = ExportReport.objects.filter(centre__in=ids, status=ExportReport.Status.SUBMITTED)
    cohorts = list(
        Cohort.objects.filter(incubator__in=ids, status__in=[Cohort.Status.OPEN, Cohort.Status.RUNNING])
        .select_related("incubator")
        .annotate(
            startups=Count("applications", filter=Q(applications__status=Application.Status.ADMITTED), distinct=True),
            milestone_total=Count("milestones", distinct=True),
            milestone_verified=Count(
                "milestones", filter=Q(milestones__status=Milestone.Status.VERIFIED), distinct=True
            ),
        )
        .order_by("starts_on", "id")
    )
    pitch_counts = Pitch.objects.filter(incubator__in=ids).aggregate(
        to_endorse=Count("id", filter=Q(status=Pitch.Status.SUBMITTED)),
        live=Count("id", filter=Q(status=Pitch.Status.READY)),
    )
    return {
        "application_count": applications.count(),
        "applications": list(applications.select_related("startup", "cohort").order_by("submitted_at", "id")[:5]),
        "milestone_count": milestones.count(),
        "milestones": list(milestones.select_related("startup", "cohort").order_by("due_on", "id")[:5]),
        "export_count": exports.count(),
        "exports_by_centre": list(
            exports.values("centre__name", "centre__slug").annotate(n=Count("id")).order_by("centre__name")
        ),
        "cohorts": cohorts,
        **pitch_counts,
    }
