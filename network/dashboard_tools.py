"""The "Your tools" links on a member's dashboard, one set per role.

network must not import the apps built on it, so each app registers a function here (in its
``AppConfig.ready``) that returns the links its pages offer ``user``, decided by that app's own
permission predicates. A function runs a fixed number of queries whatever the data, so the
dashboard's query count does not grow with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from network.permissions import can_open_staff_tools, can_use_wagtail_admin


@dataclass(frozen=True)
class Tool:
    label: str
    url: str


ToolsFunction = Callable[..., list[Tool]]

_functions: list[ToolsFunction] = []


def register(function: ToolsFunction) -> ToolsFunction:
    if function not in _functions:
        _functions.append(function)
    return function


def tools_for(*, user) -> list[Tool]:
    """Every registered app's links for ``user``, in the order the apps were registered."""
    return [tool for function in _functions for tool in function(user=user)]


def network_tools(*, user) -> list[Tool]:
    tools = []
    if can_use_wagtail_admin(user):
        tools.append(Tool(_("Stories and pages (Wagtail admin)"), reverse("wagtailadmin_home")))
    if can_open_staff_tools(user):
        tools.append(Tool(_("Django admin"), reverse("admin:index")))
    return tools
