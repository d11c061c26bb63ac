"""The files browsers, crawlers and security researchers ask every site for at fixed addresses:
``/robots.txt``, ``/.well-known/security.txt`` (RFC 9116), ``/favicon.ico`` and the web app manifest.

Each is the same for everyone and made without the database, so each may be kept by browsers and
shared caches for a day. Absolute addresses start with ``SITE_URL``, the public origin, never with
the host a request happened to name.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ONE_DAY = 86400

# Pages only a signed-in member, an editor or staff can open, or that act on an account: a crawler
# would only be sent to the sign-in page. The directory (/members/) is left out of search engines
# too: a public profile may be opened by anyone with the link, but only mentors' pages are offered
# to search engines (the sitemap's "mentors").
DISALLOWED = (
    "/admin/",
    "/editors/",
    "/accounts/",
    "/dashboard/",
    "/profile/",
    "/members/",
    "/introductions/",
    "/notifications/",
    "/sessions/",
    "/mentoring/",
    "/calendar/",
    "/deals/",
    "/exports/",
)

# RFC 9116 asks for an Expires less than a year ahead; it moves with every request, so the file never
# goes stale while the site runs.
SECURITY_TXT_LIFETIME = timedelta(days=180)

THEME_COLOUR = "#0b5d3b"  # --green in static/css/rabta.css
BACKGROUND_COLOUR = "#ffffff"  # --paper


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {settings.SITE_URL}/sitemap.xml")
    return _text("\n".join(lines) + "\n")


def security_contact() -> str:
    """``SECURITY_CONTACT`` as a URI: a bare email address becomes a ``mailto:`` link."""
    contact = settings.SECURITY_CONTACT
    return contact if ":" in contact else f"mailto:{contact}"


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def security_txt(request: HttpRequest) -> HttpResponse:
    expires = (timezone.now() + SECURITY_TXT_LIFETIME).replace(microsecond=0)
    languages = ", ".join(code for code, _name in settings.LANGUAGES)
    lines = [
        f"Contact: {security_contact()}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
        f"Preferred-Languages: {languages}",
    ]
    return _text("\n".join(lines) + "\n")


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the site's icon.

    A temporary redirect: the icon's static address changes whenever the icon does."""
    return HttpResponseRedirect(static("img/favicon.svg"))


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: what a phone shows when a member adds Rabta to their home screen."""
    document = {
        "name": "Rabta",
        "short_name": "Rabta",
        "description": _(
            "Rabta joins Pakistan's tech diaspora to the founders, incubators and centres of excellence at home."
        ),
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "display": "minimal-ui",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return HttpResponse(json.dumps(document, ensure_ascii=False), content_type="application/manifest+json")
