"""Sitemap sections of the investments app (Django's sitemap framework)."""

from __future__ import annotations

from django.db.models import QuerySet

from investments.models import Cohort
from network.sitemaps import PublicOriginSitemap


class OpenCohortSitemap(PublicOriginSitemap):
    """Cohorts taking applications: the pages founders search for. Drafts, closed calls and running or
    finished cohorts are left out (the first are private, the others no longer take anyone)."""

    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Cohort]:
        return Cohort.objects.accepting_applications().order_by("pk")
