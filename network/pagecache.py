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
from django.utils.translation import get_language

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


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    # A visitor with a flash message waiting gets their own page.
    return "messages" not in request.COOKIES and not request.session.get("_messages")


def cache_for_visitors(*namespaces: str, timeout: int = DEFAULT_TIMEOUT):
    """Serve signed-out visitors a cached copy of the page until one of ``namespaces`` changes."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"pages:{_versions(namespaces)}:{get_language()}:{request.get_host()}:{path}"
            cached = cache.get(key)
            if cached is not None:
                response = HttpResponse(cached["content"], content_type=cached["content_type"], status=200)
                for header, value in cached["headers"].items():
                    response[header] = value
                response["X-Page-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                # A page with a form carries a CSRF token, which must not be shared between visitors.
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            ):
                headers = {h: response[h] for h in ("Content-Language", "Link") if h in response}
                cache.set(
                    key,
                    {"content": response.content, "content_type": response["Content-Type"], "headers": headers},
                    timeout,
                )
            response["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorator


def bump_pages_on_commit(*namespaces: str) -> None:
    """Bump once the change is committed, so no request can cache the old state after the bump."""
    from django.db import transaction

    transaction.on_commit(lambda: bump_pages(*namespaces))
