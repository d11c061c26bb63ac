"""Hostile input answers 4xx, never 5xx: the reproductions of the fuzz run's findings.

- NUL bytes (PostgreSQL refuses them in text: DataError), lone surrogates and bytes that are not
  UTF-8, in the path, the query string or a form: 400 from ``core.middleware.BadInputMiddleware``.
- Ids past 64 bits in a URL (SQLite's driver raises OverflowError on them): 404 by routing, through
  the ``id`` path converter (``core.converters``).
- Slot tokens far in the past or the future (datetime arithmetic overflows): 404 by routing, through
  the ``slot`` path converter.
- Ids past 64 bits in a form or a filter: an invalid choice, through the lookups of
  ``core.lookups`` (every query on an integer column, whoever builds it).

Each runs on SQLite and on PostgreSQL (the suite runs on both). The sweep over every URL is
tests/test_fuzz.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.converters import parse_id
from mentorship.models import Booking, RoomMessage
from network.models import Profile, Sector
from tests.mentorship.factories import BookingFactory, SessionTypeFactory

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one past the largest 64-bit integer
HUGER = "99999999999999999999"


def _client(client_for, user):
    return client_for(user, raise_request_exception=False)


# --- NUL bytes, surrogates, bytes that are not UTF-8 ---------------------------------------


def test_a_nul_byte_in_the_calendar_feed_path_is_a_bad_request_for_a_visitor(client):
    # when
    response = client.get("/calendar/%00.ics")

    # then
    assert response.status_code == 400
    assert response["X-Content-Type-Options"] == "nosniff"  # the security headers are kept


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "%00=x", "kind=%00", "q=%ff", "q=%ed%b3%bf"])
def test_a_nul_byte_or_broken_utf8_in_the_story_search_is_a_bad_request(client, query):
    response = client.get(f"/stories/?{query}")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_an_ordinary_story_search_still_works(client):
    response = client.get("/stories/?q=export")

    assert response.status_code == 200


def test_a_path_that_is_not_utf8_is_a_bad_request(client):
    # A WSGI server passes the path's bytes as they came, one character a byte: here 0xFF.
    response = client.get("/members/\xff/")

    assert response.status_code == 400


def test_a_room_message_with_a_nul_byte_is_refused_and_nothing_is_stored(client_for):
    # given: a session on now, its room open
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    booking = BookingFactory(start=start, end=start + timedelta(hours=1))
    client = _client(client_for, booking.mentee)

    # when: sent without JavaScript (the form posts to the server)
    response = client.post(
        reverse("mentorship:booking-room-message", args=[booking.pk]),
        {"client_id": str(uuid.uuid4()), "body": "hello\x00world"},
    )

    # then
    assert response.status_code == 400
    assert RoomMessage.objects.count() == 0


def test_a_nul_byte_in_a_form_field_name_is_a_bad_request(client_for, member):
    response = _client(client_for, member).post(reverse("network:profile-edit"), {"display_name\x00": "x"})

    assert response.status_code == 400


def test_a_nul_byte_in_an_uploaded_file_field_name_is_a_bad_request(client_for, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.png", b"not read", content_type="image/png")
    response = _client(client_for, member).post(reverse("network:profile-edit"), {"photo\x00": upload})

    assert response.status_code == 400


def test_a_nul_byte_in_a_json_body_is_a_bad_request(client_for, member):
    response = _client(client_for, member).post(
        reverse("network:profile-edit"), '{"display_name": "a\\u0000b"}', content_type="application/json"
    )

    assert response.status_code == 400


def test_a_lone_surrogate_in_a_json_body_is_a_bad_request(client_for, member):
    response = _client(client_for, member).post(
        reverse("network:profile-edit"), '{"display_name": "a\\udcffb"}', content_type="application/json"
    )

    assert response.status_code == 400


# --- Ids past 64 bits in a URL ------------------------------------------------------------


@pytest.mark.parametrize("value", [HUGE, HUGER, "0" * 30 + "1"])
def test_a_member_id_past_64_bits_is_not_found(client_for, member, value):
    response = _client(client_for, member).get(f"/members/{value}/")

    assert response.status_code == 404


def test_the_largest_64_bit_id_is_an_ordinary_miss(client_for, member):
    response = _client(client_for, member).get("/members/9223372036854775807/")

    assert response.status_code == 404


def test_ids_in_urls_reverse_as_before(member):
    assert reverse("network:member-detail", args=[member.pk]) == f"/members/{member.pk}/"
    assert reverse("network:member-detail", kwargs={"user_id": 42}) == "/members/42/"


# --- Slot tokens far from now -------------------------------------------------------------


@pytest.mark.parametrize("token", ["99991231T2359Z", "00010101T0000Z", "19700101T0000Z", "21010101T0000Z"])
def test_a_booking_page_for_an_extreme_slot_is_not_found(client_for, member, token):
    # given
    session_type = SessionTypeFactory()
    url = f"/mentors/{session_type.mentor.pk}/book/{session_type.pk}/{token}/"

    # when
    get = _client(client_for, member).get(url)
    post = _client(client_for, member).post(url, {"agenda": "We would like advice on pricing in the US."})

    # then
    assert get.status_code == post.status_code == 404
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("token", ["99991231T2359Z", "00010101T0000Z"])
def test_moving_a_session_to_an_extreme_slot_is_not_found(client_for, token):
    # given
    booking = BookingFactory()
    before = Booking.objects.values_list("pk", "start", "status").get()

    # when
    get = _client(client_for, booking.mentee).get(f"/sessions/{booking.pk}/move/{token}/")
    post = _client(client_for, booking.mentee).post(f"/sessions/{booking.pk}/move/{token}/")

    # then
    assert get.status_code == post.status_code == 404
    assert list(Booking.objects.values_list("pk", "start", "status")) == [before]


def test_a_slot_token_round_trips(member):
    from mentorship.views.times import START_FORMAT

    moment = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    token = moment.strftime(START_FORMAT)

    assert reverse("mentorship:booking-reschedule", args=[7, moment]) == f"/sessions/7/move/{token}/"
    assert reverse("mentorship:booking-reschedule", args=[7, token]) == f"/sessions/7/move/{token}/"


# --- Ids past 64 bits in a form or a filter -----------------------------------------------


def test_a_sector_id_past_64_bits_in_the_profile_form_is_an_invalid_choice(client_for, member):
    # given
    sector = Sector.objects.order_by("pk").first()
    before = list(Profile.objects.filter(user=member).values_list("display_name", "headline"))

    # when
    response = _client(client_for, member).post(
        reverse("network:profile-edit"), {"display_name": "Changed", "sectors": [str(sector.pk), HUGER]}
    )

    # then
    assert response.status_code == 200
    assert f"Select a valid choice. {HUGER} is not one of the available choices." in response.content.decode()
    assert list(Profile.objects.filter(user=member).values_list("display_name", "headline")) == before


@pytest.mark.parametrize("value", [HUGE, HUGER, f"-{HUGER}"])
def test_integer_lookups_past_64_bits_match_nothing(member, value):
    from network.models import User

    assert list(User.objects.filter(pk__in=[member.pk, value])) == [member]
    assert not User.objects.filter(pk__in=[value]).exists()
    assert not Profile.objects.filter(user_id=value).exists()
    assert not Profile.objects.filter(user=value).exists()
    assert not Profile.objects.filter(user__in=[value]).exists()
    assert not Profile.objects.filter(sectors=value).exists()


def test_integer_range_lookups_past_64_bits_match_everything_or_nothing(member):
    from network.models import User

    assert Profile.objects.filter(user_id__lt=HUGER).count() == 1
    assert Profile.objects.filter(user_id__gt=HUGER).count() == 0
    assert Profile.objects.filter(user__gte=f"-{HUGER}").count() == 1
    assert User.objects.filter(pk__lte=f"-{HUGER}").count() == 0


def test_a_page_number_past_64_bits_gives_the_last_page(client_for, member):
    response = _client(client_for, member).get(f"/exports/?page={HUGER}")

    assert response.status_code == 200


def test_a_keyset_cursor_with_a_nul_byte_or_a_huge_id_gives_the_first_page(client_for, member):
    from core.keyset import encode_cursor

    client = _client(client_for, member)
    for cursor in (encode_cursor(["a\x00", 1]), encode_cursor(["a", int(HUGER)]), encode_cursor(["\udcff", 1])):
        assert client.get(f"/members/?after={cursor}").status_code == 200
        assert client.get(f"/mentors/?before={cursor}").status_code == 200


def test_a_post_to_a_story_is_not_allowed_and_to_no_page_not_found(client):
    assert client.post("/stories/").status_code == 405
    assert client.post("/no-such-page/").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past 64 bits
        ("\u00b2", None),  # a digit to str.isdigit, not to int
        ("\u0661\u0662", None),  # Arabic-Indic digits: int() reads 12, but no address or form writes them
        ("-3", None),
        (" 3", None),
        ("", None),
        (None, None),
    ],
)
def test_an_id_typed_into_a_form_is_read_as_the_id_path_converter_reads_it(value, expected):
    # when
    parsed = parse_id(value)

    # then
    assert parsed == expected
