"""The access ladder on every investments page, bad input, and query counts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from investments import urls
from investments.models import Application, ApplicationQuestion, Cohort, Review, ReviewScore, RubricCriterion
from network.models import AuditEntry, Membership
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory, RubricCriterionFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "cohorts": sorted(Cohort.objects.values_list("pk", "name", "status")),
        "questions": ApplicationQuestion.objects.count(),
        "criteria": RubricCriterion.objects.count(),
        "applications": sorted(Application.objects.values_list("pk", "status")),
        "reviews": Review.objects.count(),
        "scores": ReviewScore.objects.count(),
        "reviewers": sorted(Cohort.reviewers.through.objects.values_list("cohort_id", "user_id")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def world():
    """NIC Lahore runs an open cohort; Raqam Pay applied; another incubator and another startup look on."""
    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    manager = ProfileFactory(display_name="Manager").user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    staff_member = ProfileFactory(display_name="Staff member").user
    MembershipFactory(organisation=incubator, user=staff_member, role=Membership.Role.MEMBER)
    reviewer = ProfileFactory(display_name="Reviewer").user
    cohort = CohortFactory(incubator=incubator, name="Export Builders")
    criterion = RubricCriterionFactory(cohort=cohort, name="Team")
    cohort.reviewers.add(reviewer)
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    founder = ProfileFactory(display_name="Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    application = ApplicationFactory(cohort=cohort, startup=startup, submitted_by=founder)
    other_incubator = IncubatorFactory(name="Peshawar Foundry", slug="peshawar-foundry")
    other_manager = ProfileFactory(display_name="Other manager").user
    MembershipFactory(organisation=other_incubator, user=other_manager, role=Membership.Role.OWNER)
    other_startup = OrganisationFactory(name="Khet Kahani", slug="khet-kahani")
    other_founder = ProfileFactory(display_name="Other founder").user
    MembershipFactory(organisation=other_startup, user=other_founder, role=Membership.Role.OWNER)
    draft = CohortFactory(incubator=incubator, name="Draft cohort", status=Cohort.Status.DRAFT)
    return SimpleNamespace(**locals())


NEW_COHORT = {"name": "Hack", "phase": "build", "starts_on": "2027-01-01", "ends_on": "2027-02-01"}

# (method, url name, arguments, data)
PAGES = [
    ("get", "investments:cohort-create", lambda w: [w.incubator.slug], None),
    ("post", "investments:cohort-create", lambda w: [w.incubator.slug], NEW_COHORT),
    ("get", "investments:cohort-manage", lambda w: [w.cohort.pk], None),
    ("post", "investments:cohort-manage", lambda w: [w.cohort.pk], {"kind": "status", "status": "running"}),
    ("get", "investments:application-detail", lambda w: [w.application.pk], None),
    ("post", "investments:review-create", lambda w: [w.application.pk], {"criterion_0": "5"}),
    ("post", "investments:application-decide", lambda w: [w.application.pk], {"decision": "admit"}),
    ("get", "investments:application-create", lambda w: [w.cohort.pk], None),
    ("post", "investments:application-create", lambda w: [w.cohort.pk], {"startup": "0"}),
    ("get", "investments:enrolment-detail", lambda w: [w.cohort.pk, w.startup.slug], None),
    ("post", "investments:enrolment-detail", lambda w: [w.cohort.pk, w.startup.slug], {"kind": "tranche"}),
    ("get", "investments:evidence-file", lambda w: [999999], None),
    ("get", "investments:pitch-create", lambda w: [w.startup.slug], None),
    ("get", "investments:pitch-detail", lambda w: [999999], None),
    ("get", "investments:pitch-edit", lambda w: [999999], None),
    ("post", "investments:pitch-action", lambda w: [999999], {"action": "submit"}),
    ("get", "investments:pitch-deck", lambda w: [999999], None),
]  # fmt: skip
# The incubator dashboard sends anyone but the incubator's staff to its public page (test_open_calls).
PUBLIC = ["investments:cohort-detail", "investments:open-calls", "investments:incubator-dashboard"]


def test_the_ladder_covers_every_url():
    names = {f"investments:{p.name}" for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert {name for _m, name, _a, _d in PAGES} | set(PUBLIC) == names


@pytest.mark.parametrize(("method", "name", "args", "data"), PAGES, ids=[f"{m}-{n}" for m, n, _a, _d in PAGES])
def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_changes(client, world, method, name, args, data):
    before = snapshot()
    path = reverse(name, args=args(world))

    response = client.get(path) if method == "get" else client.post(path, data)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert snapshot() == before


STAFF_ONLY = [row for row in PAGES if row[1] not in ("investments:application-create",)]


@pytest.mark.parametrize("outsider", ["other_manager", "other_founder"])
@pytest.mark.parametrize(
    ("method", "name", "args", "data"), STAFF_ONLY, ids=[f"{m}-{n}" for m, n, _a, _d in STAFF_ONLY]
)
def test_another_incubator_or_startup_sees_nothing_and_changes_nothing(
    client_for, world, outsider, method, name, args, data
):
    # given
    client = client_for(getattr(world, outsider))
    before = snapshot()
    path = reverse(name, args=args(world))

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    [
        ("get", "investments:cohort-create", lambda w: [w.incubator.slug], None),
        ("get", "investments:cohort-manage", lambda w: [w.cohort.pk], None),
        ("post", "investments:cohort-manage", lambda w: [w.cohort.pk], {"kind": "status", "status": "running"}),
        ("post", "investments:application-decide", lambda w: [w.application.pk], {"decision": "admit"}),
    ],
    ids=["get-cohort-create", "get-cohort-manage", "post-cohort-manage", "post-decide"],
)
def test_a_plain_incubator_member_cannot_manage(client_for, world, method, name, args, data):
    client = client_for(world.staff_member)
    before = snapshot()
    path = reverse(name, args=args(world))

    response = client.get(path) if method == "get" else client.post(path, data)

    assert response.status_code == 403
    assert snapshot() == before


def test_a_draft_cohort_is_hidden_from_outsiders(client, client_for, world):
    path = reverse("investments:cohort-detail", args=[world.draft.pk])

    assert client.get(path).status_code == 404
    assert client_for(world.other_founder).get(path).status_code == 404
    assert client_for(world.staff_member).get(path).status_code == 200


def test_the_right_people_see_the_application(client_for, world):
    path = reverse("investments:application-detail", args=[world.application.pk])
    for user in (world.manager, world.staff_member, world.reviewer, world.founder):
        assert client_for(user).get(path).status_code == 200


def test_the_startup_does_not_see_reviews(client_for, world):
    # given: the only reviewer has scored, so scores are revealed to staff
    review = Review.objects.create(application=world.application, reviewer=world.reviewer, comment="Secret view")
    ReviewScore.objects.create(review=review, criterion=world.criterion, score=2)

    founder_html = (
        client_for(world.founder)
        .get(reverse("investments:application-detail", args=[world.application.pk]))
        .content.decode()
    )
    manager_html = (
        client_for(world.manager)
        .get(reverse("investments:application-detail", args=[world.application.pk]))
        .content.decode()
    )

    assert "Secret view" not in founder_html
    assert "Secret view" in manager_html


def test_bad_cohort_dates_are_refused_with_a_message(client_for, world):
    before = snapshot()

    response = client_for(world.manager).post(
        reverse("investments:cohort-create", args=[world.incubator.slug]),
        {"name": "Backwards", "phase": "build", "starts_on": "2027-05-01", "ends_on": "2027-01-01"},
    )

    assert response.status_code == 200
    assert "The cohort must end after it starts." in response.content.decode()
    assert Cohort.objects.filter(name="Backwards").count() == 0
    assert snapshot() == before


def test_an_application_without_required_answers_is_refused(client_for, world):
    # given: a question on a second cohort the founder's startup has not applied to
    cohort = CohortFactory(incubator=world.incubator, name="Second")
    ApplicationQuestion.objects.create(cohort=cohort, text="What problem do you solve?")
    before = snapshot()

    # when
    response = client_for(world.founder).post(
        reverse("investments:application-create", args=[cohort.pk]), {"startup": world.startup.pk}
    )

    # then
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert snapshot() == before


def test_the_cohort_page_query_count_is_constant(client_for, world):
    client = client_for(world.manager)
    path = reverse("investments:cohort-detail", args=[world.cohort.pk])
    review = Review.objects.create(application=world.application, reviewer=world.reviewer)
    ReviewScore.objects.create(review=review, criterion=world.criterion, score=3)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(10):
        application = ApplicationFactory(cohort=world.cohort)
        review = Review.objects.create(application=application, reviewer=world.reviewer)
        ReviewScore.objects.create(review=review, criterion=world.criterion, score=1 + n % 5)
    with CaptureQueriesContext(connection) as many:
        client.get(path)

    assert len(few) == len(many)


def test_the_incubator_dashboard_query_count_is_constant(client_for, world):
    client = client_for(world.manager)
    path = reverse("investments:incubator-dashboard", args=[world.incubator.slug])
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for _ in range(8):
        CohortFactory(incubator=world.incubator)
    with CaptureQueriesContext(connection) as many:
        client.get(path)

    assert len(few) == len(many)


# --- The right people succeed ----------------------------------------------------------


def test_a_manager_creates_and_prepares_a_cohort(client_for, world):
    client = client_for(world.manager)

    response = client.post(
        reverse("investments:cohort-create", args=[world.incubator.slug]),
        {"name": "AI Exporters", "phase": "build", "starts_on": "2027-02-01", "ends_on": "2027-07-31"},
    )
    cohort = Cohort.objects.get(name="AI Exporters")
    manage = reverse("investments:cohort-manage", args=[cohort.pk])
    client.post(manage, {"kind": "question", "question-text": "Traction?", "question-required": "on"})
    client.post(manage, {"kind": "criterion", "criterion-name": "Team", "criterion-weight": "2"})
    client.post(manage, {"kind": "reviewer", "reviewer-email": world.reviewer.email})
    client.post(manage, {"kind": "status", "status": "open"})

    assert response.status_code == 302
    assert response["Location"] == manage
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.OPEN
    assert list(cohort.questions.values_list("text", flat=True)) == ["Traction?"]
    assert list(cohort.criteria.values_list("name", "weight")) == [("Team", 2)]
    assert list(cohort.reviewers.all()) == [world.reviewer]


def test_a_founder_applies_a_reviewer_scores_and_the_manager_admits(client_for, world):
    # given: a second open cohort
    cohort = CohortFactory(incubator=world.incubator, name="Second")
    criterion = RubricCriterionFactory(cohort=cohort, name="Market")
    cohort.reviewers.add(world.reviewer)

    # when
    applied = client_for(world.founder).post(
        reverse("investments:application-create", args=[cohort.pk]), {"startup": world.startup.pk}
    )
    application = Application.objects.get(cohort=cohort)
    reviewed = client_for(world.reviewer).post(
        reverse("investments:review-create", args=[application.pk]), {f"criterion_{criterion.pk}": "4"}
    )
    decided = client_for(world.manager).post(
        reverse("investments:application-decide", args=[application.pk]), {"decision": "admit", "note": "Welcome!"}
    )

    # then
    assert applied.status_code == reviewed.status_code == decided.status_code == 302
    assert list(ReviewScore.objects.filter(review__application=application).values_list("score", flat=True)) == [4]
    application.refresh_from_db()
    assert (application.status, application.decision_note) == (Application.Status.ADMITTED, "Welcome!")
