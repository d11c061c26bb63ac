"""The public site's doors: robots.txt, security.txt, the favicon, the web app manifest, the error
pages and the sitemap's mentors and organisations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from django.views.defaults import server_error

from config import urls as config_urls
from mentorship.models import Mentor
from mentorship.sitemaps import MentorSitemap
from network.models import User
from network.sitemaps import OrganisationSitemap
from tests.mentorship.factories import MentorFactory
from tests.network.factories import OrganisationFactory, ProfileFactory

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


# --- Error pages -------------------------------------------------------------------------------

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _boom(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("boom/", _boom), *config_urls.urlpatterns]


def assert_site_layout(html: str, heading: str) -> None:
    assert VIEWPORT in html
    assert '<header class="site-header">' in html
    assert '<main id="main" tabindex="-1">' in html
    assert '<footer class="site-footer">' in html
    assert f"<h1>{heading}</h1>" in html
    assert '<li><a href="/">Home</a></li>' in html
    assert '<li><a href="/mentors/">Find a mentor</a></li>' in html


def test_a_missing_page_is_a_404_in_the_site_layout_with_ways_on(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert_site_layout(response.content.decode(), "Page not found")


def test_a_member_on_a_missing_page_is_offered_the_directory_too(member_client):
    response = member_client.get("/mentors/999999/")

    html = response.content.decode()
    assert response.status_code == 404
    assert_site_layout(html, "Page not found")
    assert '<li><a href="/members/">Directory</a></li>' in html


def test_a_page_the_member_may_not_open_is_a_403_in_the_site_layout(member_client):
    # given: an organisation the member does not belong to
    OrganisationFactory(slug="raqam-pay")

    # when
    response = member_client.get(reverse("network:organisation-edit", args=["raqam-pay"]))

    # then

    html = response.content.decode()
    assert response.status_code == 403
    assert_site_layout(html, "You cannot open this page")
    assert "Your account does not give you access to this page." in html


@override_settings(ROOT_URLCONF="tests.test_public_doors")
def test_a_server_error_is_a_500_in_the_site_layout_without_a_menu(client):
    # given
    client.raise_request_exception = False

    # when
    response = client.get("/boom/")

    # then
    html = response.content.decode()
    assert response.status_code == 500
    assert_site_layout(html, "Something went wrong")
    assert "Sign in" not in html


def test_the_500_page_renders_without_a_query_or_a_context_processor(rf, django_assert_num_queries):
    # given: what Django's handler500 does, with no request in the template's context
    request = rf.get("/")

    # when
    with django_assert_num_queries(0):
        response = server_error(request)

    # then
    assert response.status_code == 500
    assert_site_layout(response.content.decode(), "Something went wrong")


def test_opening_a_post_only_address_in_a_browser_is_a_405_page_keeping_allow(member_client):
    # when
    response = member_client.get(reverse("network:notification-read-all"), HTTP_ACCEPT=HTML_ACCEPT)

    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert_site_layout(response.content.decode(), "This address is not a page")


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ACCEPT": "application/json"}, {"HTTP_ACCEPT": HTML_ACCEPT, "HTTP_HX_REQUEST": "true"}, {}],
    ids=["json", "htmx", "no-accept"],
)
def test_a_405_for_json_htmx_and_scripts_stays_empty(member_client, headers):
    response = member_client.get(reverse("network:notification-read-all"), **headers)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.content == b""


def test_a_form_refused_for_its_csrf_token_is_a_403_page_saying_what_to_do(db):
    # given
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post("/accounts/login/", {"login": "someone@example.org", "password": "x"})

    # then
    html = response.content.decode()
    assert response.status_code == 403
    assert_site_layout(html, "The form was not sent")
    assert "<li>Reload the page (what you typed may need typing again).</li>" in html
    assert "<li>Send the form again.</li>" in html


# --- The sitemap's mentors and organisations ---------------------------------------------------


def _sitemap(client) -> str:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return response.content.decode()


def _visitors_date(moment) -> str:
    """The day of ``moment`` in the zone a visitor's pages (the sitemap among them) are shown in."""
    return timezone.localtime(moment, ZoneInfo(settings.RABTA["DEFAULT_VIEWER_TIMEZONE"])).date().isoformat()


@override_settings(SITE_URL="https://rabta.pk")
def test_the_sitemap_lists_mentors_visitors_may_open_and_no_other(client):
    # given
    shown = MentorFactory()
    members_only = MentorFactory(user=ProfileFactory(is_mentor=True, visibility="members").user)
    suspended = MentorFactory(status=Mentor.Status.SUSPENDED)
    pending = MentorFactory(status=Mentor.Status.PENDING)
    deactivated = MentorFactory()
    User.objects.filter(pk=deactivated.user_id).update(is_active=False)

    # when
    sitemap = _sitemap(client)

    # then
    lastmod = _visitors_date(shown.user.profile.updated_at)
    assert f"<loc>https://rabta.pk/mentors/{shown.pk}/</loc><lastmod>{lastmod}</lastmod>" in sitemap
    for hidden in (members_only, suspended, pending, deactivated):
        assert f"/mentors/{hidden.pk}/" not in sitemap
    assert [m.pk for m in MentorSitemap().items()] == [shown.pk]
    # and each one listed is a page a visitor gets
    assert client.get(f"/mentors/{shown.pk}/").status_code == 200
    assert client.get(f"/mentors/{members_only.pk}/").status_code == 404


@override_settings(SITE_URL="https://rabta.pk")
def test_the_sitemap_lists_organisation_pages_at_the_public_origin(client):
    # given
    organisation = OrganisationFactory(slug="raqam-pay")

    # when
    sitemap = _sitemap(client)

    # then
    lastmod = _visitors_date(organisation.updated_at)
    assert f"<loc>https://rabta.pk/organisations/raqam-pay/</loc><lastmod>{lastmod}</lastmod>" in sitemap
    assert client.get("/organisations/raqam-pay/").status_code == 200


def test_the_sitemap_costs_the_same_queries_for_one_mentor_and_organisation_as_for_many(client):
    # given: one of each, and the site looked up once (Wagtail keeps it)
    MentorFactory()
    OrganisationFactory()
    _sitemap(client)
    with CaptureQueriesContext(connection) as few:
        _sitemap(client)
    for _ in range(4):
        MentorFactory()
        OrganisationFactory()

    # when
    with CaptureQueriesContext(connection) as many:
        sitemap = _sitemap(client)

    # then
    assert sitemap.count("/mentors/") == 5
    assert sitemap.count("/organisations/") == 5
    assert len(many) == len(few)


@pytest.mark.parametrize("section", [MentorSitemap, OrganisationSitemap], ids=["mentors", "organisations"])
def test_a_sitemap_section_is_two_queries_its_count_and_its_rows(section, django_assert_num_queries):
    for _ in range(3):
        MentorFactory()
        OrganisationFactory()

    with django_assert_num_queries(2):
        urls = section().get_urls()

    assert len(urls) == 3
    assert all(url["lastmod"] is not None for url in urls)
