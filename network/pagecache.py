"""Caching of pages and parts of pages, invalidated by what they show.

A cached page's key holds the current version of each namespace it depends on ("stories",
"profiles", "impact"…); ``bump_pages(namespace)`` gives the namespace a new version, so every page
that shows it is rebuilt on its next request — in every process, since the versions live in the
shared cache.

- Whole pages for signed-out visitors: ``cache_for_visitors`` + ``PageCacheMiddleware``.
- Whole pages for one signed-in member's session: ``cache_for_members``. They also depend on the
  member's own namespace (``member:<id>``), bumped by anything the member does (every POST) and by
  the changes of others that show on their pages (a notification, their account, their investor
  status…), and on the session itself: a page is only ever served to the session it was made for,
  while that session is unchanged.
- ``PageFront`` answers both from Redis in the event loop, before Django.
- Fragments that are the same for every member who asks for the same thing (a page of the
  directory, a filter form): ``cached_fragment`` and ``cached_form``, under the same versions.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import pickle
import re
import uuid
from functools import wraps
from importlib import import_module

import redis.asyncio
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.cache import patch_cache_control
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from network.observability import VALID_ID
from network.security import security_headers

DEFAULT_TIMEOUT = 300
# A member's page can show the time ("upcoming", "this week"): it is rebuilt at least every minute.
MEMBER_TIMEOUT = 60
VERSION_KEY = "pages:version:{}"
REDIS_BACKENDS = ("network.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
MEMBER_SESSION_ENGINES = ("django.contrib.sessions.backends.cached_db", "django.contrib.sessions.backends.cache")
SESSION_KEY_PATTERN = re.compile(r"^[a-z0-9]{8,64}$")


def member_namespace(user_id: int) -> str:
    """What one member's own pages show besides shared data: their account, notifications, status."""
    return f"member:{user_id}"


def bump_member_pages(*user_ids: int) -> None:
    bump_pages(*(member_namespace(user_id) for user_id in user_ids if user_id))


def bump_member_pages_on_commit(*user_ids: int) -> None:
    from django.db import transaction

    transaction.on_commit(lambda: bump_member_pages(*user_ids))


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

    ``PageCacheMiddleware`` stores and serves them, early in the middleware chain. The namespaces'
    versions are read before the view reads any data, so a change committed while the page is being
    made leaves the stored page stale instead of current.
    """

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


def cache_for_members(*namespaces: str, timeout: int = MEMBER_TIMEOUT):
    """Keep a signed-in member's page for their session until ``namespaces``, their own namespace or
    the session change, or ``timeout`` seconds pass. Goes inside ``login_required``.

    Only the session the page was made for gets it back (its key, CSRF cookie and stored state are in
    the key), so the page may hold personal content and the CSRF token. Served by ``PageFront`` where
    the cache is Redis; elsewhere (the embedded default) members get fresh pages.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return view(request, *args, **kwargs)
            spaces = (*namespaces, member_namespace(request.user.pk))
            versions = _versions(spaces)  # before the view reads anything
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True)
            response.member_cache = (spaces, versions, timeout, request.user.pk)
            return response

        return wrapper

    return decorator


