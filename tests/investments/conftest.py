"""Shared settings of the investments tests: an incubator running a cohort with one admitted startup."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage

from investments.models import Application, Evidence
from network.models import Membership
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory


@pytest.fixture
def private_root(tmp_path):
    """Evidence files go to a temporary folder for the test (the field's storage, swapped back after)."""
    field = Evidence._meta.get_field("file")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path, base_url="/no-public-url/")
    yield tmp_path
    field.storage = original


@pytest.fixture
def setting():
    incubator = IncubatorFactory(slug="nic-lahore")
    manager = ProfileFactory(display_name="Manager").user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    staff_member = ProfileFactory(display_name="Staff").user
    MembershipFactory(organisation=incubator, user=staff_member, role=Membership.Role.MEMBER)
    cohort = CohortFactory(incubator=incubator)
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    founder = ProfileFactory(display_name="Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    teammate = ProfileFactory(display_name="Teammate").user
    MembershipFactory(organisation=startup, user=teammate, role=Membership.Role.MEMBER)
    ApplicationFactory(cohort=cohort, startup=startup, status=Application.Status.ADMITTED)
    other_startup = OrganisationFactory(name="Khet Kahani", slug="khet-kahani")
    other_founder = ProfileFactory(display_name="Other founder").user
    MembershipFactory(organisation=other_startup, user=other_founder, role=Membership.Role.OWNER)
    other_incubator = IncubatorFactory(slug="peshawar-foundry")
    other_manager = ProfileFactory(display_name="Other manager").user
    MembershipFactory(organisation=other_incubator, user=other_manager, role=Membership.Role.OWNER)
    return type("Setting", (), locals())
