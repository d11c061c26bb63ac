"""Staff who last confirmed who they are a while ago record a vetting decision: Rabta asks for the
password, then brings them back to the form as they left it, and the decision is made once they send it."""

from __future__ import annotations

import time

import pytest
from allauth.account import app_settings as allauth_account_settings
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, expect

from investments.models import ConfidentialityTerms, InvestorProfile
from network.models import AuditEntry
from tests.dealroom.conftest import make_investor
from tests.network.factories import PASSWORD, ProfileFactory
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "No track record of angel cheques yet."


def aged_session_cookie(user) -> str:
    """A session of ``user`` (password and code) whose last confirmation is older than the timeout."""
    client = sign_in(Client(), user)
    session = client.session
    long_ago = time.time() - allauth_account_settings.REAUTHENTICATION_TIMEOUT - 1
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": long_ago} for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_vetting_decision_survives_confirming_access_and_is_made_once(browser: Browser, live_server):
    # given: an investor waiting for vetting, and staff whose confirmation has lapsed
    terms = ConfidentialityTerms.objects.create(version=1, text="Keep it confidential.")
    pending = make_investor("Pending Angel", status=InvestorProfile.Status.PENDING, terms=terms)
    staff = ProfileFactory(display_name="Tariq Staff", user__is_staff=True, user__mfa=True).user
    context = browser.new_context()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": aged_session_cookie(staff), "url": live_server.url}]
    )
    page = context.new_page()
    investor_page = f"{live_server.url}/deals/investors/{pending.investor.pk}/"

    # when: they decide, and are asked to confirm with their password
    page.goto(investor_page)
    page.get_by_label("Decision").select_option("reject")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_label("Password")).to_be_visible()
    assert InvestorProfile.objects.get(user=pending).status == "pending"
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    # then: the form, as they left it, asks them to check and send
    page.wait_for_url(investor_page)
    expect(page.get_by_text("Access confirmed — check your changes and submit again.")).to_be_visible()
    expect(page.get_by_label("Decision")).to_have_value("reject")
    expect(page.get_by_label("Reason")).to_have_value(REASON)
    assert InvestorProfile.objects.get(user=pending).status == "pending"

    # when: they send it
    page.get_by_role("button", name="Record decision").click()

    # then: decided once, with their reason
    expect(page.get_by_text("Access confirmed")).to_have_count(0)
    investor = InvestorProfile.objects.get(user=pending)
    assert (investor.status, investor.decision_reason) == ("rejected", REASON)
    assert AuditEntry.objects.filter(event="investments.investor.reject").count() == 1