class PageCacheMiddleware:
    """Store the pages the views marked, serve visitors' pages where there is no ``PageFront``, and
    make a member's pages stale whenever they change something.

    Visitors: a request without a session cookie (nobody is signed in) for a page stored earlier gets
    it from the cache, before sessions, authentication, URL resolving and the view, if none of the
    page's namespaces changed since. Pages are stored on their way out when the view marked them
    (``cache_for_visitors``), the visitor was not signed in, and the page carries no cookie, no CSRF
    token and no flash message. Everything the middleware further in added (security headers, the
    content security policy) is stored with the page.

    Members: pages marked with ``cache_for_members`` are stored for the session that asked, with a
    digest of the session as stored, when the request changed nothing (no cookie set, no flash
    message); ``PageFront`` serves them. Any other method than GET/HEAD/OPTIONS/TRACE by a member
    bumps their namespace before the response leaves, so the page they are sent to next is fresh.
    """

    SKIPPED_HEADERS = {"set-cookie", "x-request-id", "x-page-cache"}
    # Paths that never hold a visitor's page: no cache lookup for them at all.
    NEVER_CACHED = (
        "/accounts/", "/admin/", "/editors/", "/deals/", "/exports/", "/sessions/", "/notifications/",
        "/dashboard/", "/profile/", "/static/", "/media/", "/healthz", "/readyz", "/bench/", "/ws/",
    )  # fmt: skip
    # Paths that never hold a member's page.
    NEVER_CACHED_FOR_MEMBERS = (
        "/accounts/", "/admin/", "/editors/", "/static/", "/media/", "/healthz", "/readyz", "/bench/", "/ws/",
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
            entry = cache.get(key)
            if entry is not None and _versions(entry["namespaces"]) == entry["versions"]:
                response = HttpResponse(entry["content"], status=200)
                for header, value in entry["headers"]:
                    response[header] = value
                response["X-Page-Cache"] = "hit"
                return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and request.method not in SAFE_METHODS:
            bump_member_pages(user.pk)
        if signed_in and getattr(response, "member_cache", None) is not None:
            self._store_member_page(request, response)
            return response
        marked = getattr(response, "visitor_cache", None)
        if marked is None or signed_in:
            return response
        response["X-Page-Cache"] = "miss"
        if key is not None and self._storable(request, response):
            namespaces, versions, timeout = marked
            cache.set(key, self._entry(response, namespaces=namespaces, versions=versions), timeout)
        return response

    def _storable(self, request, response, *, for_session: bool = False) -> bool:
        """A complete page that sets nothing in the browser. A visitor's page is shared, so it must
        not hold a CSRF token at all; a member's page is kept for its session only, so its token
        may stay, as long as the response merely renews the CSRF cookie the browser already has."""
        if for_session:
            sent = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
            cookies_set = {name: morsel.value for name, morsel in response.cookies.items()}
            sets_nothing_new = not cookies_set or (
                sent is not None and cookies_set == {settings.CSRF_COOKIE_NAME: sent}
            )
        else:
            sets_nothing_new = not response.cookies and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        return (
            response.status_code == 200
            and not response.streaming
            and not _partial(request.META)
            and sets_nothing_new
            and "nonce-" not in response.get("Content-Security-Policy", "")
        )

    def _entry(self, response, **fields) -> dict:
        headers = [(h, v) for h, v in response.items() if h.lower() not in self.SKIPPED_HEADERS]
        return {**fields, "content": response.content, "headers": headers}

    def _store_member_page(self, request, response) -> None:
        namespaces, versions, timeout, user_id = response.member_cache
        response["X-Page-Cache"] = "miss"
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        if (
            not member_pages_enabled()
            or request.method != "GET"
            or request.user.pk != user_id
            or "messages" in request.COOKIES
            or request.path_info.startswith(self.NEVER_CACHED_FOR_MEMBERS)
            or not SESSION_KEY_PATTERN.match(session_key)
            or request.session.session_key != session_key
            or not self._storable(request, response, for_session=True)
        ):
            return
        stored_session = _raw_cache_value(session_cache_key(session_key))
        if stored_session is None:
            return
        key = member_page_key(
            session_key,
            request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        entry = self._entry(
            response,
            namespaces=namespaces,
            versions=versions,
            session=hashlib.sha256(stored_session).hexdigest(),
            user=user_id,
        )
        cache.set(key, entry, timeout)


def member_pages_enabled() -> bool:
    """Members' pages are kept where ``PageFront`` can serve them: Redis, with sessions in that cache."""
    return (
        PageFront.redis_location() is not None
        and settings.SESSION_ENGINE in MEMBER_SESSION_ENGINES
        and settings.SESSION_CACHE_ALIAS == "default"
    )


def session_cache_key(session_key: str) -> str:
    """Where the session engine keeps a session in the cache (before the cache's own prefix)."""
    return import_module(settings.SESSION_ENGINE).SessionStore.cache_key_prefix + session_key


def _raw_cache_value(key: str) -> bytes | None:
    """The bytes Django's Redis cache holds under ``key``, as ``PageFront`` will read them."""
    return cache._cache.get_client(key).get(cache.make_key(key))  # the backend's own client


def member_page_key(
    session_key: str, csrf_cookie: str, language_cookie: str, host: str, path: str, query_string: str,
    accept_language: str,
) -> str:  # fmt: skip
    """The cache key of a member's page: only a request with the same session and CSRF cookies finds it."""
    raw = "|".join([session_key, csrf_cookie, language_cookie[:16], host, path, query_string, accept_language[:40]])
    return "pages:member:" + hashlib.sha256(raw.encode()).hexdigest()[:48]


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


class PageFront:
    """ASGI: answer cached pages from Redis in the event loop, before Django.

    The pages ``PageCacheMiddleware`` stores, read with an asyncio client: a hit costs two Redis round
    trips and no thread, no middleware, no request object — a story shared widely is served at close
    to the speed of the server itself, and a member going back to a page they saw is not kept waiting.

    - A visitor's page (no session cookie) while its namespaces' versions hold.
    - A member's page for the same session and CSRF cookies, while its namespaces' and the member's
      versions hold and the session is stored unchanged (signing out, a new flash message or any
      other change to the session hands the request on to Django).

    Anything else (a miss, a stale page, no Redis) goes on to ``app``.
    """

    def __init__(self, app):
        self.app = app
        self._clients = {}

    @staticmethod
    def redis_location() -> str | None:
        """Where Django's cache keeps the pages, when that is Redis (not in the embedded default)."""
        config = settings.CACHES["default"]
        if config["BACKEND"] not in REDIS_BACKENDS:
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
        location = self.redis_location() if scope["type"] == "http" else None
        if location is None or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        cookies = _parse_cookies(headers.get("cookie", ""))
        lookup = None if "hx-request" in headers else self._lookup(scope, headers, cookies)
        if lookup is None:
            return await self.app(scope, receive, send)
        if settings.SECURE_SSL_REDIRECT and not _is_secure(scope, headers):
            return await self.app(scope, receive, send)  # Django redirects it to HTTPS
        key, session_key = lookup
        try:
            entry = await self._cached_entry(self._client(location), key, session_key)
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
        # The security headers Django's outer middleware adds to every response it sends (they are not
        # stored with the page): the same set as on a page Django answers.
        present = {name for name, _ in response_headers}
        for name, value in security_headers(secure=_is_secure(scope, headers)):
            if name.lower().encode("latin-1") not in present:
                response_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        response_headers += [(b"x-page-cache", b"hit"), (b"x-request-id", request_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": entry["content"]})
        return None

    @staticmethod
    def _lookup(scope, headers: dict, cookies: dict) -> tuple[str, str | None] | None:
        """The key of the page this request may be answered with, and the session it needs; None: ask Django."""
        path = scope.get("root_path", "") + scope["path"]
        query_string = scope.get("query_string", b"").decode("latin-1")
        if visitor_may_get_a_cached_page(scope["method"], scope["path"], cookies):
            key = page_key(
                "https" if _is_secure(scope, headers) else "http",
                headers.get("host", ""),
                path,
                query_string,
                headers.get("accept-language", ""),
                cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
            )
            return key, None
        session_key = cookies.get(settings.SESSION_COOKIE_NAME, "")
        if (
            not SESSION_KEY_PATTERN.match(session_key)
            or "messages" in cookies
            or scope["path"].startswith(PageCacheMiddleware.NEVER_CACHED_FOR_MEMBERS)
            or not member_pages_enabled()
        ):
            return None
        key = member_page_key(
            session_key,
            cookies.get(settings.CSRF_COOKIE_NAME, ""),
            cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
            headers.get("host", ""),
            path,
            query_string,
            headers.get("accept-language", ""),
        )
        return key, session_key

    @staticmethod
    async def _cached_entry(client, key: str, session_key: str | None) -> dict | None:
        raw = await client.get(cache.make_key(key))
        if raw is None:
            return None
        entry = _loads(raw)
        names = [cache.make_key(VERSION_KEY.format(ns)) for ns in entry["namespaces"]]
        if session_key is not None:
            names.append(cache.make_key(session_cache_key(session_key)))
        found = await client.mget(names)
        if any(value is None for value in found):
            return None  # a version never set, or the session signed out or expired
        if session_key is not None:
            session = found.pop()
            if hashlib.sha256(session).hexdigest() != entry.get("session"):
                return None
        if ".".join(_loads(version) for version in found) != entry["versions"]:
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
