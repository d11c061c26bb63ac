"""Caching of pages and parts of pages, invalidated by what they show.

A cached page's key holds the current version of each namespace it depends on ("stories",
"profiles", "impact"…); ``bump_pages(namespace)`` gives the namespace a new version, so every page
that shows it is rebuilt on its next request — in every process, since the versions live in the
shared cache.

- Whole pages for signed-out visitors: ``cache_for_visitors`` + ``VisitorPageCacheMiddleware``.
  Signed-in members always get fresh pages.
- Fragments that are the same for every member who asks for the same thing (a page of the
  directory, a filter form): ``cached_fragment`` and ``cached_form``, under the same versions.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import pickle
import uuid
from functools import wraps

import redis.asyncio
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from network.observability import VALID_ID

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


def cached_fragment(
    name: str, *parts, depends_on: tuple[str, ...], render, timeout: int = DEFAULT_TIMEOUT
) -> SafeString:
    """HTML that ``render()`` makes, shared by everyone asking with the same ``parts``, until one of
    ``depends_on`` is bumped.

    The key also holds the active language. ``render`` must not put anything personal in it (no
    CSRF token, no viewer-specific text): the fragment is shared between members.
    """
    versions = _versions(depends_on)
    raw = "|".join([name, get_language() or "", versions, *(str(part) for part in parts)])
    key = "pages:fragment:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html, timeout)
    return SafeString(html)


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
        return page_key(
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )

    def __call__(self, request):
        anonymous = visitor_may_get_a_cached_page(request.method, request.path_info, request.COOKIES)
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


def page_key(host: str, path: str, query_string: str, accept_language: str) -> str:
    """The cache key of a visitor's page; the same whichever way the request arrived (WSGI, ASGI)."""
    raw = "|".join([host, path, query_string, accept_language[:40]])
    return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def visitor_may_get_a_cached_page(method: str, path: str, cookies: dict) -> bool:
    return (
        method == "GET"
        and not path.startswith(VisitorPageCacheMiddleware.NEVER_CACHED)
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


class VisitorPageFront:
    """ASGI: answer signed-out visitors from the page cache in the event loop, before Django.

    The same pages ``VisitorPageCacheMiddleware`` stores and would serve, read from Redis with an
    asyncio client: a cache hit costs two Redis round trips and no thread, no middleware, no
    request object — a story shared widely is served at close to the speed of the server itself.
    Anything else (a miss, a stale page, a signed-in member, no Redis) goes on to ``app``.
    """

    def __init__(self, app):
        self.app = app
        self._clients = {}

    @staticmethod
    def _redis_location() -> str | None:
        """Where Django's cache keeps the pages, when that is Redis (not in the embedded default)."""
        config = settings.CACHES["default"]
        if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
            return None
        location = config["LOCATION"]
        return location if isinstance(location, str) else location[0]

    def _client(self, location: str):
        """One asyncio Redis client per event loop (uvicorn: one loop a process; tests: several)."""
        key = (asyncio.get_running_loop(), location)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = redis.asyncio.Redis.from_url(location.split(",", 1)[0])
        return client

    async def __call__(self, scope, receive, send):
        location = self._redis_location() if scope["type"] == "http" else None
        if location is None:
            return await self.app(scope, receive, send)
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        cookies = _parse_cookies(headers.get("cookie", ""))
        if not visitor_may_get_a_cached_page(scope["method"], scope["path"], cookies):
            return await self.app(scope, receive, send)
        if settings.SECURE_SSL_REDIRECT and not _is_secure(scope, headers):
            return await self.app(scope, receive, send)  # Django redirects it to HTTPS
        key = page_key(
            headers.get("host", ""),
            scope.get("root_path", "") + scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("accept-language", ""),
        )
        try:
            entry = await self._cached_entry(self._client(location), key)
        except Exception:  # Redis unreachable: Django answers (and /readyz says so).
            logging.getLogger(__name__).warning("Page cache front could not read Redis", exc_info=True)
            entry = None
        if entry is None:
            return await self.app(scope, receive, send)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if VALID_ID.match(incoming) else uuid.uuid4().hex
        response_headers = [(h.lower().encode("latin-1"), v.encode("latin-1")) for h, v in entry["headers"]]
        if not any(h == b"content-length" for h, _ in response_headers):
            response_headers.append((b"content-length", str(len(entry["content"])).encode()))
        response_headers += [(b"x-page-cache", b"hit"), (b"x-request-id", request_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": entry["content"]})
        return None

    @staticmethod
    async def _cached_entry(client, key: str) -> dict | None:
        raw = await client.get(cache.make_key(key))
        if raw is None:
            return None
        entry = _loads(raw)
        names = [cache.make_key(VERSION_KEY.format(ns)) for ns in entry["namespaces"]]
        versions = await client.mget(names)
        if any(version is None for version in versions):
            return None
        if ".".join(_loads(version) for version in versions) != entry["versions"]:
            return None
        return entry


def _loads(raw: bytes):
    """Values as Django's Redis cache stores them (its ``RedisSerializer``): ints as text, the rest pickled."""
    try:
        return int(raw)
    except ValueError:
        return pickle.loads(raw)  # noqa: S301 - our own cache, written by Django's cache backend


def _is_secure(scope, headers: dict) -> bool:
    """As ``HttpRequest.is_secure`` decides: the proxy's header when one is configured, else the scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower())
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == value
    return scope.get("scheme") == "https"


def _parse_cookies(header: str) -> dict:
    return parse_cookie(header) if header else {}


def bump_pages_on_commit(*namespaces: str) -> None:
    """Bump once the change is committed, so no request can cache the old state after the bump."""
    from django.db import transaction

    transaction.on_commit(lambda: bump_pages(*namespaces))
