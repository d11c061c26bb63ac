"""Whole-page caching for signed-out visitors, invalidated by what the pages show.

A cached page's key holds the current version of each namespace it depends on ("stories",
"profiles", "impact"…); ``bump_pages(namespace)`` gives the namespace a new version, so every page
that shows it is rebuilt on its next request — in every process, since the versions live in the
shared cache. Signed-in members always get fresh pages.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse

DEFAULT_TIMEOUT = 300
VERSION_KEY = "pages:version:{}"


def bump_pages(*namespaces: str) -> None:
    """Whatever these namespaces' pages showed is stale: they are rebuilt on their next request."""
    cache.set_many({VERSION_KEY.format(ns): uuid.uuid4().hex for ns in namespaces}, None)


def _versions(namespaces: tuple[str, ...]) -> str:
    keys = [VERSION_KEY.format(ns) for ns in namespaces]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        cache.set_many(missing, None)
        found.update(missing)
    return ".".join(found[key] for key in keys)


def cache_for_visitors(*namespaces: str, timeout: int = DEFAULT_TIMEOUT):
    """Mark a view's pages as shareable between signed-out visitors until one of ``namespaces`` changes.

    ``VisitorPageCacheMiddleware`` stores and serves them, early in the middleware chain.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.visitor_cache = (namespaces, timeout)
            return response

        return wrapper

    return decorator


class VisitorPageCacheMiddleware:
    """Serve signed-out visitors cached pages before sessions, authentication, URL resolving and the view.

    A request without a session cookie (nobody is signed in) for a page stored earlier gets it from the
    cache if none of the page's namespaces changed since. Pages are stored on their way out when the view
    marked them (``cache_for_visitors``), the visitor was not signed in, and the page carries no cookie,
    no CSRF token and no flash message. Everything the middleware further in added (security headers,
    the content security policy) is stored with the page.
    """

    SKIPPED_HEADERS = {"set-cookie", "x-request-id", "x-page-cache"}
    # Paths that never hold a visitor's page: no cache lookup for them at all.
    NEVER_CACHED = (
        "/accounts/", "/admin/", "/editors/", "/deals/", "/exports/", "/sessions/", "/notifications/",
        "/dashboard/", "/profile/", "/static/", "/media/", "/healthz", "/readyz", "/bench/", "/ws/",
    )  # fmt: skip

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _key(request) -> str:
        raw = "|".join([request.get_host(), request.get_full_path(), request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:40]])
        return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()[:40]

    def __call__(self, request):
        from django.conf import settings

        anonymous = (
            request.method == "GET"
            and not request.path_info.startswith(self.NEVER_CACHED)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )
        key = self._key(request) if anonymous else None
        if key is not None:
            entry = cache.get(key)
            if entry is not None and _versions(entry["namespaces"]) == entry["versions"]:
                response = HttpResponse(entry["content"], status=200)
                for header, value in entry["headers"]:
                    response[header] = value
                response["X-Page-Cache"] = "hit"
                return response
        response = self.get_response(request)
        marked = getattr(response, "visitor_cache", None)
        if marked is None:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        response["X-Page-Cache"] = "miss"
        if (
            key is not None
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        ):
            namespaces, timeout = marked
            headers = [(h, v) for h, v in response.items() if h.lower() not in self.SKIPPED_HEADERS]
            cache.set(
                key,
                {
                    "namespaces": namespaces,
                    "versions": _versions(namespaces),
                    "content": response.content,
                    "headers": headers,
                },
                timeout,
            )
        return response


def bump_pages_on_commit(*namespaces: str) -> None:
    """Bump once the change is committed, so no request can cache the old state after the bump."""
    from django.db import transaction

    transaction.on_commit(lambda: bump_pages(*namespaces))
