"""The Wagtail admin as editors see it: members named by their profile, pictures from the site and
never from Gravatar."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.admin.utils import get_user_display_name

from network.models import Profile
from tests.network.factories import ProfileFactory, image_upload
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = ProfileFactory(display_name="Nadia Editor", user__mfa=True).user
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_members_are_named_by_their_profile(editor):
    assert editor.get_full_name() == "Nadia Editor"
    assert editor.get_short_name() == "Nadia Editor"
    assert get_user_display_name(editor) == "Nadia Editor"


def test_the_admin_shows_the_editors_name_and_no_gravatar(client, editor):
    sign_in(client, editor)

    html = client.get("/editors/").content.decode()

    assert "Nadia Editor" in html
    assert "None None" not in html
    assert "gravatar" not in html.lower()
    assert "/static/wagtailadmin/images/default-user-avatar.png" in html


def test_an_editor_with_a_photo_is_pictured_by_it(client, editor, media_root):
    # given
    profile = Profile.objects.get(user=editor)
    profile.photo.save("nadia.png", ContentFile(image_upload().read()), save=True)
    sign_in(client, editor)

    # when
    html = client.get("/editors/").content.decode()

    # then: the site's own photo address, which answers the editor
    assert f'src="/members/{editor.pk}/photo/"' in html
    assert "default-user-avatar" not in html
    assert client.get(f"/members/{editor.pk}/photo/").status_code == 200
