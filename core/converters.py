"""Path converters that refuse, at routing, values no view could use: the URL is then simply not
found (404), before any view, query or date arithmetic sees it.

- ``id``: a database id, 1 to 19 digits, at most 2**63 − 1 (a 64-bit column's largest value).
  Django's ``int`` takes any number of digits, and a larger one made SQLite's driver raise
  OverflowError (PostgreSQL's bigint refuses it too).
- ``slot``: a moment to the minute in UTC, ``YYYYMMDDTHHMMZ`` (the start of a mentor's slot),
  given to the view as an aware datetime between 2000 and 2100. ``99991231T2359Z`` parses, but a
  session's end or a time-zone conversion past year 9999 overflows.

Both are registered by ``CoreConfig.ready()``, before any URL configuration is read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.urls import register_converter

ID_MAX = 2**63 - 1
SLOT_FORMAT = "%Y%m%dT%H%MZ"
SLOT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SLOT_LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive


def parse_id(value: str | None) -> int | None:
    """A database id typed into a form or a query string, or None: the same rule as the ``id`` path
    converter. (``str.isdigit`` lets "²" through, which ``int`` then refuses with ValueError.)"""
    if not value or not re.fullmatch(IdConverter.regex, value):
        return None
    number = int(value)
    return number if number <= ID_MAX else None


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # no match: 404
        return number

    def to_url(self, value: int | str) -> str:
        number = int(value)
        if not 0 <= number <= ID_MAX:
            raise ValueError(value)  # NoReverseMatch
        return str(number)


def parse_slot(token: str) -> datetime:
    """The moment a slot token names; ValueError if it is malformed or outside 2000–2099."""
    moment = datetime.strptime(token, SLOT_FORMAT).replace(tzinfo=UTC)
    if not SLOT_EARLIEST <= moment < SLOT_LATEST:
        raise ValueError(token)
    return moment


def slot_token(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SLOT_FORMAT)


class SlotConverter:
    regex = "[0-9]{8}T[0-9]{4}Z"

    def to_python(self, value: str) -> datetime:
        return parse_slot(value)

    def to_url(self, value: datetime | str) -> str:
        moment = parse_slot(value) if isinstance(value, str) else value
        if not SLOT_EARLIEST <= moment < SLOT_LATEST:
            raise ValueError(value)
        return slot_token(moment)


def register() -> None:
    register_converter(IdConverter, "id")
    register_converter(SlotConverter, "slot")
