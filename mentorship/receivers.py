"""What makes cached mentorship pages stale (``network.pagecache`` namespace "mentors"): a mentor's
settings, session types, weekly hours, extra hours and blocked dates (the availability filter and
"no weekly hours yet"), bookings, feedback and endorsements (sessions held, ratings, members' lists
of sessions). Connected in ``MentorshipConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

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
from network.pagecache import bump_pages_on_commit


def _mentors_changed(sender, **kwargs) -> None:
    bump_pages_on_commit("mentors")


def connect() -> None:
    for model in (Mentor, SessionType, AvailabilityRule, ExtraHours, BlockedDate, Booking, Feedback, Endorsement):
        post_save.connect(_mentors_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-save")
        post_delete.connect(_mentors_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-delete")
