"""Sitemap sections of the mentorship app (Django's sitemap framework)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from mentorship.models import Mentor
from mentorship.selectors import mentor_public_list
from network.sitemaps import PublicOriginSitemap


class MentorSitemap(PublicOriginSitemap):
    """Mentors' pages that visitors may open (approved, active, with a public profile): the pages
    founders search for. Members-only profiles, pending and suspended mentors are left out."""

    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Mentor]:
        return mentor_public_list()

    def lastmod(self, mentor: Mentor) -> datetime:
        return mentor.user.profile.updated_at
