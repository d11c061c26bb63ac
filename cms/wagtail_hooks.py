"""Wagtail admin hooks: members appear with their own photo, never one fetched from Gravatar."""

from __future__ import annotations

from django.urls import reverse
from wagtail import hooks

from network.models import Profile


@hooks.register("get_avatar_url")
def member_photo_avatar(user, size: int) -> str | None:
    """The member's profile photo (served by the site, to those who may see the profile); without
    one, Wagtail's own default picture, as ``WAGTAIL_GRAVATAR_PROVIDER_URL`` is off."""
    if not getattr(user, "pk", None) or not user.is_active:
        return None  # a former member's photo is not shown anywhere
    if not Profile.objects.filter(user_id=user.pk).exclude(photo="").exists():
        return None
    return reverse("network:member-photo", args=[user.pk])

