"""The tools behind the site in Chromium, on the demo data: an editor in the Wagtail admin chooses a
story's picture and schedules it under the admin's Content-Security-Policy; staff walk the Django
admin; every demo account lands after signing in. ``seams`` (tests/e2e/seams.py) fails a journey on
any CSP violation, console error, failed request or page wider than its window."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cms.models import StoryIndexPage, StoryPage
from network.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, account_totp_secret, totp_code
from network.models import User
from tests.network.factories import ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}


def sign_in(page: Page, base: str, email: str, *, next_path: str = "") -> None:
    """allauth's form, as a person fills it: the password, then the authenticator's code if asked."""
    page.goto(f"{base}/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    if account_totp_secret(User.objects.get(email=email)):
        page.get_by_label("Code").fill(totp_code(DEMO_TOTP_SECRET))
        page.get_by_role("button", name="Sign In").click()


def test_an_editor_chooses_a_picture_and_schedules_a_story(browser: Browser, live_server, demo, seams):
    # given: the demo editor, signed in with the code, on a desktop screen
    base = live_server.url
    story = StoryPage.objects.get(title="Dukaan OS signs its first customers in Dubai")
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, base, "editor@demo.rabta.pk", next_path="/editors/")
    page.wait_for_url(f"{base}/editors/")
    expect(page.get_by_text("Nadia Hashmi").first).to_be_visible()

    # when: the page explorer lists the stories and the editor opens one
    page.goto(f"{base}/editors/pages/{StoryIndexPage.objects.get().pk}/")
    page.get_by_role("link", name=story.title).first.click()
    page.wait_for_url(f"{base}/editors/pages/{story.pk}/edit/")
    assert seams.csp == []

    # and replaces its picture through the image chooser
    hero = page.get_by_role("region", name="Hero image")
    hero.get_by_role("button", name="Actions").click()
    hero.get_by_role("button", name="Clear choice").click()
    hero.get_by_role("button", name="Choose an image").click()
    chooser = page.get_by_role("dialog")
    expect(chooser.get_by_role("heading", name="Choose an image")).to_be_visible()
    expect(chooser.get_by_role("img")).to_have_count(4)  # the four demo pictures, as renditions
    chooser.get_by_role("link", name="Why Karachi's AI engineers are exporting to Riyadh").first.click()
    expect(chooser).to_be_hidden()
    expect(hero.get_by_text("Why Karachi's AI engineers are exporting to Riyadh")).to_be_visible()

    # and sets a go-live date with the date-time picker: the 15th of next month at 09:00
    page.get_by_role("button", name="Toggle status").click()
    page.get_by_role("button", name="Set schedule").click()
    schedule = page.get_by_role("dialog", name="Set publishing schedule")
    schedule.get_by_label("Go live date/time").click()
    picker = page.locator(".xdsoft_datetimepicker:visible")
    picker.locator(".xdsoft_next").first.click()
    picker.locator("td.xdsoft_date:not(.xdsoft_other_month)[data-date='15']").click()
    # the time list opens scrolled to the current hour: scroll it with the wheel, as a person would
    times = picker.locator(".xdsoft_time_box")
    nine = picker.locator(".xdsoft_time[data-hour='9'][data-minute='0']")
    times.hover()
    for _ in range(40):
        box, item = times.bounding_box(), nine.bounding_box()
        if box["y"] <= item["y"] and item["y"] + item["height"] <= box["y"] + box["height"]:
            break
        page.mouse.wheel(0, -60 if item["y"] < box["y"] else 60)
    nine.click()
    chosen = schedule.get_by_label("Go live date/time").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-15 09:00", chosen), chosen
    # Saving the schedule submits the form. Wagtail's autosave may have a save of its own in flight
    # from the page being left; the server refuses that one as stale (400, "Saving will overwrite a
    # newer version"), and the page it would answer is gone, so the editor never sees it. A refusal
    # the editor would see pauses autosave on the page they are on: checked below.
    seams.expect_status(f"/editors/pages/{story.pk}/edit/", 400)
    schedule.get_by_role("button", name="Save schedule").click()
    updated = page.get_by_text(f"Page '{story.title}' has been updated.")
    expect(updated).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()

    # then: saved as a draft with the new picture and the go-live time; the live story is untouched
    expect(updated).to_be_visible()
    expect(page.locator("[data-w-autosave-state-value='paused']")).to_have_count(0)
    story.refresh_from_db()
    draft = story.get_latest_revision_as_object()
    assert draft.hero_image.title == "Why Karachi's AI engineers are exporting to Riyadh"
    assert timezone.localtime(draft.go_live_at).strftime("%Y-%m-%d %H:%M") == chosen
    assert draft.go_live_at > timezone.now()
    assert story.hero_image.title == "Dukaan OS signs its first customers in Dubai"
    # and not one Content-Security-Policy violation on the way (seams checks again at the end)
    assert seams.csp == []


def test_the_admins_policy_still_refuses_what_a_page_did_not_write(browser: Browser, live_server, seams):
    # given: the story editor, whose own scripts and styles carry the request's nonce
    base = live_server.url
    editor = ProfileFactory(display_name="Nadia Editor", user__mfa=True).user
    editor.groups.add(Group.objects.get(name="Editors"))
    page = signed_in_page(browser, base, editor)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/editors/pages/add/cms/storypage/{StoryIndexPage.objects.get().pk}/")
    expect(page.get_by_role("button", name="Choose an image")).to_be_visible()
    assert seams.csp == []

    # when: markup reaches the page without being written by it (as an injection would)
    ran = page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", "<style>body { color: red }</style>");
            document.body.insertAdjacentHTML("beforeend", "<p style='color: red'>injected</p>");
            const script = document.createElement("script");
            script.textContent = "window.injectedRan = true";
            document.body.append(script);
            return window.injectedRan === true;
        }"""
    )

    # then: none of it applies or runs, and each refusal is seen
    def refused() -> list[str]:
        return sorted({item.split(" ", 1)[0] for item in seams.csp if not item.startswith("(console)")})

    for _ in range(30):  # the reports arrive as the browser dispatches them
        if len(refused()) == 3:
            break
        page.wait_for_timeout(100)
    assert ran is False
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    assert refused() == ["script-src-elem", "style-src-attr", "style-src-elem"]
    seams.clear()  # the refusals were the point


