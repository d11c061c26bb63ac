"""``link_urls``: a member's plain text, escaped, with only its http(s) addresses made links."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from network.templatetags.text_links import link_urls

REL = 'rel="nofollow noopener noreferrer"'


def test_an_address_becomes_a_link_without_the_full_stop_after_it():
    # when
    html = link_urls("See https://example.com/deck?a=1&b=2.")

    # then
    assert html == (
        f'See <a href="https://example.com/deck?a=1&amp;b=2" {REL}>https://example.com/deck?a=1&amp;b=2</a>.'
    )


def test_markup_and_javascript_addresses_come_out_as_inert_text():
    # when
    html = link_urls('<script>alert(1)</script> javascript:alert(1) <a href="javascript:alert(1)">x</a>')

    # then
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1) "
        "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"
    )


def test_an_address_cannot_break_out_of_its_attribute():
    # when
    html = link_urls('https://evil.example/"onmouseover="alert(1) http://x.test/<img src=x onerror=alert(1)>')

    # then
    assert html == (
        f'<a href="https://evil.example/" {REL}>https://evil.example/</a>&quot;onmouseover=&quot;alert(1) '
        f'<a href="http://x.test/" {REL}>http://x.test/</a>&lt;img src=x onerror=alert(1)&gt;'
    )


@pytest.mark.parametrize(
    "text",
    ["ftp://files.example", "mailto:someone@example.com", "www.example.com", "data:text/html,hi", "http:// alone"],
)
def test_anything_but_an_http_or_https_address_stays_text(text):
    # then
    assert link_urls(text) == text


def test_an_address_after_a_javascript_prefix_links_only_the_https_part():
    # then
    assert link_urls("javascript:https://ok.example/a") == (
        f'javascript:<a href="https://ok.example/a" {REL}>https://ok.example/a</a>'
    )


@pytest.mark.parametrize("text", ["see http://[x] now", "http://[", "local http://[::1]"])
def test_an_address_python_cannot_parse_stays_text(text):
    assert link_urls(text) == escape(text)
