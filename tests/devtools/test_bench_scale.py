"""``manage.py bench_scale``: the measuring part runs on any database seeded with bulk data; the command
itself needs PostgreSQL (one database per size)."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from devtools.management.commands.bench_scale import directory_deep_url, measure
from investments.models import Pitch

pytestmark = [pytest.mark.django_db, pytest.mark.bench]

OPERATIONS = [
    "directory: first page",
    "directory: search 'Zainab'",
    "directory: search 'Zainab Rizvi'",
    "directory: page after 2 × next",
    "directory: middle of the directory",
    "mentor page, busy mentor, next week",
    "slots selector, 8 weeks",
    "my sessions (that mentor)",
    "deal list (investor)",
    "chat: latest 100 (room page)",
    "chat: catch-up from the start",
    "chat: catch-up of the last 200",
]


@pytest.fixture
def seeded(media_root, tmp_path):
    field = Pitch._meta.get_field("deck")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path / "private")
    call_command("seed_demo", members=400, stdout=io.StringIO())
    yield
    field.storage = original


def test_measure_times_every_operation_with_its_queries(seeded):
    # when
    figures = measure(repeat=2, warmup=1, hops=2)

    # then
    assert figures["sizes"] == {
        "members": 400 + 71,
        "mentors (listed)": 20 + 41,
        "bookings": 200 + 4,
        "room messages": 4000,
        "live pitches": 21,
    }
    results = {r["name"]: r for r in figures["results"]}
    assert list(results) == OPERATIONS
    for result in results.values():
        assert result["median_ms"] > 0
        assert result["p95_ms"] >= result["median_ms"]
        assert result["queries"] >= 1
    # the chat reads are one query each, whatever the room holds
    assert [results[name]["queries"] for name in OPERATIONS[-3:]] == [1, 1, 1]
    assert results["chat: latest 100 (room page)"]["note"] == "2000 messages in the room"
    assert results["mentor page, busy mentor, next week"]["note"] == "6 sessions to come"


def test_the_deep_directory_page_is_reached_through_next_links(seeded, client_for):
    # given
    from network.models import User

    client = client_for(User.objects.get(email="founder@demo.rabta.pk"))

    # when
    url, kind = directory_deep_url(client, 3)

    # then
    assert url.startswith("/members/?")
    assert kind in ("keyset (after=)", "offset (page=)")
    assert client.get(url).status_code == 200


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the command runs on PostgreSQL")
def test_the_command_refuses_to_run_without_postgresql():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_scale", stdout=io.StringIO())
