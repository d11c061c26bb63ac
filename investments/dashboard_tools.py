"""What investments adds to "Your tools" on the dashboard (``network.dashboard_tools``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from investments.permissions import is_approved_investor
from investments.selectors import incubator_list_managed_by
from network.dashboard_tools import Tool
from network.permissions import can_open_staff_tools, is_member


def investment_tools(*, user) -> list[Tool]:
    tools = []
    if is_member(user):
        for incubator in incubator_list_managed_by(user=user):
            tools.append(
                Tool(
                    _("%(incubator)s: cohorts and applications") % {"incubator": incubator.name},
                    reverse("investments:incubator-dashboard", args=[incubator.slug]),
                )
            )
    if is_approved_investor(user):
        tools.append(Tool(_("Deal room"), reverse("deals:deal-list")))
    if can_open_staff_tools(user):
        tools.append(Tool(_("Investors waiting for vetting"), reverse("deals:investor-list")))
    return tools
