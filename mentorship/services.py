"""Writes of the mentorship app: mentors, hours, bookings, feedback, endorsements.

Booking is where concurrency matters. ``booking_request`` locks the mentor's
row (PostgreSQL) or runs in SQLite's write-locked IMMEDIATE transaction, so
the "is this time still free?" check and the insert happen as one step; on
PostgreSQL an exclusion constraint over the time range is the last word, and
its violation becomes the same "this time was just taken" answer.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.middleware import UNSAFE_TEXT
from core.pagecache import bump_pages_on_commit
from mentorship import realtime, selectors
from mentorship.models import (
    AvailabilityRule,
    BlockedDate,
    Booking,
    CalendarFeed,
    Endorsement,
    ExtraHours,
    Feedback,
    Mentor,
    RoomMessage,
    SessionNotes,
    SessionType,
    new_feed_token,
)
from mentorship.permissions import (
    can_moderate_reviews,
    cancel_is_late,
    endorsement_refusal,
    is_participant,
    reschedule_refusal,
    review_moderation_refusal,
    review_share_refusal,
)
from mentorship.selectors import holding_bookings, mentor_slots, request_ttl
from mentorship.signals import session_featurable
from network.audit import audit_record
from network.models import User
from network.permissions import acts_as_staff
from network.services import notification_create

SLOT_TAKEN = gettext_lazy("This time was just taken by someone else. Please choose another time.")


class SlotTakenError(ValidationError):
    def __init__(self):
        super().__init__(SLOT_TAKEN, code="slot_taken")


# --- Mentors and their hours ---------------------------------------------------


@transaction.atomic
def mentor_become(
    *, user: User, timezone_name: str, expertise: str = "", meeting_url: str = "", public_profile: bool = True
) -> Mentor:
    """Make ``user`` a mentor. Listed at once, or after staff approval where that is required.

    ``public_profile`` (the default for mentors) lets visitors see the profile and find it on the
    public mentor list; otherwise the profile's visibility is left as the member set it.
    """
    if Mentor.objects.filter(user=user).exists():
        raise ValidationError(_("You are already a mentor."))
    approval = settings.RABTA["MENTOR_APPROVAL_REQUIRED"]
    mentor = Mentor(
        user=user,
        timezone=timezone_name,
        expertise=expertise,
        meeting_url=meeting_url,
        status=Mentor.Status.PENDING if approval else Mentor.Status.APPROVED,
        approved_at=None if approval else timezone.now(),
    )
    mentor.full_clean()
    mentor.save()
    profile = getattr(user, "profile", None)
    if profile is not None:
        changed = []
        if not profile.is_mentor:
            profile.is_mentor = True
            changed.append("is_mentor")
        if public_profile and not profile.is_public:
            profile.visibility = profile.Visibility.PUBLIC
            changed.append("visibility")
        if changed:
            profile.save(update_fields=changed)
    audit_record(actor=user, event="mentorship.mentor.create", target=mentor, data={"status": mentor.status})
    return mentor


@transaction.atomic
def mentor_update(*, mentor: Mentor, data: dict[str, Any]) -> Mentor:
    for field, value in data.items():
        setattr(mentor, field, value)
    mentor.full_clean()
    mentor.save()
    audit_record(actor=mentor.user, event="mentorship.mentor.update", target=mentor, data={"fields": sorted(data)})
    bump_pages_on_commit("profiles")
    return mentor


@transaction.atomic
def mentor_set_status(*, actor: User, mentor: Mentor, status: str) -> Mentor:
    """Staff approve or suspend a mentor."""
    if not acts_as_staff(actor):
        raise PermissionDenied
    if status not in Mentor.Status.values:
        raise ValidationError(_("Unknown status."))
    old = mentor.status
    mentor.status = status
    if status == Mentor.Status.APPROVED and mentor.approved_at is None:
        mentor.approved_at = timezone.now()
    mentor.save(update_fields=["status", "approved_at"])
    audit_record(actor=actor, event="mentorship.mentor.change_status", target=mentor, data={"from": old, "to": status})
    if status == Mentor.Status.APPROVED and old != status:
        notification_create(
            recipient=mentor.user,
            kind="mentorship.mentor.approved",
            message=_("You are now listed as a mentor on Rabta."),
            url=mentor.get_absolute_url(),
        )
    bump_pages_on_commit("profiles")
    return mentor


def mentor_next_free_refresh(*, mentor: Mentor, now: datetime | None = None) -> bool:
    """Work out the mentor list's "next free" of ``mentor`` again; True when it changed.

    Stored only if nothing marked it out of date while it was being worked out (a booking, new
    hours: ``next_free_stale_at`` moved), so a change made meanwhile is never covered up; the
    next run takes it."""
    start, stale_at = selectors.mentor_next_free(mentor=mentor, now=now)
    stored = Mentor.objects.filter(pk=mentor.pk, next_free_stale_at=mentor.next_free_stale_at).update(
        next_free_at=start, next_free_stale_at=stale_at
    )
    changed = bool(stored) and start != mentor.next_free_at
    if changed:
        bump_pages_on_commit("mentors")
    return changed


def mentor_next_free_refresh_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Refresh the "next free" of up to ``limit`` listed mentors whose answer is out of date; how
    many changed."""
    now = now or timezone.now()
    return sum(
        mentor_next_free_refresh(mentor=mentor, now=now)
        for mentor in selectors.mentor_next_free_due(now=now, limit=limit)
    )


