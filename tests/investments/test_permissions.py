"""Who may see and change cohorts and applications."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from investments.models import Cohort
from investments.permissions import (
    access_application,
    access_cohort_for_management,
    access_incubator,
    application_role,
    can_apply_for,
    can_manage_incubator,
    can_view_cohort,
    is_incubator_staff,
)
from network.models import Membership, Organisation
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, UserFactory


def member_of(organisation: Organisation, role: str = Membership.Role.MEMBER, **user_kwargs):
    return MembershipFactory(organisation=organisation, user=UserFactory(**user_kwargs), role=role).user


@pytest.fixture
def incubator(db):
    return IncubatorFactory(slug="plan9")


@pytest.fixture
def startup(db):
    return OrganisationFactory(slug="daraz-lite")


@pytest.fixture
def cohort(incubator):
    return CohortFactory(incubator=incubator)


@pytest.fixture
def application(cohort, startup):
    return ApplicationFactory(cohort=cohort, startup=startup)


# --- is_incubator_staff -----------------------------------------------------------


@pytest.mark.parametrize("role", list(Membership.Role))
def test_every_member_of_the_incubator_is_staff(incubator, role):
    # given
    user = member_of(incubator, role)

    # then
    assert is_incubator_staff(user, incubator) is True


def test_rabta_staff_count_as_incubator_staff(incubator):
    assert is_incubator_staff(UserFactory(is_staff=True, mfa=True), incubator) is True


def test_outsiders_are_not_incubator_staff(incubator):
    # given
    member_elsewhere = member_of(IncubatorFactory(), Membership.Role.OWNER)

    # then
    assert is_incubator_staff(UserFactory(), incubator) is False
    assert is_incubator_staff(member_elsewhere, incubator) is False
    assert is_incubator_staff(AnonymousUser(), incubator) is False


def test_an_inactive_member_is_not_incubator_staff(incubator):
    # given
    user = member_of(incubator, Membership.Role.OWNER, is_active=False)

    # then
    assert is_incubator_staff(user, incubator) is False


# --- can_manage_incubator ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Membership.Role.OWNER, True), (Membership.Role.ADMIN, True), (Membership.Role.MEMBER, False)],
)
def test_owners_and_admins_manage_the_incubator(incubator, role, expected):
    # given
    user = member_of(incubator, role)

    # then
    assert can_manage_incubator(user, incubator) is expected


@pytest.mark.parametrize("kind", [Organisation.Kind.INCUBATOR, Organisation.Kind.CENTRE, Organisation.Kind.TECH_PARK])
def test_every_incubator_like_kind_can_be_managed(db, kind):
    # given
    organisation = IncubatorFactory(kind=kind)
    user = member_of(organisation, Membership.Role.OWNER)

    # then
    assert can_manage_incubator(user, organisation) is True


def test_rabta_staff_manage_every_incubator(incubator):
    assert can_manage_incubator(UserFactory(is_staff=True, mfa=True), incubator) is True


def test_nobody_manages_a_startup_as_an_incubator(startup):
    # given
    owner = member_of(startup, Membership.Role.OWNER)

    # then
    assert can_manage_incubator(owner, startup) is False
    assert can_manage_incubator(UserFactory(is_staff=True, mfa=True), startup) is False


def test_outsiders_inactive_owners_and_visitors_do_not_manage_the_incubator(incubator):
    # given
    inactive_owner = member_of(incubator, Membership.Role.OWNER, is_active=False)
    owner_elsewhere = member_of(IncubatorFactory(), Membership.Role.OWNER)

    # then
    assert can_manage_incubator(inactive_owner, incubator) is False
    assert can_manage_incubator(owner_elsewhere, incubator) is False
    assert can_manage_incubator(UserFactory(), incubator) is False
    assert can_manage_incubator(AnonymousUser(), incubator) is False


# --- can_apply_for ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Membership.Role.OWNER, True), (Membership.Role.ADMIN, True), (Membership.Role.MEMBER, False)],
)
def test_owners_and_admins_apply_for_their_startup(startup, role, expected):
    # given
    user = member_of(startup, role)

    # then
    assert can_apply_for(user, startup) is expected


def test_nobody_applies_on_behalf_of_an_incubator(incubator):
    # given
    owner = member_of(incubator, Membership.Role.OWNER)

    # then
    assert can_apply_for(owner, incubator) is False


def test_outsiders_staff_inactive_owners_and_visitors_do_not_apply_for_a_startup(startup):
    # given
    inactive_owner = member_of(startup, Membership.Role.OWNER, is_active=False)
    owner_elsewhere = member_of(OrganisationFactory(), Membership.Role.OWNER)

    # then
    assert can_apply_for(inactive_owner, startup) is False
    assert can_apply_for(owner_elsewhere, startup) is False
    assert can_apply_for(UserFactory(is_staff=True, mfa=True), startup) is False
    assert can_apply_for(AnonymousUser(), startup) is False


# --- access_incubator -------------------------------------------------------------


def test_access_incubator_gives_its_staff_the_incubator(incubator):
    # given
    user = member_of(incubator, Membership.Role.MEMBER)

    # when
    result = access_incubator(user, "plan9")

    # then
    assert result == incubator


def test_access_incubator_is_a_404_for_outsiders(incubator):
    # when / then
    with pytest.raises(Http404):
        access_incubator(UserFactory(), "plan9")
    with pytest.raises(Http404):
        access_incubator(AnonymousUser(), "plan9")


def test_access_incubator_of_an_unknown_slug_is_a_404(incubator):
    # given
    user = member_of(incubator, Membership.Role.OWNER)

    # when / then
    with pytest.raises(Http404):
        access_incubator(user, "no-such-incubator")


def test_access_incubator_of_a_startup_is_a_404_even_for_its_owner(startup):
    # given
    owner = member_of(startup, Membership.Role.OWNER)

    # when / then
    with pytest.raises(Http404):
        access_incubator(owner, "daraz-lite")


# --- access_cohort_for_management -------------------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_access_cohort_for_management_gives_managers_the_cohort(cohort, incubator, role):
    # given
    user = member_of(incubator, role)

    # when
    result = access_cohort_for_management(user, cohort.pk)

    # then
    assert result == cohort


def test_access_cohort_for_management_is_a_403_for_plain_incubator_members(cohort, incubator):
    # given
    user = member_of(incubator, Membership.Role.MEMBER)

    # when / then
    with pytest.raises(PermissionDenied):
        access_cohort_for_management(user, cohort.pk)


def test_access_cohort_for_management_is_a_404_for_outsiders(cohort, startup):
    # given
    owner_elsewhere = member_of(IncubatorFactory(), Membership.Role.OWNER)
    founder = member_of(startup, Membership.Role.OWNER)
    reviewer = UserFactory()
    cohort.reviewers.add(reviewer)

    # when / then
    for user in (owner_elsewhere, founder, reviewer, UserFactory(), AnonymousUser()):
        with pytest.raises(Http404):
            access_cohort_for_management(user, cohort.pk)


def test_access_cohort_for_management_of_an_unknown_cohort_is_a_404(incubator):
    # given
    user = member_of(incubator, Membership.Role.OWNER)

    # when / then
    with pytest.raises(Http404):
        access_cohort_for_management(user, 999_999)


# --- can_view_cohort --------------------------------------------------------------


def test_a_draft_is_visible_only_to_its_incubator_staff(incubator):
    # given
    draft = CohortFactory(incubator=incubator, status=Cohort.Status.DRAFT)
    staff_member = member_of(incubator, Membership.Role.MEMBER)
    owner_elsewhere = member_of(IncubatorFactory(), Membership.Role.OWNER)

    # then
    assert can_view_cohort(staff_member, draft) is True
    assert can_view_cohort(UserFactory(is_staff=True, mfa=True), draft) is True
    assert can_view_cohort(owner_elsewhere, draft) is False
    assert can_view_cohort(UserFactory(), draft) is False
    assert can_view_cohort(AnonymousUser(), draft) is False


@pytest.mark.parametrize("status", [Cohort.Status.OPEN, Cohort.Status.RUNNING, Cohort.Status.FINISHED])
def test_a_cohort_past_draft_is_visible_to_everyone(incubator, status):
    # given
    cohort = CohortFactory(incubator=incubator, status=status)

    # then
    assert can_view_cohort(UserFactory(), cohort) is True
    assert can_view_cohort(AnonymousUser(), cohort) is True


# --- application_role / access_application ----------------------------------------


@pytest.mark.parametrize("role", list(Membership.Role))
def test_incubator_members_see_applications_as_staff(application, incubator, role):
    # given
    user = member_of(incubator, role)

    # when
    result, viewer_role = access_application(user, application.pk)

    # then
    assert application_role(user, application) == "staff"
    assert (result, viewer_role) == (application, "staff")


def test_rabta_staff_see_applications_as_staff(application):
    # given
    user = UserFactory(is_staff=True, mfa=True)

    # then
    assert application_role(user, application) == "staff"
    assert access_application(user, application.pk) == (application, "staff")


def test_cohort_reviewers_see_applications_as_reviewers(application, cohort):
    # given
    reviewer = UserFactory()
    cohort.reviewers.add(reviewer)

    # then
    assert application_role(reviewer, application) == "reviewer"
    assert access_application(reviewer, application.pk) == (application, "reviewer")


@pytest.mark.parametrize("role", list(Membership.Role))
def test_startup_members_see_their_application_as_the_startup(application, startup, role):
    # given
    user = member_of(startup, role)

    # then
    assert application_role(user, application) == "startup"
    assert access_application(user, application.pk) == (application, "startup")


def test_outsiders_have_no_role_and_get_a_404(application, cohort):
    # given
    reviewer_elsewhere = UserFactory()
    CohortFactory().reviewers.add(reviewer_elsewhere)
    other_founder = member_of(OrganisationFactory(), Membership.Role.OWNER)
    owner_elsewhere = member_of(IncubatorFactory(), Membership.Role.OWNER)

    # when / then
    for user in (reviewer_elsewhere, other_founder, owner_elsewhere, UserFactory(), AnonymousUser()):
        assert application_role(user, application) is None
        with pytest.raises(Http404):
            access_application(user, application.pk)


def test_inactive_startup_members_have_no_role(application, startup):
    # given
    user = member_of(startup, Membership.Role.OWNER, is_active=False)

    # then
    assert application_role(user, application) is None
    with pytest.raises(Http404):
        access_application(user, application.pk)


def test_access_application_of_an_unknown_application_is_a_404(incubator):
    # given
    user = member_of(incubator, Membership.Role.OWNER)

    # when / then
    with pytest.raises(Http404):
        access_application(user, 999_999)
