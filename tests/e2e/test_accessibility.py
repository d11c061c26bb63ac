"""axe-core on the pages each role lives in, on the demo data, at a phone's width and a desktop's.

axe-core 4.12 (bundled with axe-playwright-python) runs its WCAG 2.0, 2.1 and 2.2 level A and AA
rules on each page as the browser drew it; a journey fails on any violation, naming the rule and
the elements. ``seams`` (tests/e2e/seams.py) fails it as well on a CSP violation, a console error,
a failed request or a page wider than the window: every table of these pages must fit a phone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from network.demo import DEMO_PASSWORD
from tests.e2e.seams import PHONE
from tests.e2e.test_editors_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# axe 4.12 files its WCAG 2.2 rules (target size) under wcag22aa; it has none at 2.2 level A.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
AXE = Axe()
# A page that asks for the password again first: the confirmation page is audited, the password sent,
# and the page it leads to audited too.
REAUTHENTICATE_THEN = "/accounts/reauthenticate/?next="


def violations(page: Page) -> list[str]:
    """axe's WCAG A and AA violations on the page as it is now: rule, impact and up to three of the
    offending elements each."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def visitor_pages() -> list[str]:
    from cms.models import StoryPage
    from investments.models import Cohort
    from mentorship.models import Mentor
    from network.models import Organisation

    mentor = Mentor.objects.visible_to(None).order_by("pk").first()
    story = StoryPage.objects.live().public().order_by("pk").first()
    organisation = Organisation.objects.order_by("pk").first()
    cohort = Cohort.objects.filter(status=Cohort.Status.OPEN).order_by("pk").first()
    return [
        "/",
        "/mentors/",
        mentor.get_absolute_url(),
        "/open-calls/",
        cohort.get_absolute_url(),
        "/impact/",
        story.get_parent().url,
        story.url,
        organisation.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ]


def founder_pages() -> list[str]:
    from investments.models import Application, Pitch
    from mentorship.models import Booking
    from network.models import User

    founder = User.objects.get(email="founder@demo.rabta.pk")
    booking = Booking.objects.filter(mentee=founder).order_by("start").first()
    admitted = (
        Application.objects.filter(startup__memberships__user=founder, status=Application.Status.ADMITTED)
        .select_related("startup")
        .first()
    )
    pitch = Pitch.objects.filter(startup__memberships__user=founder).order_by("pk").first()
    return [
        "/dashboard/",
        "/members/",
        "/organisations/",
        "/introductions/",
        "/notifications/",
        "/profile/edit/",
        "/profile/data/",
        "/sessions/",
        booking.get_absolute_url(),
        "/calendar/",
        "/exports/",
        admitted.get_absolute_url(),
        f"/cohorts/{admitted.cohort_id}/startups/{admitted.startup.slug}/",
        pitch.get_absolute_url(),
        f"/deals/{pitch.pk}/analytics/",
        # allauth's own pages, with Rabta's field template (help text tied to its input).
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        # Turning on an authenticator app asks for the password again first: both pages are audited.
        REAUTHENTICATE_THEN + "/accounts/2fa/totp/activate/",
    ]


def mentor_pages() -> list[str]:
    return [
        "/dashboard/",
        "/mentoring/",
        "/mentoring/hours/",
        "/mentoring/session-types/",
        "/mentoring/settings/",
        "/sessions/",
    ]


def incubator_pages() -> list[str]:
    from investments.models import Application, Cohort
    from ledger.models import ExportReport
    from network.models import Organisation, User

    manager = User.objects.get(email="incubator@demo.rabta.pk")
    incubator = Organisation.objects.filter(memberships__user=manager, kind=Organisation.Kind.INCUBATOR).first()
    cohort = Cohort.objects.filter(incubator=incubator).order_by("pk").first()
    application = Application.objects.filter(cohort__incubator=incubator).order_by("pk").first()
    report = ExportReport.objects.filter(centre=incubator).order_by("pk").first()
    return [
        "/dashboard/",
        f"/incubators/{incubator.slug}/",
        cohort.get_absolute_url(),
        f"/cohorts/{cohort.pk}/manage/",
        application.get_absolute_url(),
        f"/organisations/{incubator.slug}/members/",
        f"/organisations/{incubator.slug}/exports/",
        report.get_absolute_url(),
    ]


def investor_pages() -> list[str]:
    from investments.models import Pitch

    pitch = Pitch.objects.filter(status=Pitch.Status.READY).order_by("pk").first()
    return ["/dashboard/", "/deals/", f"/deals/{pitch.pk}/", f"/deals/{pitch.pk}/deck/"]


def staff_pages() -> list[str]:
    return ["/dashboard/", "/deals/investors/"]


ROLES = {
    "visitor": (None, visitor_pages),
    "founder": ("founder@demo.rabta.pk", founder_pages),
    "mentor": ("mentor@demo.rabta.pk", mentor_pages),
    "incubator": ("incubator@demo.rabta.pk", incubator_pages),
    # A seeded investor with two-factor authentication on: the deal room opens to them.
    "investor": ("mentor01@demo.rabta.pk", investor_pages),
    "staff": ("staff@demo.rabta.pk", staff_pages),
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_each_role_passes_axe_core(browser: Browser, live_server, demo, seams, role, viewport):
    email, pages = ROLES[role]
    paths = pages()
    window = browser.new_page(viewport=viewport)
    if email:
        sign_in(window, live_server.url, email)
        window.wait_for_url(f"{live_server.url}/dashboard/")
    seams.expect_status("/no-such-page/", 404)

    found = []
    for path in paths:
        response = window.goto(live_server.url + path)
        assert response.status == (404 if path == "/no-such-page/" else 200), path
        assert urlsplit(window.url).path == urlsplit(path).path, f"{path} led to {window.url}"
        found += violations(window)
        if path.startswith(REAUTHENTICATE_THEN):
            window.get_by_label("Password:", exact=True).fill(DEMO_PASSWORD)
            window.get_by_role("button", name="Confirm").click()
            window.wait_for_url(live_server.url + path.removeprefix(REAUTHENTICATE_THEN))
            found += violations(window)

    assert found == []
    window.close()
