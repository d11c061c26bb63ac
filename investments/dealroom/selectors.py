"""Reads of the deal room: the deal list, a deal's round, questions, milestones and the founders' analytics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from investments.models import DeckAccess, Interest, InterestEvent, Milestone, Pitch, Question

COUNTS = Q(interests__stage__in=[Interest.Stage.SOFT, Interest.Stage.COMMITTED], interests__needs_reconfirmation=False)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))

SORTS = {
    "newest": ("-endorsed_at", "-id"),
    "ask": ("ask_amount", "id"),
    "-ask": ("-ask_amount", "id"),
    "raised": ("-raised", "-id"),
}


def deal_list(*, filters: dict | None = None, sort: str = "newest") -> QuerySet[Pitch]:
    """Live pitches with the amount softly or firmly committed (commitments awaiting reconfirmation do not count).

    One query, whatever the number of deals or interests.
    """
    filters = filters or {}
    deals = (
        Pitch.objects.live()
        .select_related("startup", "incubator", "sector")
        .annotate(
            soft=Coalesce(Sum("interests__amount", filter=COUNTS & Q(interests__stage=Interest.Stage.SOFT)), ZERO),
            committed=Coalesce(
                Sum("interests__amount", filter=COUNTS & Q(interests__stage=Interest.Stage.COMMITTED)), ZERO
            ),
            raised=Coalesce(Sum("interests__amount", filter=COUNTS), ZERO),
        )
    )
    if filters.get("sector"):
        deals = deals.filter(sector=filters["sector"])
    if filters.get("stage"):
        deals = deals.filter(stage=filters["stage"])
    if filters.get("instrument"):
        deals = deals.filter(instrument=filters["instrument"])
    if filters.get("incubator"):
        deals = deals.filter(incubator=filters["incubator"])
    if filters.get("ticket"):
        # Deals an investor can join with this ticket: no minimum, or a minimum at most the ticket.
        deals = deals.filter(Q(minimum_ticket__isnull=True) | Q(minimum_ticket__lte=filters["ticket"]))
    return deals.order_by(*SORTS.get(sort, SORTS["newest"]))


def my_stages(*, investor) -> dict[int, str]:
    """The stage of each deal an investor follows, by pitch id ("You: soft" on the deal list)."""
    return dict(Interest.objects.filter(investor=investor).values_list("pitch_id", "stage"))


def round_progress(*, pitch: Pitch) -> dict:
    """The round against the ask: soft and firm commitments that count, and how many await reconfirmation."""
    totals = Interest.objects.filter(pitch=pitch).aggregate(
        soft=Coalesce(Sum("amount", filter=Q(stage=Interest.Stage.SOFT, needs_reconfirmation=False)), ZERO),
        committed=Coalesce(Sum("amount", filter=Q(stage=Interest.Stage.COMMITTED, needs_reconfirmation=False)), ZERO),
        waiting=Count("id", filter=Q(needs_reconfirmation=True)),
        investors=Count("id", filter=Q(stage__in=[Interest.Stage.SOFT, Interest.Stage.COMMITTED])),
    )
    raised = totals["soft"] + totals["committed"]
    return {
        **totals,
        "raised": raised,
        "ask": pitch.ask_amount,
        "percent": min(100, int(raised * 100 / pitch.ask_amount)) if pitch.ask_amount else 0,
        "committed_percent": min(100, int(totals["committed"] * 100 / pitch.ask_amount)) if pitch.ask_amount else 0,
    }


def questions_for_investor(*, pitch: Pitch, user) -> QuerySet[Question]:
    """Questions an investor sees: everyone's, except those the startup kept private to another asker."""
    return (
        Question.objects.filter(pitch=pitch)
        .filter(Q(private=False) | Q(asker=user))
        .select_related("asker__profile", "answered_by__profile")
    )


def questions_for_startup(*, pitch: Pitch) -> QuerySet[Question]:
    return Question.objects.filter(pitch=pitch).select_related("asker__profile", "answered_by__profile")


def deal_milestones(*, pitch: Pitch) -> QuerySet[Milestone]:
    """The startup's milestones in the incubator's cohorts, with their verification."""
    return (
        Milestone.objects.filter(startup=pitch.startup, cohort__incubator=pitch.incubator)
        .select_related("cohort", "verified_by__profile")
        .order_by("due_on", "id")
    )


