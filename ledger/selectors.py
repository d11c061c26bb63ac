"""Reads of the export ledger. Each returns a queryset that already fetches what its page shows,
so a page's query count does not grow with its data."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ledger.models import ExportReport
from network.models import Organisation

WAITING_STATUSES = (ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED)


def export_report_list_for_member(*, user) -> QuerySet[ExportReport]:
    """The reports ``user`` filed as a freelancer and those of every startup they belong to."""
    return (
        ExportReport.objects.filter(Q(person=user) | Q(organisation__memberships__user=user))
        .select_related("organisation", "person__profile", "centre")
        .distinct()
    )


def export_report_history(*, report: ExportReport) -> QuerySet[ExportReport]:
    """The other reports of the same reporter for the same quarter (earlier versions, corrections)."""
    return (
        ExportReport.objects.filter(
            Q(organisation=report.organisation) if report.organisation_id else Q(person=report.person),
            year=report.year,
            quarter=report.quarter,
        )
        .exclude(pk=report.pk)
        .select_related("verified_by__profile")
    )


def export_report_list_for_centre(*, centre: Organisation, status: str) -> QuerySet[ExportReport]:
    """The reports filed with ``centre``, newest first: "open" for those waiting on it, a status for
    those in it, anything else for all of them."""
    reports = ExportReport.objects.filter(centre=centre).select_related("organisation", "person__profile")
    if status == "open":
        reports = reports.filter(status__in=WAITING_STATUSES)
    elif status in ExportReport.Status.values:
        reports = reports.filter(status=status)
    return reports.order_by("-submitted_at", "-id")
