"""Whole pages cached for signed-out visitors, and invalidated the moment what they show changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import path, reverse

from cms.models import StoryIndexPage, StoryPage
from core.pagecache import cache_for_visitors
from ledger import services as ledger_services
from ledger.models import ExportReport
from network import services
from network.models import Membership, Organisation
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@cache_for_visitors("stories")  # a namespace of the site's own: the test view adds none to the list
def with_form(request):
    from django.http import HttpResponse

    return HttpResponse(f"<form>{get_token(request)}</form>")


urlpatterns = [path("form/", with_form)]


def publish(title: str, **fields) -> StoryPage:
    story = StoryPage(title=title, standfirst="s", **fields)
    StoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    return story


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get("X-Page-Cache"), response.content.decode()


def test_the_home_page_shows_a_newly_published_story_at_once(client, django_capture_on_commit_callbacks):
    fetch(client, "/")
    assert fetch(client, "/")[0] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        publish("Hawa Clean sells to Oman", featured=True)

    state, page = fetch(client, "/")
    assert state == "miss"
    assert "Hawa Clean sells to Oman" in page


def test_a_story_page_and_the_index_follow_edits_and_unpublishing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        story = publish("First title")
    fetch(client, story.url)
    fetch(client, "/stories/")
    assert fetch(client, story.url)[0] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        story.title = "Second title"
        story.save_revision().publish()
    assert "Second title" in fetch(client, story.url)[1]
    assert "Second title" in fetch(client, "/stories/")[1]

    with django_capture_on_commit_callbacks(execute=True):
        story.unpublish()
    assert client.get(story.url).status_code == 404
    assert "Second title" not in fetch(client, "/stories/")[1]


def test_a_profile_edit_shows_on_the_public_profile_at_once(client, django_capture_on_commit_callbacks):
    profile = ProfileFactory(display_name="Ayesha", headline="Engineer at Stripe", visibility="public")
    url = reverse("network:member-detail", args=[profile.user_id])
    fetch(client, url)
    assert fetch(client, url)[0] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(profile=profile, data={"headline": "Founder of Raqam Pay"})

    state, page = fetch(client, url)
    assert state == "miss"
    assert "Founder of Raqam Pay" in page


def test_a_verified_export_moves_the_cached_dashboard_at_once(client, django_capture_on_commit_callbacks):
    centre = OrganisationFactory(slug="nic", kind=Organisation.Kind.INCUBATOR)
    manager = ProfileFactory().user
    MembershipFactory(organisation=centre, user=manager, role=Membership.Role.OWNER)
    startup = OrganisationFactory(slug="raqam")
    founder = ProfileFactory().user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    report = ledger_services.export_report_submit(
        actor=founder, centre=centre, organisation=startup,
        data={"year": 2026, "quarter": 1, "amount": Decimal(4321), "currency": "USD"},
    )  # fmt: skip
    fetch(client, "/impact/")
    assert fetch(client, "/impact/")[0] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.export_report_verify(actor=manager, report=report)

    state, page = fetch(client, "/impact/")
    assert state == "miss"
    assert "4,321" in page
    assert ExportReport.objects.get().status == "verified"


def test_members_always_get_a_fresh_page(client_for):
    member = client_for(ProfileFactory().user)

    first, second = member.get("/"), member.get("/")

    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second


@pytest.mark.urls("tests.cms.test_page_cache")
def test_a_page_with_a_csrf_token_is_never_shared(client):
    assert client.get("/form/")["X-Page-Cache"] == "miss"
    assert client.get("/form/")["X-Page-Cache"] == "miss"


def test_a_visitor_gets_a_stored_page_in_one_round_trip_to_the_cache(client):
    import redis
    from django.test import override_settings

    from tests.servers import redis_server

    with redis_server() as server:
        caches = {**settings.CACHES, "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": server.url}}
        with override_settings(CACHES=caches):
            assert fetch(client, "/")[0] == "miss"
            stats = redis.Redis.from_url(server.url)
            before = stats.info("commandstats")

            # when
            state, _html = fetch(client, "/")

            # then: the page and its namespaces' versions came back together
            after = stats.info("commandstats")
            calls = {
                command: after[command]["calls"] - before.get(command, {}).get("calls", 0)
                for command in after
                if command != "cmdstat_info"
            }
            assert state == "hit"
            assert {command: n for command, n in calls.items() if n} == {"cmdstat_mget": 1}