def mentor_next_free_mark_stale(*, mentor_ids=(), user_ids=()) -> None:
    """Something a mentor's free time depends on changed: their "next free" is out of date now."""
    condition = Q(pk__in=[pk for pk in mentor_ids if pk]) | Q(user_id__in=[pk for pk in user_ids if pk])
    Mentor.objects.filter(condition).update(next_free_stale_at=timezone.now())


@transaction.atomic
def session_type_save(*, mentor: Mentor, session_type: SessionType | None, data: dict[str, Any]) -> SessionType:
    session_type = session_type or SessionType(mentor=mentor)
    if session_type.mentor_id != mentor.pk:
        raise PermissionDenied
    created = session_type.pk is None
    for field, value in data.items():
        setattr(session_type, field, value)
    session_type.full_clean()
    session_type.save()
    audit_record(
        actor=mentor.user,
        event="mentorship.session_type.create" if created else "mentorship.session_type.update",
        target=session_type,
    )
    return session_type


def _check_window(start, end) -> None:
    if start >= end:
        raise ValidationError(_("The end time must be after the start time."))


@transaction.atomic
def availability_rule_add(*, mentor: Mentor, weekday: int, start_time, end_time) -> AvailabilityRule:
    _check_window(start_time, end_time)
    overlapping = mentor.rules.filter(weekday=weekday, start_time__lt=end_time, end_time__gt=start_time)
    if overlapping.exists():
        raise ValidationError(_("These hours overlap hours you already have on that day."))
    rule = AvailabilityRule(mentor=mentor, weekday=weekday, start_time=start_time, end_time=end_time)
    rule.full_clean()
    rule.save()
    audit_record(actor=mentor.user, event="mentorship.availability.create", target=rule)
    return rule


@transaction.atomic
def availability_rule_delete(*, mentor: Mentor, rule_id: int) -> None:
    rule = mentor.rules.filter(pk=rule_id).first()
    if rule is None:
        raise ValidationError(_("These hours no longer exist."))
    audit_record(actor=mentor.user, event="mentorship.availability.delete", target=rule, data={"rule": str(rule)})
    rule.delete()


@transaction.atomic
def extra_hours_add(*, mentor: Mentor, date, start_time, end_time) -> ExtraHours:
    _check_window(start_time, end_time)
    extra = ExtraHours(mentor=mentor, date=date, start_time=start_time, end_time=end_time)
    extra.full_clean()
    extra.save()
    audit_record(actor=mentor.user, event="mentorship.extra_hours.create", target=extra)
    return extra


@transaction.atomic
def extra_hours_delete(*, mentor: Mentor, extra_id: int) -> None:
    extra = mentor.extra_hours.filter(pk=extra_id).first()
    if extra is None:
        raise ValidationError(_("These hours no longer exist."))
    audit_record(actor=mentor.user, event="mentorship.extra_hours.delete", target=extra)
    extra.delete()


@transaction.atomic
def blocked_date_add(*, mentor: Mentor, date, note: str = "") -> BlockedDate:
    if mentor.blocked_dates.filter(date=date).exists():
        raise ValidationError(_("This date is already blocked."))
    blocked = BlockedDate(mentor=mentor, date=date, note=note)
    blocked.full_clean()
    blocked.save()
    audit_record(actor=mentor.user, event="mentorship.blocked_date.create", target=blocked)
    return blocked


@transaction.atomic
def blocked_date_delete(*, mentor: Mentor, blocked_id: int) -> None:
    blocked = mentor.blocked_dates.filter(pk=blocked_id).first()
    if blocked is None:
        raise ValidationError(_("This date is no longer blocked."))
    audit_record(actor=mentor.user, event="mentorship.blocked_date.delete", target=blocked)
    blocked.delete()


