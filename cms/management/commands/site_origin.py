"""Give the Wagtail default site SITE_URL's host and port (cms/origin.py).

Runs before ``migrate`` in bin/run-prod: after SITE_URL changes, migrate's own system checks would
otherwise refuse to run while the site still has the old address. Does nothing before the first
migrate (there is no site yet; migrate then sets it)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from cms.origin import default_site_address, default_site_sync


class Command(BaseCommand):
    help = "Set the Wagtail default site's hostname and port from SITE_URL."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options) -> None:
        if default_site_address(using=database) is None:
            self.stdout.write("No Wagtail site yet: migrate sets it from SITE_URL.")
            return
        changed = default_site_sync(using=database)
        hostname, port = default_site_address(using=database)
        verb = "now" if changed else "already"
        self.stdout.write(f"The Wagtail default site is {verb} {hostname}:{port} (SITE_URL {settings.SITE_URL}).")