# A page view counts toward reading time until the next event, capped: a tab left open is not reading.
READING_CAP = timedelta(minutes=5)
LAST_PAGE = timedelta(seconds=30)


def _reading_time(events: list[DeckAccess]) -> timedelta:
    total = timedelta()
    if not events:
        return total
    for current, following in zip(events, [*events[1:], None], strict=True):
        if current.kind == DeckAccess.Kind.DOWNLOAD:
            continue
        if following is None:
            total += LAST_PAGE
        else:
            total += min(following.at - current.at, READING_CAP)
    return total


def deal_analytics(*, pitch: Pitch) -> dict:
    """Who viewed the deck, when, how long and which slides; who asked what; interest by stage.

    A handful of queries: the access log of this pitch in one pass, interests, questions.
    """
    log = list(DeckAccess.objects.filter(pitch=pitch).select_related("user__profile").order_by("user_id", "at", "id"))
    per_user: dict[int, list[DeckAccess]] = {}
    slides: dict[int, int] = {}
    for event in log:
        per_user.setdefault(event.user_id, []).append(event)
        if event.kind == DeckAccess.Kind.PAGE and event.page:
            slides[event.page] = slides.get(event.page, 0) + 1
    interests = {i.investor_id: i for i in Interest.objects.filter(pitch=pitch).select_related("investor__profile")}
    questions = list(questions_for_startup(pitch=pitch))
    asked: dict[int, int] = {}
    for question in questions:
        asked[question.asker_id] = asked.get(question.asker_id, 0) + 1
    rows = []
    for user_id in set(per_user) | set(interests) | set(asked):
        events = per_user.get(user_id, [])
        interest = interests.get(user_id)
        user = events[0].user if events else interest.investor if interest else None
        if user is None:
            user = next(q.asker for q in questions if q.asker_id == user_id)
        rows.append(
            {
                "user": user,
                "views": sum(1 for e in events if e.kind == DeckAccess.Kind.VIEW),
                "first": events[0].at if events else None,
                "last": events[-1].at if events else None,
                "reading": divmod(int(_reading_time(events).total_seconds()), 60),  # (minutes, seconds)
                "pages": sorted({e.page for e in events if e.page}),
                "downloads": sum(1 for e in events if e.kind == DeckAccess.Kind.DOWNLOAD),
                "questions": asked.get(user_id, 0),
                "interest": interest,
            }
        )

    def latest(row: dict):
        moments = [row["last"], row["interest"].updated_at if row["interest"] else None]
        return max((m for m in moments if m is not None), default=pitch.created_at)

    rows.sort(key=latest, reverse=True)
    stages = dict.fromkeys(Interest.Stage.values, 0)
    for interest in interests.values():
        stages[interest.stage] += 1
    top = max([*stages.values(), 1])
    top_slide = max([*slides.values(), 1])
    return {
        "rows": rows,
        "questions": questions,
        "stages": [
            {
                "stage": stage,
                "label": Interest.Stage(stage).label,
                "count": count,
                "bar": round(count * 140 / top),  # pixels in the chart
                "y": n * 22,
            }
            for n, (stage, count) in enumerate(stages.items())
        ],
        "slides": [
            {"page": page, "count": count, "width": round(count * 100 / top_slide)}
            for page, count in sorted(slides.items())
        ],
    }


def interest_timeline(*, pitch: Pitch) -> list[InterestEvent]:
    """Every move of every investor's interest in a deal, newest first, each with the stage it came from
    (``previous``: None for an investor's first move). One query, whatever the number of investors.

    Only for the startup's side (``permissions.can_view_interest_timeline``)."""
    events = list(
        InterestEvent.objects.filter(interest__pitch=pitch)
        .select_related("interest__investor__profile")
        .order_by("at", "id")
    )
    last: dict[int, str] = {}
    for event in events:
        _set_previous(event, last.get(event.interest_id))
        last[event.interest_id] = event.stage
    return list(reversed(events))


def _set_previous(event: InterestEvent, previous: str | None) -> None:
    event.previous = previous if previous != event.stage else None
    event.previous_label = Interest.Stage(event.previous).label.lower() if event.previous else ""


def with_previous_stages(events) -> list[InterestEvent]:
    """An investor's own history, oldest first, each event with the stage it came from."""
    events = list(events)
    previous = None
    for event in events:
        _set_previous(event, previous)
        previous = event.stage
    return events
