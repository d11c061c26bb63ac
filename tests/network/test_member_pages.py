"""A member's pages kept for their own session and answered by the front without Django, until anything
they show changes: shared data, the member's own account and notifications, or the session itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.urls import path
from redis import Redis

from network import services
from network.pagecache import PageFront, bump_pages, cache_for_members, member_page_key
from tests.mentorship.test_room_processes import REDIS_URL
from tests.network.factories import ProfileFactory
from tests.pagefront import Downstream, ask, cookie_header, from_front, seen

pytestmark = pytest.mark.django_db

DIRECTORY = "/members/"


@login_required
@cache_for_members("test")
def changed_while_rendering(request):
    """A page during whose making someone else commits a change it depends on."""
    bump_pages("test")
    return HttpResponse(f"<form>{get_token(request)}</form>")


urlpatterns = [path("racing/", changed_while_rendering)]


@pytest.fixture
def member(client_for, redis_cache):
    user = ProfileFactory(display_name="Sana Iqbal").user
    return user, client_for(user)


def test_a_members_page_is_answered_for_their_session_without_django(member):
    # given: Sana looked at the directory
    _user, client = member
    stored = seen(client, DIRECTORY)
    downstream = Downstream()

    # when: she comes back to it
    answer = from_front(client, DIRECTORY, downstream)

    # then: the same page, her CSRF token included, and Django never asked
    assert downstream.paths == []
    assert answer["status"] == 200
    assert answer["body"] == stored.content
    assert b"Sana Iqbal" in answer["body"]
    assert answer["headers"]["x-page-cache"] == "hit"
    assert answer["headers"]["cache-control"] == "private"
    assert answer["headers"]["content-security-policy"] == stored["Content-Security-Policy"]


def test_nobody_else_gets_a_members_page(member, client_for):
    # given
    _user, client = member
    seen(client, DIRECTORY)
    other = client_for(ProfileFactory(display_name="Bilal Ahmed").user)
    other.get(DIRECTORY)
    own_cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    other_cookies = {name: morsel.value for name, morsel in other.cookies.items()}
    session, csrf = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME

    def with_cookies(cookies: dict) -> int:
        header = (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode())
        return ask(PageFront(Downstream()), DIRECTORY, headers=[header])["status"]

    # then: another member, her session with someone else's CSRF cookie, a made-up session, no cookies
    assert with_cookies(other_cookies) == 418
    assert with_cookies({session: own_cookies[session], csrf: other_cookies[csrf]}) == 418
    assert with_cookies({session: own_cookies[session]}) == 418
    assert with_cookies({session: "a" * 32, csrf: own_cookies[csrf]}) == 418
    assert with_cookies({}) == 418
    assert with_cookies(own_cookies) == 200


def test_signing_out_ends_it(member):
    # given
    _user, client = member
    seen(client, DIRECTORY)
    cookies = cookie_header(client)

    # when
    assert client.post("/accounts/logout/").status_code == 302

    # then: the old cookies get nothing from the front
    assert ask(PageFront(Downstream()), DIRECTORY, headers=[cookies])["status"] == 418


def test_anything_the_member_does_makes_their_pages_stale_and_no_one_elses(
    member, client_for, django_capture_on_commit_callbacks
):
    # given: two members with a stored directory page; Sana's menu shows one unread notification
    user, client = member
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_create(recipient=user, kind="t", message="Hi", send_email=False)
    assert b'<span class="badge">1' in seen(client, DIRECTORY).content
    other = client_for(ProfileFactory().user)
    seen(other, DIRECTORY)

    # when: Sana posts anything (here: opens the notification, which marks it read without a message)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/notifications/{notification.pk}/read/").status_code == 302
    assert "messages" not in client.cookies

    # then: her next page is made again, without the badge; the other member's is still kept
    assert from_front(client, DIRECTORY)["status"] == 418
    assert b'<span class="badge">' not in client.get(DIRECTORY).content
    assert from_front(other, DIRECTORY)["status"] == 200


def test_a_new_notification_reaches_the_menu_at_once(member, django_capture_on_commit_callbacks):
    # given
    user, client = member
    seen(client, DIRECTORY)

    # when: someone else's action notifies her
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create(recipient=user, kind="network.test", message="Hello", send_email=False)

    # then: Django makes the page again, with the count
    assert from_front(client, DIRECTORY)["status"] == 418
    page = client.get(DIRECTORY).content.decode()
    assert '<span class="badge">1<span class="visually-hidden"> unread</span></span>' in page


def test_a_change_to_what_the_page_lists_shows_at_once(member, django_capture_on_commit_callbacks):
    # given
    _user, client = member
    listed = ProfileFactory(display_name="Omar Farooq")
    seen(client, DIRECTORY)

    # when: another member renames themself
    with django_capture_on_commit_callbacks(execute=True):
        listed.display_name = "Omar Farooq Khan"
        listed.save()

    # then
    assert from_front(client, DIRECTORY)["status"] == 418
    assert "Omar Farooq Khan" in client.get(DIRECTORY).content.decode()


@pytest.mark.parametrize("change", ["deactivated", "password", "staff"])
def test_a_change_to_the_account_hands_the_session_back_to_django(member, django_capture_on_commit_callbacks, change):
    # given
    user, client = member
    seen(client, DIRECTORY)

    # when: staff deactivate her, or her password is changed from another device, or she is made staff
    with django_capture_on_commit_callbacks(execute=True):
        if change == "deactivated":
            user.is_active = False
        elif change == "password":
            user.set_password("a-new-password-2026")
        else:
            user.is_staff = True
        user.save()

    # then: Django answers; for the first two, it signs the session out
    assert from_front(client, DIRECTORY)["status"] == 418
    expected = 200 if change == "staff" else 302
    assert client.get(DIRECTORY).status_code == expected


def test_signing_in_again_changes_nothing_for_others(member, client_for):
    # given: signing in only saves last_login, which no page shows
    user, client = member
    seen(client, DIRECTORY)

    # when: she signs in on another device
    client_for(user)

    # then
    assert from_front(client, DIRECTORY)["status"] == 200


def test_a_change_to_the_session_hands_the_request_to_django(member):
    # given
    _user, client = member
    seen(client, DIRECTORY)

    # when: the session changes (a flash message stored in it, a confirmed password, a new language…)
    session = client.session
    session["_messages"] = "[]"
    session.save()

    # then
    assert from_front(client, DIRECTORY)["status"] == 418


def test_a_page_with_a_flash_message_is_not_kept(member):
    # given: a member whose action left a message for the next page
    _user, client = member
    client.get(DIRECTORY)
    client.post("/notifications/read-all/")
    assert "messages" in client.cookies
    assert from_front(client, DIRECTORY)["status"] == 418  # while the message is pending

    # when: the directory shows it, and expires the message cookie (the browser drops it)
    shown = client.get(DIRECTORY)
    assert "All notifications are marked as read." in shown.content.decode()
    assert client.cookies["messages"].value == ""
    del client.cookies["messages"]

    # then: the page with the message was not kept; the next one is, without it
    assert from_front(client, DIRECTORY)["status"] == 418
    assert client.get(DIRECTORY)["X-Page-Cache"] == "miss"
    again = from_front(client, DIRECTORY)
    assert again["status"] == 200
    assert b"All notifications are marked as read." not in again["body"]


def test_pages_not_marked_are_never_kept(member):
    _user, client = member
    client.get("/dashboard/")
    client.get("/dashboard/")

    assert from_front(client, "/dashboard/")["status"] == 418


def test_a_members_page_is_kept_a_minute_at_most(member):
    # given
    _user, client = member
    seen(client, DIRECTORY)
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    key = member_page_key(
        cookies[settings.SESSION_COOKIE_NAME], cookies[settings.CSRF_COOKIE_NAME], "", "testserver", DIRECTORY, "", ""
    )
    from django.core.cache import cache

    # then: upcoming sessions, "this week" and the like are never more than a minute old
    ttl = Redis.from_url(REDIS_URL).ttl(cache.make_key(key))
    assert 0 < ttl <= 60


@pytest.mark.urls(__name__)
def test_a_change_committed_while_the_page_was_made_leaves_it_stale(member):
    # given: a page whose data changed while Django was making it
    _user, client = member
    seen(client, "/racing/")

    # then: the stored page carries the versions read before the view ran, so it is never served
    assert from_front(client, "/racing/")["status"] == 418


def test_without_redis_members_always_get_fresh_pages(client_for):
    # given: the embedded default (the cache in the process's memory)
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "members"}}
    with override_settings(CACHES=caches):
        client = client_for(ProfileFactory().user)
        client.get(DIRECTORY)

        # when
        responses = [client.get(DIRECTORY)["X-Page-Cache"] for _ in range(2)]

    # then
    assert responses == ["miss", "miss"]


def test_an_htmx_request_for_part_of_the_page_is_neither_kept_nor_answered(member):
    # given: the directory's results asked for by htmx (the same URL, only the results)
    _user, client = member
    client.get(DIRECTORY)
    partial = client.get(DIRECTORY, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content

    # then: the whole page is not answered with the part, and an htmx request is not answered with a page
    assert from_front(client, DIRECTORY)["status"] == 418
    seen(client, DIRECTORY)
    assert from_front(client, DIRECTORY)["status"] == 200
    assert from_front(client, DIRECTORY, headers_extra=[(b"hx-request", b"true")])["status"] == 418
