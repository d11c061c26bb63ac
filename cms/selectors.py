"""Reads across every app for the public pages: the impact dashboard's figures.

A few aggregate queries each, never one per row; cached, and dropped from the cache when a
verified export changes them (see ``cms.apps``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from investments.models import Interest, Pitch
from ledger.models import ExportReport
from mentorship.models import Booking, Mentor
from network.models import Organisation

CACHE_SECONDS = 600


def cache_key(centre: Organisation | None) -> str:
    return f"impact:figures:{centre.pk if centre else 'all'}"


def forget_impact(*, centre_id: int | None = None) -> None:
    """Drop cached figures that a change (a verified export) makes stale."""
    keys = ["impact:figures:all", "impact:home"]
    if centre_id is not None:
        keys.append(f"impact:figures:{centre_id}")
    cache.delete_many(keys)


def _bars(rows: list[dict], value: str, width: int = 300) -> list[dict]:
    """Bar lengths (pixels) and positions for a small horizontal bar chart."""
    top = max([row[value] for row in rows] + [Decimal(1)])
    for n, row in enumerate(rows):
        row["bar"] = round(float(row[value]) / float(top) * width)
        row["y"] = n * 24
    return rows


def export_figures(*, centre: Organisation | None = None) -> dict:
    verified = ExportReport.objects.filter(status=ExportReport.Status.VERIFIED)
    if centre is not None:
        verified = verified.filter(centre=centre)
    total = verified.aggregate(
        usd=Sum("amount_usd"),
        reports=Count("id"),
        startups=Count("organisation", distinct=True),
        freelancers=Count("person", distinct=True),
    )
    by_quarter = list(
        verified.values("year", "quarter")
        .annotate(usd=Sum("amount_usd"), reports=Count("id"))
        .order_by("year", "quarter")
    )
    by_sector = list(
        verified.filter(organisation__sectors__isnull=False)
        .values(name=F("organisation__sectors__name"))
        .annotate(usd=Sum("amount_usd"))
        .order_by("-usd", "name")
    )
    by_centre = list(
        verified.values(name=F("centre__name"), slug=F("centre__slug")).annotate(usd=Sum("amount_usd")).order_by("-usd")
    )
    goal = Decimal(settings.RABTA["EXPORT_GOAL_USD"])
    usd = total["usd"] or Decimal(0)
    return {
        "total": usd,
        "reports": total["reports"],
        "startups": total["startups"],
        "freelancers": total["freelancers"],
        "goal": goal,
        "goal_percent": round(float(usd / goal * 100), 4) if goal else 0,
        "by_quarter": _bars(by_quarter, "usd"),
        "by_sector": _bars(by_sector, "usd"),
        "by_centre": _bars(by_centre, "usd"),
    }


def mentoring_figures() -> dict:
    held = Booking.objects.filter(status=Booking.Status.COMPLETED).aggregate(
        sessions=Count("id"),
        duration=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
        founders=Count("mentee", distinct=True),
    )
    by_country = list(
        Mentor.objects.listed()
        .values(code=F("user__profile__country"))
        .annotate(mentors=Count("id"))
        .order_by("-mentors", "code")
    )
    from django_countries import countries

    for row in by_country:
        row["name"] = countries.name(row["code"]) or row["code"]
    return {
        "sessions": held["sessions"],
        "hours": round(held["duration"].total_seconds() / 3600) if held["duration"] else 0,
        "founders": held["founders"],
        "mentors": sum(row["mentors"] for row in by_country),
        "by_country": _bars(by_country, "mentors"),
    }


def capital_figures(*, incubator: Organisation | None = None) -> dict:
    """Pitches endorsed and capital in aggregate only — never one investor's amount."""
    pitches = Pitch.objects.filter(endorsed_at__isnull=False)
    interests = Interest.objects.filter(needs_reconfirmation=False)
    if incubator is not None:
        pitches = pitches.filter(incubator=incubator)
        interests = interests.filter(pitch__incubator=incubator)
    by_currency = list(
        interests.values(currency=F("pitch__currency"))
        .annotate(
            soft=Sum("amount", filter=Q(stage=Interest.Stage.SOFT)),
            committed=Sum("amount", filter=Q(stage=Interest.Stage.COMMITTED)),
        )
        .filter(Q(soft__gt=0) | Q(committed__gt=0))
        .order_by("currency")
    )
    for row in by_currency:
        row["soft"], row["committed"] = row["soft"] or Decimal(0), row["committed"] or Decimal(0)
    return {"pitches_endorsed": pitches.count(), "by_currency": by_currency}


def impact_figures(*, centre: Organisation | None = None) -> dict:
    def compute() -> dict:
        figures = {"exports": export_figures(centre=centre), "capital": capital_figures(incubator=centre)}
        if centre is None:
            figures["mentoring"] = mentoring_figures()
        return figures

    return cache.get_or_set(cache_key(centre), compute, CACHE_SECONDS)


def home_figures() -> dict:
    """The home page's live figures: members, mentors, startups, introductions, verified exports.

    Mentors are the listed ones (``Mentor.objects.listed``: approved, active), as on the impact page
    and in the mentor list: a profile that ticked "I mentor" without being approved is not one."""

    def compute() -> dict:
        from network.models import Introduction, Profile

        figures = Profile.objects.listed().aggregate(
            members=Count("id"),
            abroad=Count("id", filter=Q(lives_abroad=True)),
            countries=Count("country", distinct=True, filter=Q(lives_abroad=True)),
        )
        figures["mentors"] = Mentor.objects.listed().count()
        figures["startups"] = Organisation.objects.filter(kind=Organisation.Kind.STARTUP).count()
        figures["introductions"] = Introduction.objects.filter(status=Introduction.Status.ACCEPTED).count()
        figures["sessions"] = Booking.objects.filter(status=Booking.Status.COMPLETED).count()
        figures["exports_usd"] = ExportReport.objects.filter(status=ExportReport.Status.VERIFIED).aggregate(
            usd=Sum("amount_usd")
        )["usd"] or Decimal(0)
        return figures

    return cache.get_or_set("impact:home", compute, CACHE_SECONDS)


def featured_stories(*, limit: int = 3):
    """Featured live stories first, then the newest, with their hero images."""
    from cms.models import StoryPage

    return list(
        StoryPage.objects.live()
        .select_related("hero_image")
        .order_by("-featured", "-date", "-first_published_at")[:limit]
    )


def story_drafts_offered() -> dict:
    """Draft stories offered from outcomes (a verified milestone or export, a closed round, a session
    worth featuring) that no editor has published yet: how many, and the five oldest. Two queries."""
    from cms.models import StoryPage

    drafts = StoryPage.objects.filter(live=False).exclude(source_key="")
    oldest = drafts.order_by("latest_revision_created_at", "id").only("id", "title")[:5]
    return {"count": drafts.count(), "oldest": list(oldest)}
