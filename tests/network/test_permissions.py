"""Who may see and change what: the predicates and the access_* helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from network.models import Introduction, Membership, Profile
from network.permissions import (
    access_introduction,
    access_organisation_for_management,
    are_introduced,
    can_manage_organisation,
    can_request_introduction,
    can_view_contact_details,
    introduction_cooldown_until,
    is_member,
)
from tests.network.factories import IntroductionFactory, MembershipFactory, OrganisationFactory, UserFactory


def deactivate(user):
    user.is_active = False
    user.save()
    return user


# --- is_member -----------------------------------------------------------------


def test_is_member_is_true_for_an_active_signed_in_member(member):
    # then
    assert is_member(member) is True


def test_is_member_is_false_for_an_anonymous_visitor():
    # then
    assert is_member(AnonymousUser()) is False


def test_is_member_is_false_for_nobody():
    # then
    assert is_member(None) is False


def test_is_member_is_false_for_a_deactivated_member(member):
    # given
    deactivate(member)

    # then
    assert is_member(member) is False


# --- can_manage_organisation ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Membership.Role.OWNER, True), (Membership.Role.ADMIN, True), (Membership.Role.MEMBER, False)],
)
def test_can_manage_organisation_by_role(member, role, expected):
    # given
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation, user=member, role=role)

    # then
    assert can_manage_organisation(member, organisation) is expected


def test_can_manage_organisation_is_false_for_an_outsider(member, other_member):
    # given
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation, user=other_member, role=Membership.Role.OWNER)

    # then
    assert can_manage_organisation(member, organisation) is False


def test_can_manage_organisation_is_false_for_the_owner_of_another_organisation(member):
    # given
    mine = OrganisationFactory()
    theirs = OrganisationFactory()
    MembershipFactory(organisation=mine, user=member, role=Membership.Role.OWNER)

    # then
    assert can_manage_organisation(member, theirs) is False


def test_can_manage_organisation_is_true_for_staff(db):
    # given
    staff = UserFactory(is_staff=True, mfa=True)
    organisation = OrganisationFactory()

    # then
    assert can_manage_organisation(staff, organisation) is True


def test_can_manage_organisation_is_false_for_a_deactivated_owner(member):
    # given
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation, user=member, role=Membership.Role.OWNER)
    deactivate(member)

    # then
    assert can_manage_organisation(member, organisation) is False


def test_can_manage_organisation_is_false_for_deactivated_staff(db):
    # given
    staff = deactivate(UserFactory(is_staff=True, mfa=True))

    # then
    assert can_manage_organisation(staff, OrganisationFactory()) is False


def test_can_manage_organisation_is_false_for_an_anonymous_visitor(db):
    # then
    assert can_manage_organisation(AnonymousUser(), OrganisationFactory()) is False


# --- access_organisation_for_management ----------------------------------------


def test_access_organisation_for_management_returns_it_to_an_admin(member):
    # given
    organisation = OrganisationFactory(slug="lahore-ai-lab")
    MembershipFactory(organisation=organisation, user=member, role=Membership.Role.ADMIN)

    # when
    found = access_organisation_for_management(member, "lahore-ai-lab")

    # then
    assert found == organisation


def test_access_organisation_for_management_refuses_a_plain_member(member):
    # given
    organisation = OrganisationFactory(slug="lahore-ai-lab")
    MembershipFactory(organisation=organisation, user=member, role=Membership.Role.MEMBER)

    # then
    with pytest.raises(PermissionDenied):
        access_organisation_for_management(member, "lahore-ai-lab")


def test_access_organisation_for_management_refuses_an_anonymous_visitor(db):
    # given
    OrganisationFactory(slug="lahore-ai-lab")

    # then
    with pytest.raises(PermissionDenied):
        access_organisation_for_management(AnonymousUser(), "lahore-ai-lab")


def test_access_organisation_for_management_of_an_unknown_slug_is_not_found(member):
    # then
    with pytest.raises(Http404):
        access_organisation_for_management(member, "no-such-organisation")


# --- are_introduced --------------------------------------------------------------


@pytest.mark.parametrize("direction", ["asked", "was_asked"])
def test_are_introduced_after_an_accepted_introduction_either_way(member, other_member, direction):
    # given
    requester, recipient = (member, other_member) if direction == "asked" else (other_member, member)
    IntroductionFactory(requester=requester, recipient=recipient, status=Introduction.Status.ACCEPTED)

    # then
    assert are_introduced(member, other_member) is True
    assert are_introduced(other_member, member) is True


@pytest.mark.parametrize(
    "status",
    [
        Introduction.Status.PENDING,
        Introduction.Status.DECLINED,
        Introduction.Status.WITHDRAWN,
        Introduction.Status.EXPIRED,
    ],
)
def test_are_introduced_is_false_without_an_accepted_introduction(member, other_member, status):
    # given
    IntroductionFactory(requester=member, recipient=other_member, status=status)

    # then
    assert are_introduced(member, other_member) is False


def test_are_introduced_is_false_for_strangers(member, other_member):
    # then
    assert are_introduced(member, other_member) is False


def test_are_introduced_is_false_with_someone_else(member, other_member, third_member):
    # given
    IntroductionFactory(requester=member, recipient=other_member, status=Introduction.Status.ACCEPTED)

    # then
    assert are_introduced(member, third_member) is False
    assert are_introduced(other_member, third_member) is False


def test_are_introduced_is_false_once_one_side_is_deactivated(member, other_member):
    # given
    IntroductionFactory(requester=member, recipient=other_member, status=Introduction.Status.ACCEPTED)
    deactivate(other_member)

    # then
    assert are_introduced(member, other_member) is False


def test_are_introduced_is_false_for_an_anonymous_visitor(member):
    # then
    assert are_introduced(AnonymousUser(), member) is False


# --- can_view_contact_details ----------------------------------------------------


def test_can_view_contact_details_of_ones_own_profile(member):
    # then
    assert can_view_contact_details(member, member.profile) is True


def test_can_view_contact_details_is_false_for_a_stranger_by_default(member, other_member):
    # given
    assert other_member.profile.contact_visibility == Profile.ContactVisibility.INTRODUCED

    # then
    assert can_view_contact_details(member, other_member.profile) is False


def test_can_view_contact_details_after_an_accepted_introduction(member, other_member):
    # given
    IntroductionFactory(requester=member, recipient=other_member, status=Introduction.Status.ACCEPTED)

    # then
    assert can_view_contact_details(member, other_member.profile) is True
    assert can_view_contact_details(other_member, member.profile) is True


def test_can_view_contact_details_is_false_while_the_introduction_is_pending(member, other_member):
    # given
    IntroductionFactory(requester=member, recipient=other_member, status=Introduction.Status.PENDING)

    # then
    assert can_view_contact_details(member, other_member.profile) is False


def test_can_view_contact_details_when_shared_with_all_members(member, other_member):
    # given
    profile = other_member.profile
    profile.contact_visibility = Profile.ContactVisibility.MEMBERS
    profile.save()

    # then
    assert can_view_contact_details(member, profile) is True


def test_can_view_contact_details_is_false_for_an_anonymous_visitor_even_when_shared(other_member):
    # given
    profile = other_member.profile
    profile.contact_visibility = Profile.ContactVisibility.MEMBERS
    profile.save()

    # then
    assert can_view_contact_details(AnonymousUser(), profile) is False


def test_can_view_contact_details_is_false_for_a_deactivated_viewer(member, other_member):
    # given
    profile = other_member.profile
    profile.contact_visibility = Profile.ContactVisibility.MEMBERS
    profile.save()
    deactivate(member)

    # then
    assert can_view_contact_details(member, profile) is False


# --- can_request_introduction ----------------------------------------------------


def test_can_request_introduction_to_another_active_member(member, other_member):
    # then
    assert can_request_introduction(member, other_member) is True


def test_can_request_introduction_is_false_to_oneself(member):
    # then
    assert can_request_introduction(member, member) is False


def test_can_request_introduction_is_false_to_a_deactivated_member(member, other_member):
    # given
    deactivate(other_member)

    # then
    assert can_request_introduction(member, other_member) is False


def test_can_request_introduction_is_false_for_an_anonymous_visitor(other_member):
    # then
    assert can_request_introduction(AnonymousUser(), other_member) is False


def test_can_request_introduction_is_false_for_a_deactivated_member(member, other_member):
    # given
    deactivate(member)

    # then
    assert can_request_introduction(member, other_member) is False


# --- introduction_cooldown_until --------------------------------------------------


def test_introduction_cooldown_ends_the_set_number_of_days_after_the_last_decline(member, other_member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_COOLDOWN_DAYS": 30}
    now = timezone.now()
    IntroductionFactory(
        requester=member,
        recipient=other_member,
        status=Introduction.Status.DECLINED,
        responded_at=now - timedelta(days=20),
    )
    IntroductionFactory(
        requester=member,
        recipient=other_member,
        status=Introduction.Status.DECLINED,
        responded_at=now - timedelta(days=3),
    )

    # then
    assert introduction_cooldown_until(member, other_member, now=now) == now + timedelta(days=27)
    assert introduction_cooldown_until(other_member, member, now=now) is None
    assert introduction_cooldown_until(member, other_member, now=now + timedelta(days=27)) is None


def test_introduction_cooldown_is_off_when_set_to_zero_days(member, other_member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_COOLDOWN_DAYS": 0}
    IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.DECLINED, responded_at=timezone.now()
    )

    # then
    assert introduction_cooldown_until(member, other_member) is None


# --- access_introduction ---------------------------------------------------------


@pytest.fixture
def introduction(member, other_member):
    return IntroductionFactory(requester=member, recipient=other_member, created_at=timezone.now())


def test_access_introduction_returns_it_to_the_requester(introduction, member):
    # when
    found = access_introduction(member, introduction.pk)

    # then
    assert found == introduction
    assert found.requester.profile.display_name == "Ayesha Khan"


def test_access_introduction_returns_it_to_the_recipient(introduction, other_member):
    # when
    found = access_introduction(other_member, introduction.pk)

    # then
    assert found == introduction
    assert found.recipient.profile.display_name == "Bilal Ahmed"


def test_access_introduction_hides_it_from_anyone_else(introduction, third_member):
    # then
    with pytest.raises(Http404):
        access_introduction(third_member, introduction.pk)


def test_access_introduction_hides_it_from_an_anonymous_visitor(introduction):
    # then
    with pytest.raises(Http404):
        access_introduction(AnonymousUser(), introduction.pk)


def test_access_introduction_hides_it_from_a_deactivated_side(introduction, member):
    # given
    deactivate(member)

    # then
    with pytest.raises(Http404):
        access_introduction(member, introduction.pk)


def test_access_introduction_of_an_unknown_id_is_not_found(introduction, member):
    # then
    with pytest.raises(Http404):
        access_introduction(member, introduction.pk + 1000)
