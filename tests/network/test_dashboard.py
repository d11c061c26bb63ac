"""The dashboard's "Your tools": each role finds the links to its own tools, and only those."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from investments.models import InvestorProfile
from mentorship.models import Mentor
from network.models import Membership, Notification
from tests.investments.factories import IncubatorFactory
from tests.mentorship.factories import MentorFactory
from tests.network.factories import MembershipFactory, ProfileFactory

pytestmark = pytest.mark.django_db

WAGTAIL_ADMIN = "/editors/"
DJANGO_ADMIN = "/admin/"
MENTOR_VETTING = "/admin/mentorship/mentor/?status__exact=pending"
INVESTOR_VETTING = "/deals/investors/"
DEAL_ROOM = "/deals/"
MENTOR_REQUESTS = "/mentoring/"
MENTOR_HOURS = "/mentoring/hours/"


def _tools(client) -> list[tuple[str, str]]:
    """(href, label) of each link in "Your tools", or [] when the section is not there."""
    response = client.get(reverse("network:dashboard"))
    assert response.status_code == 200
    section = re.search(r'<section class="card" aria-labelledby="your-tools">(.*?)</section>', response.text, re.S)
    if section is None:
        return []
    return [
        (href.replace("&amp;", "&"), label)
        for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', section.group(1))
    ]


def _member():
    return ProfileFactory().user


def _investor(status=InvestorProfile.Status.APPROVED):
    user = _member()
    InvestorProfile.objects.create(
        user=user,
        status=status,
        focus="Fintech in Pakistan",
        ticket_min=5000,
        ticket_max=50000,
        country="GB",
        attestation=True,
    )
    return user


def test_a_member_with_no_role_sees_no_tools_section(client_for):
    response = client_for(_member()).get(reverse("network:dashboard"))

    assert response.status_code == 200
    assert "Your tools" not in response.text


def test_an_editor_sees_the_wagtail_admin_only(client_for):
    # given
    editor = _member()
    editor.groups.add(Group.objects.get(name="Editors"))

    # then
    assert _tools(client_for(editor)) == [(WAGTAIL_ADMIN, "Stories and pages (Wagtail admin)")]


def test_staff_see_the_django_admin_and_the_vetting_queues(client_for):
    # given: staff who may approve mentors, not a superuser
    staff = _member()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.add(Permission.objects.get(codename="change_mentor", content_type__app_label="mentorship"))

    # then
    assert _tools(client_for(staff)) == [
        (DJANGO_ADMIN, "Django admin"),
        (MENTOR_VETTING, "Mentors waiting for vetting"),
        (INVESTOR_VETTING, "Investors waiting for vetting"),
    ]


def test_staff_without_the_mentor_permission_are_not_sent_to_mentor_vetting(client_for):
    staff = _member()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])

    assert _tools(client_for(staff)) == [
        (DJANGO_ADMIN, "Django admin"),
        (INVESTOR_VETTING, "Investors waiting for vetting"),
    ]


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_an_incubator_manager_sees_their_incubators_dashboard(client_for, role):
    # given: they run one incubator; another exists
    manager = _member()
    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    IncubatorFactory(name="NIC Karachi", slug="nic-karachi")
    MembershipFactory(organisation=incubator, user=manager, role=role)

    # then
    assert _tools(client_for(manager)) == [("/incubators/nic-lahore/", "NIC Lahore: cohorts and applications")]


def test_a_plain_member_of_an_incubator_or_a_startup_owner_sees_no_tools(client_for):
    member = _member()
    MembershipFactory(organisation=IncubatorFactory(), user=member, role=Membership.Role.MEMBER)
    MembershipFactory(user=member, role=Membership.Role.OWNER)  # a startup

    assert _tools(client_for(member)) == []


@pytest.mark.parametrize("status", [Mentor.Status.APPROVED, Mentor.Status.PENDING])
def test_a_mentor_sees_their_requests_and_hours(client_for, status):
    mentor = MentorFactory(status=status)

    assert _tools(client_for(mentor.user)) == [
        (MENTOR_REQUESTS, "Session requests and upcoming sessions"),
        (MENTOR_HOURS, "My weekly hours"),
    ]


def test_an_approved_investor_sees_the_deal_room(client_for):
    assert _tools(client_for(_investor())) == [(DEAL_ROOM, "Deal room")]


@pytest.mark.parametrize(
    "status",
    [InvestorProfile.Status.PENDING, InvestorProfile.Status.REJECTED, InvestorProfile.Status.SUSPENDED],
)
def test_an_investor_not_approved_sees_no_deal_room(client_for, status):
    assert _tools(client_for(_investor(status))) == []


def test_the_dashboard_query_count_does_not_grow_with_incubators_or_notifications(client_for):
    # given: a superuser who also mentors, invests and runs incubators
    user = MentorFactory().user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    InvestorProfile.objects.create(
        user=user,
        status=InvestorProfile.Status.APPROVED,
        focus="Fintech",
        ticket_min=5000,
        ticket_max=50000,
        country="GB",
        attestation=True,
    )
    MembershipFactory(organisation=IncubatorFactory(), user=user, role=Membership.Role.OWNER)
    client = client_for(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("network:dashboard")).status_code == 200
        return len(captured)

    client.get(reverse("network:dashboard"))  # warm per-process caches
    one = queries()
    assert len(_tools(client)) == 8

    # when: more incubators and notifications
    for _ in range(3):
        MembershipFactory(organisation=IncubatorFactory(), user=user, role=Membership.Role.ADMIN)
        Notification.objects.create(recipient=user, message="Something happened")

    # then
    assert len(_tools(client)) == 11
    assert queries() == one
