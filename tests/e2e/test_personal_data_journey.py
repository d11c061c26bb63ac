"""A member downloads their data, then deletes their account — in real Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from network.models import AuditEntry, User
from tests.network.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_downloads_their_data_and_deletes_their_account(page: Page, live_server):
    # given: a signed-in member
    member = ProfileFactory(display_name="Nadia Qureshi", headline="Founder in Karachi").user
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    # when: from the account settings, the member asks for their data, confirms the password and asks again
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_role("link", name="Your data and account").click()
    page.get_by_role("button", name="Download my data").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Access confirmed — submit again to finish.")).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download my data").click()

    # then: one JSON file with their profile
    download = downloading.value
    assert re.fullmatch(rf"rabta-data-{member.pk}-\d{{4}}-\d{{2}}-\d{{2}}\.json", download.suggested_filename)
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert (data["account"]["email"], data["profile"]["name"]) == (member.email, "Nadia Qureshi")

    # when: the member deletes the account, typing the email address to confirm
    page.goto(live_server.url + "/profile/data/")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="What is kept, as “a former member”")).to_be_visible()
    page.get_by_label("Type your email address to confirm").fill(member.email)
    page.get_by_role("button", name="Delete my account").click()

    # then: signed out, told so, and the address no longer signs in
    expect(page.get_by_text("Your account was deleted.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_text(re.compile("not correct|incorrect", re.IGNORECASE))).to_be_visible()
    user = User.objects.get(pk=member.pk)
    assert user.deleted_at is not None
    assert user.email.endswith("@deleted.invalid")
    assert list(
        AuditEntry.objects.filter(target_id=str(member.pk), event__startswith="network.account.")
        .order_by("id")
        .values_list("event", flat=True)
    ) == ["network.account.export", "network.account.delete"]
