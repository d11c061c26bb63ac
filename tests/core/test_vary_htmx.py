"""A URL that answers htmx with a fragment and a navigation with a page says so (Vary: HX-Request), so
the browser's cache never hands the fragment back to Back or a reload; other pages do not vary."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.mentorship.test_views import world  # noqa: F401 - the mentor with hours
from tests.network.test_directory import directory  # noqa: F401 - members to find

pytestmark = pytest.mark.django_db

COMMA = re.compile(r"\s*,\s*")


def _vary(response) -> set[str]:
    return {value.strip().lower() for value in COMMA.split(response.get("Vary", "")) if value}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_directory_varies_on_hx_request(client_for, directory, htmx):  # noqa: F811
    headers = {"HX-Request": "true"} if htmx else {}

    response = client_for(directory).get("/members/", {"role": "mentor"}, headers=headers)

    assert response.status_code == 200
    assert "hx-request" in _vary(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_mentor_week_picker_varies_on_hx_request(world, htmx):  # noqa: F811
    headers = {"HX-Request": "true"} if htmx else {}

    response = Client().get(f"/mentors/{world.mentor.pk}/", {"week": 1}, headers=headers)

    assert response.status_code == 200
    assert "hx-request" in _vary(response)


def test_a_page_that_never_looks_at_htmx_does_not_vary_on_it():
    response = Client().get("/impact/")

    assert response.status_code == 200
    assert "hx-request" not in _vary(response)
