"""Mentors assigned to cohort startups, and the cohort at a glance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from investments import selectors, services
from investments.models import Application, MentorAssignment, Milestone
from mentorship.models import Mentor
from network.models import AuditEntry, Membership, Notification
from tests.investments.factories import PDF, ApplicationFactory, make_milestone
from tests.mentorship.factories import MentorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor():
    return MentorFactory(user=ProfileFactory(display_name="Ayesha Mentor", user__email="ayesha@example.com").user)


def assign(setting, mentor, **overrides):
    arguments = {
        "actor": setting.manager,
        "cohort": setting.cohort,
        "startup": setting.startup,
        "email": mentor.user.email,
        "office_hours": "Tuesdays 16:00–17:00 PKT",
    }
    arguments.update(overrides)
    return services.mentor_assign(**arguments)


def state() -> tuple:
    return (
        sorted(MentorAssignment.objects.values_list("cohort_id", "startup_id", "mentor_id", "office_hours")),
        AuditEntry.objects.count(),
    )


# --- Services --------------------------------------------------------------------------


def test_a_manager_assigns_a_mentor_who_and_the_founders_are_told(setting, mentor):
    assignment = assign(setting, mentor, email="  AYESHA@example.com ")

    assert (assignment.mentor, assignment.startup, assignment.office_hours, assignment.assigned_by) == (
        mentor,
        setting.startup,
        "Tuesdays 16:00–17:00 PKT",
        setting.manager,
    )
    entry = AuditEntry.objects.get(event="investments.mentor_assignment.create")
    assert (entry.actor, entry.data) == (
        setting.manager,
        {"cohort": setting.cohort.pk, "startup": setting.startup.pk, "mentor": mentor.pk},
    )
    told = dict(Notification.objects.values_list("recipient_id", "url"))
    assert told == {
        mentor.user.pk: reverse("investments:enrolment-detail", args=[setting.cohort.pk, setting.startup.slug]),
        setting.founder.pk: mentor.get_absolute_url(),
        setting.teammate.pk: mentor.get_absolute_url(),
    }


@pytest.mark.parametrize("who", ["staff_member", "founder", "other_manager"])
def test_only_the_incubators_managers_assign(setting, mentor, who):
    before = state()
    with pytest.raises(PermissionDenied):
        assign(setting, mentor, actor=getattr(setting, who))
    assert state() == before


def test_only_admitted_startups_get_mentors(setting, mentor):
    ApplicationFactory(cohort=setting.cohort, startup=setting.other_startup, status=Application.Status.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        assign(setting, mentor, startup=setting.other_startup)
    assert error.value.messages == ["Mentors are assigned to startups admitted to the cohort."]


@pytest.mark.parametrize("status", [Mentor.Status.PENDING, Mentor.Status.SUSPENDED])
def test_only_approved_mentors_are_assigned(setting, mentor, status):
    Mentor.objects.filter(pk=mentor.pk).update(status=status)
    with pytest.raises(ValidationError) as error:
        assign(setting, mentor)
    assert error.value.message_dict == {"email": ["No approved Rabta mentor uses this email address."]}


def test_a_member_who_is_no_mentor_is_refused(setting):
    with pytest.raises(ValidationError) as error:
        services.mentor_assign(
            actor=setting.manager, cohort=setting.cohort, startup=setting.startup, email=setting.teammate.email
        )
    assert error.value.message_dict == {"email": ["No approved Rabta mentor uses this email address."]}


def test_a_mentor_is_assigned_once_per_startup(setting, mentor):
    assign(setting, mentor)
    before = state()
    with pytest.raises(ValidationError) as error:
        assign(setting, mentor, office_hours="Another time")
    assert error.value.message_dict == {"email": ["This mentor is already assigned to the startup."]}
    assert state() == before


def test_unassigning_is_for_managers_and_audited(setting, mentor):
    assignment = assign(setting, mentor)
    with pytest.raises(PermissionDenied):
        services.mentor_unassign(actor=setting.founder, assignment=assignment)
    assert MentorAssignment.objects.filter(pk=assignment.pk).exists()

    services.mentor_unassign(actor=setting.manager, assignment=assignment)

    assert not MentorAssignment.objects.exists()
    assert AuditEntry.objects.filter(event="investments.mentor_assignment.delete").count() == 1


# --- Pages -----------------------------------------------------------------------------


def manage(setting) -> str:
    return reverse("investments:cohort-manage", args=[setting.cohort.pk])


def board(setting) -> str:
    return reverse("investments:enrolment-detail", args=[setting.cohort.pk, setting.startup.slug])


def test_a_manager_assigns_and_unassigns_from_the_manage_page(client_for, setting, mentor):
    client = client_for(setting.manager)

    response = client.post(
        manage(setting),
        {
            "kind": "mentor",
            "mentor-startup": setting.startup.pk,
            "mentor-email": "ayesha@example.com",
            "mentor-office_hours": "Fridays",
        },
    )

    assert response.status_code == 302
    assignment = MentorAssignment.objects.get()
    page = client.get(manage(setting)).content.decode()
    assert "Ayesha Mentor" in page
    assert "Fridays" in page

    response = client.post(manage(setting), {"kind": "unassign", "assignment_id": assignment.pk})

    assert response.status_code == 302
    assert not MentorAssignment.objects.exists()


def test_a_wrong_email_is_shown_on_the_form_and_nothing_changes(client_for, setting):
    before = state()

    response = client_for(setting.manager).post(
        manage(setting), {"kind": "mentor", "mentor-startup": setting.startup.pk, "mentor-email": "nobody@example.com"}
    )

    assert response.status_code == 200
    assert "No approved Rabta mentor uses this email address." in response.content.decode()
    assert state() == before


def test_a_startup_of_another_cohort_cannot_be_picked(client_for, setting, mentor):
    before = state()

    response = client_for(setting.manager).post(
        manage(setting),
        {"kind": "mentor", "mentor-startup": setting.other_startup.pk, "mentor-email": mentor.user.email},
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("who", ["staff_member", "founder", "other_manager", "other_founder"])
def test_others_cannot_assign_or_unassign(client_for, setting, mentor, who):
    assignment = assign(setting, mentor)
    before = state()
    client = client_for(getattr(setting, who))

    for data in (
        {"kind": "mentor", "mentor-startup": setting.startup.pk, "mentor-email": mentor.user.email},
        {"kind": "unassign", "assignment_id": assignment.pk},
    ):
        response = client.post(manage(setting), data)
        assert response.status_code == (403 if who == "staff_member" else 404)

    assert state() == before


def test_the_assigned_mentor_reads_the_board_but_changes_nothing_and_sees_no_evidence_files(
    client_for, setting, mentor, private_root
):
    assign(setting, mentor)
    milestone = make_milestone(setting)
    evidence = services.evidence_submit(
        actor=setting.founder,
        milestone=milestone,
        value=Decimal(10),
        upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
    )
    client = client_for(mentor.user)
    before = (state(), Milestone.objects.count(), list(Milestone.objects.values_list("status", flat=True)))

    page = client.get(board(setting))
    posts = [
        client.post(board(setting), {"kind": "verify", "milestone_id": milestone.pk}).status_code,
        client.post(board(setting), {"kind": "milestone", "milestone-title": "x"}).status_code,
    ]
    download = client.get(reverse("investments:evidence-file", args=[evidence.pk]))

    assert page.status_code == 200
    assert milestone.title in page.content.decode()
    assert reverse("investments:evidence-file", args=[evidence.pk]) not in page.content.decode()
    assert posts == [403, 403]
    assert download.status_code == 403
    assert (state(), Milestone.objects.count(), list(Milestone.objects.values_list("status", flat=True))) == before


def test_a_mentor_not_assigned_to_the_startup_sees_nothing(client_for, setting, mentor):
    other = MentorFactory()
    assign(setting, mentor)

    assert client_for(other.user).get(board(setting)).status_code == 404


def test_the_founders_see_their_mentors_with_a_link_to_book(client_for, setting, mentor):
    assign(setting, mentor)

    page = client_for(setting.teammate).get(board(setting)).content.decode()

    assert "Ayesha Mentor" in page
    assert "Tuesdays 16:00–17:00 PKT" in page
    assert f'href="{mentor.get_absolute_url()}"' in page


def test_a_mentor_who_left_rabta_is_no_longer_offered_to_the_founders(client_for, setting, mentor):
    from network.services import user_deactivate

    assign(setting, mentor)
    user_deactivate(actor=None, user=mentor.user)

    page = client_for(setting.teammate).get(board(setting)).content.decode()
    overview = selectors.cohort_overview(cohort=setting.cohort)

    assert "Tuesdays 16:00–17:00 PKT" not in page
    assert mentor.get_absolute_url() not in page
    assert all(row["mentors"] == [] for row in overview)


# --- The cohort at a glance ------------------------------------------------------------


def test_the_overview_counts_milestones_mentors_and_the_latest_pitch(setting, mentor):
    assign(setting, mentor)
    verified = make_milestone(setting, title="Verified")
    services.evidence_submit(actor=setting.founder, milestone=verified, value=Decimal(1000))
    services.milestone_verify(actor=setting.manager, milestone=verified)
    waiting = make_milestone(setting, title="Waiting")
    services.evidence_submit(actor=setting.founder, milestone=waiting, value=Decimal(5))
    make_milestone(setting, title="Late", due_on=date.today() - timedelta(days=2))
    make_milestone(setting, title="Later", due_on=date.today() + timedelta(days=20))
    pitch = services.pitch_create(
        actor=setting.founder,
        startup=setting.startup,
        incubator=setting.incubator,
        data={"one_liner": "Payroll", "ask_amount": Decimal(1000), "currency": "usd", "instrument": "safe"},
    )
    quiet = OrganisationFactory(name="Aaa Quiet", slug="aaa-quiet")
    ApplicationFactory(cohort=setting.cohort, startup=quiet, status=Application.Status.ADMITTED)
    ApplicationFactory(cohort=setting.cohort, startup=setting.other_startup, status=Application.Status.DECLINED)

    rows = selectors.cohort_overview(cohort=setting.cohort)

    assert [
        (r["startup"].name, r["milestones"], r["verified"], r["waiting"], r["overdue"], r["progress"]) for r in rows
    ] == [
        ("Aaa Quiet", 0, 0, 0, 0, 0),
        ("Raqam Pay", 4, 1, 1, 1, 25),
    ]
    assert [a.mentor for a in rows[1]["mentors"]] == [mentor]
    assert (rows[0]["pitch"], rows[1]["pitch"]) == (None, pitch)


def test_the_cohort_page_shows_the_overview_to_staff_with_constant_queries(client_for, setting, mentor):
    client = client_for(setting.staff_member)
    path = reverse("investments:cohort-detail", args=[setting.cohort.pk])
    assign(setting, mentor)
    make_milestone(setting)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        page = client.get(path).content.decode()
    for n in range(6):
        startup = OrganisationFactory()
        MembershipFactory(organisation=startup, role=Membership.Role.OWNER)
        ApplicationFactory(cohort=setting.cohort, startup=startup, status=Application.Status.ADMITTED)
        services.mentor_assign(
            actor=setting.manager, cohort=setting.cohort, startup=startup, email=MentorFactory().user.email
        )
        make_milestone(setting, title=f"M{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(path)

    assert "The cohort at a glance" in page
    assert "Ayesha Mentor" in page
    assert len(few) == len(many)
