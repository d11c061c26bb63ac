"""Confirming access (password or authenticator code) in the middle of a form keeps what was typed:
the member comes back to the form filled in, checks it and sends it once more."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from allauth.account import app_settings as allauth_account_settings
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from investments.dealroom.decks import sample_deck
from investments.models import Interest, InvestorProfile, Pitch
from network import reauthentication
from network.models import AuditEntry
from tests.dealroom import conftest as dealroom
from tests.network.factories import PASSWORD, TOTP_SECRET, ProfileFactory
from tests.sessions import totp_code

pytestmark = pytest.mark.django_db

# The deal room and the people around it; decks go to a temporary folder.
room = dealroom.room
private_root = dealroom.private_root

TIMEOUT = allauth_account_settings.REAUTHENTICATION_TIMEOUT
DECISION = {"decision": "reject", "reason": "No track record of angel cheques yet."}
CHECK_AGAIN = "Access confirmed — check your changes and submit again."
FILE_AGAIN = "Files are not kept while you confirm: choose the file again."


def aged(client_for, user):
    """A client for ``user`` who last confirmed their password longer ago than the timeout."""
    client = client_for(user)
    session = client.session
    long_ago = time.time() - TIMEOUT - 1
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": long_ago, "reauthenticated": True} for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()
    return client


def confirm(client, asked, *, door: str):
    """Follow the redirect to the confirmation page and confirm there (or by the authenticator's door)."""
    page = client.get(asked["Location"])
    assert page.status_code == 200
    if door == "password":
        return client.post(asked["Location"], {"password": PASSWORD})
    next_url = asked["Location"].split("next=", 1)[1]
    totp_door = f"{reverse('mfa_reauthenticate')}?next={next_url}"
    assert escape(totp_door) in page.content.decode()
    return client.post(totp_door, {"code": totp_code()})


def reauthentication_url(next_url: str) -> str:
    return f"{reverse('account_reauthenticate')}?{urlencode({'next': next_url})}"


def audit(event: str) -> int:
    return AuditEntry.objects.filter(event=event).count()


@pytest.mark.parametrize("door", ["password", "totp"])
def test_a_vetting_decision_comes_back_filled_in_after_confirming_and_is_recorded_once(client_for, room, door):
    # given: staff (with an authenticator) who confirmed who they are longer ago than the timeout
    path = reverse("deals:investor-detail", args=[room.pending.investor.pk])
    client = aged(client_for, room.staff)

    # when: they record a decision, are asked to confirm, and confirm
    asked = client.post(path, DECISION)
    confirmed = confirm(client, asked, door=door)
    back = client.get(confirmed["Location"])

    # then: the form comes back as they left it, and nothing was decided behind their back
    assert asked.status_code == 302
    assert asked["Location"] == reauthentication_url(path)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == path
    html = back.content.decode()
    assert back.status_code == 200
    assert '<option value="reject" selected>' in html
    assert f">\n{DECISION['reason']}</textarea>" in html
    assert CHECK_AGAIN in html
    assert InvestorProfile.objects.get(user=room.pending).status == "pending"
    assert audit("investments.investor.reject") == 0

    # when: they send it again
    sent = client.post(path, DECISION)
    again = client.get(path).content.decode()

    # then: decided once, audited once, and the kept fields are gone
    assert sent.status_code == 302
    assert sent["Location"] == path
    investor = InvestorProfile.objects.get(user=room.pending)
    assert (investor.status, investor.decision_reason) == ("rejected", DECISION["reason"])
    assert audit("investments.investor.reject") == 1
    assert CHECK_AGAIN not in again
    assert reauthentication.SESSION_KEY not in client.session


@pytest.mark.parametrize("door", ["password", "totp"])
def test_a_live_pitch_edit_comes_back_filled_in_and_asks_for_the_deck_again(client_for, room, door):
    # given: the founder (with an authenticator) of a live pitch, confirmed longer ago than the timeout
    Authenticator.objects.create(user=room.founder, type=Authenticator.Type.TOTP, data={"secret": encrypt(TOTP_SECRET)})
    path = reverse("investments:pitch-edit", args=[room.pitch.pk])
    client = aged(client_for, room.founder)
    edit = {
        "one_liner": "Raqam Pay: payroll in minutes", "stage": "pre_seed", "problem": "p", "solution": "s",
        "ask_amount": "300000", "currency": "USD", "instrument": "safe", "valuation_cap": "3000000",
    }  # fmt: skip
    deck = SimpleUploadedFile("new.pdf", sample_deck("Raqam Pay", ["New deck"]), content_type="application/pdf")

    # when: they change the terms and a new deck, are asked to confirm, and confirm
    asked = client.post(path, {**edit, "deck_file": deck})
    confirmed = confirm(client, asked, door=door)
    back = client.get(confirmed["Location"])

    # then: the form is back with their changes, they are told to choose the deck again, nothing saved
    assert asked["Location"] == reauthentication_url(path)
    assert confirmed["Location"] == path
    html = back.content.decode()
    assert back.status_code == 200
    assert 'value="Raqam Pay: payroll in minutes"' in html
    assert 'value="300000"' in html
    assert f"{CHECK_AGAIN} {FILE_AGAIN}" in html
    pitch = Pitch.objects.get(pk=room.pitch.pk)
    assert (pitch.version, pitch.ask_amount, pitch.one_liner) == (1, 250000, "Raqam Pay: payroll for freelancers")
    assert audit("investments.pitch.update") == 0

    # when: they send it again
    sent = client.post(path, edit)

    # then: saved once, as one new version, each audited once
    assert sent.status_code == 302
    pitch = Pitch.objects.get(pk=room.pitch.pk)
    assert (pitch.version, pitch.ask_amount, pitch.one_liner) == (2, 300000, "Raqam Pay: payroll in minutes")
    assert (audit("investments.pitch.update"), audit("investments.pitch.revise")) == (1, 1)


def test_another_account_cannot_pick_up_what_was_kept(client_for, room):
    # given: a staff member's decision kept while they confirm, and the same kept fields in another
    # staff member's session
    path = reverse("deals:investor-detail", args=[room.pending.investor.pk])
    owner = aged(client_for, room.staff)
    owner.post(path, DECISION)
    other_staff = ProfileFactory(display_name="Other staff", user__is_staff=True, user__mfa=True).user
    other = aged(client_for, other_staff)
    session = other.session
    session[reauthentication.SESSION_KEY] = owner.session[reauthentication.SESSION_KEY]
    session.save()

    # when: both confirm and open the form
    other.post(reauthentication_url(path), {"password": PASSWORD})
    seen_by_other = other.get(path).content.decode()
    owner.post(reauthentication_url(path), {"password": PASSWORD})
    seen_by_owner = owner.get(path).content.decode()

    # then: only the one who typed it gets it back; the other's copy is dropped
    assert DECISION["reason"] not in seen_by_other
    assert CHECK_AGAIN not in seen_by_other
    assert reauthentication.SESSION_KEY not in other.session
    assert DECISION["reason"] in seen_by_owner
    assert CHECK_AGAIN in seen_by_owner
    assert InvestorProfile.objects.get(user=room.pending).status == "pending"


def test_what_was_kept_longer_than_the_timeout_is_dropped(client_for, room, monkeypatch):
    # given: a decision kept more than the timeout ago
    path = reverse("deals:investor-detail", args=[room.pending.investor.pk])
    client = aged(client_for, room.staff)
    past = time.time() - TIMEOUT - 1
    monkeypatch.setattr(reauthentication, "time", SimpleNamespace(time=lambda: past))
    client.post(path, DECISION)
    monkeypatch.undo()
    assert path in client.session[reauthentication.SESSION_KEY]

    # when: the staff member confirms now and opens the form
    confirmed = client.post(reauthentication_url(path), {"password": PASSWORD})
    html = client.get(path).content.decode()

    # then: an empty form, no note, nothing kept, nothing decided
    assert confirmed["Location"] == path
    assert DECISION["reason"] not in html
    assert '<option value="reject" selected>' not in html
    assert CHECK_AGAIN not in html
    assert reauthentication.SESSION_KEY not in client.session
    assert InvestorProfile.objects.get(user=room.pending).status == "pending"
    assert audit("investments.investor.reject") == 0


def test_a_commitment_comes_back_filled_in_on_the_deal_page_and_counts_once(client_for, room):
    # given: an admitted investor who confirmed who they are longer ago than the timeout
    path = reverse("deals:interest-update", args=[room.pitch.pk])
    deal = reverse("deals:deal-detail", args=[room.pitch.pk])
    client = aged(client_for, room.investor)
    commitment = {"stage": "soft", "amount": "12500"}

    # when: they commit, are asked to confirm, confirm, and are back on the deal's page
    asked = client.post(path, commitment)
    confirmed = confirm(client, asked, door="password")
    html = client.get(deal).content.decode()

    # then: the interest form holds what they typed, and nothing counts yet
    assert asked["Location"] == reauthentication_url(f"{deal}#interest")
    assert confirmed["Location"] == f"{deal}#interest"
    assert '<option value="soft" selected>' in html
    assert 'value="12500"' in html
    assert CHECK_AGAIN in html
    assert not Interest.objects.filter(investor=room.investor).exists()

    # when: they send it again
    sent = client.post(path, commitment)

    # then: one soft commitment of 12,500, audited once
    assert sent.status_code == 302
    interest = Interest.objects.get(investor=room.investor, pitch=room.pitch)
    assert (interest.stage, interest.amount) == ("soft", 12500)
    assert AuditEntry.objects.filter(event="investments.interest.move", data__to="soft").count() == 1


def test_an_account_deletion_comes_back_with_the_typed_address_and_deletes_once(client_for, member):
    # given: a member who confirmed who they are longer ago than the timeout (the page itself asks too)
    path = reverse("network:account-delete")
    client = aged(client_for, member)
    email = member.email

    # when: the member sends the confirmation form, is asked to confirm, confirms and is back
    asked = client.post(path, {"confirm_email": email})
    confirmed = confirm(client, asked, door="password")
    html = client.get(confirmed["Location"]).content.decode()

    # then: the address they typed is there, and nothing is deleted yet
    assert asked["Location"] == reauthentication_url(path)
    assert confirmed["Location"] == path
    assert f'value="{email}"' in html
    assert CHECK_AGAIN in html
    member.refresh_from_db()
    assert (member.is_active, member.deleted_at) == (True, None)

    # when: they send it again
    sent = client.post(path, {"confirm_email": email})

    # then: deleted once, audited once
    assert sent.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    assert audit("network.account.delete") == 1


def test_secrets_and_oversized_forms_are_never_kept_in_the_session(client_for, room):
    # given: a staff member whose confirmation is old
    path = reverse("deals:investor-detail", args=[room.pending.investor.pk])
    client = aged(client_for, room.staff)

    # when: a form with secret-looking fields is posted, then one larger than a kept form may be
    client.post(path, {**DECISION, "password": PASSWORD, "otp_code": "123456", "api_token": "t0k3n"})
    kept = client.session[reauthentication.SESSION_KEY][path]["fields"]
    client.post(path, {**DECISION, "reason": "x" * (reauthentication.MAX_KEPT_BYTES + 1)})
    oversized = client.session[reauthentication.SESSION_KEY][path]["fields"]

    # then: the decision is kept without the secrets; the oversized form not at all
    assert kept == urlencode(DECISION)
    assert oversized == ""
