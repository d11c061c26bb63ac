"""Limits on what one member (or, signed out, one address) may do again and again.

Counted in the shared cache by django-ratelimit, per member when signed in and per address
otherwise; the rates are ``settings.RABTA_RATE_LIMITS`` (``"10/h"``: ten an hour). Past a limit the
request is refused with 429 and a page that says to wait (``network.views.rate_limited``), before
the view does any work. allauth limits sign-in, sign-up and password resets itself
(``ACCOUNT_RATE_LIMITS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

KEY = "user_or_ip"


def _rate(action: str, when: Callable[[HttpRequest], bool] | None):
    def rate(group: str, request: HttpRequest) -> str | None:
        if when is not None and not when(request):
            return None  # not this kind of request: no limit, nothing counted
        return settings.RABTA_RATE_LIMITS.get(action)

    return rate


def enforce(request: HttpRequest, action: str, *, methods: Iterable[str] = ("POST",), when=None) -> None:
    """Count this request against ``action``'s limit; raise ``Ratelimited`` (429) past it."""
    if is_ratelimited(
        request, group=f"rabta.{action}", key=KEY, rate=_rate(action, when), method=list(methods), increment=True
    ):
        raise Ratelimited


def limited(action: str, *, methods: Iterable[str] = ("POST",), when: Callable[[HttpRequest], bool] | None = None):
    """Decorate a view: requests of ``methods`` (and for which ``when(request)`` holds) count against
    ``action``'s limit."""

    def decorator(view):
        from functools import wraps

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            enforce(request, action, methods=methods, when=when)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def searching(request: HttpRequest) -> bool:
    """A search (words typed into ``q``), as opposed to browsing a list."""
    return bool(request.GET.get("q", "").strip())
