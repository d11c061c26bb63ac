"""Every door in Chromium: Wagtail's and the admin's sign-in pages lead to allauth's, which asks a
member with an authenticator app for the code before anything opens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from tests.network.factories import PASSWORD, ProfileFactory
from tests.sessions import signed_in_page, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_with_code(page, email: str, *, offset: int = 0) -> None:
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    # the password alone opens nothing
    expect(page.get_by_label("Code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(offset=offset))
    page.get_by_role("button", name="Sign In").click()


def test_an_editor_signs_in_at_wagtails_door_with_the_code(browser: Browser, live_server):
    editor = ProfileFactory(display_name="Nadia Editor", user__mfa=True).user
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    page = browser.new_page()

    page.goto(f"{live_server.url}/editors/login/?next=/editors/")

    assert "/accounts/login/" in page.url
    sign_in_with_code(page, editor.email)
    page.wait_for_url(f"{live_server.url}/editors/")
    expect(page.get_by_role("heading", name="Site summary")).to_be_visible()


def test_staff_sign_in_at_the_admins_door_with_the_code(browser: Browser, live_server):
    staff = ProfileFactory(
        display_name="Tariq Staff", user__is_staff=True, user__is_superuser=True, user__mfa=True
    ).user
    page = browser.new_page()

    page.goto(f"{live_server.url}/admin/")

    assert "/accounts/login/" in page.url
    sign_in_with_code(page, staff.email, offset=1)
    page.wait_for_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_staff_whose_session_skipped_the_code_confirm_it_and_go_on(browser: Browser, live_server):
    # given: staff with an authenticator, in a session that never used it
    staff = ProfileFactory(
        display_name="Tariq Staff", user__is_staff=True, user__is_superuser=True, user__mfa=True
    ).user
    page = signed_in_page(browser, live_server.url, staff, mfa=False)

    # when
    page.goto(f"{live_server.url}/admin/")

    # then: asked for the code, and taken on to the admin
    expect(page.get_by_role("heading", name="Two-factor authentication needed")).to_be_visible()
    page.get_by_role("link", name="Confirm with two-factor authentication").click()
    # a code of this window: still accepted if the window turns while the page is submitted (one window
    # of tolerance), where one of the window before would then be refused
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
