"""Members choose whether their profile is public; members-only profiles (and their photos) are for
signed-in members. Every door that shows a member to visitors follows the choice."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import TestCase
from django.urls import reverse

from cms.models import StoryIndexPage, StoryPage
from mentorship.services import mentor_become
from network.models import Membership, Profile
from network.services import profile_update
from tests.mentorship.factories import MentorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory, image_upload

pytestmark = pytest.mark.django_db

NAME = "Hina Baig"


@pytest.fixture
def owner(media_root):
    """A member with a photo and a members-only profile (the default for everyone but mentors)."""
    profile = ProfileFactory(display_name=NAME)
    profile_update(profile=profile, data={}, photo=image_upload())
    assert profile.visibility == Profile.Visibility.MEMBERS
    return profile.user


@pytest.fixture
def staff(db):
    return ProfileFactory(user__is_staff=True, user__mfa=True).user


def make_public(user) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        profile_update(profile=Profile.objects.get(user=user), data={"visibility": Profile.Visibility.PUBLIC})


def make_private(user) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        profile_update(profile=Profile.objects.get(user=user), data={"visibility": Profile.Visibility.MEMBERS})


# --- The ladder: visitor / other member / owner / staff ------------------------------------


def test_a_members_only_profile_is_not_found_for_visitors_and_shown_to_members(
    client, client_for, owner, other_member, staff
):
    url = reverse("network:member-detail", args=[owner.pk])

    assert client.get(url).status_code == 404
    for viewer in (other_member, owner, staff):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        assert NAME in response.content.decode()


def test_a_members_only_photo_is_not_found_for_visitors_and_private_for_members(
    client, client_for, owner, other_member, staff
):
    url = reverse("network:member-photo", args=[owner.pk])

    assert client.get(url).status_code == 404
    for viewer in (other_member, owner, staff):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, max-age=3600"


def test_a_public_profile_and_its_photo_are_for_everyone(client, client_for, owner, other_member):
    make_public(owner)

    assert NAME in client.get(reverse("network:member-detail", args=[owner.pk])).content.decode()
    photo = client.get(reverse("network:member-photo", args=[owner.pk]))
    assert photo.status_code == 200
    assert photo["Cache-Control"] == "public, max-age=3600"
    assert client_for(other_member).get(reverse("network:member-photo", args=[owner.pk])).status_code == 200


def test_going_private_takes_the_cached_visitor_page_down_at_once(client, owner):
    make_public(owner)
    url = reverse("network:member-detail", args=[owner.pk])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    make_private(owner)

    assert client.get(url).status_code == 404
    assert client.get(reverse("network:member-photo", args=[owner.pk])).status_code == 404


def test_the_profile_form_offers_the_choice_and_explains_it(client_for, owner):
    page = client_for(owner).get(reverse("network:profile-edit")).content.decode()

    assert 'name="visibility"' in page
    assert "Everyone, including visitors who are not signed in" in page
    assert "Only signed-in Rabta members" in page
    assert "A members-only profile is shown only to people signed in to Rabta" in page


def test_saving_the_form_changes_the_visibility(client_for, owner):
    client = client_for(owner)
    form = client.get(reverse("network:profile-edit")).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "") and name != "photo"}
    data.update({"display_name": NAME, "visibility": "public", "timezone": "Asia/Karachi", "country": "PK"})
    data.pop("sectors", None)
    data.pop("languages", None)

    response = client.post(reverse("network:profile-edit"), data)

    assert response.status_code == 302
    assert Profile.objects.get(user=owner).visibility == "public"


# --- Organisations, mentors, stories -------------------------------------------------------


def test_an_organisation_page_lists_members_only_profiles_to_members_only(client, client_for, owner, other_member):
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    MembershipFactory(organisation=startup, user=owner, role=Membership.Role.OWNER)
    url = reverse("network:organisation-detail", args=[startup.slug])

    assert NAME not in client.get(url).content.decode()
    assert NAME in client_for(other_member).get(url).content.decode()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    make_public(owner)

    assert NAME in client.get(url).content.decode()


def test_visitors_see_only_public_mentors(client, client_for, other_member):
    public = MentorFactory(user=ProfileFactory(display_name="Public Mentor", is_mentor=True, visibility="public").user)
    private = MentorFactory(user=ProfileFactory(display_name="Private Mentor", is_mentor=True).user)

    visitors = client.get(reverse("mentorship:mentor-list")).content.decode()
    members = client_for(other_member).get(reverse("mentorship:mentor-list")).content.decode()

    assert "Public Mentor" in visitors
    assert "Private Mentor" not in visitors
    assert "Public Mentor" in members
    assert "Private Mentor" in members
    assert client.get(reverse("mentorship:mentor-detail", args=[private.pk])).status_code == 404
    assert client.get(reverse("mentorship:mentor-detail", args=[public.pk])).status_code == 200
    assert client_for(other_member).get(reverse("mentorship:mentor-detail", args=[private.pk])).status_code == 200


def test_a_story_names_a_members_only_mentor_to_members_only(client, client_for, other_member):
    mentor = MentorFactory(user=ProfileFactory(display_name=NAME, is_mentor=True, visibility="public").user)
    story = StoryPage(title="Across time zones", standfirst="A mentor and a founder.")
    story.mentors = [mentor]
    StoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    assert NAME in client.get(story.url).content.decode()
    assert client.get(story.url)["X-Page-Cache"] == "hit"

    make_private(mentor.user)

    assert NAME not in client.get(story.url).content.decode()
    assert NAME in client_for(other_member).get(story.url).content.decode()


def test_the_sitemap_lists_no_member(client, owner):
    make_public(owner)

    sitemap = client.get("/sitemap.xml").content.decode()

    assert "/members/" not in sitemap
    assert "/mentors/" not in sitemap


# --- Defaults --------------------------------------------------------------------------------


def test_becoming_a_mentor_makes_the_profile_public_unless_the_member_says_no(member, other_member):
    mentor_become(user=member, timezone_name="Europe/London")
    mentor_become(user=other_member, timezone_name="Europe/London", public_profile=False)

    assert Profile.objects.get(user=member).visibility == "public"
    assert Profile.objects.get(user=other_member).visibility == "members"


def test_the_data_migration_makes_existing_mentors_public_and_everyone_else_members_only(db):
    mentor = ProfileFactory(is_mentor=True, visibility="members")
    founder = ProfileFactory(is_mentor=False, visibility="public")
    migration = importlib.import_module("network.migrations.0008_profile_visibility_existing")

    migration.set_visibility(apps, None)

    assert Profile.objects.get(pk=mentor.pk).visibility == "public"
    assert Profile.objects.get(pk=founder.pk).visibility == "members"
