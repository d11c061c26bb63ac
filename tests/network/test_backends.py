"""The site's authentication backends (network/backends.py): the member and their profile in one
query, and sessions signed in under Django's and allauth's paths kept by migration 0016."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

migration = import_module("network.migrations.0016_sessions_signed_in_by_the_site_backends")
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def _session(user, backend: str) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session


def test_a_signed_in_request_loads_the_member_and_their_profile_in_one_query(member, django_assert_num_queries):
    # given
    request = RequestFactory().get("/")
    request.session = SessionStore(_session(member, "network.backends.AuthenticationBackend").session_key)
    request.session.load()

    # when, then
    with django_assert_num_queries(1):
        user = get_user(request)
        assert user.profile.timezone == member.profile.timezone


def test_signing_in_with_a_password_records_the_site_backend(client, member, password):
    # when
    client.post(reverse("account_login"), {"login": member.email, "password": password})

    # then
    assert client.session[BACKEND_SESSION_KEY].startswith("network.backends.")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("django.contrib.auth.backends.ModelBackend", "network.backends.ModelBackend"),
        ("allauth.account.auth_backends.AuthenticationBackend", "network.backends.AuthenticationBackend"),
    ],
)
def test_a_session_signed_in_under_the_old_paths_stays_signed_in_after_the_migration(client, member, old, new):
    # given: a session made under the old path, read once so the cache holds its copy
    session = _session(member, old)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get(reverse("network:dashboard")).status_code == 302  # the old path is no longer listed

    # when
    migration.forwards(apps, None)

    # then
    assert client.get(reverse("network:dashboard")).status_code == 200
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == new


def test_the_migration_backwards_restores_the_old_paths(member):
    # given
    session = _session(member, "network.backends.ModelBackend")

    # when
    migration.backwards(apps, None)

    # then
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