# --- Booking -----------------------------------------------------------------


def _meeting_url(session_type: SessionType) -> str:
    if session_type.location == SessionType.Location.OWN and session_type.mentor.meeting_url:
        return session_type.mentor.meeting_url
    return f"{settings.RABTA['VIDEO_ROOM_BASE']}Rabta-{secrets.token_urlsafe(12)}"


def _expire_lapsed_requests(*, mentor: Mentor, mentee: User, now: datetime) -> None:
    """Requests unanswered for the allowed time free their slot before a new booking."""
    lapsed = Booking.objects.filter(
        Q(mentor=mentor) | Q(mentee=mentee) | Q(mentee_id=mentor.user_id),
        status=Booking.Status.REQUESTED,
        created_at__lte=now - request_ttl(),
    )
    for booking in lapsed.select_related("mentor__user", "mentee"):
        _expire(booking)


def _expire(booking: Booking) -> None:
    booking.status = Booking.Status.EXPIRED
    booking.save(update_fields=["status"])
    audit_record(actor=None, event="mentorship.booking.expire", target=booking)
    for recipient, other in ((booking.mentee, booking.mentor.user), (booking.mentor.user, booking.mentee)):
        notification_create(
            recipient=recipient,
            kind="mentorship.booking.expire",
            message=_("The request for %(title)s with %(name)s expired without an answer; its time is free again.")
            % {"title": booking.session_type.title, "name": other.display_name},
            url=booking.get_absolute_url(),
        )


def _lock_mentor(mentor: Mentor) -> Mentor:
    # Serialises every booking change of one mentor (PostgreSQL row lock;
    # on SQLite the IMMEDIATE transaction already holds the write lock).
    return Mentor.objects.select_for_update().select_related("user").get(pk=mentor.pk)


def _validate_new_time(
    *, session_type: SessionType, mentee: User, start: datetime, now: datetime, exclude: Booking | None = None
) -> datetime:
    end = start + session_type.duration
    slots = mentor_slots(
        session_type=session_type,
        now=now,
        range_start=start - timedelta(minutes=1),
        range_end=start + timedelta(minutes=1),
        exclude_booking_pk=exclude.pk if exclude else None,
    )
    if not any(slot.start == start for slot in slots):
        if holding_bookings(now).filter(mentor=session_type.mentor, start__lt=end, end__gt=start).exists():
            raise SlotTakenError()
        raise ValidationError(_("This time is not available for booking."), code="unavailable")
    mentee_clash = holding_bookings(now).filter(Q(mentee=mentee) | Q(mentor__user=mentee), start__lt=end, end__gt=start)
    if exclude is not None:
        mentee_clash = mentee_clash.exclude(pk=exclude.pk)
    if mentee_clash.exists():
        raise ValidationError(_("You already have a session at this time."), code="mentee_busy")
    return end


def _schedule_follow_ups(booking: Booking, now: datetime) -> None:
    """Queue, after commit, the tasks that belong to a booking's current state.

    Reminders already due at ``now`` (the clock the calling service used) are skipped.
    """
    from mentorship import tasks

    def enqueue():
        if booking.status == Booking.Status.REQUESTED:
            tasks.expire_booking_request.using(run_after=booking.created_at + request_ttl()).enqueue(booking.pk)
        if booking.status == Booking.Status.CONFIRMED:
            for hours in settings.RABTA["REMINDER_HOURS"]:
                run_at = booking.start - timedelta(hours=hours)
                if run_at > now:
                    tasks.send_booking_reminder.using(run_after=run_at).enqueue(
                        booking.pk, booking.start.isoformat(), booking.sequence, hours
                    )
            tasks.complete_booking.using(run_after=booking.end + timedelta(hours=12)).enqueue(booking.pk)

    transaction.on_commit(enqueue)


def _notify_booking(booking: Booking, *, recipient: User, kind: str, message: str) -> None:
    notification_create(recipient=recipient, kind=kind, message=message, url=booking.get_absolute_url())


