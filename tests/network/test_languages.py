"""Only languages with a translation are offered: a browser set to one without gets English, left to right."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_site_offers_english_only_until_another_catalogue_exists():
    assert [code for code, _ in settings.LANGUAGES] == ["en"]


@pytest.mark.parametrize(
    ("header", "cookie"),
    [
        pytest.param("ur", None, id="accept-language"),
        pytest.param("ur-PK,ur;q=0.9", None, id="accept-language-region"),
        pytest.param("", "ur", id="language-cookie"),
    ],
)
def test_a_phone_set_to_urdu_gets_english_laid_out_left_to_right(header, cookie):
    # given
    client = Client(headers={"accept-language": header} if header else {})
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    # when
    response = client.get("/mentors/")

    # then
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert b'<html lang="en" dir="ltr">' in response.content
    assert b'dir="rtl"' not in response.content
