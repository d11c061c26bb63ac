"""Caching of whole pages for signed-out visitors and of fragments shared between members,
invalidated by what they show.

A cached page's key holds the current version of each namespace it depends on ("stories",
"profiles", "impact"…); ``bump_pages(namespace)`` gives the namespace a new version, so every page
that shows it is rebuilt on its next request — in every process, since the versions live in the
shared cache.

- Whole pages for signed-out visitors: ``cache_for_visitors`` marks a view, ``PageCacheMiddleware``
  stores its pages and serves them early in Django's middleware chain (after the security headers,
  request ids and HTTPS redirect, which every response gets, cached or not).
- Fragments that are the same for every member who asks for the same thing (a page of the
  directory, a filter form): ``cached_fragment`` and ``cached_form``, under the same versions.

A signed-in member's page is never kept whole: it holds their CSRF token, their menu and counts,
and what their access allows today. It is made by Django on every request, from shared fragments
where they fit.

The cache fails open (``core.cache``): with Redis down or slow, a cached page becomes an
uncached one.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

DEFAULT_TIMEOUT = 300
VERSION_KEY = "pages:version:{}"
# Every namespace a visitor's page depends on (``cache_for_visitors`` adds them as views are defined),
# read with the page in one round trip to the cache.
VISITOR_NAMESPACES: set[str] = set()


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


def cached_value(name: str, *parts, depends_on: tuple[str, ...], compute, timeout: int = DEFAULT_TIMEOUT):
    """What ``compute()`` returns (anything the cache can pickle), shared by everyone asking with the
    same ``parts``, until one of ``depends_on`` is bumped. The key also holds the active language.
    ``compute`` must not depend on who asks beyond ``parts``."""
    versions = _versions(depends_on)
    raw = "|".join([name, get_language() or "", versions, *(str(part) for part in parts)])
    key = "pages:fragment:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def cached_fragment(
    name: str, *parts, depends_on: tuple[str, ...], render, timeout: int = DEFAULT_TIMEOUT
) -> SafeString:
    """HTML that ``render()`` makes, shared by everyone asking with the same ``parts``, until one of
    ``depends_on`` is bumped.

    The key also holds the active language. ``render`` must not put anything personal in it (no
    CSRF token, no viewer-specific text): the fragment is shared between members.
    """
    return SafeString(cached_value(name, *parts, depends_on=depends_on, compute=lambda: str(render()), timeout=timeout))


def cached_form(form, *, depends_on: tuple[str, ...] = ("taxonomy",), timeout: int = DEFAULT_TIMEOUT) -> SafeString:
    """A rendered search/filter form (no CSRF token: GET forms only), cached per submitted values.

    Rendering a select of every country costs more than the rest of a page; the HTML only depends
    on the values the visitor chose, the language and the choices (``depends_on``).
    """
    values = sorted((name, tuple(form.data.getlist(name))) for name in form.fields if name in form.data)
    form_class = f"{type(form).__module__}.{type(form).__qualname__}"
    return cached_fragment(
        "form", form_class, form.prefix or "", values, depends_on=depends_on, render=form.render, timeout=timeout
    )


def cache_for_visitors(*namespaces: str, timeout: int = DEFAULT_TIMEOUT):
    """Mark a view's pages as shareable between signed-out visitors until one of ``namespaces`` changes.

    ``PageCacheMiddleware`` stores and serves them, early in the middleware chain. The namespaces'
    versions are read before the view reads any data, so a change committed while the page is being
    made leaves the stored page stale instead of current.
    """

    VISITOR_NAMESPACES.update(namespaces)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = getattr(request, "user", None)
            versions = None if user is not None and user.is_authenticated else _versions(namespaces)
            response = view(request, *args, **kwargs)
            response.visitor_cache = (namespaces, versions, timeout)
            return response

        return wrapper

    return decorator


class PageCacheMiddleware:
    """Store the pages the views marked and serve them to signed-out visitors.

    A request without a session cookie (nobody is signed in) for a page stored earlier gets it from
    the cache, before sessions, authentication, URL resolving and the view, if none of the page's
    namespaces changed since. Pages are stored on their way out when the view marked them
    (``cache_for_visitors``), the visitor was not signed in, and the page carries no cookie, no CSRF
    token, no nonce and no flash message. The headers the middleware further in added (the content
    security policy, Vary) are stored with the page; those of the middleware before this one
    (security headers, the request id) are added to every response, cached or not.
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
        return page_key(
            request.scheme,
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
        )

    def __call__(self, request):
        anonymous = visitor_may_get_a_cached_page(request.method, request.path_info, request.COOKIES)
        key = self._key(request) if anonymous and not _partial(request.META) else None
        if key is not None:
            entry = self._lookup(key)
            if entry is not None:
                response = HttpResponse(entry["content"], status=200)
                for header, value in entry["headers"]:
                    response[header] = value
                response["X-Page-Cache"] = "hit"
                return response
        response = self.get_response(request)
        marked = getattr(response, "visitor_cache", None)
        user = getattr(request, "user", None)
        if marked is None or (user is not None and user.is_authenticated):
            return response
        response["X-Page-Cache"] = "miss"
        namespaces, versions, timeout = marked
        if key is not None and versions is not None and self._storable(request, response):
            cache.set(key, self._entry(response, namespaces=namespaces, versions=versions), timeout)
        return response

    @staticmethod
    def _lookup(key: str) -> dict | None:
        """The stored page, if none of its namespaces changed since: the page and the versions are
        read in one round trip (with the versions of every visitor namespace, a handful of keys)."""
        version_keys = [VERSION_KEY.format(ns) for ns in sorted(VISITOR_NAMESPACES)]
        found = cache.get_many([key, *version_keys])
        entry = found.get(key)
        if entry is None:
            return None
        wanted = [VERSION_KEY.format(ns) for ns in entry["namespaces"]]
        if all(k in found for k in wanted):
            versions = ".".join(found[k] for k in wanted)
        else:  # a namespace this process has not met yet, or a version not set: read them as a miss would
            versions = _versions(entry["namespaces"])
        return entry if versions == entry["versions"] else None

    @staticmethod
    def _storable(request, response) -> bool:
        """A complete page that sets nothing in the browser and holds nothing of one visitor's: no
        CSRF token (none was used or set) and no nonce."""
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not request.META.get("CSRF_COOKIE_USED")
            and "nonce-" not in response.get("Content-Security-Policy", "")
        )

    def _entry(self, response, **fields) -> dict:
        headers = [(h, v) for h, v in response.items() if h.lower() not in self.SKIPPED_HEADERS]
        return {**fields, "content": response.content, "headers": headers}


def page_key(scheme: str, host: str, path: str, query_string: str, accept_language: str, language_cookie: str) -> str:
    """The cache key of a visitor's page; the same whichever way the request arrived (WSGI, ASGI).

    It holds everything a visitor's page can differ by: the address (scheme, host, path, query) and
    the language, which Django picks from the language cookie, then Accept-Language. Visitors have
    no session, their flash messages and htmx requests are never stored or served, and a stored page
    holds no CSRF token, so no other cookie or header changes what they are sent.
    """
    raw = "|".join([scheme, host, path, query_string, accept_language[:40], language_cookie[:16]])
    return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _partial(meta: dict) -> bool:
    """An htmx request: the same URL answered with part of a page, never stored or served as a page."""
    return "HTTP_HX_REQUEST" in meta


def visitor_may_get_a_cached_page(method: str, path: str, cookies: dict) -> bool:
    return (
        method == "GET"
        and not path.startswith(PageCacheMiddleware.NEVER_CACHED)
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def bump_pages_on_commit(*namespaces: str) -> None:
    """Bump once the change is committed, so no request can cache the old state after the bump."""
    from django.db import transaction

    transaction.on_commit(lambda: bump_pages(*namespaces))
