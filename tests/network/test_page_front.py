"""The page-cache front: signed-out visitors' cached pages answered from Redis in the event loop,
before Django; everything else handed on, untouched."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from network.pagecache import PageFront, bump_pages
from tests.network.factories import ProfileFactory
from tests.pagefront import Downstream, ask

pytestmark = pytest.mark.django_db


def test_a_cached_visitor_page_is_answered_without_django(client, redis_cache):
    # given: a public profile, cached by its first visitor through Django
    user = ProfileFactory(display_name="Zara Sheikh", visibility="public").user
    path = f"/members/{user.pk}/"
    stored = client.get(path)
    assert stored["X-Page-Cache"] == "miss"
    downstream = Downstream()
    front = PageFront(downstream)

    # when
    answer = ask(front, path)

    # then: the page as Django made it, headers included, and Django never asked
    assert downstream.paths == []
    assert answer["status"] == 200
    assert answer["body"] == stored.content
    assert answer["headers"]["x-page-cache"] == "hit"
    assert answer["headers"]["content-security-policy"] == stored["Content-Security-Policy"]
    assert answer["headers"]["content-length"] == str(len(stored.content))
    assert len(answer["headers"]["x-request-id"]) == 32


def test_the_front_keeps_a_sane_request_id_from_the_load_balancer(client, redis_cache):
    user = ProfileFactory(visibility="public").user
    client.get(f"/members/{user.pk}/")
    front = PageFront(Downstream())

    kept = ask(front, f"/members/{user.pk}/", headers=[(b"x-request-id", b"lb-1234567890")])
    replaced = ask(front, f"/members/{user.pk}/", headers=[(b"x-request-id", b"<script>")])

    assert kept["headers"]["x-request-id"] == "lb-1234567890"
    assert replaced["headers"]["x-request-id"] != "<script>"


def test_a_page_whose_namespace_was_bumped_goes_to_django(client, redis_cache):
    # given
    user = ProfileFactory(visibility="public").user
    client.get(f"/members/{user.pk}/")
    downstream = Downstream()
    front = PageFront(downstream)

    # when
    bump_pages("profiles")
    answer = ask(front, f"/members/{user.pk}/")

    # then
    assert downstream.paths == [f"/members/{user.pk}/"]
    assert answer["status"] == 418


@pytest.mark.parametrize(
    ("method", "query", "headers"),
    [
        pytest.param("POST", b"", [], id="post"),
        pytest.param("GET", b"", [(b"cookie", f"{settings.SESSION_COOKIE_NAME}=abc".encode())], id="signed-in"),
        pytest.param("GET", b"", [(b"cookie", b"messages=abc")], id="flash-message"),
        pytest.param("GET", b"x=1", [], id="another-query"),
        pytest.param("GET", b"", [(b"accept-language", b"ur")], id="another-language"),
    ],
)
def test_anything_but_the_same_visitor_request_goes_to_django(client, redis_cache, method, query, headers):
    # given
    user = ProfileFactory(visibility="public").user
    client.get(f"/members/{user.pk}/")
    downstream = Downstream()

    # when
    answer = ask(PageFront(downstream), f"/members/{user.pk}/", method=method, query=query, headers=headers)

    # then
    assert answer["status"] == 418
    assert downstream.paths == [f"/members/{user.pk}/"]


def test_paths_that_never_hold_a_visitors_page_go_straight_to_django(redis_cache):
    downstream = Downstream()

    answers = [ask(PageFront(downstream), path)["status"] for path in ("/deals/", "/healthz", "/static/x.css")]

    assert answers == [418, 418, 418]
    assert downstream.paths == ["/deals/", "/healthz", "/static/x.css"]


def test_without_redis_the_front_steps_aside(client):
    # given: the embedded default (pages in the process's memory): nothing to read from the event loop
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "front"}}
    with override_settings(CACHES=caches):
        user = ProfileFactory(visibility="public").user
        client.get(f"/members/{user.pk}/")
        downstream = Downstream()

        # when
        answer = ask(PageFront(downstream), f"/members/{user.pk}/")

    # then
    assert answer["status"] == 418


def test_when_redis_is_unreachable_django_answers(client, redis_cache):
    user = ProfileFactory(visibility="public").user
    client.get(f"/members/{user.pk}/")
    downstream = Downstream()

    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=unreachable):
        answer = ask(PageFront(downstream), f"/members/{user.pk}/")

    assert answer["status"] == 418


@pytest.mark.parametrize(
    ("scheme", "headers", "served"),
    [
        pytest.param("http", [], False, id="plain-http"),
        pytest.param("http", [(b"x-forwarded-proto", b"http")], False, id="proxy-says-http"),
        pytest.param("http", [(b"x-forwarded-proto", b"https")], True, id="proxy-says-https"),
        pytest.param("https", [], True, id="https"),
    ],
)
def test_with_the_https_redirect_on_only_secure_requests_get_a_cached_page(
    client, redis_cache, scheme, headers, served
):
    # given: a page cached through Django over HTTPS
    user = ProfileFactory(visibility="public").user
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert client.get(f"/members/{user.pk}/", secure=True)["X-Page-Cache"] == "miss"
        downstream = Downstream()

        # when
        answer = ask(PageFront(downstream), f"/members/{user.pk}/", headers=headers, scheme=scheme)

    # then: anything not secure goes to Django, which redirects it
    assert (answer["status"] == 200) is served
    assert (downstream.paths == []) is served
