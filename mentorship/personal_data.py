"""What mentorship adds to a member's data download, and does when they delete their account
(registered with ``network.personal_data`` in ``MentorshipConfig.ready``)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from mentorship.models import Booking, CalendarFeed, Endorsement, Feedback, Mentor, RoomMessage


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export(user) -> dict[str, Any]:
    """The member's mentor settings, their sessions (either side), the room messages *they* wrote,
    the feedback they gave and the endorsements they gave or received."""
    mentor = Mentor.objects.filter(user=user).first()
    bookings = (
        Booking.objects.involving(user)
        .select_related("mentor__user__profile", "mentee__profile", "session_type")
        .order_by("start", "id")
    )
    return {
        "mentor": (
            {
                "status": mentor.status,
                "timezone": mentor.timezone,
                "expertise": mentor.expertise,
                "meeting_url": mentor.meeting_url,
                "created_at": _iso(mentor.created_at),
            }
            if mentor
            else None
        ),
        "sessions": [
            {
                "id": b.pk,
                "role": "mentor" if b.mentee_id != user.pk else "founder",
                "with": (b.mentee if b.mentee_id != user.pk else b.mentor.user).display_name,
                "session_type": b.session_type.title,
                "start": _iso(b.start),
                "end": _iso(b.end),
                "status": b.status,
                "agenda": b.agenda,
                "cancel_reason": b.cancel_reason,
                "cancelled_by_you": b.cancelled_by_id == user.pk,
            }
            for b in bookings
        ],
        "room_messages": [
            {"session": m.booking_id, "body": m.body, "sent_at": _iso(m.created_at)}
            for m in RoomMessage.objects.filter(author=user).order_by("id")
        ],
        "feedback": [
            {
                "session": f.booking_id,
                "rating": f.rating,
                "comment": f.comment,
                "may_feature": f.may_feature,
                "review": f.review,
                "review_changed_at": _iso(f.review_changed_at) if f.review_changed_at else None,
                "at": _iso(f.created_at),
            }
            for f in Feedback.objects.filter(author=user).order_by("created_at", "id")
        ],
        "endorsements": [
            {
                "given": e.mentor.user_id == user.pk,
                "other_member": (e.founder if e.mentor.user_id == user.pk else e.mentor.user).display_name,
                "text": e.text,
                "at": _iso(e.created_at),
            }
            for e in Endorsement.objects.filter(Q(mentor__user=user) | Q(founder=user))
            .select_related("mentor__user__profile", "founder__profile")
            .order_by("created_at", "id")
        ],
    }


def erase(*, user, now: datetime) -> None:
    """Cancel the member's sessions still to come (through the cancel service, so the other side is
    told), revoke their calendar feed, empty their mentor settings and remove endorsements of them.

    Kept, attributed to "a former member": past sessions, room messages (the other participant's
    history too), shared notes, feedback they gave (a mentor's ratings rest on it) and endorsements
    they gave (the founder's). Their reviews go back to private: no words of theirs stay on a
    mentor's page once they have left.
    """
    from mentorship.services import booking_cancel

    upcoming = Booking.objects.involving(user).filter(status__in=Booking.ACTIVE_STATUSES, start__gt=now)
    for booking in upcoming.select_related("mentor__user", "mentee"):
        with contextlib.suppress(ValidationError):  # started meanwhile: it ends as any session does
            booking_cancel(actor=user, booking=booking, reason=_("The member closed their Rabta account."), now=now)
    CalendarFeed.objects.filter(user=user).delete()
    Mentor.objects.filter(user=user).update(expertise="", meeting_url="", status=Mentor.Status.SUSPENDED)
    Endorsement.objects.filter(founder=user).delete()
    Feedback.objects.filter(author=user).exclude(review=Feedback.Review.PRIVATE).update(
        review=Feedback.Review.PRIVATE, review_changed_at=now
    )
