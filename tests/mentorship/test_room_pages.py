"""The session room page: server-rendered history, and sending and notes without JavaScript."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Booking, RoomMessage, SessionNotes
from tests.mentorship.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking():
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    return BookingFactory(start=start, end=start + timedelta(hours=1))


def add_messages(booking, count: int) -> None:
    for n in range(count):
        author = booking.mentee if n % 2 else booking.mentor.user
        RoomMessage.objects.create(booking=booking, author=author, client_id=uuid.uuid4(), body=f"message {n}")


def test_history_is_shown_escaped_with_safe_links(client_for, booking):
    # given
    RoomMessage.objects.create(
        booking=booking,
        author=booking.mentee,
        client_id=uuid.uuid4(),
        body='<script>alert("x")</script> see https://example.org/deck',
    )

    # when
    response = client_for(booking.mentor.user).get(reverse("mentorship:booking-room", args=[booking.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://example.org/deck" rel="nofollow">https://example.org/deck</a>' in html
    assert f'data-socket="/ws/sessions/{booking.pk}/room/"' in html


HOSTILE_AGENDA = (
    'Pricing <img src=x onerror="alert(1)"> javascript:alert(document.cookie)\n'
    "Deck: https://example.org/deck?v=2&lang=en."
)
SAFE_AGENDA_LINK = (
    '<a href="https://example.org/deck?v=2&amp;lang=en" rel="nofollow noopener noreferrer">'
    "https://example.org/deck?v=2&amp;lang=en</a>."
)


# Not "page": that is the browser's fixture, and a parameter of its name drags the browser's session-wide
# parameters in, so pytest moved the browser journeys (which empty the database) among these tests.
@pytest.mark.parametrize("url_name", ["booking-detail", "booking-room"])
def test_the_agenda_links_its_web_addresses_and_nothing_else(client_for, booking, url_name):
    # given
    Booking.objects.filter(pk=booking.pk).update(agenda=HOSTILE_AGENDA)

    # when
    response = client_for(booking.mentee).get(reverse(f"mentorship:{url_name}", args=[booking.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "<p>Pricing &lt;img src=x onerror=&quot;alert(1)&quot;&gt; javascript:alert(document.cookie)<br>"
        f"Deck: {SAFE_AGENDA_LINK}</p>"
    ) in html
    assert "<img src=x" not in html
    assert 'href="javascript' not in html


def test_a_closed_room_explains_when_it_opens(client_for, booking):
    later = timezone.now() + timedelta(days=2)
    Booking.objects.filter(pk=booking.pk).update(start=later, end=later + timedelta(hours=1))

    response = client_for(booking.mentee).get(reverse("mentorship:booking-room", args=[booking.pk]))

    assert response.status_code == 403
    assert "The room for this session opens on" in response.content.decode()


def test_sending_without_javascript_is_idempotent(client_for, booking):
    # given
    client = client_for(booking.mentee)
    url = reverse("mentorship:booking-room-message", args=[booking.pk])
    data = {"client_id": str(uuid.uuid4()), "body": "Sent from a phone without JavaScript"}

    # when: the form is submitted twice (a double tap, a resubmission)
    first = client.post(url, data)
    second = client.post(url, data)

    # then
    assert first.status_code == second.status_code == 302
    assert list(RoomMessage.objects.values_list("author_id", "body")) == [(booking.mentee_id, data["body"])]


def test_an_empty_message_is_refused_with_a_message(client_for, booking):
    response = client_for(booking.mentee).post(
        reverse("mentorship:booking-room-message", args=[booking.pk]),
        {"client_id": str(uuid.uuid4()), "body": "  "},
        follow=True,
    )

    assert "A message cannot be empty." in response.content.decode()
    assert RoomMessage.objects.count() == 0


def test_a_stale_notes_form_is_refused(client_for, booking):
    # given: the mentor saved version 1 while the founder still had version 0 open
    SessionNotes.objects.create(booking=booking, text="Mentor's notes", version=1, updated_by=booking.mentor.user)

    # when
    response = client_for(booking.mentee).post(
        reverse("mentorship:booking-room-notes", args=[booking.pk]), {"version": "0", "text": "Mine"}, follow=True
    )

    # then
    assert "Someone saved the notes after you opened them." in response.content.decode()
    notes = SessionNotes.objects.get()
    assert (notes.text, notes.version) == ("Mentor's notes", 1)


def test_notes_saved_from_the_current_version(client_for, booking):
    response = client_for(booking.mentee).post(
        reverse("mentorship:booking-room-notes", args=[booking.pk]), {"version": "0", "text": "Agenda: pricing"}
    )

    assert response.status_code == 302
    notes = SessionNotes.objects.get()
    assert (notes.text, notes.version, notes.updated_by_id) == ("Agenda: pricing", 1, booking.mentee_id)


def test_the_room_page_query_count_does_not_grow_with_history(client_for, booking):
    client = client_for(booking.mentor.user)
    url = reverse("mentorship:booking-room", args=[booking.pk])
    add_messages(booking, 5)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_messages(booking, 45)
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(few) == len(many)


def test_without_javascript_the_status_line_says_what_works(client_for, booking):
    response = client_for(booking.mentee).get(f"/sessions/{booking.pk}/room/")
    status = BeautifulSoup(response.content, "html.parser").find(id="connection-status")
    assert status.get_text(strip=True) == (
        "Live updates need JavaScript: send with the form below and reload the page to see new messages."
    )


def test_a_message_sent_without_javascript_reaches_the_live_room_each_time_it_is_sent(
    client_for, booking, django_capture_on_commit_callbacks
):
    """The service tells the room after commit, a resubmission too: the first broadcast may be what
    was lost, and clients draw each sequence number once."""
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from channels.layers import get_channel_layer

    from mentorship.realtime import group_name

    # given: a live connection in the room, listening on a loop of its own
    layer = get_channel_layer()
    listening = threading.Event()

    async def listen() -> list[dict]:
        channel = await layer.new_channel()
        await layer.group_add(group_name(booking.pk), channel)
        listening.set()
        try:
            return [await asyncio.wait_for(layer.receive(channel), timeout=10) for _ in range(2)]
        finally:
            await layer.group_discard(group_name(booking.pk), channel)

    client = client_for(booking.mentee)
    data = {"client_id": str(uuid.uuid4()), "body": "Sent from a phone without JavaScript"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        received = pool.submit(asyncio.run, listen())
        assert listening.wait(10)

        # when: the form is sent, and sent again
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("mentorship:booking-room-message", args=[booking.pk]), data)
            assert response.status_code == 302
        events = received.result(timeout=15)

    # then: the one stored message, announced twice
    message = RoomMessage.objects.get()
    assert [(event["type"], event["message"]["seq"], event["message"]["body"]) for event in events] == [
        ("room.message", message.seq, data["body"]),
        ("room.message", message.seq, data["body"]),
    ]
