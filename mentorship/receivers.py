"""What makes cached pages stale when mentorship data changes, and only then.

The cached pages that show mentorship data:

- the mentor list (visitors' whole pages, members' pages of results; namespace "mentors" with
  "profiles"): listed mentors (status), their expertise and time zone, "sessions held" (completed
  sessions), the rating founders gave, "no weekly hours yet" (weekly hours) and the "has hours in
  the next 7 days" filter (weekly hours' days, extra hours, blocked dates);
- a member's page (visitors' whole page, namespace "profiles"): whether they are a listed mentor
  ("Book a session") and the endorsements mentors gave them.

The mentor list's "next free" of a mentor (``Mentor.next_free_at``) is out of date as soon as their
weekly hours, extra hours, blocked dates, session types, time zone or any booking they give or
take changes: that marks it (``mentor_next_free_mark_stale``), in the same transaction, and the
periodic ``refresh_next_free_slots`` works it out again (and bumps "mentors" if it moved).

Nothing else is cached: session types, a booking's requests, answers, cancellations and
reschedules, the room, calendar feeds and a mentor's own page are made on every request, so
their writes bump nothing. Connected in ``MentorshipConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from core.pagecache import bump_pages_on_commit
from core.shown import watch
from mentorship.models import (
    AvailabilityRule,
    BlockedDate,
    Booking,
    Endorsement,
    ExtraHours,
    Feedback,
    Mentor,
    SessionType,
)


def _listed(values: dict):
    """A mentor on the list: what the list prints of them."""
    if values["status"] != Mentor.Status.APPROVED:
        return None
    return (values["expertise"], values["timezone"])


def _held(values: dict):
    """A completed session counts in its mentor's "sessions held"."""
    return values["mentor_id"] if values["status"] == Booking.Status.COMPLETED else None


def _founders_feedback_changed(sender, instance: Feedback, **kwargs) -> None:
    # The list's rating is the founders' (the mentee's), not what the mentor wrote about them.
    if instance.author_id == instance.booking.mentee_id:
        bump_pages_on_commit("mentors")


def _endorsement_changed(sender, instance: Endorsement, **kwargs) -> None:
    bump_pages_on_commit("profiles")  # the founder's member page lists it


def _hours_changed(sender, instance, **kwargs) -> None:
    from mentorship.services import mentor_next_free_mark_stale

    mentor_next_free_mark_stale(mentor_ids=[instance.mentor_id])


def _booking_changed(sender, instance: Booking, **kwargs) -> None:
    from mentorship.services import mentor_next_free_mark_stale

    # A mentor's own sessions as a mentee are busy time too (``mentor_busy``).
    mentor_next_free_mark_stale(mentor_ids=[instance.mentor_id], user_ids=[instance.mentee_id])


def _mentor_saved(sender, instance: Mentor, update_fields=None, **kwargs) -> None:
    from mentorship.services import mentor_next_free_mark_stale

    if update_fields is None or {"timezone", "status"} & set(update_fields):
        mentor_next_free_mark_stale(mentor_ids=[instance.pk])


def connect() -> None:
    for model in (AvailabilityRule, ExtraHours, BlockedDate, SessionType):
        post_save.connect(_hours_changed, sender=model, dispatch_uid=f"next-free-{model.__name__}-save")
        post_delete.connect(_hours_changed, sender=model, dispatch_uid=f"next-free-{model.__name__}-delete")
    post_save.connect(_booking_changed, sender=Booking, dispatch_uid="next-free-booking-save")
    post_delete.connect(_booking_changed, sender=Booking, dispatch_uid="next-free-booking-delete")
    post_save.connect(_mentor_saved, sender=Mentor, dispatch_uid="next-free-mentor-save")
    watch(Mentor, fields=("status", "expertise", "timezone"), shown=_listed, namespaces=("mentors",), uid="mentor")
    # The suggestions' ranking: who is listed, and the zone their weekly hours are in.
    watch(
        Mentor,
        fields=("status", "timezone"),
        shown=lambda v: v["timezone"] if v["status"] == Mentor.Status.APPROVED else None,
        namespaces=("mentor-hours",),
        uid="mentor-hours",
    )
    # A member's page says whether they are a listed mentor.
    watch(
        Mentor,
        fields=("status",),
        shown=lambda v: v["status"] == Mentor.Status.APPROVED or None,
        namespaces=("profiles",),
        uid="mentor-listed",
    )
    watch(Booking, fields=("mentor_id", "status"), shown=_held, namespaces=("mentors",), uid="booking")
    # Weekly hours: which days a mentor has some, and their times (the list's "weekly hours in my …"
    # filter and the suggestions read them).
    watch(
        AvailabilityRule,
        fields=("mentor_id", "weekday", "start_time", "end_time"),
        shown=lambda v: (v["mentor_id"], v["weekday"], v["start_time"], v["end_time"]),
        namespaces=("mentors", "mentor-hours"),
        uid="availability",
    )
    for model in (ExtraHours, BlockedDate):
        watch(
            model,
            fields=("mentor_id", "date"),
            shown=lambda v: (v["mentor_id"], v["date"]),
            namespaces=("mentors",),
            uid=model.__name__,
        )
    post_save.connect(_founders_feedback_changed, sender=Feedback, dispatch_uid="pages-feedback-save")
    post_delete.connect(_founders_feedback_changed, sender=Feedback, dispatch_uid="pages-feedback-delete")
    post_save.connect(_endorsement_changed, sender=Endorsement, dispatch_uid="pages-endorsement-save")
    post_delete.connect(_endorsement_changed, sender=Endorsement, dispatch_uid="pages-endorsement-delete")
