"""The deal room in Chromium: staff approve an investor, who turns on TOTP, accepts the terms, reads a
deck, asks a question the founder answers, soft-commits, and reconfirms after the founder changes the terms."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Browser, expect

from investments.dealroom.decks import sample_deck
from investments.models import (
    Application,
    ConfidentialityTerms,
    DeckAccess,
    Interest,
    InvestorProfile,
    Pitch,
    Question,
)
from investments.tasks import render_deck_slides
from network.models import Membership
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.network.factories import PASSWORD, MembershipFactory, OrganisationFactory, ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def confirm_password(page) -> None:
    """allauth asks for the password again before a sensitive action."""
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def confirm_password_and_send_again(page, button: str) -> None:
    """A form that asked for the password comes back filled in, to be checked and sent again."""
    confirm_password(page)
    expect(page.get_by_text("Access confirmed — check your changes and submit again.")).to_be_visible()
    page.get_by_role("button", name=button).click()


def test_from_vetting_to_a_reconfirmed_commitment(browser: Browser, live_server, tmp_path, settings, seams):
    # given: an endorsed pitch live in the deal room, the terms, and a member who applied to invest
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    base = live_server.url
    incubator = IncubatorFactory(name="NIC Karachi", slug="nic-karachi")
    startup = OrganisationFactory(name="Soch AI", slug="soch-ai")
    founder = ProfileFactory(display_name="Faiza Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    ApplicationFactory(cohort=CohortFactory(incubator=incubator), startup=startup, status=Application.Status.ADMITTED)
    pitch = Pitch.objects.create(
        startup=startup, incubator=incubator, status=Pitch.Status.READY, one_liner="Urdu speech AI for call centres",
        problem="Unsearchable calls.", solution="Speech search.", ask_amount=Decimal(300000), currency="USD",
        instrument=Pitch.Instrument.SAFE, valuation_cap=Decimal(4000000), minimum_ticket=Decimal(5000),
        endorsement_note="Verified traction.", endorsed_at=timezone.now(), created_by=founder,
    )  # fmt: skip
    pitch.deck.save("deck.pdf", ContentFile(sample_deck("Soch AI", ["Urdu speech AI", "Traction", "The ask"])))
    render_deck_slides.call(pitch.pk, pitch.deck.name)  # as the upload's task does
    ConfidentialityTerms.objects.get_or_create(version=1, defaults={"text": "Keep everything confidential."})
    staff = ProfileFactory(display_name="Tariq Staff", user__is_staff=True, user__mfa=True).user
    angel = ProfileFactory(display_name="Amina Angel").user
    InvestorProfile.objects.create(
        user=angel, focus="AI", ticket_min=5000, ticket_max=50000, country="US", attestation=True
    )

    # when: staff approve the investor (confirming their password, then sending the decision again)
    staff_page = signed_in_page(browser, base, staff)
    staff_page.goto(f"{base}/deals/investors/")
    staff_page.get_by_role("link", name="Amina Angel").click()
    staff_page.get_by_label("Decision").select_option("approve")
    staff_page.get_by_role("button", name="Record decision").click()
    confirm_password_and_send_again(staff_page, "Record decision")
    expect(staff_page.get_by_text("Approved", exact=True)).to_be_visible()

    # then: the investor is told what is still missing (the deal room answers 403 until then)
    seams.expect_status("/deals/", 403)
    angel_page = signed_in_page(browser, base, angel)
    angel_page.goto(f"{base}/deals/")
    expect(angel_page.get_by_text("Turn on two-factor authentication for your account.")).to_be_visible()
    expect(angel_page.get_by_text("Soch AI")).to_have_count(0)

    # when: the investor turns on an authenticator app
    angel_page.get_by_role("link", name="Set up two-factor authentication").click()
    angel_page.get_by_role("link", name="Activate").first.click()
    confirm_password(angel_page)
    secret = angel_page.locator("#authenticator_secret").input_value()
    angel_page.get_by_label("Authenticator code").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    angel_page.get_by_role("button", name="Activate").click()

    # and accepts the terms
    angel_page.goto(f"{base}/deals/")
    expect(angel_page.get_by_text("Accept the current confidentiality terms.")).to_be_visible()
    angel_page.get_by_role("link", name="Read the terms").click()
    angel_page.get_by_label("I have read the confidentiality terms above and accept them").check()
    angel_page.get_by_role("button", name="Accept the terms").click()

    # then: the room opens; the investor reads the deck, slide by slide, watermarked
    expect(angel_page.get_by_role("heading", name="Deal room")).to_be_visible()
    angel_page.get_by_role("link", name="Soch AI").click()
    angel_page.get_by_role("link", name="Read the deck (3 slides)").click()
    slide = angel_page.get_by_role("img", name="Slide 1 of 3 of the deck")
    expect(slide).to_be_visible()
    expect(slide).to_have_js_property("naturalWidth", 1280)  # the watermarked image really arrived
    angel_page.get_by_role("link", name="Next slide →").click()
    expect(angel_page.get_by_role("heading", name="Soch AI: slide 2 of 3")).to_be_visible()
    expect(angel_page.get_by_role("img", name="Slide 2 of 3 of the deck")).to_have_js_property("complete", True)
    angel_page.screenshot(path=str(tmp_path / "deck.png"), full_page=True)

    # when: the investor asks about slide 2
    angel_page.get_by_label("Your question").fill("How many calls a month do you process?")
    angel_page.get_by_role("button", name="Ask").click()
    expect(angel_page.get_by_text("Your question was sent to the startup.")).to_be_visible()

    # and the founder answers it from the deal's analytics
    founder_page = signed_in_page(browser, base, founder)
    founder_page.goto(f"{base}/deals/{pitch.pk}/analytics/")
    expect(founder_page.get_by_role("cell", name="Amina Angel")).to_be_visible()
    founder_page.get_by_label("Answer:", exact=True).fill("About 40,000 calls a month.")
    founder_page.get_by_role("button", name="Answer", exact=True).click()
    expect(founder_page.get_by_text("Your answer was published.")).to_be_visible()

    # then: the investor reads the answer, and soft-commits (the password was confirmed minutes ago,
    # to turn on TOTP, so allauth does not ask again; tests/dealroom/test_views.py covers the asking)
    angel_page.goto(f"{base}/deals/{pitch.pk}/")
    expect(angel_page.get_by_text("About 40,000 calls a month.")).to_be_visible()
    angel_page.get_by_label("My interest:", exact=True).select_option("soft")
    angel_page.get_by_label("Amount:", exact=True).fill("20000")
    angel_page.get_by_role("button", name="Update my interest").click()
    expect(angel_page.get_by_text("Now: Soft commitment — 20,000 USD")).to_be_visible()

    # when: the founder raises the valuation cap (confirming the password, then saving again)
    founder_page.goto(f"{base}/pitches/{pitch.pk}/edit/")
    founder_page.get_by_label("Valuation cap").fill("5000000")
    founder_page.get_by_role("button", name="Save and preview").click()
    confirm_password(founder_page)
    expect(founder_page.get_by_label("Valuation cap")).to_have_value("5000000")
    founder_page.get_by_role("button", name="Save and preview").click()
    expect(founder_page.get_by_role("heading", name="Version 1, replaced by version 2")).to_be_visible()

    # then: the investor's commitment waits for reconfirmation, and counts again once reconfirmed
    angel_page.reload()
    expect(angel_page.get_by_text("The pitch changed materially since your commitment")).to_be_visible()
    angel_page.get_by_role("button", name="Reconfirm my commitment").click()
    expect(angel_page.get_by_text("Your commitment stands against the new terms.")).to_be_visible()
    interest = Interest.objects.get(investor=angel, pitch=pitch)
    assert (interest.stage, interest.amount, interest.terms_version, interest.needs_reconfirmation) == (
        "soft",
        Decimal(20000),
        2,
        False,
    )
    assert Question.objects.get().answer == "About 40,000 calls a month."
    assert list(DeckAccess.objects.filter(user=angel).values_list("kind", "page")) == [
        ("view", None),
        ("page", 1),
        ("page", 2),
    ]
