"""Who may see and change what in mentorship. One place, reused by pages,
calendar files and (later) the session room consumer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentorship.models import Booking, Endorsement, Feedback, Mentor
from network.permissions import can_open_staff_tools, is_member


def is_participant(user, booking: Booking) -> bool:
    return is_member(user) and user.pk in (booking.mentee_id, booking.mentor.user_id)


def access_booking(user, pk: int, related: tuple[str, ...] = ()) -> Booking:
    """Return the booking if ``user`` is its mentor or its mentee; 404 for anyone else.

    ``related`` names more relations to load in the same query."""
    if not is_member(user):
        raise Http404
    booking = (
        Booking.objects.select_related("mentor__user__profile", "mentee__profile", "session_type", *related)
        .involving(user)
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def access_own_mentor(user) -> Mentor:
    """The signed-in member's own mentor record (any status); 404 if they are not a mentor."""
    if not is_member(user):
        raise Http404
    try:
        return Mentor.objects.select_related("user__profile").get(user=user)
    except Mentor.DoesNotExist:
        raise Http404 from None


def can_manage_mentoring(user) -> bool:
    """Whoever has a mentor record (any status, as ``access_own_mentor``): their requests and hours."""
    return is_member(user) and Mentor.objects.filter(user=user).exists()


def can_vet_mentors(user) -> bool:
    """Staff who may approve mentors in the Django admin (which asks for the second factor on the way in)."""
    return can_open_staff_tools(user) and user.has_perm("mentorship.change_mentor")


def access_listed_mentor(pk: int, viewer=None) -> Mentor:
    """A mentor ``viewer`` may look at and book: approved, active, and for a visitor (``viewer`` None or
    signed out) one whose profile is public; 404 otherwise."""
    try:
        return Mentor.objects.visible_to(viewer).select_related("user__profile").get(pk=pk)
    except Mentor.DoesNotExist:
        raise Http404 from None


def can_book(user, mentor: Mentor) -> bool:
    return is_member(user) and mentor.is_listed and user.pk != mentor.user_id


def reschedule_refusal(booking: Booking, now: datetime) -> str | None:
    """Why ``booking`` cannot be moved to another time at ``now``, or None when it can.

    A session can be moved while it is waiting or confirmed, fewer times than its cap (taken from
    its session type when it was booked), and until the session type's reschedule window.
    """
    if not booking.is_active:
        return _("Only waiting or confirmed sessions can be moved.")
    if booking.reschedules_left == 0:
        if booking.reschedule_cap == 0:
            return _("Sessions of this kind cannot be moved. Cancel instead, if you must.")
        return ngettext(
            "This session has already been moved %(count)d time, the most allowed. Cancel instead, if you must.",
            "This session has already been moved %(count)d times, the most allowed. Cancel instead, if you must.",
            booking.reschedule_count,
        ) % {"count": booking.reschedule_count}
    hours = booking.session_type.reschedule_window_hours
    if booking.start - now < timedelta(hours=hours):
        return _("Sessions can be moved until %(hours)d hours before they start. Cancel instead, if you must.") % {
            "hours": hours
        }
    return None


def can_reschedule_booking(user, booking: Booking, now: datetime) -> bool:
    """Whether ``user`` (a participant) may move ``booking`` to another time at ``now``."""
    return is_participant(user, booking) and reschedule_refusal(booking, now) is None


def cancel_is_late(booking: Booking, now: datetime) -> bool:
    """Whether cancelling ``booking`` at ``now`` counts as late: a confirmed session inside its session
    type's free-cancellation window. The page warns before; the service records it."""
    window = timedelta(hours=booking.session_type.cancel_window_hours)
    return booking.status == Booking.Status.CONFIRMED and booking.start - now < window


def endorsement_refusal(mentor: Mentor, founder) -> str | None:
    """Why ``mentor`` may not endorse ``founder``, or None when they may: at least one completed
    session together, and one endorsement per mentor and founder."""
    if not Booking.objects.filter(mentor=mentor, mentee=founder, status=Booking.Status.COMPLETED).exists():
        return _("You can endorse a founder after at least one completed session with them.")
    if Endorsement.objects.filter(mentor=mentor, founder=founder).exists():
        return _("You have already endorsed this founder.")
    return None


