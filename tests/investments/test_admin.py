"""The investments admin: terms published there are audited; investors and pitches change only on the site."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments.models import ConfidentialityTerms, InvestorProfile, Pitch
from network.models import AuditEntry
from tests.investments.factories import IncubatorFactory
from tests.network.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def entries() -> list[tuple]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id", "target_type", "target_id", "data"))


def test_staff_publish_new_terms_and_the_entry_names_the_version(admin_client_mfa, staff_superuser):
    # given
    ConfidentialityTerms.objects.create(version=1, text="Keep what you read here to yourself.")
    url = reverse("admin:investments_confidentialityterms_add")

    # when
    response = admin_client_mfa.post(
        url,
        {
            "version": "2",
            "text": "Keep it to yourself, also after the round.",
            "published_at_0": "2027-01-04",
            "published_at_1": "09:00:00",
        },
    )

    # then
    terms = ConfidentialityTerms.objects.get(version=2)
    assert response.status_code == 302
    assert entries() == [
        (
            "investments.terms.create",
            staff_superuser.pk,
            "investments.confidentialityterms",
            str(terms.pk),
            {
                "fields": ["published_at", "text", "version"],
                "values": {"version": 2},
                "via": "admin",
            },
        )
    ]


def test_published_terms_cannot_be_edited_or_deleted_in_the_admin(admin_client_mfa):
    terms = ConfidentialityTerms.objects.create(version=1, text="Keep what you read here to yourself.")

    change = admin_client_mfa.post(
        reverse("admin:investments_confidentialityterms_change", args=[terms.pk]), {"version": "7", "text": "Share."}
    )
    delete = admin_client_mfa.post(
        reverse("admin:investments_confidentialityterms_delete", args=[terms.pk]), {"post": "yes"}
    )

    terms.refresh_from_db()
    assert change.status_code == 302
    assert delete.status_code == 403
    assert (terms.version, terms.text) == (1, "Keep what you read here to yourself.")
    assert entries() == []


@pytest.fixture
def investor():
    return InvestorProfile.objects.create(
        user=ProfileFactory(display_name="Imran Angel").user,
        status=InvestorProfile.Status.PENDING,
        focus="Fintech",
        ticket_min=Decimal(5000),
        ticket_max=Decimal(50000),
        country="GB",
        attestation=True,
    )


@pytest.fixture
def pitch():
    return Pitch.objects.create(
        startup=OrganisationFactory(name="Raqam Pay"),
        incubator=IncubatorFactory(),
        one_liner="Payroll for freelancers exporting services",
        ask_amount=Decimal(250000),
        instrument=Pitch.Instrument.SAFE,
    )


@pytest.mark.parametrize(
    ("name", "fixture", "changes"),
    [
        pytest.param("investments_investorprofile", "investor", {"status": "approved"}, id="investor"),
        pytest.param("investments_pitch", "pitch", {"status": "live", "one_liner": "Changed"}, id="pitch"),
    ],
)
def test_investors_and_pitches_are_read_only_in_the_admin(request, admin_client_mfa, name, fixture, changes):
    # given: vetting and pitch moves happen on the site's pages, through the audited services
    obj = request.getfixturevalue(fixture)
    before = {field: getattr(obj, field) for field in changes}

    # when
    page = admin_client_mfa.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    change = admin_client_mfa.post(reverse(f"admin:{name}_change", args=[obj.pk]), changes)
    delete = admin_client_mfa.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"})

    # then: staff may look, and nothing changed
    obj.refresh_from_db()
    assert (page.status_code, change.status_code, delete.status_code) == (200, 403, 403)
    assert {field: getattr(obj, field) for field in changes} == before
    assert entries() == []