def booking_request(
    *,
    mentee: User,
    session_type: SessionType,
    start: datetime,
    agenda: str,
    mentee_timezone: str | None = None,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book ``start`` with a mentor. Confirmed at once, or a request the mentor must answer.

    Raises ``SlotTakenError`` when another booking holds the time (however many
    people asked at once, exactly one wins), and ``ValidationError`` for every
    other reason the time cannot be booked.
    """
    now = now or timezone.now()
    agenda = (agenda or "").strip()
    _booking_request_check(mentee=mentee, session_type=session_type, agenda=agenda)
    try:
        with transaction.atomic():
            mentor = _lock_mentor(session_type.mentor)
            session_type.mentor = mentor
            _expire_lapsed_requests(mentor=mentor, mentee=mentee, now=now)
            _check_mentee_cap(mentee=mentee, session_type=session_type, now=now)
            end = _validate_new_time(session_type=session_type, mentee=mentee, start=start, now=now)
            booking = _booking_create(
                mentee=mentee,
                session_type=session_type,
                start=start,
                end=end,
                agenda=agenda,
                mentee_timezone=mentee_timezone or settings.RABTA["DEFAULT_VIEWER_TIMEZONE"],
                now=now,
            )
            audit_record(
                actor=mentee,
                event="mentorship.booking.request"
                if booking.status == Booking.Status.REQUESTED
                else "mentorship.booking.confirm",
                target=booking,
                data={"start": start.isoformat()},
                ip_address=ip_address,
            )
            _notify_new_booking(booking)
            _schedule_follow_ups(booking, now)
    except IntegrityError:
        # The database's own guard (unique start, or the PostgreSQL exclusion
        # constraint) caught a booking that raced past the checks.
        raise SlotTakenError() from None
    return booking


def _booking_request_check(*, mentee: User, session_type: SessionType, agenda: str) -> None:
    """What can be refused before any lock: a mentor not taking this kind of session, booking oneself, and
    an agenda too short for the mentor to prepare."""
    mentor = session_type.mentor
    if not session_type.is_active or not mentor.is_listed:
        raise ValidationError(_("This mentor is not taking bookings of this kind."))
    if mentee.pk == mentor.user_id:
        raise ValidationError(_("You cannot book a session with yourself."))
    if len(agenda) < 10:
        raise ValidationError({"agenda": _("Tell the mentor in a sentence what you would like to discuss.")})


def _check_mentee_cap(*, mentee: User, session_type: SessionType, now: datetime) -> None:
    """A mentee holds at most ``per_mentee_cap`` upcoming sessions with one mentor (counted under the
    mentor's lock, so two tabs cannot both take the last one)."""
    upcoming = holding_bookings(now).filter(mentor=session_type.mentor, mentee=mentee, end__gt=now).count()
    if upcoming >= session_type.per_mentee_cap:
        raise ValidationError(
            _("You already have %(count)d upcoming sessions with this mentor, the most allowed.") % {"count": upcoming},
            code="mentee_cap",
        )


def _booking_create(
    *,
    mentee: User,
    session_type: SessionType,
    start: datetime,
    end: datetime,
    agenda: str,
    mentee_timezone: str,
    now: datetime,
) -> Booking:
    """The booking's row, with the session type's terms (buffers, reschedule cap) copied as they are today."""
    return Booking.objects.create(
        mentor=session_type.mentor,
        mentee=mentee,
        session_type=session_type,
        start=start,
        end=end,
        buffer_before_minutes=session_type.buffer_before_minutes,
        buffer_after_minutes=session_type.buffer_after_minutes,
        reschedule_cap=session_type.reschedule_cap,
        status=Booking.Status.REQUESTED if session_type.requires_approval else Booking.Status.CONFIRMED,
        agenda=agenda,
        mentee_timezone=mentee_timezone,
        meeting_url=_meeting_url(session_type),
        created_at=now,
        responded_at=None if session_type.requires_approval else now,
    )


def _notify_new_booking(booking: Booking) -> None:
    """The mentor hears of a request to answer or of a confirmed booking; the mentee of the confirmation."""
    mentor, mentee, title = booking.mentor, booking.mentee, booking.session_type.title
    if booking.status == Booking.Status.REQUESTED:
        _notify_booking(
            booking,
            recipient=mentor.user,
            kind="mentorship.booking.request",
            message=_("%(name)s asks for a session: %(title)s.") % {"name": mentee.display_name, "title": title},
        )
        return
    _notify_booking(
        booking,
        recipient=mentor.user,
        kind="mentorship.booking.confirm",
        message=_("%(name)s booked a session: %(title)s.") % {"name": mentee.display_name, "title": title},
    )
    _notify_booking(
        booking,
        recipient=mentee,
        kind="mentorship.booking.confirm",
        message=_("Your session with %(name)s is confirmed.") % {"name": mentor.user.display_name},
    )


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee", "session_type__mentor")
        .get(pk=booking.pk)
    )


def booking_accept(*, actor: User, booking: Booking, ip_address: str | None = None, now: datetime | None = None):
    now = now or timezone.now()
    with transaction.atomic():
        accepted = _booking_accept(actor=actor, booking=booking, ip_address=ip_address, now=now)
    if accepted is None:
        # Raised after the block, so the expiry itself is committed, not rolled back with the refusal.
        raise ValidationError(_("This request has expired; its time is free again."))
    return accepted


def _booking_accept(*, actor: User, booking: Booking, ip_address: str | None, now: datetime) -> Booking | None:
    """Accept inside the caller's transaction; ``None`` when the request had lapsed (and is now expired)."""
    booking = _lock_booking(booking)
    if actor.pk != booking.mentor.user_id:
        raise PermissionDenied
    if booking.status != Booking.Status.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    if booking.created_at <= now - request_ttl():
        _expire(booking)
        return None
    if booking.start <= now:
        raise ValidationError(_("This session's time has passed."))
    booking.status = Booking.Status.CONFIRMED
    booking.responded_at = now
    booking.sequence += 1
    booking.save(update_fields=["status", "responded_at", "sequence"])
    audit_record(actor=actor, event="mentorship.booking.accept", target=booking, ip_address=ip_address)
    _notify_booking(
        booking,
        recipient=booking.mentee,
        kind="mentorship.booking.accept",
        message=_("%(name)s confirmed your session.") % {"name": booking.mentor.user.display_name},
    )
    _schedule_follow_ups(booking, now)
    return booking


@transaction.atomic
def booking_decline(
    *, actor: User, booking: Booking, reason: str = "", ip_address: str | None = None, now: datetime | None = None
):
    now = now or timezone.now()
    booking = _lock_booking(booking)
    if actor.pk != booking.mentor.user_id:
        raise PermissionDenied
    if booking.status != Booking.Status.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    booking.status = Booking.Status.DECLINED
    booking.responded_at = now
    booking.decline_reason = reason.strip()[:500]
    booking.save(update_fields=["status", "responded_at", "decline_reason"])
    audit_record(actor=actor, event="mentorship.booking.decline", target=booking, ip_address=ip_address)
    _notify_booking(
        booking,
        recipient=booking.mentee,
        kind="mentorship.booking.decline",
        message=_("%(name)s declined your session request.") % {"name": booking.mentor.user.display_name},
    )
    return booking


@transaction.atomic
def booking_cancel(
    *, actor: User, booking: Booking, reason: str, ip_address: str | None = None, now: datetime | None = None
):
    """Either side cancels before the start. Inside the free-cancellation window it counts as late."""
    now = now or timezone.now()
    booking = _lock_booking(booking)
    if actor.pk not in (booking.mentee_id, booking.mentor.user_id):
        raise PermissionDenied
    if not booking.is_active:
        raise ValidationError(_("Only waiting or confirmed sessions can be cancelled."))
    if booking.start <= now:
        raise ValidationError(_("This session has already started and can no longer be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say briefly why you cancel; the other side will read it.")})
    booking.cancelled_late = cancel_is_late(booking, now)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.cancel_reason = reason[:500]
    booking.sequence += 1
    booking.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "cancelled_late", "sequence"]
    )
    realtime.close_room_on_commit(booking.pk)
    audit_record(
        actor=actor,
        event="mentorship.booking.cancel",
        target=booking,
        data={"late": booking.cancelled_late},
        ip_address=ip_address,
    )
    other = booking.mentor.user if actor.pk == booking.mentee_id else booking.mentee
    _notify_booking(
        booking,
        recipient=other,
        kind="mentorship.booking.cancel",
        message=_("%(name)s cancelled your session: %(reason)s") % {"name": actor.display_name, "reason": reason},
    )
    return booking


