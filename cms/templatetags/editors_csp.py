"""``{% editors_nonce_attr %}``: the admin request's CSP nonce on a script Wagtail writes inline."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from cms.admin_csp import current_nonce

register = template.Library()


@register.simple_tag
def editors_nonce_attr() -> str:
    nonce = current_nonce()
    return format_html('nonce="{}"', nonce) if nonce else ""
