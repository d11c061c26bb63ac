"""Which cached pages a write of the people app refreshes: exactly the namespaces of the pages
that show it, and none for a sign-in or a notification (only the member's unread count follows)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from network import services
from network.models import Membership, Sector
from tests.network.factories import IntroductionFactory, MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def test_a_profile_bumps_the_pages_that_show_members(bumped):
    profile = ProfileFactory()
    with bumped() as seen:
        profile.headline = "Payments engineer"
        profile.save()

    assert seen == {"profiles"}


def test_signing_in_and_notifications_bump_nothing(bumped):
    user, other = ProfileFactory().user, ProfileFactory().user
    with bumped() as signed_in:
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
    with bumped() as notified:
        services.notification_create(recipient=user, kind="test", message="Hello", send_email=False)
    with bumped() as introduced:
        IntroductionFactory(requester=other, recipient=user)

    # an introduction shows on signed-in members' pages only, which are never cached
    assert (signed_in, notified, introduced) == (set(), set(), set())


def test_a_deactivation_bumps_the_member_pages(bumped):
    user = ProfileFactory().user
    with bumped() as seen:
        user.is_active = False
        user.save(update_fields=["is_active"])

    assert seen == {"profiles"}


def test_organisations_and_memberships_bump_organisation_and_member_pages(bumped):
    organisation = OrganisationFactory()
    member = ProfileFactory().user
    with bumped() as renamed:
        organisation.name = "Raqam Pay Global"
        organisation.save()
    with bumped() as joined:
        MembershipFactory(organisation=organisation, user=member, role=Membership.Role.MEMBER)

    assert (renamed, joined) == ({"organisations", "profiles"}, {"organisations", "profiles"})


def test_a_sector_bumps_the_filter_forms_and_what_shows_it(bumped):
    with bumped() as seen:
        Sector.objects.create(name="Climate", slug="climate")

    assert seen == {"taxonomy", "profiles", "organisations"}
