"""What mentorship adds to a member's profile page: their mentor booking link and endorsements."""

from __future__ import annotations

from mentorship.models import Endorsement, Mentor


def mentoring_section(*, profile, viewer) -> tuple[str, dict] | None:
    mentor = Mentor.objects.listed().filter(user_id=profile.user_id).only("pk").first()
    endorsements = list(
        Endorsement.objects.filter(founder_id=profile.user_id).select_related("mentor__user__profile")[:10]
    )
    if mentor is None and not endorsements:
        return None
    return "mentorship/includes/profile_section.html", {"mentor": mentor, "endorsements": endorsements}
