from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import validate_timezone


def listed_mentor(prefix: str = "") -> Q:
    """The rule of a listed mentor, seen from a model that points to one (``prefix="mentor__"``)."""
    return Q(**{f"{prefix}status": "approved", f"{prefix}user__is_active": True})


class MentorQuerySet(models.QuerySet["Mentor"]):
    def listed(self) -> MentorQuerySet:
        """Approved mentors of active members: the ones founders can find and book."""
        return self.filter(listed_mentor())

    def visible_to(self, viewer) -> MentorQuerySet:
        """Listed mentors ``viewer`` may see: all of them for a signed-in member, those with a public
        profile for visitors (``network.models.Profile.visibility``)."""
        listed = self.listed()
        if viewer is not None and viewer.is_authenticated and viewer.is_active:
            return listed
        return listed.filter(user__profile__visibility="public")


class Mentor(models.Model):
    """A member's standing as a mentor, with the time zone their availability is written in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    timezone = models.CharField(_("time zone of my availability"), max_length=64, validators=[validate_timezone])
    expertise = models.CharField(
        _("what I can help with"),
        max_length=300,
        blank=True,
        help_text=_("e.g. fundraising, hiring engineers, selling to US customers"),
    )
    meeting_url = models.URLField(_("my own video meeting link"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # The first bookable start of any of the mentor's session types, for the mentor list's cards and
    # its "soonest free" order; worked out again by ``mentorship.tasks.refresh_next_free_slots``
    # from ``next_free_stale_at`` on (null: never worked out), which any change to the mentor's
    # hours, session types or bookings sets to now (mentorship/receivers.py).
    next_free_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_free_stale_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MentorQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["next_free_stale_at"], name="mentorship_mentor_free_stale")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "suspended"]),
                name="mentorship_mentor_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Choose a mentor status from the list."),
            )
        ]

    def __str__(self) -> str:
        return self.user.display_name

    def get_absolute_url(self) -> str:
        return reverse("mentorship:mentor-detail", args=[self.pk])

    @property
    def is_listed(self) -> bool:
        return self.status == self.Status.APPROVED and self.user.is_active


class SessionType(models.Model):
    class Location(models.TextChoices):
        ROOM = "room", _("A video room Rabta creates for the session")
        OWN = "own", _("My own meeting link")

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="session_types")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), default=30, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    requires_approval = models.BooleanField(_("I approve each request"), default=True)
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("free time before (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("free time after (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        _("minimum notice (hours)"), default=12, validators=[MaxValueValidator(24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"), default=56, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    cancel_window_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"), default=24, validators=[MaxValueValidator(24 * 14)]
    )
    reschedule_window_hours = models.PositiveSmallIntegerField(
        _("rescheduling allowed until (hours before)"), default=24, validators=[MaxValueValidator(24 * 14)]
    )
    reschedule_cap = models.PositiveSmallIntegerField(
        _("moves allowed per session"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "How many times one session can be moved to another time, by you or the founder. "
            "0: sessions can only be cancelled. Applies to sessions booked from now on."
        ),
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("most sessions per week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Counts all your sessions in a week (your time zone). Leave empty for no cap."),
    )
    per_mentee_cap = models.PositiveSmallIntegerField(
        _("most upcoming sessions per founder"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    location = models.CharField(_("where we meet"), max_length=10, choices=Location.choices, default=Location.ROOM)
    is_active = models.BooleanField(_("open for booking"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["duration_minutes", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15) & Q(duration_minutes__lte=240),
                name="mentorship_sessiontype_duration_range",
                violation_error_code="duration_out_of_range",
                violation_error_message=_("A session lasts from 15 minutes to 4 hours (240 minutes)."),
            ),
            models.CheckConstraint(
                condition=Q(location__in=["room", "own"]),
                name="mentorship_sessiontype_location",
                violation_error_code="invalid_location",
                violation_error_message=_("Choose where the session takes place from the list."),
            ),
            models.CheckConstraint(
                condition=Q(reschedule_cap__lte=10),
                name="mentorship_sessiontype_reschedule_cap",
                violation_error_code="reschedule_cap_too_high",
                violation_error_message=_("Allow at most 10 moves per session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def clean(self) -> None:
        if self.location == self.Location.OWN and not (self.mentor_id and self.mentor.meeting_url):
            raise ValidationError(
                {"location": _("Add your own meeting link in your mentor settings first, or let Rabta create a room.")}
            )


class WeekdayChoices(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(models.Model):
    """Weekly hours in the mentor's own time zone, e.g. Saturday 09:00–11:00."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="rules")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=WeekdayChoices.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")),
                name="mentorship_rule_start_before_end",
                violation_error_code="hours_end_before_start",
                violation_error_message=_("The hours must end after they start."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="mentorship_rule_weekday_range",
                violation_error_code="invalid_weekday",
                violation_error_message=_("Choose a day of the week from the list."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ExtraHours(models.Model):
    """One-off hours on a given local date, on top of the weekly rules."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="extra_hours")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name_plural = "extra hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")),
                name="mentorship_extra_start_before_end",
                violation_error_code="hours_end_before_start",
                violation_error_message=_("The hours must end after they start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class BlockedDate(models.Model):
    """A local date (in the mentor's zone) on which no session may start."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="blocked_dates")
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "date"],
                name="mentorship_blocked_date_unique",
                violation_error_code="date_already_blocked",
                violation_error_message=_("That date is already blocked."),
            )
        ]

    def __str__(self) -> str:
        return str(self.date)


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> BookingQuerySet:
        """Bookings that hold time: waiting for the mentor, or confirmed."""
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def involving(self, user) -> BookingQuerySet:
        """Bookings where ``user`` is the founder or the mentor.

        The mentor is looked up once (a scalar subquery), so each side is an index lookup on the
        bookings; a join with the mentors in an OR would read every booking.
        """
        mine = Mentor.objects.filter(user=user).values("pk")[:1]
        return self.filter(Q(mentee=user) | Q(mentor_id=Subquery(mine)))

    def upcoming(self, now=None) -> BookingQuerySet:
        return self.filter(end__gt=now or timezone.now())


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the mentor")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired without an answer")
        CANCELLED = "cancelled", _("Cancelled")
        RESCHEDULED = "rescheduled", _("Moved to another time")
        NO_SHOW = "no_show", _("Founder did not come")

    ACTIVE_STATUSES = ("requested", "confirmed")

    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="bookings")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentee_bookings")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # Snapshot of the session type's buffers, so later edits do not move busy time.
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    agenda = models.TextField(_("what would you like to discuss?"), max_length=3000)
    mentee_timezone = models.CharField(max_length=64, default="Asia/Karachi", validators=[validate_timezone])
    meeting_url = models.URLField(blank=True)
    # Calendar identity: stable across reschedules, SEQUENCE grows with every change.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    sequence = models.PositiveIntegerField(default=0)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_to"
    )
    # Who moved the session to this time (the move happened at ``created_at``).
    rescheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How many times the session has been moved so far, and (a snapshot of the session type's
    # cap when it was booked, like the buffers) how many moves it may have.
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    reschedule_cap = models.PositiveSmallIntegerField(default=2)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_late = models.BooleanField(default=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["mentor", "status", "start"]),
            models.Index(fields=["mentee", "status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="mentorship_booking_start_before_end",
                violation_error_code="booking_end_before_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            # A session is never moved more often than its session type allowed when it was booked.
            models.CheckConstraint(
                condition=Q(reschedule_count__lte=F("reschedule_cap")),
                name="mentorship_booking_reschedule_cap",
                violation_error_code="too_many_moves",
                violation_error_message=_(
                    "This session has been moved as often as the mentor allows; cancel it and book a new one instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "confirmed",
                        "completed",
                        "declined",
                        "expired",
                        "cancelled",
                        "rescheduled",
                        "no_show",
                    ]
                ),
                name="mentorship_booking_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_(
                    "This session has a status Rabta does not know; reload the page and try again."
                ),
            ),
            # Everywhere: two active bookings never start at the same moment with
            # one mentor. Overlaps of any shape are refused by an exclusion
            # constraint on PostgreSQL (migration 0002) and by the booking
            # service inside a serialised transaction on SQLite.
            models.UniqueConstraint(
                fields=["mentor", "start"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="mentorship_booking_one_active_per_mentor_start",
                violation_error_code="slot_taken",
                violation_error_message=_("Someone has just booked this time. Please choose another one."),
            ),
            models.UniqueConstraint(
                fields=["mentee", "start"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="mentorship_booking_one_active_per_mentee_start",
                violation_error_code="mentee_busy",
                violation_error_message=_("You already have a session at this time. Please choose another one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type.title}: {self.mentee} with {self.mentor} at {self.start:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:booking-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def reschedules_left(self) -> int:
        return max(0, self.reschedule_cap - self.reschedule_count)

    @property
    def busy_start(self):
        return self.start - timedelta(minutes=self.buffer_before_minutes)

    @property
    def busy_end(self):
        return self.end + timedelta(minutes=self.buffer_after_minutes)


class Feedback(models.Model):
    """A rating and comment on a held session, by either side. The founder's feedback on their mentor
    becomes a review on the mentor's page when its author shares it and staff have read it."""

    class Review(models.TextChoices):
        PRIVATE = "private", _("Private")  # never shared, or taken down by its author
        PENDING = "pending", _("Waiting for staff")
        PUBLISHED = "published", _("On the mentor's page")
        DECLINED = "declined", _("Not published")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    may_feature = models.BooleanField(_("Rabta may feature this session in a story"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, default=Review.PRIVATE)
    # When the review last changed state, and the staff member who published or declined it.
    review_changed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        permissions = [("moderate_review", "Can publish or decline reviews")]
        indexes = [
            # The staff's queue: the few reviews waiting, oldest first.
            models.Index(fields=["review_changed_at"], name="mentorship_review_pending", condition=Q(review="pending")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(review="private") | ~Q(comment=""),
                name="mentorship_feedback_review_has_words",
                violation_error_code="review_without_comment",
                violation_error_message=_("Write a comment to share it as a review."),
            ),
            models.UniqueConstraint(
                fields=["booking", "author"],
                name="mentorship_feedback_once_per_author",
                violation_error_code="feedback_given",
                violation_error_message=_("You have already left feedback for this session."),
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="mentorship_feedback_rating_range",
                violation_error_code="rating_out_of_range",
                violation_error_message=_("Give a rating from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 by {self.author} on {self.booking_id}"


class Endorsement(models.Model):
    """A mentor vouches for a founder they have mentored (at least one completed session)."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="endorsements")
    founder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements")
    text = models.TextField(_("endorsement"), max_length=1500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "founder"],
                name="mentorship_endorsement_once",
                violation_error_code="already_endorsed",
                violation_error_message=_("You have already endorsed this founder."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="mentorship_endorsement_not_blank",
                violation_error_code="endorsement_blank",
                violation_error_message=_("Write a sentence or two about the founder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} endorses {self.founder}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A member's private calendar subscription URL. Revoking replaces the token."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:calendar-feed", args=[self.token])


class RoomMessage(models.Model):
    """A chat message in a booking's session room.

    ``client_id`` is chosen by the sender's browser; the same message sent
    again (a retry after a dropped connection) finds the stored one instead of
    making a second.

    ``seq`` numbers a room's messages 1, 2, 3… with no gaps, in the order they
    were stored: a client holding every number up to *n* provably has every
    message up to *n*, and asks for "after *n*" whenever it sees a gap. The
    number is taken in the INSERT itself (one more than the room's highest);
    two messages stored at once in one room collide on the unique
    (booking, seq) constraint and the later one is stored again with the next
    number (``services.room_message_post``).
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="room_messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["booking", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "seq"],
                name="mentorship_roommessage_seq",
                violation_error_code="message_order_taken",
                violation_error_message=_("Your message crossed with another one; send it again."),
            ),
            models.UniqueConstraint(
                fields=["booking", "author", "client_id"],
                name="mentorship_roommessage_once",
                violation_error_code="message_sent",
                violation_error_message=_("This message was already sent."),
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="mentorship_roommessage_not_empty",
                violation_error_code="message_empty",
                violation_error_message=_("Write a message before sending."),
            ),
            models.CheckConstraint(
                condition=Q(seq__gte=1),
                name="mentorship_roommessage_seq_positive",
                violation_error_code="invalid_message_order",
                violation_error_message=_("Your message could not be placed in the conversation; send it again."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} in room {self.booking_id}: {self.body[:40]}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and self.seq is None:
            self.seq = next_room_seq(self.booking_id)
        super().save(*args, **kwargs)


def next_room_seq(booking_id: int):
    """An expression for the room's next sequence number, evaluated inside the INSERT."""
    highest = RoomMessage.objects.filter(booking_id=booking_id).order_by("-seq").values("seq")[:1]
    return Coalesce(Subquery(highest), Value(0)) + Value(1)


class SessionNotes(models.Model):
    """Notes both participants edit. ``version`` grows with every save; a save
    made from an older version is refused instead of overwriting silently."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(blank=True, max_length=20000)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "session notes"

    def __str__(self) -> str:
        return f"Notes of booking {self.booking_id} (v{self.version})"