def booking_reschedule(
    *, actor: User, booking: Booking, new_start: datetime, ip_address: str | None = None, now: datetime | None = None
) -> Booking:
    """Move a booking to another free slot, keeping its history and its calendar identity.

    Refused (``ValidationError`` with code ``cannot_move``) for the reasons of
    ``permissions.reschedule_refusal``: not waiting or confirmed, moved as often as its cap
    allows, or inside the reschedule window. The new booking counts one more move and records
    who made it.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            booking = _lock_booking(booking)
            if not is_participant(actor, booking):
                raise PermissionDenied
            refusal = reschedule_refusal(booking, now)
            if refusal is not None:
                raise ValidationError(refusal, code="cannot_move")
            session_type = booking.session_type
            session_type.mentor = _lock_mentor(booking.mentor)
            end = _validate_new_time(
                session_type=session_type, mentee=booking.mentee, start=new_start, now=now, exclude=booking
            )
            old_status = booking.status
            booking.status = Booking.Status.RESCHEDULED
            booking.save(update_fields=["status"])
            realtime.close_room_on_commit(booking.pk)
            keeps_confirmation = old_status == Booking.Status.CONFIRMED and (
                actor.pk == booking.mentor.user_id or not session_type.requires_approval
            )
            moved = Booking.objects.create(
                mentor=booking.mentor,
                mentee=booking.mentee,
                session_type=session_type,
                start=new_start,
                end=end,
                buffer_before_minutes=booking.buffer_before_minutes,
                buffer_after_minutes=booking.buffer_after_minutes,
                status=Booking.Status.CONFIRMED if keeps_confirmation else Booking.Status.REQUESTED,
                agenda=booking.agenda,
                mentee_timezone=booking.mentee_timezone,
                meeting_url=booking.meeting_url,
                uid=booking.uid,
                sequence=booking.sequence + 1,
                rescheduled_from=booking,
                rescheduled_by=actor,
                reschedule_count=booking.reschedule_count + 1,
                reschedule_cap=booking.reschedule_cap,
                created_at=now,
                responded_at=now if keeps_confirmation else None,
            )
            audit_record(
                actor=actor,
                event="mentorship.booking.reschedule",
                target=moved,
                data={"from": booking.start.isoformat(), "to": new_start.isoformat(), "previous": booking.pk},
                ip_address=ip_address,
            )
            other = booking.mentor.user if actor.pk == booking.mentee_id else booking.mentee
            _notify_booking(
                moved,
                recipient=other,
                kind="mentorship.booking.reschedule",
                message=_("%(name)s moved your session to a new time.") % {"name": actor.display_name},
            )
            _schedule_follow_ups(moved, now)
    except IntegrityError:
        raise SlotTakenError() from None
    return moved


@transaction.atomic
def booking_complete(*, actor: User | None, booking: Booking, now: datetime | None = None) -> Booking:
    """Mark a confirmed session held, once it has ended (the mentor, or the worker after a while)."""
    now = now or timezone.now()
    booking = _lock_booking(booking)
    if actor is not None and actor.pk != booking.mentor.user_id:
        raise PermissionDenied
    if booking.status != Booking.Status.CONFIRMED:
        raise ValidationError(_("Only confirmed sessions can be marked as held."))
    if booking.end > now:
        raise ValidationError(_("A session can be marked as held once it has ended."))
    booking.status = Booking.Status.COMPLETED
    booking.save(update_fields=["status"])
    audit_record(actor=actor, event="mentorship.booking.complete", target=booking)
    for recipient, other in ((booking.mentee, booking.mentor.user), (booking.mentor.user, booking.mentee)):
        _notify_booking(
            booking,
            recipient=recipient,
            kind="mentorship.booking.complete",
            message=_("How did %(title)s with %(name)s go? Leave them your feedback.")
            % {"title": booking.session_type.title, "name": other.display_name},
        )
    return booking


@transaction.atomic
def booking_mark_no_show(*, actor: User, booking: Booking, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    booking = _lock_booking(booking)
    if actor.pk != booking.mentor.user_id:
        raise PermissionDenied
    if booking.status != Booking.Status.CONFIRMED or booking.start > now:
        raise ValidationError(_("A no-show can be recorded only for a confirmed session that has started."))
    booking.status = Booking.Status.NO_SHOW
    booking.save(update_fields=["status"])
    audit_record(actor=actor, event="mentorship.booking.no_show", target=booking)
    return booking


@transaction.atomic
def booking_expire(*, booking_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .filter(pk=booking_id, status=Booking.Status.REQUESTED, created_at__lte=now - request_ttl())
        .first()
    )
    if booking is None:
        return False
    _expire(booking)
    return True


# --- After the session -------------------------------------------------------


@transaction.atomic
def feedback_submit(
    *,
    author: User,
    booking: Booking,
    rating: int,
    comment: str = "",
    may_feature: bool = False,
    share_review: bool = False,
) -> Feedback:
    """The author's rating of a held session. ``share_review``: the founder also asks for it to be
    shown on the mentor's page (``review_share``), in the same step."""
    if author.pk not in (booking.mentee_id, booking.mentor.user_id):
        raise PermissionDenied
    if booking.status != Booking.Status.COMPLETED:
        raise ValidationError(_("Feedback opens once the session is marked as held."))
    if Feedback.objects.filter(booking=booking, author=author).exists():
        raise ValidationError(_("You already left feedback for this session."))
    feedback = Feedback(booking=booking, author=author, rating=rating, comment=comment.strip(), may_feature=may_feature)
    if share_review:
        refusal = review_share_refusal(feedback)
        if refusal is not None:
            raise ValidationError(refusal)
        feedback.review = Feedback.Review.PENDING
        feedback.review_changed_at = timezone.now()
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=author,
        event="mentorship.feedback.create",
        target=feedback,
        data={"rating": rating, "review": feedback.review},
    )
    both = list(Feedback.objects.filter(booking=booking))
    if len(both) == 2 and all(f.rating >= FEATURE_RATING and f.may_feature for f in both):
        transaction.on_commit(lambda: session_featurable.send(sender=Booking, booking=booking))
    return feedback