def test_staff_walk_the_django_admin(browser: Browser, live_server, demo):
    # given: the demo staff account at the admin's door, on a desktop screen
    base = live_server.url
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, base, "staff@demo.rabta.pk", next_path="/admin/")
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # when: the users' list, a search in it and one member's change form
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    page.locator("#searchbar").fill("mentor0")
    page.locator("#changelist-search").get_by_role("button", name="Search").click()
    expect(page.get_by_text("9 results")).to_be_visible()  # mentor01 … mentor09
    page.get_by_role("link", name="mentor01@demo.rabta.pk").click()

    # then: the change form, and nothing refused, broken or too wide on the way (seams)
    expect(page.get_by_role("heading", name="Change user")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("mentor01@demo.rabta.pk")

    # and the background queue, from the admin's home: its health and its failed tasks
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Background tasks").click()
    expect(page.get_by_role("heading", name="Background tasks")).to_be_visible()
    expect(page.get_by_role("table", name="Latest failed tasks")).to_be_visible()


LANDINGS = [
    ("founder@demo.rabta.pk", "Hina Farooqi"),
    ("mentor@demo.rabta.pk", "Adnan Qureshi"),
    ("investor@demo.rabta.pk", "Rehan Siddiqui"),
    ("incubator@demo.rabta.pk", "Saima Baig"),
    ("editor@demo.rabta.pk", "Nadia Hashmi"),
    ("reviewer@demo.rabta.pk", "Omar Sheikh"),
    ("staff@demo.rabta.pk", "Tariq Mirza"),
    # the seeded mentors (mentor01 is also a vetted investor with an authenticator) and founders
    ("mentor01@demo.rabta.pk", None),
    ("mentor02@demo.rabta.pk", None),
    ("founder01@demo.rabta.pk", None),
]


def test_every_demo_account_lands_after_signing_in(browser: Browser, live_server, demo):
    base = live_server.url
    for email, name in LANDINGS:
        # given: a fresh browser for each account, at a phone's width
        page = browser.new_page()
        name = name or User.objects.get(email=email).display_name

        # when
        sign_in(page, base, email)

        # then: the member's dashboard greets them by name, with no console error on the way (seams)
        page.wait_for_url(f"{base}/dashboard/")
        expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_contain_text(name.split()[0])
        page.close()
