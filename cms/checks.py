"""System checks of the public origin (cms/origin.py), run by every management command and by
``migrate`` before it changes anything; production (DEBUG off) refuses to start when they fail."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from cms.origin import LOOPBACK_HOSTS, default_site_address, site_address


@register()
def check_site_url(app_configs=None, **kwargs) -> list[Error]:
    """SITE_URL is an origin Wagtail can say, on https in production (plain http only on this machine)."""
    if site_address(settings.SITE_URL) is None:
        return [
            Error(
                f"SITE_URL {settings.SITE_URL!r} is not an origin: use scheme://host[:port] with no path, "
                "and https on port 443 or http on another port than 443.",
                id="cms.E001",
            )
        ]
    parts = urlsplit(settings.SITE_URL)
    if not settings.DEBUG and parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        return [
            Error(
                f"SITE_URL {settings.SITE_URL!r} is not https: links in emails, calendars, the sitemap and "
                "canonical links would send visitors to plain HTTP.",
                hint="Set SITE_URL to the public https:// origin, e.g. https://rabta.pk.",
                id="cms.E002",
            )
        ]
    return []


@register(Tags.database)
def check_default_site_follows_site_url(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """The Wagtail default site has SITE_URL's host and port (in production; development follows on
    the next migrate). Runs where Django runs database checks: migrate and ``check --database``."""
    if settings.DEBUG or not databases or "default" not in databases:
        return []
    wanted = site_address(settings.SITE_URL)
    found = default_site_address()
    if wanted is None or found is None or tuple(found) == wanted:
        return []
    return [
        Error(
            f"The Wagtail default site is {found[0]}:{found[1]}, but SITE_URL is {settings.SITE_URL}: "
            "canonical links, the sitemap and the feeds would name the wrong origin.",
            hint="Run `manage.py site_origin` (bin/run-prod does, before migrate).",
            id="cms.E003",
        )
    ]
