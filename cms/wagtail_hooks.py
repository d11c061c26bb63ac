"""Wagtail admin hooks: members appear with their own photo, never one fetched from Gravatar; the
admin's scripts may create styles under its Content-Security-Policy (cms/admin_csp.py)."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks

from cms.templatetags.editors_csp import editors_nonce_attr
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


@hooks.register("insert_global_admin_js")
def editors_style_nonce() -> str:
    """First of the admin's own scripts: styles that Wagtail's scripts create get the nonce."""
    return format_html('<script src="{}" {}></script>', static("js/editors_csp.js"), editors_nonce_attr())