# Both sides rate a session at least this high (and agree) before an editor is offered its story.
FEATURE_RATING = 4


# --- Reviews -------------------------------------------------------------------


def _locked_feedback(feedback: Feedback) -> Feedback:
    return (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("booking__mentor__user", "author")
        .get(pk=feedback.pk)
    )


def _set_review(feedback: Feedback, review: str, *, by: User | None = None) -> None:
    feedback.review = review
    feedback.review_changed_at = timezone.now()
    feedback.reviewed_by = by
    feedback.save(update_fields=["review", "review_changed_at", "reviewed_by"])


@transaction.atomic
def review_share(*, actor: User, feedback: Feedback) -> Feedback:
    """The founder asks for their feedback to be shown on the mentor's page; staff read it first."""
    feedback = _locked_feedback(feedback)
    if feedback.author_id != actor.pk:
        raise PermissionDenied
    refusal = review_share_refusal(feedback)
    if refusal is not None:
        raise ValidationError(refusal)
    _set_review(feedback, Feedback.Review.PENDING)
    audit_record(actor=actor, event="mentorship.review.share", target=feedback)
    return feedback


@transaction.atomic
def review_withdraw(*, actor: User, feedback: Feedback) -> Feedback:
    """Its author takes a review down, waiting or published: it is private again at once."""
    feedback = _locked_feedback(feedback)
    if feedback.author_id != actor.pk:
        raise PermissionDenied
    if feedback.review not in (Feedback.Review.PENDING, Feedback.Review.PUBLISHED):
        raise ValidationError(_("This feedback is not shared."))
    was = feedback.review
    _set_review(feedback, Feedback.Review.PRIVATE)
    audit_record(actor=actor, event="mentorship.review.withdraw", target=feedback, data={"was": was})
    return feedback


