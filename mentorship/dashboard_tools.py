"""What mentorship adds to "Your tools" on the dashboard (``network.dashboard_tools``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from mentorship.models import Mentor
from mentorship.permissions import can_manage_mentoring, can_vet_mentors
from network.dashboard_tools import Tool


def mentoring_tools(*, user) -> list[Tool]:
    tools = []
    if can_manage_mentoring(user):
        tools.append(Tool(_("Session requests and upcoming sessions"), reverse("mentorship:mentor-dashboard")))
        tools.append(Tool(_("My weekly hours"), reverse("mentorship:mentor-availability")))
    if can_vet_mentors(user):
        pending = urlencode({"status__exact": Mentor.Status.PENDING})
        url = f"{reverse('admin:mentorship_mentor_changelist')}?{pending}"
        tools.append(Tool(_("Mentors waiting for vetting"), url))
    return tools
