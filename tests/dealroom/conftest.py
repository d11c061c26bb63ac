"""A live deal in the deal room, the people around it, and investors at every stage of getting in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from investments.dealroom.decks import sample_deck
from investments.models import (
    Application,
    ConfidentialityTerms,
    InvestorProfile,
    Milestone,
    Pitch,
    TermsAcceptance,
)
from investments.tasks import render_deck_slides
from network.models import Membership
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.network.factories import PASSWORD, MembershipFactory, OrganisationFactory, ProfileFactory

SLIDES = ["Payroll for freelancers", "The problem", "Traction: 540 paid", "The round: USD 250,000"]


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    field = Pitch._meta.get_field("deck")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path, base_url="/no-public-url/")
    yield tmp_path
    field.storage = original


def make_investor(name: str, *, status=InvestorProfile.Status.APPROVED, mfa=True, terms=None):
    user = ProfileFactory(display_name=name).user
    InvestorProfile.objects.create(
        user=user, status=status, focus="Fintech", ticket_min=5000, ticket_max=50000, country="GB", attestation=True
    )
    if mfa:
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(generate_totp_secret())}
        )
    if terms is not None:
        TermsAcceptance.objects.create(user=user, terms=terms)
    return user


def live_pitch(startup, incubator, founder, **extra) -> Pitch:
    data = {
        "startup": startup,
        "incubator": incubator,
        "status": Pitch.Status.READY,
        "one_liner": f"{startup.name}: payroll for freelancers",
        "problem": "Slow payments.",
        "solution": "Instant payouts.",
        "ask_amount": Decimal(250000),
        "currency": "USD",
        "instrument": Pitch.Instrument.SAFE,
        "valuation_cap": Decimal(3000000),
        "minimum_ticket": Decimal(5000),
        "endorsement_note": "A strong team.",
        "endorsed_at": timezone.now(),
        "created_by": founder,
    }
    data.update(extra)
    pitch = Pitch.objects.create(**data)
    pitch.deck.save("deck.pdf", ContentFile(sample_deck(startup.name, SLIDES)), save=True)
    # Its pages rendered, as the task queued by the upload leaves them.
    render_deck_slides.call(pitch.pk, pitch.deck.name)
    return pitch


@pytest.fixture
def room(db):
    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    manager = ProfileFactory(display_name="Manager").user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    founder = ProfileFactory(display_name="Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    teammate = ProfileFactory(display_name="Teammate").user
    MembershipFactory(organisation=startup, user=teammate, role=Membership.Role.MEMBER)
    cohort = CohortFactory(incubator=incubator)
    ApplicationFactory(cohort=cohort, startup=startup, status=Application.Status.ADMITTED)
    milestone = Milestone.objects.create(
        cohort=cohort, startup=startup, title="500 freelancers paid", kpi="paying_customers", target=500,
        due_on=date(2027, 3, 1), status=Milestone.Status.VERIFIED, verified_by=manager, verified_at=timezone.now(),
    )  # fmt: skip
    pitch = live_pitch(startup, incubator, founder)
    terms = ConfidentialityTerms.objects.create(version=1, text="Keep it confidential.")
    investor = make_investor("Angel", terms=terms)
    second_investor = make_investor("Second angel", terms=terms)
    other_startup = OrganisationFactory(name="Khet Kahani", slug="khet-kahani")
    other_founder = ProfileFactory(display_name="Other founder").user
    MembershipFactory(organisation=other_startup, user=other_founder, role=Membership.Role.OWNER)
    other_pitch = live_pitch(other_startup, incubator, other_founder)
    member = ProfileFactory(display_name="Plain member").user
    pending = make_investor("Pending", status=InvestorProfile.Status.PENDING, terms=terms)
    no_mfa = make_investor("No MFA", mfa=False, terms=terms)
    no_terms = make_investor("No terms")
    suspended = make_investor("Suspended", status=InvestorProfile.Status.SUSPENDED, terms=terms)
    staff = ProfileFactory(display_name="Staff", user__is_staff=True, user__mfa=True).user
    return SimpleNamespace(**locals())


@pytest.fixture
def reauthenticated(client_for):
    """A client for ``user`` who has just confirmed their password (as allauth asks before sensitive actions)."""

    def make(user):
        client = client_for(user)
        response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert response.status_code == 302
        return client

    return make
