"""Incubator cohorts: the call for applications, blind rubric reviews and admission.

Milestones, funding tranches and pitches build on the admitted startups.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from network.models import AppendOnlyQuerySet, Organisation, private_storage


def programme_today() -> datetime.date:
    """Today in the programmes' zone (``PROGRAMME_TIMEZONE``): the day deadlines and due dates are
    counted in, the same for every viewer whatever zone their pages are shown in."""
    return timezone.localdate(timezone=ZoneInfo(settings.RABTA["PROGRAMME_TIMEZONE"]))


class CohortQuerySet(models.QuerySet["Cohort"]):
    def accepting_applications(self, *, today=None) -> CohortQuerySet:
        """Cohorts open for applications whose closing date (if any) has not passed: the open calls."""
        today = today or programme_today()
        return self.filter(status=Cohort.Status.OPEN).filter(
            Q(applications_close_on__isnull=True) | Q(applications_close_on__gte=today)
        )


class Cohort(models.Model):
    class Phase(models.TextChoices):
        # The SBIR phase model: proof of concept, then build, then commercialisation.
        PROOF_OF_CONCEPT = "proof_of_concept", _("Proof of concept")
        BUILD = "build", _("Build")
        COMMERCIALISATION = "commercialisation", _("Commercialisation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    incubator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(_("name"), max_length=150)
    phase = models.CharField(_("programme phase"), max_length=20, choices=Phase.choices)
    description = models.TextField(_("description"), max_length=6000, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    demo_day = models.DateField(_("demo day"), null=True, blank=True)
    applications_close_on = models.DateField(_("applications close on"), null=True, blank=True)
    sectors = models.ManyToManyField(
        "network.Sector",
        blank=True,
        related_name="+",
        verbose_name=_("sectors"),
        help_text=_("The sectors this cohort looks for; leave empty to welcome every sector."),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviewing_cohorts", verbose_name=_("reviewers")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="investments_cohort_dates_in_order",
                violation_error_code="cohort_ends_before_start",
                violation_error_message=_("The cohort must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(demo_day__isnull=True) | Q(demo_day__gte=F("starts_on")),
                name="investments_cohort_demo_day_after_start",
                violation_error_code="demo_day_before_start",
                violation_error_message=_("Demo day must be on or after the day the cohort starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "running", "finished"]),
                name="investments_cohort_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Choose a cohort status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["proof_of_concept", "build", "commercialisation"]),
                name="investments_cohort_phase_valid",
                violation_error_code="invalid_phase",
                violation_error_message=_(
                    "Choose a phase from the list: proof of concept, build or commercialisation."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.incubator})"

    def get_absolute_url(self) -> str:
        return reverse("investments:cohort-detail", args=[self.pk])

    @property
    def accepts_applications(self) -> bool:
        if self.status != self.Status.OPEN:
            return False
        return self.applications_close_on is None or programme_today() <= self.applications_close_on


class ApplicationQuestion(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("an answer is required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class RubricCriterion(models.Model):
    """One line of the scoring rubric; every reviewer scores it 1–5."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=120)
    description = models.CharField(_("what a 5 looks like"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=5),
                name="investments_criterion_weight",
                violation_error_code="weight_out_of_range",
                violation_error_message=_("Give the criterion a weight from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADMITTED = "admitted", _("Admitted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="applications")
    startup = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="applications")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("note to the startup"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "startup"],
                name="investments_application_once_per_cohort",
                violation_error_code="already_applied",
                violation_error_message=_("This startup has already applied to this cohort."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "admitted", "declined", "withdrawn"]),
                name="investments_application_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This application has a status Rabta does not know; reload the page and try again."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.startup} → {self.cohort}"

    def get_absolute_url(self) -> str:
        return reverse("investments:application-detail", args=[self.pk])


