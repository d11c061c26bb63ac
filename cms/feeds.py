"""RSS and Atom feeds of published stories (Django's syndication framework)."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed


class StoryFeed(Feed):
    def __init__(self, index_page):
        super().__init__()
        self.index_page = index_page

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return f"{self.index_page.title} · Rabta"

    def link(self):
        return self.index_page.get_full_url(self.request)

    def feed_url(self):
        # The feed's own address (Atom's rel="self", RSS's atom:link) at the public origin, not at
        # whatever host the request named.
        return f"{settings.SITE_URL}{self.request.path}"

    def description(self):
        return self.index_page.intro or self.index_page.title

    def items(self):
        return self.index_page.stories()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at or timezone.make_aware(datetime.combine(item.date, time()))

    def item_author_name(self, item):
        return item.author or None

    def item_categories(self, item):
        return [item.get_kind_display(), *(sector.name for sector in item.sectors.all())]


class StoryAtomFeed(StoryFeed):
    feed_type = Atom1Feed
    subtitle = StoryFeed.description