@transaction.atomic
def review_moderate(*, actor: User, feedback: Feedback, publish: bool) -> Feedback:
    """Staff publish a waiting review on the mentor's page, or decline it (a published one too: taken
    down). The mentor is told of a published review; the founder of a declined one."""
    if not can_moderate_reviews(actor):
        raise PermissionDenied
    feedback = _locked_feedback(feedback)
    refusal = review_moderation_refusal(feedback, publish=publish)
    if refusal is not None:
        raise ValidationError(refusal)
    mentor = feedback.booking.mentor
    if publish:
        _set_review(feedback, Feedback.Review.PUBLISHED, by=actor)
        audit_record(actor=actor, event="mentorship.review.publish", target=feedback)
        notification_create(
            recipient=mentor.user,
            kind="mentorship.review.publish",
            message=_("A review from %(name)s is now on your mentor page.") % {"name": feedback.author.display_name},
            url=mentor.get_absolute_url(),
        )
    else:
        was = feedback.review
        _set_review(feedback, Feedback.Review.DECLINED, by=actor)
        audit_record(actor=actor, event="mentorship.review.decline", target=feedback, data={"was": was})
        notification_create(
            recipient=feedback.author,
            kind="mentorship.review.decline",
            message=_("Your review of %(name)s was not published. Your rating still counts.")
            % {"name": mentor.user.display_name},
            url=feedback.booking.get_absolute_url(),
        )
    return feedback


