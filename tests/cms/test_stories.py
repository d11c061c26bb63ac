"""Wagtail stories: page types, creation through the admin forms, rendering, moderation, feeds, sitemap,
and drafts offered to editors from real outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Workflow
from wagtail.rich_text import RichText
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import HomePage, StoryIndexPage, StoryPage
from network.models import Notification, Sector
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def index():
    return StoryIndexPage.objects.get()


def publish(index, title, **fields) -> StoryPage:
    story = StoryPage(title=title, standfirst=f"About {title}.", **fields)
    sectors = fields.pop("sectors", None)
    if sectors is not None:
        story.sectors = sectors
    index.add_child(instance=story)
    story.save_revision().publish()
    return story


def test_the_page_tree_allows_only_the_right_types():
    utils = WagtailTestUtils()

    assert HomePage.parent_page_types == ["wagtailcore.Page"]
    assert StoryIndexPage.allowed_subpage_models() == [StoryPage]
    assert StoryPage.allowed_parent_page_models() == [StoryIndexPage]
    assert StoryPage.allowed_subpage_models() == []
    assert not StoryPage.can_create_at(HomePage.objects.get())
    assert StoryPage.can_create_at(StoryIndexPage.objects.get())
    assert not StoryIndexPage.can_create_at(HomePage.objects.get())  # one index only
    assert utils  # the helpers import cleanly with this Wagtail


def test_the_site_root_is_the_home_page(client, index):
    publish(index, "Raqam Pay pays 540 freelancers", featured=True)

    page = client.get("/").content.decode()

    assert "Pakistan's tech diaspora, one introduction away" in page
    assert "Raqam Pay pays 540 freelancers" in page
    assert 'rel="canonical"' in page


def test_an_editor_creates_a_story_through_the_admin_form_and_submits_it_for_moderation(client_for, index):
    editor = ProfileFactory(display_name="Editor", user__mfa=True).user
    editor.groups.add(Group.objects.get(name="Editors"))
    client = client_for(editor)
    url = reverse("wagtailadmin_pages:add", args=["cms", "storypage", index.pk])
    data = nested_form_data(
        {
            "title": "Soch AI exports to Riyadh",
            "slug": "soch-ai-exports",
            "kind": "success",
            "standfirst": "Urdu speech AI finds Gulf customers.",
            "date": "2026-11-20",
            "author": "Editor",
            "hero_alt": "",
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>It began with a mentor in Dubai.</p>")),
                    ("key_figure", {"value": "USD 40,000", "label": "monthly exports", "source": "verified"}),
                    ("pull_quote", {"quote": "We found our market abroad.", "attribution": "A founder"}),
                ]
            ),
            "action-submit": "Submit to Moderators approval",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    story = StoryPage.objects.get(slug="soch-ai-exports")
    assert (story.live, story.current_workflow_state.status) == (False, "in_progress")
    assert [b.block_type for b in story.get_latest_revision_as_object().body] == [
        "paragraph",
        "key_figure",
        "pull_quote",
    ]


def test_a_reviewer_approves_and_the_story_goes_live_or_rejects_with_a_comment(index):
    editor, reviewer = ProfileFactory().user, ProfileFactory().user
    editor.groups.add(Group.objects.get(name="Editors"))
    reviewer.groups.add(Group.objects.get(name="Moderators"))
    workflow = Workflow.objects.get(name="Moderators approval")
    approved = StoryPage(title="Approved", standfirst="s", live=False)
    rejected = StoryPage(title="Rejected", standfirst="s", live=False)
    for story in (approved, rejected):
        index.add_child(instance=story)
        story.save_revision(user=editor)
        workflow.start(story, editor)

    approved.current_workflow_task_state.approve(user=reviewer)
    rejected.current_workflow_task_state.reject(user=reviewer, comment="Check the export figure.")

    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.live, rejected.live) == (True, False)
    assert rejected.workflow_states.get().status == "needs_changes"
    assert rejected.workflow_states.get().current_task_state.get_comment() == "Check the export figure."


def test_scheduled_publishing_waits_for_its_time(index):
    story = StoryPage(title="Later", standfirst="s", live=False)
    index.add_child(instance=story)
    story.go_live_at = timezone.now() + timedelta(hours=2)
    revision = story.save_revision()
    revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at == story.go_live_at
    assert StoryPage.objects.get(pk=story.pk).live is False

    from unittest import mock

    from django.core.management import call_command

    call_command("publish_scheduled")
    assert StoryPage.objects.get(pk=story.pk).live is False
    with mock.patch("django.utils.timezone.now", return_value=story.go_live_at + timedelta(minutes=1)):
        call_command("publish_scheduled")  # what the scheduler runs every minute

    assert StoryPage.objects.get(pk=story.pk).live is True


def test_a_search_within_a_sector_finds_the_sectors_stories(client, index, run_tasks):
    # given
    fintech = Sector.objects.get_or_create(slug="fintech", defaults={"name": "FinTech"})[0]
    publish(index, "Payroll exports soar", kind="success", sectors=[fintech])
    publish(index, "Textile exports soar", kind="success")
    run_tasks()  # Wagtail updates its search index in the background

    # when
    response = client.get(index.url, {"q": "exports", "sector": "fintech"})

    # then
    assert response.status_code == 200
    assert "Payroll exports soar" in response.content.decode()
    assert "Textile exports soar" not in response.content.decode()


def test_the_index_filters_by_kind_and_sector_and_paginates(client, index):
    fintech = Sector.objects.get_or_create(slug="fintech", defaults={"name": "FinTech"})[0]
    publish(index, "A fintech success", kind="success", sectors=[fintech])
    publish(index, "National news", kind="news")
    for n in range(13):
        publish(index, f"Nation story {n}", kind="nation", date=date(2026, 1, 1) + timedelta(days=n))

    by_kind = client.get(index.url, {"kind": "news"}).content.decode()
    by_sector = client.get(index.url, {"sector": "fintech"}).content.decode()
    second = client.get(index.url, {"kind": "nation", "page": "2"}).content.decode()

    assert "National news" in by_kind
    assert "A fintech success" not in by_kind
    assert "A fintech success" in by_sector
    assert "National news" not in by_sector
    assert "13 stories" in second
    assert "Page 2 of 2" in second


def test_search_finds_stories_by_their_standfirst(client, index, run_tasks):
    publish(index, "Dukaan OS in Dubai")
    publish(index, "Something else")
    run_tasks()  # Wagtail updates its search index in the background

    page = client.get(index.url, {"q": "Dukaan"}).content.decode()

    assert "Dukaan OS in Dubai" in page
    assert "Something else" not in page


def test_rss_atom_and_sitemap_are_valid_xml_with_the_live_stories(client, index):
    publish(index, "Published story")
    draft = StoryPage(title="Draft story", standfirst="s", live=False)
    index.add_child(instance=draft)

    rss = ElementTree.fromstring(client.get(index.url + "feed/").content)
    atom = ElementTree.fromstring(client.get(index.url + "atom/").content)
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").content)

    assert [item.findtext("title") for item in rss.iter("item")] == ["Published story"]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)] == ["Published story"]
    locations = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(loc.endswith("/stories/published-story/") for loc in locations)
    assert not any("draft-story" in loc for loc in locations)


def test_a_story_page_carries_open_graph_metadata(client, index):
    story = publish(index, "Raqam Pay pays freelancers", author="Nadia", body=[("paragraph", RichText("<p>Hi</p>"))])

    page = client.get(story.url).content.decode()

    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Raqam Pay pays freelancers">' in page
    assert f'<link rel="canonical" href="{story.full_url}">' in page
    assert "by Nadia" in page


def test_the_index_query_count_is_constant(client, index):
    publish(index, "One")
    client.get(index.url)
    with CaptureQueriesContext(connection) as few:
        client.get(index.url)
    for n in range(8):
        publish(index, f"More {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(index.url)

    assert len(few) == len(many)


# --- From outcome to story -------------------------------------------------------------


def test_a_verified_milestone_offers_editors_a_draft_once(django_capture_on_commit_callbacks):
    from investments import services
    from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory, make_milestone
    from tests.network.factories import MembershipFactory, OrganisationFactory

    editor = ProfileFactory().user
    editor.groups.add(Group.objects.get(name="Editors"))
    incubator = IncubatorFactory(name="NIC Lahore")
    manager = ProfileFactory().user
    MembershipFactory(organisation=incubator, user=manager, role="owner")
    startup = OrganisationFactory(name="Raqam Pay")
    founder = ProfileFactory().user
    MembershipFactory(organisation=startup, user=founder, role="owner")
    cohort = CohortFactory(incubator=incubator)
    ApplicationFactory(cohort=cohort, startup=startup, status="admitted")
    setting = type("S", (), {"manager": manager, "cohort": cohort, "startup": startup})
    milestone = make_milestone(setting)
    services.evidence_submit(actor=founder, milestone=milestone, value=Decimal(1040))

    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_verify(actor=manager, milestone=milestone)

    story = StoryPage.objects.get(source_key=f"milestone:{milestone.pk}")
    assert (story.live, story.title) == (False, "Raqam Pay reaches “1,000 paying users”")
    assert [b.value["value"] for b in story.body if b.block_type == "key_figure"] == ["1,040"]
    assert list(story.startups.all()) == [startup]
    note = Notification.objects.get(recipient=editor, kind="cms.story.draft")
    assert note.url == reverse("wagtailadmin_pages:edit", args=[story.pk])
    assert note.message == "A new story is waiting to be written: Raqam Pay reaches “1,000 paying users”."

    from cms.stories import on_milestone_verified

    on_milestone_verified(sender=None, milestone=milestone)
    assert StoryPage.objects.filter(source_key=f"milestone:{milestone.pk}").count() == 1
    assert Page.objects.filter(title__startswith="Raqam Pay reaches").count() == 1


@pytest.mark.parametrize(
    ("ratings", "consents", "drafted"),
    [((5, 4), (True, True), True), ((5, 3), (True, True), False), ((5, 5), (True, False), False)],
)
def test_a_session_both_sides_loved_and_agreed_to_share_offers_a_draft(
    django_capture_on_commit_callbacks, ratings, consents, drafted
):
    from mentorship import services
    from mentorship.models import Booking
    from tests.mentorship.factories import BookingFactory

    held = BookingFactory(status=Booking.Status.COMPLETED)
    sides = [held.mentee, held.mentor.user]
    with django_capture_on_commit_callbacks(execute=True):
        for author, rating, consent in zip(sides, ratings, consents, strict=True):
            services.feedback_submit(author=author, booking=held, rating=rating, may_feature=consent)

    stories = StoryPage.objects.filter(source_key=f"session:{held.pk}")
    assert stories.exists() is drafted
    if drafted:
        assert list(stories.get().mentors.all()) == [held.mentor]
        assert stories.get().live is False


def test_a_closed_round_offers_a_draft_with_the_committed_total(django_capture_on_commit_callbacks):
    from investments import services
    from investments.models import Interest, Pitch
    from tests.investments.factories import IncubatorFactory
    from tests.network.factories import MembershipFactory, OrganisationFactory

    incubator = IncubatorFactory(name="NIC Lahore")
    manager = ProfileFactory().user
    MembershipFactory(organisation=incubator, user=manager, role="owner")
    startup = OrganisationFactory(name="Raqam Pay")
    founder = ProfileFactory().user
    MembershipFactory(organisation=startup, user=founder, role="owner")
    pitch = Pitch.objects.create(
        startup=startup, incubator=incubator, status="ready", one_liner="Payroll", ask_amount=250000,
        instrument="safe", currency="USD",
    )  # fmt: skip
    Interest.objects.create(
        pitch=pitch, investor=ProfileFactory().user, stage="committed", amount=60000, terms_version=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.pitch_transition(actor=founder, pitch=pitch, action="close")

    story = StoryPage.objects.get(source_key=f"pitch:{pitch.pk}")
    assert [b.value["value"] for b in story.body if b.block_type == "key_figure"] == ["60,000 USD", "1"]


def test_an_editor_can_view_an_old_revision_of_a_story_that_names_mentors(index, admin_client_mfa):
    # given: a published story about a mentor (a revision keeps the mentors as a list, not a query)
    from tests.mentorship.factories import MentorFactory

    mentor = MentorFactory()
    story = publish(index, "Payroll for freelancers", mentors=[mentor])
    revision = story.latest_revision

    # when
    response = admin_client_mfa.get(f"/editors/pages/{story.pk}/revisions/{revision.pk}/view/")

    # then
    assert response.status_code == 200
    assert mentor.user.profile.display_name in response.content.decode()
