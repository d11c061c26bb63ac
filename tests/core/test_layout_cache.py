"""The layout's fragments kept in each process (core/layout_cache.py): what they hold is the same for
everyone they are shown to, and what differs per member stays outside them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.urls import reverse

from core import layout_cache
from network.models import Notification
from tests.mentorship.factories import MentorFactory

pytestmark = pytest.mark.django_db

MENTORING = f'href="{reverse("mentorship:mentor-dashboard")}"'


def _csrf_in_sign_out_form(html: str) -> str:
    form = html[html.index(f'action="{reverse("account_logout")}"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_a_mentor_and_a_member_each_see_their_own_menu_whoever_came_first(client_for, member):
    # given: a member's page made first, then a mentor's, then the member's again
    mentor = MentorFactory().user
    member_client, mentor_client = client_for(member), client_for(mentor)

    # when
    first = member_client.get(reverse("mentorship:booking-list")).content.decode()
    mentors = mentor_client.get(reverse("mentorship:booking-list")).content.decode()
    again = member_client.get(reverse("mentorship:booking-list")).content.decode()

    # then
    assert MENTORING not in first
    assert MENTORING in mentors
    assert MENTORING not in again
    for is_mentor in (False, True):  # the menu was kept once for each, not made each time
        assert caches[layout_cache.ALIAS].get(make_template_fragment_key("layout-member-menu", ["en", is_mentor]))


def test_each_session_gets_its_own_csrf_token_and_unread_count(client_for, member, other_member):
    # given: one unread notification for the other member only
    Notification.objects.create(recipient=other_member, kind="test", message="Hello")
    member_client, other_client = client_for(member), client_for(other_member)
    member_client.get(reverse("network:dashboard"))  # the member's page fills the cache first

    # when
    mine = member_client.get(reverse("network:dashboard")).content.decode()
    theirs = other_client.get(reverse("network:dashboard")).content.decode()

    # then
    assert _csrf_in_sign_out_form(mine) != _csrf_in_sign_out_form(theirs)
    assert 'class="badge">1<' not in mine
    assert 'class="badge">1<' in theirs


def test_a_changed_template_or_catalogue_empties_the_cache_and_a_changed_module_does_not():
    # given
    cache = caches[layout_cache.ALIAS]
    cache.set("fragment", "kept")

    # when: Python code changed (the development server restarts the process for that)
    layout_cache.clear_when_files_change(sender=None, file_path=Path("network/views.py"))
    kept = cache.get("fragment")
    layout_cache.clear_when_files_change(sender=None, file_path=Path("templates/base.html"))

    # then
    assert kept == "kept"
    assert cache.get("fragment") is None
