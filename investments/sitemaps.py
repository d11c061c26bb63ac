"""Sitemap sections of the investments app (Django's sitemap framework)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from investments.models import Cohort


class OpenCohortSitemap(Sitemap):
    """Cohorts taking applications: the pages founders search for. Drafts, closed calls and running or
    finished cohorts are left out (the first are private, the others no longer take anyone)."""

    changefreq = "weekly"
    priority = 0.6

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme  # the public origin, not the request's

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def items(self) -> QuerySet[Cohort]:
        return Cohort.objects.accepting_applications().order_by("pk")
