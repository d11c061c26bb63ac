"""How pages show a member to someone else: ``{% member_link user %}`` and ``{% member_profile_url user as url %}``.

The name comes from ``User.display_name`` ("a former member" once the account is deactivated or
deleted); the link only where the viewer may open the profile (``permissions.can_view_profile``):
never to a deactivated member, and to a members-only profile only for signed-in members. Pages
that show the same HTML to every visitor (they are cached) get the visitor's answer.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from network.permissions import can_view_profile

register = template.Library()


def _profile_url(context, user) -> str:
    if user is None or not user.is_active:
        return ""
    profile = getattr(user, "profile", None)
    viewer = context.get("user")
    if profile is None or not can_view_profile(viewer, profile):
        return ""
    return reverse("network:member-detail", args=[user.pk])


@register.simple_tag(takes_context=True)
def member_profile_url(context, user) -> str:
    """The URL of ``user``'s profile page if the viewer may open it, else an empty string."""
    return _profile_url(context, user)


@register.simple_tag(takes_context=True)
def member_link(context, user) -> str:
    """``user``'s name, linked to their profile where the viewer may open it."""
    if user is None:
        return ""
    url = _profile_url(context, user)
    if url:
        return format_html('<a href="{}">{}</a>', url, user.display_name)
    return format_html("{}", user.display_name)
