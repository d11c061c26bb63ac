"""The blocks of a member's home (``/dashboard/``): what each of their roles has to do next.

network must not import the apps built on it, so each app registers a function here (in its
``AppConfig.ready``) that returns the blocks it has for ``user``, decided by that app's own
permission predicates and built from its selectors. A function runs a fixed number of queries
whatever the data, so the home's query count does not grow with it. A member with several roles
sees each role's blocks; a member for whom no app has a block sees where to start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network import selectors
from network.permissions import is_member

#: The roles, in the order their blocks appear, with the heading that groups them.
ROLES = {
    "founder": gettext_lazy("As a founder"),
    "mentor": gettext_lazy("As a mentor"),
    "investor": gettext_lazy("As an investor"),
    "incubator": gettext_lazy("As an incubator manager"),
    "editor": gettext_lazy("As an editor or staff member"),
    "member": gettext_lazy("As a member"),
    "start": gettext_lazy("Where to start"),
}


@dataclass(frozen=True)
class Item:
    """One line of a block: what it is, where it leads, a detail ("expires in 5 hours") and,
    when something can be done right now, an action link ("Join the room")."""

    text: str
    url: str = ""
    detail: str = ""
    action: str = ""
    action_url: str = ""


@dataclass(frozen=True)
class Block:
    """A block of the home: a title, an exact count when there is one, its lines, and the page where
    the work is done."""

    role: str
    key: str  # unique on the page: the id of its heading
    title: str
    url: str
    link: str
    count: int | None = None
    items: list[Item] = field(default_factory=list)
    empty: str = ""


@dataclass(frozen=True)
class RoleGroup:
    role: str
    heading: str
    blocks: list[Block]


BlocksFunction = Callable[..., list[Block]]

_functions: list[BlocksFunction] = []


def register(function: BlocksFunction) -> BlocksFunction:
    if function not in _functions:
        _functions.append(function)
    return function


def blocks_for(*, user) -> list[RoleGroup]:
    """Every registered app's blocks for ``user``, grouped by role in ``ROLES`` order; the "where to
    start" group when no role has any (only the ``member`` role's own blocks do not count)."""
    blocks = [block for function in _functions for block in function(user=user)]
    if not any(block.role != "member" for block in blocks):
        blocks = [*start_blocks(), *blocks]
    groups = []
    for role, heading in ROLES.items():
        mine = [block for block in blocks if block.role == role]
        if mine:
            groups.append(RoleGroup(role=role, heading=str(heading), blocks=mine))
    return groups


def start_blocks() -> list[Block]:
    return [
        Block(
            role="start",
            key="start",
            title=_("Get started on Rabta"),
            url=reverse("network:profile-edit"),
            link=_("Edit your profile"),
            items=[
                Item(_("Find a mentor and book a session"), reverse("mentorship:mentor-list")),
                Item(_("Open calls: cohorts taking applications"), reverse("investments:open-calls")),
                Item(_("Add your startup or incubator"), reverse("network:organisation-create")),
                Item(_("Browse the members directory"), reverse("network:member-list")),
            ],
        )
    ]


def network_blocks(*, user) -> list[Block]:
    """Introductions waiting for ``user``'s answer: two queries (the count and the five oldest)."""
    if not is_member(user):
        return []
    waiting = selectors.introduction_list_received(user=user).open()
    count = waiting.count()
    if not count:
        return []
    return [
        Block(
            role="member",
            key="introductions",
            title=_("Introductions waiting for your answer"),
            url=reverse("network:introduction-list"),
            link=_("All introductions"),
            count=count,
            items=[
                Item(
                    intro.requester.display_name,
                    intro.get_absolute_url(),
                    detail=_("asked %(when)s ago") % {"when": _timesince(intro.created_at)},
                )
                for intro in waiting.order_by("created_at", "id")[:5]
            ],
        )
    ]


def _timesince(moment) -> str:
    from django.utils.timesince import timesince

    return timesince(moment, depth=1)
