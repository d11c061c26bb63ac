"""The export and impact ledger: exchange rates and the export revenue startups and freelancers
report each quarter, verified by a centre (docs/ledger.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from network.models import Organisation, private_storage


class ExchangeRate(models.Model):
    """What one unit of a currency was worth in US dollars over a quarter (recorded by staff, with its source)."""

    currency = models.CharField(_("currency"), max_length=3)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    usd_per_unit = models.DecimalField(_("US dollars per unit"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "year", "quarter"],
                name="network_rate_once_per_quarter",
                violation_error_code="rate_exists",
                violation_error_message=_(
                    "There is already a rate for this currency and quarter; edit that one instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(usd_per_unit__gt=0),
                name="network_rate_positive",
                violation_error_code="rate_not_positive",
                violation_error_message=_(
                    "Enter a rate above zero: how many US dollars one unit of the currency was worth."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="network_rate_quarter_valid",
                violation_error_code="invalid_quarter",
                violation_error_message=_("Choose a quarter from 1 to 4."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.year} Q{self.quarter}: {self.usd_per_unit} USD"


def export_evidence_upload_to(instance, filename: str) -> str:
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.evidence_content_type, "bin"
    )
    return f"exports/{uuid.uuid4().hex}.{extension}"


OPEN_EXPORT_STATUSES = ["submitted", "queried"]


class ExportReport(models.Model):
    """Export revenue one startup (or one freelancer) earned in a quarter, verified by a centre.

    Editable until verified; a correction after that is a new report that replaces the verified one
    once it is verified itself, so the history stays.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        QUERIED = "queried", _("Queried by the centre")
        VERIFIED = "verified", _("Verified")
        SUPERSEDED = "superseded", _("Replaced by a correction")

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="export_reports"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="export_reports"
    )
    centre = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="verified_exports", verbose_name=_("verifying centre")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    usd_rate = models.DecimalField(max_digits=18, decimal_places=8)
    amount_usd = models.DecimalField(max_digits=14, decimal_places=2)
    markets = CountryField(_("destination markets"), multiple=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    evidence = models.FileField(
        _("evidence (PDF, PNG or JPEG)"), upload_to=export_evidence_upload_to, storage=private_storage, blank=True
    )
    evidence_content_type = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    query_reason = models.CharField(max_length=1000, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-quarter", "-id"]
        indexes = [models.Index(fields=["status", "year", "quarter"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, person__isnull=True)
                | Q(organisation__isnull=True, person__isnull=False),
                name="network_export_one_reporter",
                violation_error_code="one_reporter",
                violation_error_message=_(
                    "A report is filed either for a startup or by a freelancer, not both and not neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="network_export_quarter_valid",
                violation_error_code="invalid_quarter",
                violation_error_message=_("Choose a quarter from 1 to 4."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount_usd__gte=0),
                name="network_export_amount_positive",
                violation_error_code="amount_not_positive",
                violation_error_message=_("Enter the export revenue as an amount above zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "queried", "verified", "superseded"]),
                name="network_export_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This report has a status Rabta does not know; reload the page and try again."
                ),
            ),
            # One verified and one open report per reporter and quarter at most (a correction waits beside
            # the verified figure until it is verified itself).
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"],
                condition=Q(status="verified"),
                name="network_export_one_verified_per_startup_quarter",
                violation_error_code="verified_exists",
                violation_error_message=_(
                    "This startup already has a verified report for that quarter; file a correction instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["person", "year", "quarter"],
                condition=Q(status="verified"),
                name="network_export_one_verified_per_person_quarter",
                violation_error_code="verified_exists",
                violation_error_message=_(
                    "You already have a verified report for that quarter; file a correction instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"],
                condition=Q(status__in=OPEN_EXPORT_STATUSES),
                name="network_export_one_open_per_startup_quarter",
                violation_error_code="report_waiting",
                violation_error_message=_(
                    "A report for this startup and quarter is already waiting to be verified; edit that one instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["person", "year", "quarter"],
                condition=Q(status__in=OPEN_EXPORT_STATUSES),
                name="network_export_one_open_per_person_quarter",
                violation_error_code="report_waiting",
                violation_error_message=_(
                    "Your report for that quarter is already waiting to be verified; edit that one instead."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporter_name} {self.year} Q{self.quarter}: {self.amount} {self.currency}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:export-detail", args=[self.pk])

    @property
    def reporter_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.person.display_name

    @property
    def period(self) -> str:
        return f"{self.year} Q{self.quarter}"
