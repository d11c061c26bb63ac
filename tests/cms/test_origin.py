"""One public origin: SITE_URL. The Wagtail site follows it, so canonical links, og:url, the sitemap and
the feeds name it; production refuses to start when the two disagree or SITE_URL is not https."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings
from wagtail.models import Site

from cms.models import StoryIndexPage, StoryPage
from cms.origin import default_site_sync, site_address

pytestmark = pytest.mark.django_db

PRODUCTION = {"DEBUG": False, "SITE_URL": "https://rabta.pk", "ALLOWED_HOSTS": ["rabta.pk", "testserver"]}
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _addresses() -> list[tuple[str, int]]:
    return list(Site.objects.values_list("hostname", "port"))


def test_migrate_gives_the_wagtail_site_the_address_of_site_url(settings):
    # the test database was made by migrate, with the default SITE_URL
    assert settings.SITE_URL == "http://localhost:8000"
    assert _addresses() == [("localhost", 8000)]
    assert Site.objects.get().root_url == settings.SITE_URL


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://rabta.pk", ("rabta.pk", 443)),
        ("https://rabta.pk:443/", ("rabta.pk", 443)),
        ("http://localhost:8101", ("localhost", 8101)),
        ("http://rabta.lan", ("rabta.lan", 80)),
        ("https://rabta.pk:8443", None),  # Wagtail's Site cannot say https on another port
        ("http://rabta.pk:443", None),
        ("https://rabta.pk/site", None),
        ("rabta.pk", None),
        ("ftp://rabta.pk", None),
    ],
)
def test_site_address(url, address):
    assert site_address(url) == address


@override_settings(SITE_URL="https://rabta.pk")
def test_site_origin_command_moves_the_site_and_every_link_follows():
    # given: a live story, and SITE_URL changed since the last migrate
    index = StoryIndexPage.objects.get()
    story = StoryPage(title="Raqam Pay", standfirst="Freelancers paid.")
    index.add_child(instance=story)
    story.save_revision().publish()
    assert _addresses() == [("localhost", 8000)]

    # when
    call_command("site_origin", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then: the one site has SITE_URL's address, nothing else changed in it
    assert _addresses() == [("rabta.pk", 443)]
    assert Site.objects.get().root_page_id == index.get_parent().pk
    client = Client(headers={"host": "testserver"})
    page = client.get(story.url).content.decode()
    assert '<link rel="canonical" href="https://rabta.pk/stories/raqam-pay/">' in page
    assert '<meta property="og:url" content="https://rabta.pk/stories/raqam-pay/">' in page
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert "https://rabta.pk/stories/raqam-pay/" in locations
    assert all(loc.startswith("https://rabta.pk/") for loc in locations), locations
    rss = client.get("/stories/feed/").content.decode()
    atom = ElementTree.fromstring(client.get("/stories/atom/").content)
    assert "testserver" not in rss
    assert "<link>https://rabta.pk/stories/</link>" in rss
    assert '<atom:link href="https://rabta.pk/stories/feed/" rel="self"' in rss
    assert [link.get("href") for link in atom.iter(f"{ATOM}link")] == [
        "https://rabta.pk/stories/",
        "https://rabta.pk/stories/atom/",
        "https://rabta.pk/stories/raqam-pay/",
    ]


def test_the_sync_changes_nothing_when_the_site_already_follows():
    assert default_site_sync() is False
    assert _addresses() == [("localhost", 8000)]


def _check_ids() -> list[str]:
    try:
        call_command("check", "--database", "default", stdout=open("/dev/null", "w"))  # noqa: SIM115
    except SystemCheckError as error:
        return sorted(set(re.findall(r"\(cms\.E\d+\)", str(error))))
    return []


@override_settings(**PRODUCTION)
def test_production_refuses_a_site_that_disagrees_with_site_url():
    assert _check_ids() == ["(cms.E003)"]
    default_site_sync()
    assert _check_ids() == []


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        pytest.param("http://rabta.pk", ["(cms.E002)"], id="plain-http"),
        pytest.param("https://rabta.pk:8443", ["(cms.E001)"], id="not-a-wagtail-origin"),
        pytest.param("https://rabta.pk/app", ["(cms.E001)"], id="a-path"),
        pytest.param("http://localhost:8000", [], id="this-machine"),
    ],
)
def test_production_refuses_a_site_url_that_is_not_https(site_url, expected):
    with override_settings(**{**PRODUCTION, "SITE_URL": site_url}):
        default_site_sync()
        assert _check_ids() == expected


@override_settings(DEBUG=True, SITE_URL="https://rabta.pk")
def test_development_does_not_refuse_a_site_that_lags_behind():
    assert _check_ids() == []