@transaction.atomic
def endorsement_create(*, mentor: Mentor, founder: User, text: str) -> Endorsement:
    """A mentor endorses a founder after at least one completed session together."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a sentence or two about the founder.")})
    refusal = endorsement_refusal(mentor, founder)
    if refusal is not None:
        raise ValidationError(refusal)
    endorsement = Endorsement.objects.create(mentor=mentor, founder=founder, text=text[:1500])
    audit_record(actor=mentor.user, event="mentorship.endorsement.create", target=endorsement)
    notification_create(
        recipient=founder,
        kind="mentorship.endorsement.create",
        message=_("%(name)s endorsed you.") % {"name": mentor.user.display_name},
        url=founder.profile.get_absolute_url() if hasattr(founder, "profile") else "",
    )
    bump_pages_on_commit("profiles")
    return endorsement


# --- Calendar feed -----------------------------------------------------------


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarFeed:
    """Replace the secret URL: calendars subscribed to the old one stop receiving sessions."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    feed.token = new_feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    audit_record(actor=user, event="mentorship.calendar_feed.revoke", target=feed)
    return feed


# --- Session room ------------------------------------------------------------

# How many times a message is stored again after another took its sequence number.
ROOM_SEQ_ATTEMPTS = 20


def room_message_post(
    *, booking: Booking, author: User, client_id, body: str, broadcast: bool = False
) -> tuple[RoomMessage, bool]:
    """Store a room message once per (author, client id); return it and whether it is new.

    The caller has checked access (``permissions.access_room``) and that the
    room is open. Sending the same ``client_id`` again returns the stored
    message unchanged.

    ``broadcast`` tells the room's live connections after commit, a resend too (the first broadcast
    may be what was lost; clients draw each sequence number once): for the page that sends without
    JavaScript. The room's consumer broadcasts itself, before its acknowledgement, with its own
    timeout (``mentorship.consumers``).

    One INSERT on the usual path: it takes the room's next sequence number
    itself (``RoomMessage.save``). A refused INSERT is either a resend (the
    unique author and client id: the stored message is returned) or another
    message of the same room stored at the same moment with the same number
    (the unique booking and number: stored again with the next one).
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("A message cannot be empty."), code="empty")
    _refuse_unsafe_text(body)
    limit = settings.RABTA["ROOM_MESSAGE_MAX_CHARS"]
    if len(body) > limit:
        raise ValidationError(_("A message can be at most %(limit)d characters.") % {"limit": limit}, code="too_long")
    # Outside a transaction the INSERT commits on its own (no BEGIN/COMMIT round
    # trips); inside one, a savepoint keeps a refused INSERT from breaking it.
    for _attempt in range(ROOM_SEQ_ATTEMPTS):
        atomic = transaction.atomic() if not transaction.get_autocommit() else contextlib.nullcontext()
        try:
            with atomic:
                message = RoomMessage.objects.create(booking=booking, author=author, client_id=client_id, body=body)
            created = True
        except IntegrityError:
            message = RoomMessage.objects.filter(booking=booking, author=author, client_id=client_id).first()
            if message is None:
                continue
            created = False
        if broadcast:
            transaction.on_commit(lambda stored=message: realtime.broadcast_message(booking.pk, stored))
        return message, created
    raise OperationalError("The room is too busy to store the message; try again.")


def _refuse_unsafe_text(text: str) -> None:
    """A NUL byte or a lone surrogate, which no database column holds. Forms never bring one
    (``core.middleware.BadInputMiddleware`` refuses the request), but WebSocket frames do not
    pass through Django's middleware."""
    if UNSAFE_TEXT.search(text):
        raise ValidationError(_("Remove the control characters from your text."), code="bad_characters")


@transaction.atomic
def session_notes_save(
    *, booking: Booking, author: User, text: str, base_version: int, broadcast: bool = False
) -> tuple[SessionNotes, bool]:
    """Save the shared notes if they were edited from the current version.

    Returns ``(notes, saved)``. When someone else saved in between, nothing is
    written and the current notes come back, so the editor can see them and
    merge instead of overwriting. ``broadcast`` tells the room's live connections of saved notes
    after commit (the page without JavaScript; the consumer broadcasts itself).
    """
    limit = SessionNotes._meta.get_field("text").max_length
    if len(text) > limit:
        raise ValidationError(_("Notes can be at most %(limit)d characters.") % {"limit": limit})
    _refuse_unsafe_text(text)
    notes, _created = SessionNotes.objects.get_or_create(booking=booking)
    notes = SessionNotes.objects.select_for_update().get(pk=notes.pk)
    if notes.version != base_version:
        return notes, False
    notes.text = text
    notes.version += 1
    notes.updated_by = author
    notes.updated_at = timezone.now()
    notes.save(update_fields=["text", "version", "updated_by", "updated_at"])
    if broadcast:
        transaction.on_commit(lambda: realtime.broadcast_notes(booking.pk, notes))
    return notes, True
