"""Every response carries the same security headers: pages Django makes, pages answered from the page
cache, files, errors, health checks."""

from __future__ import annotations

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client, override_settings
from django.urls import path

from config import urls as site_urls
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db

ALWAYS = {
    "content-security-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "permissions-policy",
    "referrer-policy",
    "x-content-type-options",
    "x-frame-options",
}
HSTS = "strict-transport-security"
PRODUCTION_HSTS = {"SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True}


def _security(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items() if name.lower() in ALWAYS | {HSTS}}


def _boom(request):
    raise RuntimeError("a bug")


def _file(request):
    import io

    return FileResponse(io.BytesIO(b"%PDF-1.4"), content_type="application/pdf")


def _stream(request):
    return StreamingHttpResponse(iter([b"a", b"b"]))


# The site's routes follow: the error pages link to them.
urlpatterns = [path("boom/", _boom), path("file/", _file), path("stream/", _stream), *site_urls.urlpatterns]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/boom/", "/file/", "/stream/", "/nowhere/"])
def test_errors_files_and_streams_carry_every_header(url):
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert set(_security(response.headers)) == ALWAYS
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("url", ["/healthz", "/static/css/rabta.css", "/accounts/login/", "/", "/members/999999/"])
def test_site_responses_carry_every_header(client, url):
    response = client.get(url)

    assert set(_security(response.headers)) == ALWAYS, url


@override_settings(**PRODUCTION_HSTS)
def test_hsts_is_sent_over_https_only(client):
    assert HSTS not in _security(client.get("/healthz").headers)
    assert client.get("/healthz", secure=True)[HSTS] == "max-age=31536000; includeSubDomains; preload"


@override_settings(**PRODUCTION_HSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_page_from_the_cache_carries_the_headers_of_the_page_django_made(redis_cache, scheme):
    # given: a public profile, made by Django for its first visitor
    user = ProfileFactory(display_name="Zara Sheikh", visibility="public").user
    url = f"/members/{user.pk}/"
    made = Client().get(url, secure=scheme == "https")
    assert made["X-Page-Cache"] == "miss"

    # when: the next visitor gets it from the cache
    from_cache = Client().get(url, secure=scheme == "https")

    # then: the very same security headers
    assert from_cache["X-Page-Cache"] == "hit"
    expected = _security(made.headers)
    assert set(expected) == (ALWAYS | {HSTS} if scheme == "https" else ALWAYS)
    assert _security(from_cache.headers) == expected


# Urdu has no catalogue yet, so the site does not offer it (config/settings.py); the cache must keep
# languages apart once it does.
@override_settings(LANGUAGES=[("en", "English"), ("ur", "Urdu")])
def test_a_visitor_with_another_language_cookie_does_not_change_the_page_others_get(redis_cache):
    # given: a plain visitor's home page, made and cached
    def visit(**cookies) -> bytes:
        client = Client()
        for name, value in cookies.items():
            client.cookies[name] = value
        return client.get("/").content

    before = visit()
    assert b'lang="en"' in before

    # when: one visitor asks for the page in Urdu with the language cookie
    urdu = visit(django_language="ur")

    # then: they get their language, and every other visitor still gets the page as before
    assert b'lang="ur"' in urdu
    assert visit() == before
    assert visit(django_language="ur") == urdu
