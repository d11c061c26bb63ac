"""Writes of the export ledger: reporting a quarter's export revenue, correcting it, and a centre
verifying or querying it. Atomic, audited, members told by notification (docs/ledger.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import evidence_file_clean
from ledger.models import ExchangeRate, ExportReport
from ledger.permissions import can_report_exports_for, can_verify_exports
from ledger.signals import export_verified
from network.audit import audit_record
from network.models import Membership, Organisation, User
from network.permissions import is_member
from network.services import notification_create


def _usd_rate(currency: str, year: int, quarter: int):
    if currency == "USD":
        return Decimal(1)
    rate = ExchangeRate.objects.filter(currency=currency, year=year, quarter=quarter).first()
    if rate is None:
        raise ValidationError(
            {
                "currency": _(
                    "No exchange rate is recorded for %(currency)s in %(year)s Q%(quarter)s yet. Report in US "
                    "dollars, or ask Rabta's staff to record the rate."
                )
                % {"currency": currency, "year": year, "quarter": quarter}
            }
        )
    return rate.usd_per_unit


EXPORT_FIELDS = {"year", "quarter", "amount", "currency", "markets", "note"}


def _apply_export_fields(report, data: dict[str, Any], evidence) -> None:
    for field, value in data.items():
        if field in EXPORT_FIELDS:
            setattr(report, field, value)
    report.currency = (report.currency or "").upper()
    today = timezone.localdate()
    if (report.year, report.quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise ValidationError({"quarter": _("Report a quarter that has begun, not a future one.")})
    report.usd_rate = _usd_rate(report.currency, report.year, report.quarter)
    report.amount_usd = (Decimal(report.amount) * report.usd_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if evidence is not None:
        try:
            # What is stored is a clean copy: an image without its EXIF location, a PDF without scripts.
            report.evidence_content_type, clean = evidence_file_clean(evidence)
        except ValidationError as error:
            raise ValidationError({"evidence": error.message_dict.get("file", error.messages)}) from error
        report.evidence.save("evidence", clean, save=False)


def _export_duplicate_error():
    return ValidationError(
        {"quarter": _("A report for this quarter is already waiting for verification; change that one instead.")}
    )


def _notify_centre(report, *, kind: str, message: str) -> None:
    for manager in User.objects.filter(
        memberships__organisation_id=report.centre_id,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
        is_active=True,
    ).distinct():
        notification_create(recipient=manager, kind=kind, message=message, url=report.get_absolute_url())


def _notify_reporter(report, *, kind: str, message: str) -> None:
    if report.person_id:
        recipients = [report.person]
    else:
        recipients = User.objects.filter(memberships__organisation_id=report.organisation_id, is_active=True).distinct()
    for recipient in recipients:
        notification_create(recipient=recipient, kind=kind, message=message, url=report.get_absolute_url())


@transaction.atomic
def export_report_submit(
    *,
    actor: User,
    centre: Organisation,
    data: dict[str, Any],
    organisation: Organisation | None = None,
    evidence=None,
    ip_address: str | None = None,
):
    """A startup's owner or admin (or a freelancer, for themself) reports a quarter's export revenue to a centre.

    If that quarter already has a verified report, this one is a correction: it replaces the verified
    figure only once the centre verifies it.
    """
    if not is_member(actor) or (organisation is not None and not can_report_exports_for(actor, organisation)):
        raise PermissionDenied
    if not centre.is_incubator_like:
        raise ValidationError({"centre": _("Choose an incubator, centre or tech park to verify the report.")})
    report = ExportReport(
        organisation=organisation, person=None if organisation else actor, centre=centre, submitted_by=actor
    )
    _apply_export_fields(report, data, evidence)
    reporter = {"organisation": organisation} if organisation else {"person": actor}
    report.replaces = ExportReport.objects.filter(
        **reporter, year=report.year, quarter=report.quarter, status=ExportReport.Status.VERIFIED
    ).first()
    report.full_clean(exclude=["evidence", "usd_rate", "amount_usd"], validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        raise _export_duplicate_error() from error
    audit_record(
        actor=actor,
        event="ledger.export_report.create",
        target=report,
        data={"amount_usd": str(report.amount_usd), "replaces": report.replaces_id},
        ip_address=ip_address,
    )
    _notify_centre(
        report,
        kind="ledger.export_report.create",
        message=_("%(name)s reported %(period)s exports of %(usd)s USD for you to verify.")
        % {"name": report.reporter_name, "period": report.period, "usd": f"{report.amount_usd:,.0f}"},
    )
    return report


@transaction.atomic
def export_report_update(*, actor: User, report, data: dict[str, Any], evidence=None, ip_address: str | None = None):
    """Change a report the centre has not verified yet (a queried one goes back to waiting)."""
    report = ExportReport.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
    allowed = report.person_id == actor.pk or (
        report.organisation_id is not None and can_report_exports_for(actor, report.organisation)
    )
    if not allowed:
        raise PermissionDenied
    if report.status not in (ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED):
        raise ValidationError(_("A verified report cannot be changed. Send a correction for the quarter instead."))
    before = {"amount": str(report.amount), "currency": report.currency, "period": report.period}
    _apply_export_fields(report, {k: v for k, v in data.items() if k not in ("year", "quarter")}, evidence)
    report.status = ExportReport.Status.SUBMITTED
    report.full_clean(exclude=["evidence", "usd_rate", "amount_usd"], validate_constraints=False)
    report.save()
    audit_record(
        actor=actor,
        event="ledger.export_report.update",
        target=report,
        data={"before": before, "amount": str(report.amount), "currency": report.currency},
        ip_address=ip_address,
    )
    return report


def _lock_for_centre(actor: User, report):
    report = (
        ExportReport.objects.select_for_update(of=("self",))
        .select_related("centre", "organisation", "person")
        .get(pk=report.pk)
    )
    if not can_verify_exports(actor, report.centre):
        raise PermissionDenied
    if report.status not in (ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED):
        raise ValidationError(_("Only a report waiting for verification can be verified or queried."))
    return report


@transaction.atomic
def export_report_verify(*, actor: User, report, ip_address: str | None = None):
    """The centre verifies a report; a correction replaces the figure it corrects, which is kept as history."""
    report = _lock_for_centre(actor, report)
    if report.replaces_id:
        ExportReport.objects.filter(pk=report.replaces_id, status=ExportReport.Status.VERIFIED).update(
            status=ExportReport.Status.SUPERSEDED
        )
    report.status = ExportReport.Status.VERIFIED
    report.query_reason = ""
    report.verified_by = actor
    report.verified_at = timezone.now()
    report.save(update_fields=["status", "query_reason", "verified_by", "verified_at", "updated_at"])
    audit_record(
        actor=actor,
        event="ledger.export_report.verify",
        target=report,
        data={"amount_usd": str(report.amount_usd), "replaces": report.replaces_id},
        ip_address=ip_address,
    )
    _notify_reporter(
        report,
        kind="ledger.export_report.verify",
        message=_("%(centre)s verified your %(period)s export report.")
        % {"centre": report.centre.name, "period": report.period},
    )
    transaction.on_commit(lambda: export_verified.send(sender=ExportReport, report=report))
    return report


@transaction.atomic
def export_report_query(*, actor: User, report, reason: str, ip_address: str | None = None):
    """The centre asks the reporter about a report instead of verifying it."""
    report = _lock_for_centre(actor, report)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the centre needs to know.")})
    report.status = report.Status.QUERIED
    report.query_reason = reason
    report.save(update_fields=["status", "query_reason", "updated_at"])
    audit_record(
        actor=actor, event="ledger.export_report.query", target=report, data={"reason": reason}, ip_address=ip_address
    )
    _notify_reporter(
        report,
        kind="ledger.export_report.query",
        message=_("%(centre)s has a question about your %(period)s export report: %(reason)s")
        % {"centre": report.centre.name, "period": report.period, "reason": reason},
    )
    return report
