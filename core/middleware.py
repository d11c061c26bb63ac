"""Middleware every app's pages pass through, owned by none of them: input no page could store
(``BadInputMiddleware``), htmx's request details with the ``Vary`` they need, the page for a 405,
and compression."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails
from django_htmx.middleware import HtmxMiddleware as DjangoHtmxMiddleware

# NUL (PostgreSQL refuses it in text: DataError) and lone surrogates (no encoding can write them:
# UnicodeEncodeError on the way to any database). No form, link or header of the site needs either.
UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


class BadInput(SuspiciousOperation):
    """Answered 400 by Django's ``bad_request`` view (templates/400.html), and logged to
    ``django.security.BadInput``."""


class BadInputMiddleware:
    """Refuse, before any view, input no page could store or look up: a NUL byte or a lone
    surrogate anywhere in the path, the query string, a form's field names and values, a JSON
    body's keys and strings, a cookie or a header; and a path, query string or
    urlencoded form that is not UTF-8 (Django would read its bad bytes as U+FFFD, silently). Files'
    contents are never read here.

    Early in ``MIDDLEWARE`` (after ``SecurityHeadersMiddleware``, so the 400 carries every header):
    sessions, the page-cache middleware and the views never see such a request. WebSocket frames do not pass
    through Django's middleware: the session room's services refuse the same characters
    (``mentorship.services``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _bad_input(request)
        if problem:
            raise BadInput(problem)
        return self.get_response(request)


def _bad_input(request) -> str:
    """What is wrong with the request's input, or an empty string."""
    raw_path = _raw_path(request)
    if raw_path is not None and not _is_utf8(raw_path):
        return "path is not UTF-8"
    if UNSAFE_TEXT.search(request.path_info):
        return "NUL or surrogate in the path"
    query = request.META.get("QUERY_STRING", "")
    if query and not _is_utf8(unquote_to_bytes(query.replace("+", " "))):
        return "query string is not UTF-8"
    if _any_unsafe(request.GET.lists()):
        return "NUL or surrogate in the query string"
    if _any_unsafe(request.COOKIES.items()):
        return "NUL or surrogate in a cookie"
    if any(UNSAFE_TEXT.search(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return "NUL in a header"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return ""
    content_type = request.content_type or ""
    urlencoded = content_type == "application/x-www-form-urlencoded"
    if urlencoded and not _is_utf8(unquote_to_bytes(request.body.replace(b"+", b" "))):
        return "form is not UTF-8"
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Field names of files count too; their names Django has already cleaned (NUL removed).
        if _any_unsafe(request.POST.lists()) or any(UNSAFE_TEXT.search(name) for name in request.FILES):
            return "NUL or surrogate in a form"
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except UnicodeDecodeError:
            return "JSON body is not UTF-8"
        except ValueError:
            return ""  # not JSON at all: the view says so
        if _json_unsafe(document):
            return "NUL or surrogate in a JSON body"
    return ""


def _raw_path(request) -> bytes | None:
    """The path as the client sent it (percent-decoded bytes), where the server kept it."""
    environ = getattr(request, "environ", None)
    if environ is not None and "PATH_INFO" in environ:
        from django.core.handlers.wsgi import get_bytes_from_wsgi

        return get_bytes_from_wsgi(environ, "PATH_INFO", "")
    raw = getattr(request, "scope", {}).get("raw_path")
    return unquote_to_bytes(raw) if raw else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _any_unsafe(items) -> bool:
    for key, values in items:
        if UNSAFE_TEXT.search(key):
            return True
        for value in values if isinstance(values, list) else (values,):
            if UNSAFE_TEXT.search(value):
                return True
    return False


def _json_unsafe(document) -> bool:
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if UNSAFE_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class _ConsultedHtmxDetails(HtmxDetails):
    """``request.htmx`` that remembers whether anything asked if the request came from htmx."""

    consulted = False

    def __bool__(self) -> bool:
        self.consulted = True
        return super().__bool__()


class HtmxMiddleware(DjangoHtmxMiddleware):
    """django-htmx's middleware, plus ``Vary: HX-Request`` on every response whose view (or template)
    looked at ``request.htmx``: such a URL answers a fragment to htmx and a page to a navigation, and
    without Vary the browser's cache hands the fragment back to Back or a reload (django-htmx's
    documented advice; one mechanism here instead of a decorator on each view)."""

    sync_capable = True
    async_capable = False

    def __call__(self, request):
        request.htmx = details = _ConsultedHtmxDetails(request)
        response = self.get_response(request)
        if details.consulted:
            patch_vary_headers(response, ("HX-Request",))
        return response


class MethodNotAllowedPageMiddleware:
    """A page instead of Django's empty 405, for a browser that opened an address which only takes a
    form's POST (a link pasted from the address bar after pressing a button, say): what happened and
    the ways on, with the ``Allow`` header kept.

    Only a 405 without a body of its own, asked for by a navigation (``Accept`` names ``text/html``)
    and not by htmx: API and JSON callers, scripts and htmx swaps keep the empty answer. After the
    authentication and messages middleware, so the page is the signed-in member's own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            isinstance(response, HttpResponseNotAllowed)
            and not response.content
            and "text/html" in request.headers.get("Accept", "")
            and "HX-Request" not in request.headers
        ):
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class CompressionMiddleware(GZipMiddleware):
    """Pages and other text leave gzipped for browsers that accept it (the mentor list: 26 KB raw,
    about 5 KB sent), images, PDFs and other files as they are.

    Django's middleware, so BREACH (guessing a secret such as the CSRF token from the compressed
    size) is met as Django meets it: up to 100 random bytes in each response's gzip header
    ("Heal The Breach"), so the size no longer follows the content. Placed outside the visitor page
    cache: a stored page is kept uncompressed and compressed on its way to each browser that asks.
    Static files never get here (WhiteNoise, further out, serves them precompressed).
    """

    COMPRESSIBLE = (
        "text/",
        "application/json",
        "application/javascript",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/manifest+json",
        "image/svg+xml",
    )

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if not content_type.startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)