class Review(models.Model):
    """One reviewer's scores for one application. Others' scores stay hidden
    from a reviewer until every reviewer of the cohort has scored."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    comment = models.TextField(_("comment"), max_length=3000, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                name="investments_review_once_per_reviewer",
                violation_error_code="already_reviewed",
                violation_error_message=_("You have already reviewed this application; edit your review instead."),
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.application} by {self.reviewer}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"],
                name="investments_score_once_per_criterion",
                violation_error_code="already_scored",
                violation_error_message=_("This criterion already has a score in your review."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="investments_score_range",
                violation_error_code="score_out_of_range",
                violation_error_message=_("Give a score from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Milestone(models.Model):
    """A target an admitted startup commits to, with evidence the incubator verifies."""

    class Kpi(models.TextChoices):
        ACTIVE_USERS = "active_users", _("Active users")
        PAYING_CUSTOMERS = "paying_customers", _("Paying customers")
        MONTHLY_REVENUE = "monthly_revenue", _("Monthly revenue (USD)")
        EXPORT_REVENUE = "export_revenue", _("Export revenue (USD)")
        UPTIME = "uptime", _("Uptime (%)")
        SECURITY_AUDIT = "security_audit", _("Security audit passed (1 = yes)")
        CUSTOM = "custom", _("Custom")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Evidence submitted")
        VERIFIED = "verified", _("Verified")
        RETURNED = "returned", _("Sent back")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="milestones")
    startup = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=150)
    kpi = models.CharField(_("KPI"), max_length=20, choices=Kpi.choices)
    kpi_label = models.CharField(_("custom KPI name"), max_length=80, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    due_on = models.DateField(_("due on"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    return_reason = models.CharField(max_length=1000, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="investments_milestone_target_positive",
                violation_error_code="target_negative",
                violation_error_message=_("Enter a target of zero or more."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "submitted", "verified", "returned"]),
                name="investments_milestone_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This milestone has a status Rabta does not know; reload the page and try again."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kpi="custom") | ~Q(kpi_label=""),
                name="investments_milestone_custom_kpi_named",
                violation_error_code="custom_kpi_unnamed",
                violation_error_message=_("Name your custom KPI, for example “Pilot customers signed”."),
            ),
            models.CheckConstraint(
                condition=Q(status="verified", verified_at__isnull=False) | ~Q(status="verified"),
                name="investments_milestone_verified_has_time",
                violation_error_code="verified_without_time",
                violation_error_message=_("A verified milestone needs the time it was verified."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kpi_name(self) -> str:
        return self.kpi_label if self.kpi == self.Kpi.CUSTOM else self.get_kpi_display()

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.VERIFIED and self.due_on < programme_today()


def evidence_upload_to(instance, filename: str) -> str:
    # A random name in private storage: never a guessable URL, never served directly.
    import uuid

    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        getattr(instance, "content_type", ""), "bin"
    )
    return f"evidence/{uuid.uuid4().hex}.{extension}"


class Evidence(models.Model):
    """A startup's report against a milestone: the figure reached, a note, an optional file."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evidence")
    value = models.DecimalField(_("figure reached"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.TextField(_("note"), max_length=3000, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, blank=True, storage=private_storage)
    content_type = models.CharField(max_length=50, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="investments_evidence_value_positive",
                violation_error_code="value_negative",
                violation_error_message=_("Enter a value of zero or more."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.value}"


class Tranche(models.Model):
    """Funding released in steps; a tranche tied to a milestone is releasable only once it is verified."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="tranches")
    startup = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tranches")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="tranches")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="PKR")
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="investments_tranche_amount_positive",
                violation_error_code="amount_not_positive",
                violation_error_message=_("Enter the tranche as an amount above zero."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.startup}"


class PitchQuerySet(models.QuerySet["Pitch"]):
    def live(self) -> PitchQuerySet:
        """Pitches in the deal room: endorsed by their incubator and marked ready for investors."""
        return self.filter(status=Pitch.Status.READY)


def deck_upload_to(instance, filename: str) -> str:
    import uuid

    return f"decks/{uuid.uuid4().hex}.pdf"


class Pitch(models.Model):
    """A startup's pitch, endorsed by its incubator before it reaches investors."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the incubator")
        RETURNED = "returned", _("Returned with comments")
        ENDORSED = "endorsed", _("Endorsed")
        READY = "ready", _("Ready for the deal room")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Instrument(models.TextChoices):
        SAFE = "safe", _("SAFE")
        EQUITY = "equity", _("Priced equity")
        CONVERTIBLE = "convertible", _("Convertible note")

    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        PRE_SEED = "pre_seed", _("Pre-seed")
        SEED = "seed", _("Seed")
        SERIES_A = "series_a", _("Series A")

    # The deal terms.
    TERMS = ("ask_amount", "currency", "instrument", "valuation_cap", "pre_money", "minimum_ticket", "use_of_funds")
    # What an investor decides on: the terms, the traction figures and the stage (docs/deal-room.md says why).
    # Changing any of them (or the deck) once investors have seen the pitch makes a new version, and
    # commitments made against the old one must be reconfirmed.
    MATERIAL = (*TERMS, "stage", "traction")

    startup = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pitches")
    incubator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incubated_pitches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    one_liner = models.CharField(_("one-liner"), max_length=160)
    problem = models.TextField(_("problem"), max_length=3000, blank=True)
    solution = models.TextField(_("solution"), max_length=3000, blank=True)
    market = models.TextField(_("market"), max_length=3000, blank=True)
    traction = models.JSONField(_("traction"), default=list, blank=True)
    team = models.TextField(_("team"), max_length=3000, blank=True)
    ask_amount = models.DecimalField(_("the ask"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    instrument = models.CharField(_("instrument"), max_length=12, choices=Instrument.choices)
    valuation_cap = models.DecimalField(_("valuation cap"), max_digits=16, decimal_places=2, null=True, blank=True)
    pre_money = models.DecimalField(_("pre-money valuation"), max_digits=16, decimal_places=2, null=True, blank=True)
    minimum_ticket = models.DecimalField(_("minimum ticket"), max_digits=14, decimal_places=2, null=True, blank=True)
    use_of_funds = models.TextField(_("use of funds"), max_length=3000, blank=True)
    sector = models.ForeignKey("network.Sector", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.PRE_SEED)
    video_url = models.URLField(_("video link"), blank=True)
    deck = models.FileField(_("deck (PDF)"), upload_to=deck_upload_to, storage=private_storage, blank=True)
    allow_download = models.BooleanField(
        _("investors may download the deck"),
        default=False,
        help_text=_(
            "Investors always read the deck in the deal room; with this, they may also download a copy "
            "watermarked with their email address."
        ),
    )
    return_comments = models.TextField(max_length=3000, blank=True)
    endorsement_note = models.TextField(max_length=3000, blank=True)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    # The version the incubator endorsed: the endorsement speaks of its figures, not of later ones.
    endorsed_version = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PitchQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name_plural = "pitches"
        constraints = [
            models.CheckConstraint(
                condition=Q(ask_amount__gt=0),
                name="investments_pitch_ask_positive",
                violation_error_code="ask_not_positive",
                violation_error_message=_("Enter how much you are raising, as an amount above zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "endorsed", "ready", "closed", "withdrawn"]),
                name="investments_pitch_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This pitch has a status Rabta does not know; reload the page and try again."
                ),
            ),
            models.CheckConstraint(
                condition=Q(instrument__in=["safe", "equity", "convertible"]),
                name="investments_pitch_instrument_valid",
                violation_error_code="invalid_instrument",
                violation_error_message=_(
                    "Choose an instrument from the list: SAFE, priced equity or convertible note."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.startup}: {self.one_liner}"

    def get_absolute_url(self) -> str:
        return reverse("investments:pitch-detail", args=[self.pk])

    def terms(self) -> dict:
        return {field: str(getattr(self, field)) if getattr(self, field) is not None else None for field in self.TERMS}

    def material(self) -> dict:
        """The material fields as stored in a ``PitchVersion``: the terms as strings, the stage, the traction."""
        return {**self.terms(), "stage": self.stage, "traction": [dict(row) for row in self.traction or []]}

    @property
    def changed_since_endorsement(self) -> bool:
        return self.endorsed_version is not None and self.version > self.endorsed_version


class PitchVersion(models.Model):
    """The material fields of a pitch (``Pitch.MATERIAL``) as investors saw them before a change.

    Versions kept before traction and stage were material hold the terms only."""

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    terms = models.JSONField()
    deck_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pitch", "number"],
                name="investments_pitch_version_unique",
                violation_error_code="version_exists",
                violation_error_message=_(
                    "This version of the pitch was just saved by someone else; reload the page and try again."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.pitch} v{self.number}"


class MentorAssignment(models.Model):
    """A Rabta mentor the incubator assigns to one of its cohort's startups, with office hours."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="mentor_assignments")
    startup = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mentor_assignments")
    mentor = models.ForeignKey("mentorship.Mentor", on_delete=models.CASCADE, related_name="cohort_assignments")
    office_hours = models.CharField(
        _("office hours"),
        max_length=200,
        blank=True,
        help_text=_("e.g. every other Tuesday, 16:00–17:00 Pakistan time"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "startup", "mentor"],
                name="investments_mentor_assigned_once_per_startup",
                violation_error_code="mentor_already_assigned",
                violation_error_message=_("This mentor is already assigned to this startup in the cohort."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.startup} ({self.cohort.name})"


# --- The deal room --------------------------------------------------------------------


class InvestorProfile(models.Model):
    """A member's application to invest through Rabta, vetted by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for vetting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investor")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    focus = models.TextField(
        _("investment focus"), max_length=2000, help_text=_("What you invest in and what you bring besides money.")
    )
    ticket_min = models.DecimalField(
        _("smallest ticket (USD)"), max_digits=12, decimal_places=0, validators=[MinValueValidator(1)]
    )
    ticket_max = models.DecimalField(
        _("largest ticket (USD)"), max_digits=12, decimal_places=0, validators=[MinValueValidator(1)]
    )
    sectors = models.ManyToManyField("network.Sector", blank=True, related_name="+", verbose_name=_("sectors"))
    country = CountryField(_("country you invest from"))
    attestation = models.BooleanField(
        _("I confirm that I may invest in private companies under the rules of the country I invest from"),
        default=False,
    )
    decision_reason = models.CharField(_("reason"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "suspended"]),
                name="investments_investor_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Choose an investor status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(attestation=True),
                name="investments_investor_attested",
                violation_error_code="not_attested",
                violation_error_message=_(
                    "Confirm that you may invest in private companies under the rules of the country you invest from."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ticket_min__gte=1, ticket_max__gte=F("ticket_min")),
                name="investments_investor_ticket_range",
                violation_error_code="ticket_range_invalid",
                violation_error_message=_(
                    "Enter a smallest ticket of at least 1 US dollar, and a largest ticket no smaller than it."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class ConfidentialityTerms(models.Model):
    """The confidentiality terms of the deal room. The newest version is the one investors must accept."""

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "confidentiality terms"

    def __str__(self) -> str:
        return f"Confidentiality terms v{self.version}"


class TermsAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances")
    terms = models.ForeignKey(ConfidentialityTerms, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "terms"],
                name="investments_terms_accepted_once",
                violation_error_code="terms_already_accepted",
                violation_error_message=_("You have already accepted these terms."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted v{self.terms.version}"


class DeckAccess(models.Model):
    """One view, page turn or download of a deck in the deal room.

    Append-only: rows are never changed or deleted (the database refuses UPDATE, DELETE
    and, on PostgreSQL, TRUNCATE; the ORM refuses both; the admin offers neither).
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("Opened the deck")
        PAGE = "page", _("Turned to a page")
        DOWNLOAD = "download", _("Downloaded")

    pitch = models.ForeignKey(Pitch, on_delete=models.PROTECT, related_name="deck_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    page = models.PositiveIntegerField(null=True, blank=True)
    pitch_version = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "deck accesses"
        indexes = [models.Index(fields=["pitch", "user", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["view", "page", "download"]),
                name="investments_deck_access_kind_valid",
                violation_error_code="invalid_access_kind",
                violation_error_message=_("This kind of deck access is not one Rabta records."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.pitch_id} p{self.page}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("DeckAccess is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("DeckAccess is append-only: rows cannot be deleted.")


class Question(models.Model):
    """An investor's question on a deal, optionally about one slide; the startup answers."""

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="questions")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slide = models.PositiveIntegerField(_("about slide"), null=True, blank=True)
    text = models.TextField(_("question"), max_length=2000)
    private = models.BooleanField(default=False)
    answer = models.TextField(_("answer"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="investments_question_not_blank",
                violation_error_code="question_blank",
                violation_error_message=_("Write your question before sending it."),
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                name="investments_answer_not_blank",
                violation_error_code="answer_blank",
                violation_error_message=_("Write an answer before publishing it."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Interest(models.Model):
    """One investor's interest in one deal, moving watching → considering → soft → committed, or passed."""

    class Stage(models.TextChoices):
        WATCHING = "watching", _("Watching")
        CONSIDERING = "considering", _("Considering")
        SOFT = "soft", _("Soft commitment")
        COMMITTED = "committed", _("Committed")
        PASSED = "passed", _("Passed")

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="interests")
    investor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interests")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The pitch version the amount was given (or last reconfirmed) against. When the terms change,
    # a commitment stops counting until the investor reconfirms it.
    terms_version = models.PositiveIntegerField()
    needs_reconfirmation = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pitch", "investor"],
                name="investments_interest_once_per_deal",
                violation_error_code="interest_exists",
                violation_error_message=_("You already follow this deal; change your interest there instead."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["watching", "considering", "soft", "committed", "passed"]),
                name="investments_interest_stage_valid",
                violation_error_code="invalid_stage",
                violation_error_message=_("Choose a stage from the list."),
            ),
            models.CheckConstraint(
                # (amount__isnull=False: a CHECK that is NULL passes, so "amount > 0" alone lets NULL through.)
                condition=(Q(stage__in=["soft", "committed"], amount__isnull=False, amount__gt=0))
                | (~Q(stage__in=["soft", "committed"]) & Q(amount__isnull=True)),
                name="investments_interest_amount_with_commitment",
                violation_error_code="amount_with_commitment",
                violation_error_message=_(
                    "Enter an amount above zero for a soft commitment or a commitment, "
                    "and no amount for the other stages."
                ),
            ),
            models.CheckConstraint(
                condition=Q(needs_reconfirmation=False) | Q(stage__in=["soft", "committed"]),
                name="investments_interest_reconfirm_only_commitments",
                violation_error_code="reconfirm_only_commitments",
                violation_error_message=_("Only a soft commitment or a commitment can be asked to be reconfirmed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investor} {self.stage} {self.pitch_id}"

    @property
    def counts(self) -> bool:
        return self.stage in (self.Stage.SOFT, self.Stage.COMMITTED) and not self.needs_reconfirmation


class InterestEvent(models.Model):
    """The history of an interest: every stage and amount it had, and reconfirmations."""

    interest = models.ForeignKey(Interest, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(max_length=12, choices=Interest.Stage.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    terms_version = models.PositiveIntegerField()
    reconfirmed = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.interest_id}: {self.stage}"