def can_endorse_founder(user, booking: Booking) -> bool:
    """Whether ``user`` may endorse the founder of ``booking`` from its page: its mentor, once it was
    held, and not twice."""
    return (
        is_member(user)
        and booking.mentor.user_id == user.pk
        and booking.status == Booking.Status.COMPLETED
        and endorsement_refusal(booking.mentor, booking.mentee) is None
    )


def review_share_refusal(feedback: Feedback) -> str | None:
    """Why ``feedback`` may not go to staff as a review of the mentor, or None when it may: the
    founder's own feedback on the session (a mentor's rating of a founder is never public), with a
    comment, kept private so far. A declined review stays declined."""
    if feedback.author_id != feedback.booking.mentee_id:
        return _("Only the founder's feedback on a session can be shared as a review.")
    if not feedback.comment:
        return _("Write a comment to share it as a review.")
    if feedback.review != Feedback.Review.PRIVATE:
        return _("This feedback has already been shared.")
    return None


def can_share_review(user, feedback: Feedback | None) -> bool:
    """Whether ``user`` may share ``feedback`` as a review (the form and the service ask the same)."""
    return (
        feedback is not None
        and is_member(user)
        and feedback.author_id == user.pk
        and review_share_refusal(feedback) is None
    )


def can_withdraw_review(user, feedback: Feedback | None) -> bool:
    """Its author may take a shared review down at any time, waiting or published."""
    return (
        feedback is not None
        and is_member(user)
        and feedback.author_id == user.pk
        and feedback.review in (Feedback.Review.PENDING, Feedback.Review.PUBLISHED)
    )


def review_moderation_refusal(feedback: Feedback, *, publish: bool) -> str | None:
    """Why staff may not publish (or decline) ``feedback``, or None when they may: a waiting review is
    published or declined; a published one can be taken down (declined) later; a review whose
    author has left is never published."""
    if publish:
        if feedback.review != Feedback.Review.PENDING:
            return _("This review is not waiting for staff.")
        if not feedback.author.is_active:
            return _("The author of this review has left Rabta.")
        return None
    if feedback.review not in (Feedback.Review.PENDING, Feedback.Review.PUBLISHED):
        return _("This review is neither waiting nor published.")
    return None


def can_moderate_reviews(user) -> bool:
    """Staff who read shared reviews before they appear, in the Django admin."""
    return can_open_staff_tools(user) and user.has_perm("mentorship.moderate_review")


def require_mentor_of(user, booking: Booking) -> None:
    if not is_member(user) or booking.mentor.user_id != user.pk:
        raise PermissionDenied


class RoomState:
    OPEN = "open"
    READ_ONLY = "read_only"


ROOM_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)


def room_state(booking: Booking, now: datetime) -> str | None:
    """Whether the booking's room is open, read-only, or (None) closed at ``now``."""
    if booking.status not in ROOM_STATUSES:
        return None
    opens = booking.start - timedelta(minutes=settings.RABTA["ROOM_OPENS_MINUTES_BEFORE"])
    read_only_from = booking.end + timedelta(hours=settings.RABTA["ROOM_READ_ONLY_HOURS_AFTER"])
    if now < opens:
        return None
    return RoomState.OPEN if now < read_only_from else RoomState.READ_ONLY


def access_room(
    user, booking_id: int, now: datetime | None = None, related: tuple[str, ...] = ()
) -> tuple[Booking, str]:
    """The booking and its room state, for its two participants while the room exists.

    Used by the room page and the WebSocket consumer alike. Raises ``Http404``
    for anyone who is not a participant, and ``PermissionDenied`` (with a
    reason) for participants when the room is not open: cancelled or not
    confirmed bookings, and before the room opens.
    """
    booking = access_booking(user, booking_id, related)
    state = room_state(booking, now or timezone.now())
    if state is None:
        if booking.status not in ROOM_STATUSES:
            raise PermissionDenied("This session is not confirmed, so it has no room.")
        raise PermissionDenied("The room opens an hour before the session.")
    return booking, state
