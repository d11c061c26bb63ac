"""Sitemap sections of the network app (Django's sitemap framework), and the base every section
of the site's sitemap shares."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from network.models import Organisation
from network.selectors import organisation_public_list


class PublicOriginSitemap(Sitemap):
    """A section whose addresses start with ``SITE_URL``, the public origin, not the request's."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class OrganisationSitemap(PublicOriginSitemap):
    """Startups, incubators, centres and tech parks: each has a page visitors may open."""

    changefreq = "monthly"
    priority = 0.5

    def items(self) -> QuerySet[Organisation]:
        return organisation_public_list()

    def lastmod(self, organisation: Organisation) -> datetime:
        return organisation.updated_at
