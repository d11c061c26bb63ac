"""The site's public origin is ``settings.SITE_URL``: the Wagtail default site's address follows it.

Wagtail builds every absolute page link (``canonical``, ``og:url``, the sitemap, the feeds) from the
default ``Site`` row's hostname and port, which the first migration set to localhost:80. ``migrate``
(post_migrate, ``CmsConfig.ready``) and ``manage.py site_origin`` write SITE_URL's host and port into
that row, and a system check (``cms.checks``) refuses to start production when they disagree.

Wagtail's ``Site.root_url`` can say ``http://host`` (port 80), ``https://host`` (port 443) and
``http://host:port``; SITE_URL must be one of those.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def site_address(url: str) -> tuple[str, int] | None:
    """The hostname and port of a Wagtail ``Site`` whose ``root_url`` is ``url``; None when no Site can
    say it (a path, a query, https on another port than 443, http on 443, no host)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.scheme == "https":
        return (parts.hostname, 443) if port in (None, 443) else None
    if port == 443:
        return None
    return parts.hostname, port or 80


def default_site_sync(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Give the default Wagtail site SITE_URL's hostname and port; True when that changed the row.

    Nothing to do when SITE_URL has no Site form (the system check says so) or no default site exists
    yet (before cms' migrations)."""
    from wagtail.models import Site

    address = site_address(settings.SITE_URL)
    site = Site.objects.using(using).filter(is_default_site=True).first()
    if address is None or site is None or (site.hostname, site.port) == address:
        return False
    site.hostname, site.port = address
    # save(), not update(): Wagtail's post_save handler clears its cached site root paths.
    site.save(using=using, update_fields=["hostname", "port"])
    return True


def default_site_address(*, using: str = DEFAULT_DB_ALIAS) -> tuple[str, int] | None:
    """The default Wagtail site's hostname and port; None when the table or the row is not there yet."""
    from wagtail.models import Site

    if Site._meta.db_table not in connections[using].introspection.table_names():
        return None
    try:
        return Site.objects.using(using).filter(is_default_site=True).values_list("hostname", "port").first()
    except DatabaseError:  # a database that is not reachable: other checks and commands say so
        return None


def on_post_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    default_site_sync(using=using)
