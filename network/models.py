from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# How a deactivated or deleted member appears to everyone else, wherever a record about them stays.
FORMER_MEMBER = _("a former member")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address (there is no username)."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    # When the member (or staff, on their request) deleted the account: the row stays, anonymised,
    # for the records others depend on and the append-only logs that point at it.
    deleted_at = models.DateTimeField(_("account deleted"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="network_user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message=_(
                    "An account with this email address already exists. "
                    "Sign in, or reset your password if you have forgotten it."
                ),
            ),
        ]
        indexes = [
            # The few deactivated members, so that listing everyone else needs no join (Profile.listed).
            models.Index(fields=["id"], condition=Q(is_active=False), name="network_user_inactive_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        # Wagtail's admin and Django's name people by this; there are no first and last names.
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    # What display_name reads, for lists that load only the columns they show (``.only()``); not
    # enough for ``member_link``, which also reads the profile's visibility.
    NAME_FIELDS = ("is_active", "email", "profile__display_name")

    @property
    def display_name(self) -> str:
        """The name others see: "a former member" once the account is deactivated or deleted.

        Templates, notifications and the session room show members through this (or the
        ``member_link`` tag built on it), so a deactivation takes effect everywhere at once.
        """
        if not self.is_active:
            return str(FORMER_MEMBER)
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        return self.email.split("@", 1)[0]


class Sector(models.Model):
    """A seeded taxonomy entry: AgriTech, FinTech, Cybersecurity, …"""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """A spoken language, identified by its ISO 639 code."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone. Choose one such as Asia/Karachi or America/Los_Angeles."),
            params={"value": value},
        )


def photo_upload_to(instance: Profile, filename: str) -> str:
    # The stored name never carries the uploader's file name.
    return f"photos/{uuid.uuid4().hex}.jpg"


class ProfileQuerySet(models.QuerySet["Profile"]):
    def listed(self) -> ProfileQuerySet:
        """Profiles of active members, as the directory lists them.

        Written as "not one of the deactivated" (a handful, from a partial index) rather than a join
        with every member, so that counting a search's matches reads only the matches.
        """
        inactive = User.objects.filter(is_active=False).values("pk")
        return self.exclude(user_id__in=inactive)

    def visible_to(self, viewer) -> ProfileQuerySet:
        """Listed profiles ``viewer`` may open: every one for a signed-in member, public ones for visitors."""
        listed = self.listed()
        if viewer is not None and viewer.is_authenticated and viewer.is_active:
            return listed
        return listed.filter(visibility=Profile.Visibility.PUBLIC)


class Profile(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone, including visitors who are not signed in")
        MEMBERS = "members", _("Only signed-in Rabta members")

    class ContactVisibility(models.TextChoices):
        INTRODUCED = "introduced", _("Only members I have been introduced to")
        MEMBERS = "members", _("All signed-in members")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("name"), max_length=120)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    bio = models.TextField(_("about"), max_length=4000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Karachi", validators=[validate_timezone])
    languages = models.ManyToManyField(Language, blank=True, related_name="profiles", verbose_name=_("languages"))
    sectors = models.ManyToManyField(Sector, blank=True, related_name="profiles", verbose_name=_("sectors"))
    skills = models.CharField(
        _("skills"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. Django, product strategy, B2B sales"),
    )
    website = models.URLField(_("website"), blank=True)
    linkedin = models.URLField(_("LinkedIn"), blank=True)
    github = models.URLField(_("GitHub"), blank=True)
    lives_abroad = models.BooleanField(_("I live outside Pakistan"), default=False)
    is_mentor = models.BooleanField(_("I mentor founders"), default=False)
    is_founder = models.BooleanField(_("I am a founder"), default=False)
    is_investor = models.BooleanField(_("I invest in startups"), default=False)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_visibility = models.CharField(
        _("who may see my contact details"),
        max_length=20,
        choices=ContactVisibility.choices,
        default=ContactVisibility.INTRODUCED,
    )
    visibility = models.CharField(
        _("who may see my profile"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
        help_text=_(
            "A public profile (and its photo) can be opened by anyone with the link and may appear on pages "
            "visitors see, such as the mentor list, organisation pages and stories. A members-only profile is "
            "shown only to people signed in to Rabta. Your contact details follow their own setting below."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the directory search reads, kept by the database: one column (and, on PostgreSQL, one
    # trigram index) instead of four, so a search costs the same at any number of members.
    search_text = models.GeneratedField(
        expression=Concat("display_name", Value(" "), "headline", Value(" "), "skills", Value(" "), "city"),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["country", "display_name"]),
            models.Index(fields=["display_name", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_visibility__in=["introduced", "members"]),
                name="network_profile_contact_visibility_valid",
                violation_error_code="invalid_contact_visibility",
                violation_error_message=_("Choose who may see your contact details from the list."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "members"]),
                name="network_profile_visibility_valid",
                violation_error_code="invalid_visibility",
                violation_error_message=_("Choose who may see your profile from the list."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("network:member-detail", args=[self.user_id])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]

    @property
    def is_complete(self) -> bool:
        return bool(self.display_name and self.headline and self.country)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        STARTUP = "startup", _("Startup")
        INCUBATOR = "incubator", _("Incubator")
        CENTRE = "centre", _("Centre of excellence")
        TECH_PARK = "tech_park", _("Tech park")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=6000, blank=True)
    website = models.URLField(_("website"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), default="PK")
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=[MinValueValidator(1947), MaxValueValidator(2100)]
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="organisations", verbose_name=_("sectors"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["startup", "incubator", "centre", "tech_park"]),
                name="network_organisation_kind_valid",
                violation_error_code="invalid_kind",
                violation_error_message=_("Choose what kind of organisation this is from the list."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:organisation-detail", args=[self.slug])

    @property
    def is_incubator_like(self) -> bool:
        return self.kind != self.Kind.STARTUP


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(_("title"), max_length=100, blank=True, help_text=_("e.g. CTO, programme manager"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                name="network_membership_unique",
                violation_error_code="already_member",
                violation_error_message=_(
                    "This person is already a member of the organisation; change their role instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "admin", "member"]),
                name="network_membership_role_valid",
                violation_error_code="invalid_role",
                violation_error_message=_("Choose a role from the list: owner, admin or member."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN}


class IntroductionQuerySet(models.QuerySet["Introduction"]):
    def open(self, *, now: datetime | None = None) -> IntroductionQuerySet:
        """Pending requests that have not yet passed their expiry time."""
        now = now or timezone.now()
        return self.filter(status=Introduction.Status.PENDING, expires_at__gt=now)

    def involving(self, user) -> IntroductionQuerySet:
        return self.filter(Q(requester=user) | Q(recipient=user))


class Introduction(models.Model):
    """A double opt-in introduction: the requester asks, the recipient agrees."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    class Outcome(models.TextChoices):
        NONE = "", _("Not recorded yet")
        MET = "met", _("We met")
        MENTORING = "mentoring", _("Mentoring started")
        COLLABORATING = "collaborating", _("Working together")
        INVESTED = "invested", _("Investment discussed")
        NO_FIT = "no_fit", _("Not a fit")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introductions_sent")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introductions_received"
    )
    reason = models.TextField(_("why you would like to be introduced"), max_length=1500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decline_note = models.CharField(_("note"), max_length=500, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = IntroductionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "status", "-created_at"]),
            models.Index(fields=["requester", "status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("recipient")),
                name="network_intro_not_self",
                violation_error_code="introduction_to_self",
                violation_error_message=_("You cannot ask for an introduction to yourself."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined", "withdrawn", "expired"]),
                name="network_intro_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This introduction has a status Rabta does not know; reload the page and try again."
                ),
            ),
            # One waiting request per pair and direction; a declined one may be asked again later.
            models.UniqueConstraint(
                fields=["requester", "recipient"],
                condition=Q(status="pending"),
                name="network_intro_one_pending_per_pair",
                violation_error_code="introduction_waiting",
                violation_error_message=_("A request between you and this member is already waiting for an answer."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status="accepted"),
                name="network_intro_outcome_only_when_accepted",
                violation_error_code="outcome_before_accepted",
                violation_error_message=_("An outcome can be recorded only once the introduction has been accepted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("network:introduction-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()

    def effective_status(self) -> str:
        """The status as a person should see it: a lapsed request reads as expired."""
        if self.status == self.Status.PENDING and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.message}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailDelivery(models.Model):
    """An email that was sent, by a key naming what it was for (``notification:42``,
    ``reminder:7:2:24:15``): background tasks may run twice (a retry, a worker that died), and a
    message whose key is here is not sent again."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "email deliveries"

    def __str__(self) -> str:
        return self.key


class PeriodicRun(models.Model):
    """One run of a periodic job (``PERIODIC_TASKS``) in one time slot. Every machine runs
    ``manage.py task_scheduler``; the one whose row goes in first queues the job, the unique
    constraint turns the others away, so a job runs once a slot however many machines there are."""

    name = models.CharField(max_length=200)
    slot = models.BigIntegerField(help_text="Seconds since the epoch, divided by the job's interval.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "slot"],
                name="periodic_run_once_a_slot",
                violation_error_message=_("This job has already run in this time slot."),
                violation_error_code="periodic_run_taken",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.slot}"


class AppendOnlyQuerySet(models.QuerySet):
    """The ORM half of an append-only table; database triggers refuse the same below the ORM.

    ``manage.py db_roles`` finds the append-only tables by this queryset and gives the site's
    database role nothing on them but SELECT and INSERT.
    """

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} is append-only: rows cannot be changed.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} is append-only: rows cannot be deleted.")


class AuditEntry(models.Model):
    """An append-only record of a state change that matters (``app.entity.verb``).

    Rows are never changed or deleted: the model and its queryset refuse, and the database
    itself refuses UPDATE, DELETE and (on PostgreSQL) TRUNCATE (migration 0010). The actor is
    protected: a member named in the trail cannot be deleted (accounts are anonymised instead),
    so Django refuses with ``ProtectedError`` before the database would.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries cannot be deleted.")


def private_storage():
    """Files that only a permission check may hand out (evidence, decks): outside MEDIA_ROOT, no URL."""
    from django.core.files.storage import storages

    return storages["private"]
