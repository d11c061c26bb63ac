"""The public site's doors: robots.txt, security.txt, the favicon, the web app manifest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db


@override_settings(SITE_URL="https://rabta.pk")
def test_robots_txt_allows_the_public_site_and_keeps_crawlers_out_of_members_areas(client):
    # when
    response = client.get("/robots.txt")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=86400"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for area in ("/editors/", "/admin/", "/accounts/", "/dashboard/", "/profile/", "/sessions/", "/deals/"):
        assert f"Disallow: {area}" in lines
    assert "Allow: /" in lines
    assert "Disallow: /" not in lines
    assert "Disallow: /mentors/" not in lines
    assert lines[-1] == "Sitemap: https://rabta.pk/sitemap.xml"


@override_settings(SITE_URL="https://rabta.pk", SECURITY_CONTACT="security@rabta.pk")
def test_security_txt_names_the_contact_and_expires_within_a_year(client):
    # when
    response = client.get("/.well-known/security.txt")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=86400"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:security@rabta.pk"
    assert fields["Canonical"] == "https://rabta.pk/.well-known/security.txt"
    assert fields["Preferred-Languages"] == "en"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    ahead = expires - timezone.now()
    assert timedelta(days=179) < ahead <= timedelta(days=180)


@override_settings(SECURITY_CONTACT="https://rabta.pk/security/")
def test_security_txt_takes_a_web_page_as_the_contact_as_it_is(client):
    response = client.get("/.well-known/security.txt")

    assert response.content.decode().splitlines()[0] == "Contact: https://rabta.pk/security/"


def test_favicon_ico_sends_browsers_to_the_sites_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert response["Cache-Control"] == "public, max-age=86400"


def test_the_manifest_names_rabta_with_its_icon_and_colours_and_every_page_links_it(client):
    # when
    response = client.get("/manifest.webmanifest")
    home = client.get("/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "public, max-age=86400"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Rabta"
    assert manifest["start_url"] == "/"
    assert manifest["theme_color"] == "#0b5d3b"
    assert manifest["icons"] == [
        {"src": "/static/img/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}
    ]
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home.content.decode()
    assert "manifest-src 'self'" in home["Content-Security-Policy"]


@pytest.mark.parametrize("address", ["/robots.txt", "/.well-known/security.txt", "/manifest.webmanifest"])
def test_the_doors_are_answered_again_and_never_kept_by_the_visitor_page_cache(client, address):
    responses = [client.get(address), client.get(address)]

    assert [r.status_code for r in responses] == [200, 200]
    assert ["X-Page-Cache" in r for r in responses] == [False, False]
