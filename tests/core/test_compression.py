"""Pages leave gzipped for browsers that accept it, cached or not, with Django's BREACH mitigation;
files that are not text leave as they are; static files leave in Brotli or gzip."""

from __future__ import annotations

import gzip
import re

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

pytestmark = pytest.mark.django_db


def picture(request):
    return HttpResponse(b"\\x89PNG" + b"\\0" * 4000, content_type="image/png")


urlpatterns = [path("picture/", picture)]


def test_a_visitor_page_is_gzipped_on_every_view_and_reads_as_the_page(client):
    plain = client.get("/mentors/").content
    assert len(plain) > 1000

    first = client.get("/mentors/", headers={"accept-encoding": "gzip, deflate, br"})
    again = client.get("/mentors/", headers={"accept-encoding": "gzip"})

    for response in (first, again):
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert gzip.decompress(response.content) == plain
        assert len(response.content) < len(plain) / 2
    assert again["X-Page-Cache"] == "hit"


def test_a_browser_that_does_not_accept_gzip_gets_the_page_as_it_is(client):
    response = client.get("/mentors/")
    assert "Content-Encoding" not in response
    assert response.content.lstrip().startswith(b"<!DOCTYPE html>")


def test_the_same_page_differs_in_compressed_size_from_view_to_view(client):
    # Django's "Heal The Breach": random bytes in the gzip header, so the length does not follow what
    # the page holds (BREACH guesses a secret from it). The stored page is the same on every hit.
    client.get("/mentors/")
    hits = [client.get("/mentors/", headers={"accept-encoding": "gzip"}) for _ in range(8)]
    assert {hit["X-Page-Cache"] for hit in hits} == {"hit"}
    assert len({gzip.decompress(hit.content) for hit in hits}) == 1
    assert len({len(hit.content) for hit in hits}) > 1


@override_settings(ROOT_URLCONF=__name__)
def test_files_that_are_not_text_are_sent_as_they_are(client):
    response = client.get("/picture/", headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"\\x89PNG")


@pytest.mark.django_db(transaction=True)
def test_static_files_leave_the_production_server_in_brotli_or_gzip_as_the_browser_accepts():
    """Static files are compressed once, when collected (WhiteNoise writes .br and .gz beside each);
    the server picks what the browser accepts (Brotli: 16 % smaller than gzip on the stylesheet)."""
    import brotli
    import requests

    from tests.servers import web_server

    with web_server() as base:
        page = requests.get(f"{base}/accounts/login/", timeout=10).text
        css = base + re.search(r'href="(/static/css/rabta\.[0-9a-f]+\.css)"', page).group(1)
        as_brotli = requests.get(css, headers={"Accept-Encoding": "br, gzip"}, timeout=10, stream=True)
        as_gzip = requests.get(css, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
        plain = requests.get(css, headers={"Accept-Encoding": "identity"}, timeout=10).content
        brotli_body, gzip_body = as_brotli.raw.read(), as_gzip.raw.read()

    assert (as_brotli.headers["Content-Encoding"], as_gzip.headers["Content-Encoding"]) == ("br", "gzip")
    assert brotli.decompress(brotli_body) == gzip.decompress(gzip_body) == plain
    assert len(brotli_body) < len(gzip_body) < len(plain)
