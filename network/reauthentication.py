"""Asking for the password (or a second factor) again without losing what the member typed.

allauth's ``reauthentication_required`` suspends a POST and, once the member has confirmed, runs it
again on its own: the member never sees what is submitted, a file chosen in the form is gone (it
runs without it), and the suspended request has no age, so confirming much later still runs it.
Here a POST that needs confirming keeps its fields (never its files) in the session, under the
path it was sent to, for this member and for ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds; the
member confirms and comes back to the form, filled in again, checks it and sends it themselves.
That new POST carries a fresh CSRF token and goes through every check again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import wraps

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows import reauthentication
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SESSION_KEY = "network_reauthentication_kept"

# Never kept: the token belongs to the page that sent it; the form sent again has its own.
_NOT_KEPT = ("csrfmiddlewaretoken",)
# Nor any field that may hold a secret: the session is no place for a password or a code.
_SECRET_FIELD = re.compile(r"pass|secret|token|otp", re.IGNORECASE)
# What one kept form may weigh in the session; a larger POST is not kept (the member types it again).
MAX_KEPT_BYTES = 64 * 1024


def reauthentication_required(
    view: Callable | None = None,
    *,
    allow_get: bool = False,
    enabled: Callable[[HttpRequest], bool] | bool | None = None,
    form_url: Callable[..., str] | None = None,
):
    """allauth's ``reauthentication_required`` (same ``allow_get`` and ``enabled``), keeping a POST's
    fields while the member confirms who they are.

    ``form_url(request, *args, **kwargs)`` is the page with the form that POSTs here, where the
    member is brought back (default: this URL, for a view that shows its own form). That page reads
    what was kept with ``kept_form_data(request, target=<this path>)``.
    """

    def decorator(view_func: Callable) -> Callable:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            passes = allow_get and request.method == "GET"
            applies = enabled is None or (enabled(request) if callable(enabled) else enabled)
            if applies and not passes and _must_confirm(request):
                if request.method == "POST" and request.user.is_authenticated:
                    back_to = form_url(request, *args, **kwargs) if form_url else request.get_full_path()
                    return _keep_and_confirm(request, back_to=back_to)
                raise ReauthenticationRequired()
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def kept_form_data(request: HttpRequest, *, target: str | None = None) -> QueryDict | None:
    """What this member POSTed to ``target`` (default: this path) before confirming who they are,
    once they have confirmed, or None. Read once: the fields are forgotten as they are handed back,
    and the member is told to check them and send the form again.

    Only on a GET; kept fields of another account, or older than the reauthentication timeout, are
    dropped; before the member has confirmed, they stay where they are.
    """
    if request.method != "GET" or not request.user.is_authenticated:
        return None
    target = target or request.path
    kept = request.session.get(SESSION_KEY) or {}
    entry = kept.get(target)
    if entry is None:
        return None
    if _usable(entry, request) and _must_confirm(request):
        return None
    del kept[target]
    _store(request, kept)
    if not _usable(entry, request):
        return None
    data = QueryDict(entry["fields"])
    if entry["files"]:
        messages.warning(
            request,
            _(
                "Access confirmed — check your changes and submit again. "
                "Files are not kept while you confirm: choose the file again."
            ),
        )
    elif data:
        messages.info(request, _("Access confirmed — check your changes and submit again."))
    else:
        messages.info(request, _("Access confirmed — submit again to finish."))
    return data


def _must_confirm(request: HttpRequest) -> bool:
    return request.user.is_anonymous or reauthentication.is_reauthentication_required(request, app="")


def _usable(entry: dict, request: HttpRequest) -> bool:
    age = time.time() - entry["at"]
    return entry["user"] == str(request.user.pk) and 0 <= age < allauth_account_settings.REAUTHENTICATION_TIMEOUT


def _store(request: HttpRequest, kept: dict) -> None:
    if kept:
        request.session[SESSION_KEY] = kept
    else:
        request.session.pop(SESSION_KEY, None)


def _keep_and_confirm(request: HttpRequest, *, back_to: str) -> HttpResponseRedirect:
    methods = get_adapter().get_reauthentication_methods(request.user)
    if not methods:
        raise PermissionDenied
    fields = request.POST.copy()
    for name in list(fields):
        if name in _NOT_KEPT or _SECRET_FIELD.search(name):
            fields.pop(name)
    encoded = fields.urlencode()
    if len(encoded) > MAX_KEPT_BYTES:
        encoded = ""
    kept = {path: entry for path, entry in (request.session.get(SESSION_KEY) or {}).items() if _usable(entry, request)}
    kept[request.path] = {
        "user": str(request.user.pk),
        "at": time.time(),
        "fields": encoded,
        "files": sorted(request.FILES.keys()),
    }
    _store(request, kept)
    # A request allauth suspended earlier would be run, or its callback called, instead of
    # bringing the member back here.
    request.session.pop(reauthentication.STATE_SESSION_KEY, None)
    return HttpResponseRedirect(f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: back_to})}")
