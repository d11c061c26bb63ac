"""``{{ text|link_urls }}``: plain text a member wrote, escaped, with its web addresses made links.

Only ``http://`` and ``https://`` addresses become links (never ``javascript:``, ``data:`` or
``mailto:``), and each link carries ``rel="nofollow noopener noreferrer"``: the page it opens gets
neither a handle on this window nor the address of the private page it came from. Put it before
``linebreaks``, which then leaves the escaped result alone.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ADDRESS = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than an address: "see https://example.com."
_TRAILING = ".,;:!?)]}"


@register.filter(is_safe=True)
def link_urls(text) -> SafeString:
    text = "" if text is None else str(text)
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        try:
            host = urlsplit(address).hostname
        except ValueError:  # a bracketed host that is not one ("http://[x]", "http://[::1" once "]" is trimmed)
            host = None
        if not host:
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', address, address))
        position = match.start() + len(address)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
