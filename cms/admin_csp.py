"""The Wagtail admin (``/editors/``) under a Content-Security-Policy with no inline scripts but its own.

Wagtail 8 starts its date pickers, choosers (image, page, document, snippet, task) and inline
panels with a small inline ``<script>`` written next to the field, which the site's policy
(``SECURE_CSP``: scripts from this origin only) refuses, so no picker attaches and "Choose an
image" opens nothing. Wagtail's own guidance is to use nonces. Under ``/editors/`` only, the
response's policy becomes ``settings.EDITORS_CSP``: the site's, with this request's nonce added to
``script-src``; the nonce is put on exactly those scripts, as Wagtail's widget code and panel
templates write them. A script that reached the page any other way (an injected one) has no
nonce and is refused as before; everywhere else the site's policy is unchanged.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

EDITORS_PREFIX = "/editors/"

# The nonce of the admin request being answered; widgets render without the request.
_nonce: ContextVar[object | None] = ContextVar("editors_csp_nonce", default=None)


def current_nonce() -> str | None:
    """This admin request's nonce (made on first use, and only then written into the header)."""
    nonce = _nonce.get()
    return None if nonce is None else str(nonce)


class EditorsCSPMiddleware:
    """After Django's ``ContentSecurityPolicyMiddleware``: admin responses get ``EDITORS_CSP``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(EDITORS_PREFIX):
            return self.get_response(request)
        token = _nonce.set(getattr(request, "_csp_nonce", None))
        try:
            response = self.get_response(request)
        finally:
            _nonce.reset(token)
        if not hasattr(response, "_csp_config"):  # a view's own csp_override wins
            response._csp_config = settings.EDITORS_CSP
        return response


def with_nonce(render):
    """Wrap a chooser's ``render`` so the ``<script>`` Wagtail writes after the field carries the nonce.

    Only the literal ``<script>`` of Wagtail's own template or code is matched: everything a widget
    prints from data is escaped, so no value can bring one.
    """

    @functools.wraps(render)
    def render_with_nonce(self, *args, **kwargs):
        html = render(self, *args, **kwargs)
        nonce = current_nonce()
        if nonce is None or "<script>" not in html:
            return html
        return mark_safe(html.replace("<script>", format_html('<script nonce="{}">', nonce)))  # noqa: S308

    return render_with_nonce


def install() -> None:
    """Give the nonce to the script Wagtail's choosers write in Python (``CmsConfig.ready``).

    The date and time pickers and the inline panels write theirs from templates, overridden in
    ``templates/wagtailadmin/`` with ``{% editors_nonce_attr %}``.
    """
    from wagtail.admin.widgets.chooser import BaseChooser

    if not getattr(BaseChooser.render, "_editors_nonce", False):
        BaseChooser.render = with_nonce(BaseChooser.render)
        BaseChooser.render._editors_nonce = True
