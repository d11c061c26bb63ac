"""What cms adds to a member's home (``network.dashboard_blocks``): the stories waiting for an editor."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cms import selectors
from network.dashboard_blocks import Block, Item
from network.permissions import can_use_wagtail_admin


def story_blocks(*, user) -> list[Block]:
    if not can_use_wagtail_admin(user):
        return []
    drafts = selectors.story_drafts_offered()
    return [
        Block(
            role="editor",
            key="story-drafts",
            title=_("Stories offered from outcomes"),
            url=reverse("wagtailadmin_home"),
            link=_("Stories and pages (Wagtail admin)"),
            count=drafts["count"],
            items=[
                Item(story.title, reverse("wagtailadmin_pages:edit", args=[story.pk])) for story in drafts["oldest"]
            ],
            empty=_("No draft stories are waiting."),
        )
    ]
