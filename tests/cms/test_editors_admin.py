"""The Wagtail admin as editors see it: its own Content-Security-Policy (the site's, plus a nonce for
Wagtail's inline start-up scripts and the styles its scripts create), members named by their profile,
pictures from the site and never from Gravatar."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.admin.utils import get_user_display_name

from cms.models import StoryIndexPage
from network.models import Profile
from tests.network.factories import ProfileFactory, image_upload
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db

SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
    "manifest-src 'self'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", re.S)


@pytest.fixture
def editor():
    user = ProfileFactory(display_name="Nadia Editor", user__mfa=True).user
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_the_story_editor_nonces_wagtails_inline_scripts_and_nothing_else_changes(client, editor):
    # given
    sign_in(client, editor)
    index = StoryIndexPage.objects.get()

    # when
    response = client.get(f"/editors/pages/add/cms/storypage/{index.pk}/")

    # then: the policy is the site's but for one nonce, in script-src and style-src
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)';", policy).group(1)
    assert policy == SITE_POLICY.replace(
        "script-src 'self'; style-src 'self'", f"script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'"
    )
    # and every inline script on the page is Wagtail's, with that nonce: the image chooser, the
    # story's date, go-live and expiry pickers, and the script that lets Draftail create styles
    html = response.content.decode()
    scripts = INLINE_SCRIPT.findall(html)
    assert len(scripts) == 4
    assert all(attributes.strip() == f'nonce="{nonce}"' for attributes in scripts)
    assert f'<script src="/static/js/editors_csp.js" nonce="{nonce}">' in html
    starts = ('new ImageChooser("id_hero_image"', 'initDateChooser("id_date"', 'initDateTimeChooser("id_go_live_at"')
    for start in starts:
        assert f'<script nonce="{nonce}">{start}' in html.replace("\n", "")


def test_each_admin_response_has_its_own_nonce(client, editor):
    sign_in(client, editor)
    index = StoryIndexPage.objects.get()

    first = client.get(f"/editors/pages/{index.pk}/").headers["Content-Security-Policy"]
    second = client.get(f"/editors/pages/{index.pk}/").headers["Content-Security-Policy"]

    assert "'nonce-" in first
    assert first != second


@pytest.mark.parametrize("path", ["/", "/stories/", "/accounts/login/"])
def test_the_public_site_keeps_its_policy_without_a_nonce(client, path):
    response = client.get(path)

    assert response.headers["Content-Security-Policy"] == SITE_POLICY


def test_the_django_admin_keeps_the_sites_policy(admin_client_mfa):
    response = admin_client_mfa.get("/admin/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == SITE_POLICY
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


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
