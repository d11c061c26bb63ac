"""Services of the investments app: every write, its refusals, its audit entry and its notifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from investments import services
from investments.models import (
    Application,
    ApplicationQuestion,
    Cohort,
    Review,
    ReviewScore,
    RubricCriterion,
    programme_today,
)
from network.models import AuditEntry, Membership, Notification, Organisation
from tests.investments.factories import (
    ApplicationFactory,
    ApplicationQuestionFactory,
    CohortFactory,
    IncubatorFactory,
    RubricCriterionFactory,
)
from tests.network.factories import MembershipFactory, OrganisationFactory, UserFactory

COHORT_DATA = {
    "name": "Spring 2027",
    "phase": Cohort.Phase.PROOF_OF_CONCEPT,
    "description": "Twelve weeks of building with mentors.",
    "starts_on": date(2027, 3, 1),
    "ends_on": date(2027, 5, 31),
    "demo_day": date(2027, 5, 28),
    "applications_close_on": date(2027, 2, 1),
}

STATUSES = list(Cohort.Status)
ALLOWED_MOVES = [(old, new) for old in STATUSES for new in STATUSES if new in services.COHORT_TRANSITIONS[old]]
REFUSED_MOVES = [(old, new) for old in STATUSES for new in STATUSES if new not in services.COHORT_TRANSITIONS[old]]


def audit_trail() -> list[tuple[str, int | None]]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id"))


def notifications() -> list[tuple[str, int]]:
    return sorted(Notification.objects.values_list("kind", "recipient_id"))


def row_counts() -> dict[str, int]:
    models = (Cohort, ApplicationQuestion, RubricCriterion, Application, Review, ReviewScore, AuditEntry, Notification)
    return {model.__name__: model.objects.count() for model in models}


def cohort_row(cohort: Cohort) -> dict:
    return Cohort.objects.filter(pk=cohort.pk).values().get()


def application_row(application: Application) -> dict:
    return Application.objects.filter(pk=application.pk).values().get()


def member_of(organisation: Organisation, role: str = Membership.Role.MEMBER, **user_kwargs):
    return MembershipFactory(organisation=organisation, user=UserFactory(**user_kwargs), role=role).user


@pytest.fixture
def incubator(db):
    return IncubatorFactory(name="Plan9")


@pytest.fixture
def owner(incubator):
    return member_of(incubator, Membership.Role.OWNER)


@pytest.fixture
def plain_member(incubator):
    return member_of(incubator, Membership.Role.MEMBER)


@pytest.fixture
def startup(db):
    return OrganisationFactory(name="Daraz Lite")


@pytest.fixture
def founder(startup):
    return member_of(startup, Membership.Role.OWNER)


@pytest.fixture
def cohort(incubator):
    return CohortFactory(incubator=incubator, name="Spring 2027", status=Cohort.Status.OPEN)


@pytest.fixture
def draft(incubator):
    return CohortFactory(incubator=incubator, name="Autumn 2027", status=Cohort.Status.DRAFT)


@pytest.fixture
def reviewer(cohort):
    user = UserFactory(email="reviewer@example.org")
    cohort.reviewers.add(user)
    return user


@pytest.fixture
def criteria(cohort):
    return [
        RubricCriterionFactory(cohort=cohort, name="Team", weight=1, position=0),
        RubricCriterionFactory(cohort=cohort, name="Market", weight=3, position=1),
    ]


@pytest.fixture
def application(cohort, startup, founder):
    return ApplicationFactory(cohort=cohort, startup=startup, submitted_by=founder)


# --- cohort_create ----------------------------------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_cohort_create_by_an_owner_or_admin_makes_a_draft(incubator, role):
    # given
    manager = member_of(incubator, role)

    # when
    cohort = services.cohort_create(actor=manager, incubator=incubator, data=COHORT_DATA, ip_address="203.0.113.7")

    # then
    cohort.refresh_from_db()
    assert cohort.incubator == incubator
    assert cohort.created_by == manager
    assert cohort.status == Cohort.Status.DRAFT
    assert cohort.name == "Spring 2027"
    assert cohort.phase == Cohort.Phase.PROOF_OF_CONCEPT
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 3, 1), date(2027, 5, 31))
    assert cohort.demo_day == date(2027, 5, 28)
    assert cohort.applications_close_on == date(2027, 2, 1)
    assert audit_trail() == [("investments.cohort.create", manager.pk)]
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == ("investments.cohort", str(cohort.pk))
    assert entry.ip_address == "203.0.113.7"
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("kind", [Organisation.Kind.INCUBATOR, Organisation.Kind.CENTRE, Organisation.Kind.TECH_PARK])
def test_cohort_create_works_for_every_incubator_like_kind(db, kind):
    # given
    organisation = IncubatorFactory(kind=kind)
    manager = member_of(organisation, Membership.Role.OWNER)

    # when
    cohort = services.cohort_create(actor=manager, incubator=organisation, data=COHORT_DATA)

    # then
    assert Cohort.objects.get() == cohort
    assert cohort.incubator == organisation


def test_cohort_create_by_rabta_staff_is_allowed(incubator):
    # given
    staff = UserFactory(is_staff=True, mfa=True)

    # when
    cohort = services.cohort_create(actor=staff, incubator=incubator, data=COHORT_DATA)

    # then
    assert Cohort.objects.get() == cohort
    assert audit_trail() == [("investments.cohort.create", staff.pk)]


def test_cohort_create_by_a_plain_incubator_member_is_refused(incubator, plain_member):
    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=plain_member, incubator=incubator, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_cohort_create_for_a_startup_by_its_owner_is_refused(startup, founder):
    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=founder, incubator=startup, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_cohort_create_for_a_startup_by_rabta_staff_is_refused(startup):
    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=UserFactory(is_staff=True, mfa=True), incubator=startup, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0


def test_cohort_create_by_a_startup_owner_for_an_incubator_is_refused(incubator, founder):
    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=founder, incubator=incubator, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_cohort_create_by_an_inactive_owner_is_refused(incubator):
    # given
    inactive = member_of(incubator, Membership.Role.OWNER, is_active=False)

    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=inactive, incubator=incubator, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0


def test_cohort_create_by_an_anonymous_visitor_is_refused(incubator):
    # when
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=AnonymousUser(), incubator=incubator, data=COHORT_DATA)

    # then
    assert Cohort.objects.count() == 0


def test_cohort_create_ending_before_it_starts_is_refused(incubator, owner):
    # given
    data = {**COHORT_DATA, "starts_on": date(2027, 6, 1), "ends_on": date(2027, 5, 31), "demo_day": None}

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_create(actor=owner, incubator=incubator, data=data)

    # then
    assert excinfo.value.messages == ["The cohort must end on or after the day it starts."]
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_cohort_create_with_demo_day_before_the_start_is_refused(incubator, owner):
    # given
    data = {**COHORT_DATA, "demo_day": date(2027, 2, 28)}

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_create(actor=owner, incubator=incubator, data=data)

    # then
    assert excinfo.value.messages == ["Demo day must be on or after the day the cohort starts."]
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_cohort_create_without_a_name_is_refused(incubator, owner):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_create(actor=owner, incubator=incubator, data={**COHORT_DATA, "name": ""})

    # then
    assert excinfo.value.message_dict == {"name": ["This field cannot be blank."]}
    assert Cohort.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- cohort_update ----------------------------------------------------------------


def test_cohort_update_changes_the_fields_and_records_them(cohort, owner):
    # when
    services.cohort_update(
        actor=owner,
        cohort=cohort,
        data={"name": "Spring 2027 (extended)", "ends_on": date(2027, 7, 31)},
        ip_address="203.0.113.7",
    )

    # then
    cohort.refresh_from_db()
    assert cohort.name == "Spring 2027 (extended)"
    assert cohort.ends_on == date(2027, 7, 31)
    assert cohort.starts_on == date(2027, 1, 10)
    assert audit_trail() == [("investments.cohort.update", owner.pk)]
    entry = AuditEntry.objects.get()
    assert entry.data == {"fields": ["ends_on", "name"]}
    assert (entry.target_type, entry.target_id) == ("investments.cohort", str(cohort.pk))
    assert entry.ip_address == "203.0.113.7"


def test_cohort_update_still_works_after_its_author_left(incubator, owner):
    # given: the cohort no longer names its author (created_by is SET_NULL). A member named in the
    # audit trail cannot be deleted, as this author is, so the field is emptied directly here.
    author = member_of(incubator, Membership.Role.ADMIN)
    cohort = services.cohort_create(actor=author, incubator=incubator, data=COHORT_DATA)
    Cohort.objects.filter(pk=cohort.pk).update(created_by=None)
    cohort.refresh_from_db()
    assert cohort.created_by is None

    # when
    services.cohort_update(actor=owner, cohort=cohort, data={"name": "Spring 2027 (extended)"})

    # then
    cohort.refresh_from_db()
    assert cohort.name == "Spring 2027 (extended)"
    assert cohort.created_by is None
    # the trail still names who created the cohort
    assert audit_trail() == [("investments.cohort.create", author.pk), ("investments.cohort.update", owner.pk)]


def test_cohort_update_by_a_plain_incubator_member_is_refused(cohort, plain_member):
    # given
    before = cohort_row(cohort)

    # when
    with pytest.raises(PermissionDenied):
        services.cohort_update(actor=plain_member, cohort=cohort, data={"name": "Hijacked"})

    # then
    assert cohort_row(cohort) == before
    assert AuditEntry.objects.count() == 0


def test_cohort_update_by_the_owner_of_another_incubator_is_refused(cohort):
    # given
    stranger = member_of(IncubatorFactory(), Membership.Role.OWNER)
    before = cohort_row(cohort)

    # when
    with pytest.raises(PermissionDenied):
        services.cohort_update(actor=stranger, cohort=cohort, data={"name": "Hijacked"})

    # then
    assert cohort_row(cohort) == before
    assert AuditEntry.objects.count() == 0


def test_cohort_update_with_dates_out_of_order_saves_nothing(cohort, owner):
    # given
    before = cohort_row(cohort)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_update(
            actor=owner, cohort=cohort, data={"name": "Renamed", "ends_on": date(2026, 12, 31), "demo_day": None}
        )

    # then
    assert excinfo.value.messages == ["The cohort must end on or after the day it starts."]
    assert cohort_row(cohort) == before
    assert AuditEntry.objects.count() == 0


# --- cohort_set_status --------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), ALLOWED_MOVES)
def test_cohort_set_status_makes_every_allowed_move(incubator, owner, old, new):
    # given
    cohort = CohortFactory(incubator=incubator, status=old)
    RubricCriterionFactory(cohort=cohort)

    # when
    result = services.cohort_set_status(actor=owner, cohort=cohort, status=new, ip_address="203.0.113.7")

    # then
    assert result.status == new
    cohort.refresh_from_db()
    assert cohort.status == new
    assert audit_trail() == [("investments.cohort.change_status", owner.pk)]
    entry = AuditEntry.objects.get()
    assert entry.data == {"from": old.value, "to": new.value}
    assert entry.ip_address == "203.0.113.7"


def test_allowed_moves_are_exactly_the_documented_ones():
    assert sorted(ALLOWED_MOVES) == sorted(
        [
            (Cohort.Status.DRAFT, Cohort.Status.OPEN),
            (Cohort.Status.OPEN, Cohort.Status.RUNNING),
            (Cohort.Status.OPEN, Cohort.Status.DRAFT),
            (Cohort.Status.RUNNING, Cohort.Status.FINISHED),
        ]
    )


@pytest.mark.parametrize(("old", "new"), REFUSED_MOVES)
def test_cohort_set_status_refuses_every_other_move(incubator, owner, old, new):
    # given
    cohort = CohortFactory(incubator=incubator, status=old)
    RubricCriterionFactory(cohort=cohort)
    before = cohort_row(cohort)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_set_status(actor=owner, cohort=cohort, status=new)

    # then
    assert excinfo.value.messages == [f"A cohort that is {old.label.lower()} cannot become {new.label.lower()}."]
    assert cohort_row(cohort) == before
    assert AuditEntry.objects.count() == 0


def test_cohort_set_status_refusal_names_both_statuses(incubator, owner):
    # given
    cohort = CohortFactory(incubator=incubator, status=Cohort.Status.FINISHED)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_set_status(actor=owner, cohort=cohort, status=Cohort.Status.OPEN)

    # then
    assert excinfo.value.messages == ["A cohort that is finished cannot become open for applications."]


def test_cohort_set_status_to_an_unknown_status_is_refused(draft, owner):
    # given
    RubricCriterionFactory(cohort=draft)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_set_status(actor=owner, cohort=draft, status="archived")

    # then
    assert excinfo.value.messages == ["Unknown status."]
    draft.refresh_from_db()
    assert draft.status == Cohort.Status.DRAFT
    assert AuditEntry.objects.count() == 0


def test_cohort_set_status_opening_without_rubric_criteria_is_refused(draft, owner):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_set_status(actor=owner, cohort=draft, status=Cohort.Status.OPEN)

    # then
    assert excinfo.value.messages == ["Add at least one rubric criterion before opening applications."]
    draft.refresh_from_db()
    assert draft.status == Cohort.Status.DRAFT
    assert AuditEntry.objects.count() == 0


def test_cohort_set_status_uses_the_stored_status_not_a_stale_copy(draft, owner):
    # given: someone else already opened the cohort; our copy still says draft
    RubricCriterionFactory(cohort=draft)
    Cohort.objects.filter(pk=draft.pk).update(status=Cohort.Status.RUNNING)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.cohort_set_status(actor=owner, cohort=draft, status=Cohort.Status.OPEN)

    # then
    assert excinfo.value.messages == ["A cohort that is running cannot become open for applications."]
    assert Cohort.objects.get(pk=draft.pk).status == Cohort.Status.RUNNING


def test_cohort_set_status_by_a_plain_incubator_member_is_refused(draft, plain_member):
    # given
    RubricCriterionFactory(cohort=draft)

    # when
    with pytest.raises(PermissionDenied):
        services.cohort_set_status(actor=plain_member, cohort=draft, status=Cohort.Status.OPEN)

    # then
    draft.refresh_from_db()
    assert draft.status == Cohort.Status.DRAFT
    assert AuditEntry.objects.count() == 0


# --- question_add / criterion_add ----------------------------------------------------


def test_question_add_appends_questions_in_order(draft, owner):
    # when
    first = services.question_add(actor=owner, cohort=draft, text="  What do you build?  ", help_text=" In brief. ")
    second = services.question_add(actor=owner, cohort=draft, text="Who is on the team?", required=False)

    # then
    assert list(draft.questions.values_list("text", "help_text", "required", "position")) == [
        ("What do you build?", "In brief.", True, 0),
        ("Who is on the team?", "", False, 1),
    ]
    assert audit_trail() == [
        ("investments.application_question.create", owner.pk),
        ("investments.application_question.create", owner.pk),
    ]
    assert list(AuditEntry.objects.order_by("id").values_list("target_type", "target_id")) == [
        ("investments.applicationquestion", str(first.pk)),
        ("investments.applicationquestion", str(second.pk)),
    ]


@pytest.mark.parametrize("status", [Cohort.Status.OPEN, Cohort.Status.RUNNING, Cohort.Status.FINISHED])
def test_question_add_outside_draft_is_refused(incubator, owner, status):
    # given
    cohort = CohortFactory(incubator=incubator, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.question_add(actor=owner, cohort=cohort, text="What do you build?")

    # then
    assert excinfo.value.messages == ["Questions can change only while the cohort is a draft."]
    assert ApplicationQuestion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_question_add_without_text_is_refused(draft, owner):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.question_add(actor=owner, cohort=draft, text="   ")

    # then
    assert excinfo.value.message_dict == {"text": ["This field cannot be blank."]}
    assert ApplicationQuestion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_question_add_by_a_plain_incubator_member_is_refused(draft, plain_member):
    # when
    with pytest.raises(PermissionDenied):
        services.question_add(actor=plain_member, cohort=draft, text="What do you build?")

    # then
    assert ApplicationQuestion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_criterion_add_appends_criteria_in_order(draft, owner):
    # when
    first = services.criterion_add(actor=owner, cohort=draft, name=" Team ", description=" Shipped before. ")
    second = services.criterion_add(actor=owner, cohort=draft, name="Market", weight=3)

    # then
    assert list(draft.criteria.values_list("name", "description", "weight", "position")) == [
        ("Team", "Shipped before.", 1, 0),
        ("Market", "", 3, 1),
    ]
    assert audit_trail() == [("investments.criterion.create", owner.pk), ("investments.criterion.create", owner.pk)]
    assert list(AuditEntry.objects.order_by("id").values_list("target_type", "target_id")) == [
        ("investments.rubriccriterion", str(first.pk)),
        ("investments.rubriccriterion", str(second.pk)),
    ]


@pytest.mark.parametrize("status", [Cohort.Status.OPEN, Cohort.Status.RUNNING, Cohort.Status.FINISHED])
def test_criterion_add_outside_draft_is_refused(incubator, owner, status):
    # given
    cohort = CohortFactory(incubator=incubator, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.criterion_add(actor=owner, cohort=cohort, name="Team")

    # then
    assert excinfo.value.messages == ["The rubric can change only while the cohort is a draft."]
    assert RubricCriterion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("weight", "error"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (6, "Ensure this value is less than or equal to 5."),
    ],
)
def test_criterion_add_with_a_weight_outside_1_to_5_is_refused(draft, owner, weight, error):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.criterion_add(actor=owner, cohort=draft, name="Team", weight=weight)

    # then
    assert excinfo.value.message_dict["weight"] == [error]
    assert RubricCriterion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_criterion_add_by_a_plain_incubator_member_is_refused(draft, plain_member):
    # when
    with pytest.raises(PermissionDenied):
        services.criterion_add(actor=plain_member, cohort=draft, name="Team")

    # then
    assert RubricCriterion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- reviewer_add ---------------------------------------------------------------------


def test_reviewer_add_by_email_adds_and_notifies_the_reviewer(cohort, owner):
    # given
    expert = UserFactory(email="expert@example.org")

    # when
    result = services.reviewer_add(actor=owner, cohort=cohort, email="  Expert@Example.ORG ")

    # then
    assert result == expert
    assert list(cohort.reviewers.all()) == [expert]
    assert audit_trail() == [("investments.reviewer.create", owner.pk)]
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == ("investments.cohort", str(cohort.pk))
    assert entry.data == {"reviewer": expert.pk}
    notification = Notification.objects.get()
    assert notification.recipient == expert
    assert notification.kind == "investments.reviewer.create"
    assert notification.message == "You were asked to review applications for Spring 2027."
    assert notification.url == cohort.get_absolute_url()


def test_reviewer_add_with_an_unknown_email_is_refused(cohort, owner):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.reviewer_add(actor=owner, cohort=cohort, email="nobody@example.org")

    # then
    assert excinfo.value.message_dict == {"email": ["No Rabta member uses this email address."]}
    assert cohort.reviewers.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_reviewer_add_of_an_inactive_member_is_refused(cohort, owner):
    # given
    UserFactory(email="gone@example.org", is_active=False)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.reviewer_add(actor=owner, cohort=cohort, email="gone@example.org")

    # then
    assert excinfo.value.message_dict == {"email": ["No Rabta member uses this email address."]}
    assert cohort.reviewers.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_reviewer_add_twice_is_refused(cohort, owner, reviewer):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.reviewer_add(actor=owner, cohort=cohort, email="REVIEWER@example.org")

    # then
    assert excinfo.value.message_dict == {"email": ["This member already reviews for the cohort."]}
    assert list(cohort.reviewers.all()) == [reviewer]
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_reviewer_add_by_a_plain_incubator_member_is_refused(cohort, plain_member):
    # given
    UserFactory(email="expert@example.org")

    # when
    with pytest.raises(PermissionDenied):
        services.reviewer_add(actor=plain_member, cohort=cohort, email="expert@example.org")

    # then
    assert cohort.reviewers.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


# --- application_submit ---------------------------------------------------------------


def test_application_submit_stores_the_answers_and_tells_managers_and_reviewers(
    cohort, incubator, owner, plain_member, reviewer, startup, founder
):
    # given
    admin = member_of(incubator, Membership.Role.ADMIN)
    product = ApplicationQuestionFactory(cohort=cohort, text="What do you build?", position=0)
    team = ApplicationQuestionFactory(cohort=cohort, text="Who is on the team?", required=False, position=1)
    other_cohort_question = ApplicationQuestionFactory(text="Elsewhere?")

    # when
    application = services.application_submit(
        actor=founder,
        cohort=cohort,
        startup=startup,
        answers={str(product.pk): "  A marketplace for spare parts.  ", str(other_cohort_question.pk): "ignored"},
        ip_address="203.0.113.7",
    )

    # then
    application.refresh_from_db()
    assert application.cohort == cohort
    assert application.startup == startup
    assert application.submitted_by == founder
    assert application.status == Application.Status.SUBMITTED
    assert application.answers == {str(product.pk): "A marketplace for spare parts.", str(team.pk): ""}
    assert application.decided_at is None
    assert audit_trail() == [("investments.application.submit", founder.pk)]
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == ("investments.application", str(application.pk))
    assert entry.ip_address == "203.0.113.7"
    assert notifications() == sorted(
        [
            ("investments.application.submit", owner.pk),
            ("investments.application.submit", admin.pk),
            ("investments.application.submit", reviewer.pk),
        ]
    )
    assert set(Notification.objects.values_list("message", "url")) == {
        ("Daraz Lite applied to Spring 2027.", application.get_absolute_url())
    }
    assert plain_member.notifications.count() == 0


def test_application_submit_tells_a_manager_who_also_reviews_once(cohort, owner, startup, founder):
    # given
    cohort.reviewers.add(owner)

    # when
    services.application_submit(actor=founder, cohort=cohort, startup=startup, answers={})

    # then
    assert notifications() == [("investments.application.submit", owner.pk)]


def test_application_submit_by_a_startup_admin_is_allowed(cohort, startup):
    # given
    admin = member_of(startup, Membership.Role.ADMIN)

    # when
    application = services.application_submit(actor=admin, cohort=cohort, startup=startup, answers={})

    # then
    assert Application.objects.get() == application
    assert application.submitted_by == admin
    assert audit_trail() == [("investments.application.submit", admin.pk)]


def test_application_submit_by_a_plain_startup_member_is_refused(cohort, startup, owner):
    # given
    employee = member_of(startup, Membership.Role.MEMBER)

    # when
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=employee, cohort=cohort, startup=startup, answers={})

    # then
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_by_an_outsider_is_refused(cohort, startup, owner):
    # when
    with pytest.raises(PermissionDenied):
        services.application_submit(
            actor=UserFactory(is_staff=True, mfa=True), cohort=cohort, startup=startup, answers={}
        )

    # then
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_on_behalf_of_an_incubator_is_refused(cohort, owner):
    # given: an owner of another incubator tries to apply with it
    other_incubator = IncubatorFactory()
    other_owner = member_of(other_incubator, Membership.Role.OWNER)

    # when
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=other_owner, cohort=cohort, startup=other_incubator, answers={})

    # then
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("status", [Cohort.Status.DRAFT, Cohort.Status.RUNNING, Cohort.Status.FINISHED])
def test_application_submit_to_a_cohort_that_is_not_open_is_refused(incubator, owner, startup, founder, status):
    # given
    cohort = CohortFactory(incubator=incubator, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(actor=founder, cohort=cohort, startup=startup, answers={})

    # then
    assert excinfo.value.messages == ["This cohort is not taking applications."]
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_after_applications_close_is_refused(incubator, owner, startup, founder):
    # given
    cohort = CohortFactory(incubator=incubator, applications_close_on=programme_today() - timedelta(days=1))

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(actor=founder, cohort=cohort, startup=startup, answers={})

    # then
    assert excinfo.value.messages == ["This cohort is not taking applications."]
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_on_the_closing_day_is_accepted(incubator, startup, founder):
    # given
    cohort = CohortFactory(incubator=incubator, applications_close_on=programme_today())

    # when
    application = services.application_submit(actor=founder, cohort=cohort, startup=startup, answers={})

    # then
    assert Application.objects.get() == application


@pytest.mark.parametrize("answer", [None, "", "   \n "])
def test_application_submit_without_a_required_answer_is_refused(cohort, owner, startup, founder, answer):
    # given
    product = ApplicationQuestionFactory(cohort=cohort, text="What do you build?")
    team = ApplicationQuestionFactory(cohort=cohort, text="Who is on the team?")
    answers = {str(team.pk): "Two engineers and a designer."}
    if answer is not None:
        answers[str(product.pk)] = answer

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(actor=founder, cohort=cohort, startup=startup, answers=answers)

    # then
    assert excinfo.value.message_dict == {f"question_{product.pk}": ["Please answer this question."]}
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_with_an_answer_over_3000_characters_is_refused(cohort, owner, startup, founder):
    # given
    product = ApplicationQuestionFactory(cohort=cohort, text="What do you build?")
    team = ApplicationQuestionFactory(cohort=cohort, text="Who is on the team?", required=False)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(
            actor=founder,
            cohort=cohort,
            startup=startup,
            answers={str(product.pk): "x" * 3000, str(team.pk): "y" * 3001},
        )

    # then
    assert excinfo.value.message_dict == {f"question_{team.pk}": ["Keep answers under 3,000 characters."]}
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_application_submit_with_an_answer_of_exactly_3000_characters_is_accepted(cohort, startup, founder):
    # given
    product = ApplicationQuestionFactory(cohort=cohort, text="What do you build?")

    # when
    application = services.application_submit(
        actor=founder, cohort=cohort, startup=startup, answers={str(product.pk): " " + "x" * 3000 + " "}
    )

    # then
    application.refresh_from_db()
    assert application.answers == {str(product.pk): "x" * 3000}


def test_application_submit_a_second_time_is_refused_and_changes_nothing(cohort, owner, reviewer, startup, founder):
    # given
    product = ApplicationQuestionFactory(cohort=cohort, text="What do you build?")
    first = services.application_submit(
        actor=founder, cohort=cohort, startup=startup, answers={str(product.pk): "Spare parts."}
    )
    before_row = application_row(first)
    before_counts = row_counts()
    before_trail = audit_trail()
    before_notifications = notifications()
    co_founder = member_of(startup, Membership.Role.ADMIN)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(
            actor=co_founder, cohort=cohort, startup=startup, answers={str(product.pk): "Something else."}
        )

    # then
    assert excinfo.value.messages == ["Daraz Lite has already applied to this cohort."]
    assert application_row(first) == before_row
    assert row_counts() == before_counts
    assert audit_trail() == before_trail
    assert notifications() == before_notifications


def test_application_submit_to_another_cohort_is_allowed(cohort, incubator, startup, founder, application):
    # given
    other = CohortFactory(incubator=incubator, name="Autumn 2027")

    # when
    second = services.application_submit(actor=founder, cohort=other, startup=startup, answers={})

    # then
    assert set(Application.objects.values_list("pk", "cohort_id")) == {
        (application.pk, cohort.pk),
        (second.pk, other.pk),
    }


# --- review_submit --------------------------------------------------------------------


def test_review_submit_stores_one_score_per_criterion(application, reviewer, criteria):
    # given
    team, market = criteria

    # when
    review = services.review_submit(
        reviewer=reviewer, application=application, scores={team.pk: 5, market.pk: 2}, comment="  Strong team.  "
    )

    # then
    review.refresh_from_db()
    assert review.application == application
    assert review.reviewer == reviewer
    assert review.comment == "Strong team."
    assert sorted(review.scores.values_list("criterion__name", "score")) == [("Market", 2), ("Team", 5)]
    assert audit_trail() == [("investments.review.submit", reviewer.pk)]
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == ("investments.review", str(review.pk))
    assert Notification.objects.count() == 0


def test_review_submit_ignores_scores_for_criteria_of_other_cohorts(application, reviewer, criteria):
    # given
    team, market = criteria
    elsewhere = RubricCriterionFactory(name="Elsewhere")

    # when
    review = services.review_submit(
        reviewer=reviewer, application=application, scores={team.pk: 4, market.pk: 4, elsewhere.pk: 1}
    )

    # then
    assert sorted(review.scores.values_list("criterion__name", "score")) == [("Market", 4), ("Team", 4)]


def test_review_submit_cuts_the_comment_to_3000_characters(application, reviewer, criteria):
    # given
    team, market = criteria

    # when
    review = services.review_submit(
        reviewer=reviewer, application=application, scores={team.pk: 3, market.pk: 3}, comment="c" * 3500
    )

    # then
    review.refresh_from_db()
    assert review.comment == "c" * 3000


def test_review_submit_by_someone_not_assigned_is_refused(application, owner, criteria):
    # given: even the incubator's owner only reviews when assigned
    team, market = criteria

    # when
    with pytest.raises(PermissionDenied):
        services.review_submit(reviewer=owner, application=application, scores={team.pk: 5, market.pk: 5})

    # then
    assert Review.objects.count() == 0
    assert ReviewScore.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_review_submit_by_a_reviewer_of_another_cohort_is_refused(application, criteria):
    # given
    team, market = criteria
    outsider = UserFactory()
    CohortFactory().reviewers.add(outsider)

    # when
    with pytest.raises(PermissionDenied):
        services.review_submit(reviewer=outsider, application=application, scores={team.pk: 5, market.pk: 5})

    # then
    assert Review.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_review_submit_without_every_criterion_is_refused(application, reviewer, criteria):
    # given
    team, _market = criteria

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 5})

    # then
    assert excinfo.value.messages == ["Score every criterion: Market."]
    assert Review.objects.count() == 0
    assert ReviewScore.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_review_submit_with_no_scores_names_every_criterion(application, reviewer, criteria):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.review_submit(reviewer=reviewer, application=application, scores={})

    # then
    assert excinfo.value.messages == ["Score every criterion: Team, Market."]
    assert Review.objects.count() == 0


@pytest.mark.parametrize("bad", [0, 6, -1, "3", 2.5, None, True, False])
def test_review_submit_with_a_score_outside_1_to_5_is_refused(application, reviewer, criteria, bad):
    # given
    team, market = criteria

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 3, market.pk: bad})

    # then
    assert excinfo.value.messages == ["Scores run from 1 to 5."]
    assert Review.objects.count() == 0
    assert ReviewScore.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("score", [1, 5])
def test_review_submit_accepts_the_ends_of_the_scale(application, reviewer, criteria, score):
    # given
    team, market = criteria

    # when
    review = services.review_submit(reviewer=reviewer, application=application, scores={team.pk: score, market.pk: 3})

    # then
    assert review.scores.get(criterion=team).score == score


def test_review_submit_twice_by_the_same_reviewer_is_refused(application, reviewer, criteria):
    # given
    team, market = criteria
    first = services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 5, market.pk: 5})
    before_counts = row_counts()
    before_trail = audit_trail()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 1, market.pk: 1})

    # then
    assert excinfo.value.messages == ["You have already scored this application."]
    assert row_counts() == before_counts
    assert audit_trail() == before_trail
    assert sorted(first.scores.values_list("score", flat=True)) == [5, 5]


def test_review_submit_by_two_reviewers_is_allowed(cohort, application, reviewer, criteria):
    # given
    team, market = criteria
    second_reviewer = UserFactory()
    cohort.reviewers.add(second_reviewer)
    services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 5, market.pk: 5})

    # when
    services.review_submit(reviewer=second_reviewer, application=application, scores={team.pk: 2, market.pk: 2})

    # then
    assert sorted(Review.objects.values_list("reviewer_id", flat=True)) == sorted([reviewer.pk, second_reviewer.pk])
    assert ReviewScore.objects.count() == 4


@pytest.mark.parametrize(
    "status", [Application.Status.ADMITTED, Application.Status.DECLINED, Application.Status.WITHDRAWN]
)
def test_review_submit_after_the_decision_is_refused(cohort, startup, reviewer, criteria, status):
    # given
    team, market = criteria
    application = ApplicationFactory(cohort=cohort, startup=startup, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.review_submit(reviewer=reviewer, application=application, scores={team.pk: 5, market.pk: 5})

    # then
    assert excinfo.value.messages == ["This application has been decided; reviews are closed."]
    assert Review.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- application_decide ---------------------------------------------------------------


def test_application_decide_admit_tells_every_member_of_the_startup(application, owner, startup, founder):
    # given
    co_founder = member_of(startup, Membership.Role.ADMIN)
    employee = member_of(startup, Membership.Role.MEMBER)
    member_of(OrganisationFactory(), Membership.Role.OWNER)  # someone else's startup hears nothing

    # when
    result = services.application_decide(
        actor=owner, application=application, admit=True, note="  Welcome aboard!  ", ip_address="203.0.113.7"
    )

    # then
    application.refresh_from_db()
    assert result == application
    assert application.status == Application.Status.ADMITTED
    assert application.decided_by == owner
    assert application.decided_at is not None
    assert application.decision_note == "Welcome aboard!"
    assert audit_trail() == [("investments.application.admit", owner.pk)]
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == ("investments.application", str(application.pk))
    assert entry.ip_address == "203.0.113.7"
    assert notifications() == sorted(
        [
            ("investments.application.decide", founder.pk),
            ("investments.application.decide", co_founder.pk),
            ("investments.application.decide", employee.pk),
        ]
    )
    assert set(Notification.objects.values_list("message", "url")) == {
        ("Daraz Lite was admitted to Spring 2027.", application.get_absolute_url())
    }


def test_application_decide_decline_tells_the_startup(application, owner, founder):
    # when
    services.application_decide(actor=owner, application=application, admit=False)

    # then
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decided_by == owner
    assert application.decision_note == ""
    assert audit_trail() == [("investments.application.decline", owner.pk)]
    assert notifications() == [("investments.application.decide", founder.pk)]
    assert Notification.objects.get().message == "Daraz Lite was not admitted to Spring 2027 this time."


def test_application_decide_by_an_admin_is_allowed(incubator, application, founder):
    # given
    admin = member_of(incubator, Membership.Role.ADMIN)

    # when
    services.application_decide(actor=admin, application=application, admit=True)

    # then
    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED
    assert audit_trail() == [("investments.application.admit", admin.pk)]


def test_application_decide_cuts_the_note_to_1000_characters(application, owner):
    # when
    services.application_decide(actor=owner, application=application, admit=False, note="n" * 1200)

    # then
    application.refresh_from_db()
    assert application.decision_note == "n" * 1000


@pytest.mark.parametrize("admit", [True, False])
def test_application_decide_twice_is_refused_and_changes_nothing(application, owner, founder, admit):
    # given
    services.application_decide(actor=owner, application=application, admit=True, note="Welcome.")
    before_row = application_row(application)
    before_counts = row_counts()
    before_trail = audit_trail()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_decide(actor=owner, application=application, admit=admit, note="Changed my mind.")

    # then
    assert excinfo.value.messages == ["This application has already been decided."]
    assert application_row(application) == before_row
    assert row_counts() == before_counts
    assert audit_trail() == before_trail


def test_application_decide_of_a_withdrawn_application_is_refused(cohort, startup, owner, founder):
    # given
    application = ApplicationFactory(cohort=cohort, startup=startup, status=Application.Status.WITHDRAWN)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.application_decide(actor=owner, application=application, admit=True)

    # then
    assert excinfo.value.messages == ["This application has already been decided."]
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("who", ["plain_member", "reviewer", "founder"])
def test_application_decide_by_a_non_manager_is_refused(request, application, who):
    # given
    actor = request.getfixturevalue(who)
    before = application_row(application)

    # when
    with pytest.raises(PermissionDenied):
        services.application_decide(actor=actor, application=application, admit=True)

    # then
    assert application_row(application) == before
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("field", ["status", "incubator", "created_by"])
def test_cohort_fields_outside_the_form_cannot_be_set(incubator, owner, cohort, field):
    # given
    before = (cohort.status, cohort.incubator_id)

    # when / then: status moves only through cohort_set_status
    with pytest.raises(ValidationError):
        services.cohort_update(actor=owner, cohort=cohort, data={field: "running"})
    with pytest.raises(ValidationError):
        services.cohort_create(
            actor=owner,
            incubator=incubator,
            data={
                "name": "X",
                "phase": "build",
                "starts_on": date(2027, 1, 1),
                "ends_on": date(2027, 2, 1),
                field: None,
            },
        )

    # then
    cohort.refresh_from_db()
    assert (cohort.status, cohort.incubator_id) == before
    assert Cohort.objects.filter(name="X").count() == 0
