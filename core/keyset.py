"""Keyset ("cursor") pagination: pages that cost the same at the first row and the 100,000th.

An offset page makes the database walk past every earlier row (``OFFSET 60000``); a keyset page
starts from the last row shown (``WHERE (name, id) > (…, …)``), which an index on the ordering
columns finds directly. The price is that there are no page numbers: "previous" and "next" only,
which is what a long, filterable list of people needs anyway. The total is counted up to a cap, so
a broad filter over a large table does not cost a full count either.

    page = keyset_page(queryset, ordering=("display_name", "id"), after=request.GET.get("after"))
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat

from core.middleware import UNSAFE_TEXT

COUNT_CAP = 1000


@dataclass
class KeysetPage:
    object_list: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_capped: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def query_without_position(request, fields) -> str:
    """A list page's filters as a query string, without its position (cursor or page number) or
    anything its filter form does not know, for the cache key of its results and for its "previous"
    and "next" links. (An unknown parameter must not make a new copy of a shared fragment.)"""
    query = request.GET.copy()
    for name in list(query):
        if name not in fields:
            del query[name]
    return query.urlencode()


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """The ordering values in a cursor, or None for a missing or malformed one (then: first page)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        return None
    if any(isinstance(v, str) and UNSAFE_TEXT.search(v) for v in values):
        return None  # JSON can spell a NUL or a lone surrogate (\u0000, \udcff); no column holds one
    return values


def _beyond(ordering: tuple[str, ...], values: list[Any], forward: bool) -> Q:
    """Rows after (or before) ``values`` in ``ordering``: (a, b) > (x, y) written so an index on (a, b)
    serves it: ``a >= x AND (a > x OR b > y)``."""
    first, *rest = ordering
    op = "gt" if forward else "lt"
    inclusive = "gte" if forward else "lte"
    if not rest:
        return Q(**{f"{first}__{op}": values[0]})
    return Q(**{f"{first}__{inclusive}": values[0]}) & (
        Q(**{f"{first}__{op}": values[0]}) | (Q(**{first: values[0]}) & _beyond(tuple(rest), values[1:], forward))
    )


def _from_cursor(queryset: QuerySet, ordering: tuple[str, ...], cursor: str | None, *, forward: bool):
    """The rows after (or before) a cursor's position, or None for no cursor or one that does not fit
    the ordering (a name where a number belongs): then the first page."""
    values = decode_cursor(cursor, len(ordering))
    if values is None:
        return None
    try:
        return queryset.filter(_beyond(ordering, values, forward))
    except (ValueError, TypeError, ValidationError):
        return None


def keyset_page(
    queryset: QuerySet,
    *,
    ordering: tuple[str, ...],
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    count_cap: int | None = None,
    sort_matches: bool = False,
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (ascending; the last field must be unique, e.g. ``id``).

    ``after``/``before`` are cursors from a previous page's ``next_cursor``/``previous_cursor``; a
    malformed one gives the first page. Two queries, whatever the size of the table:

    1. the ids of the matching rows, up to ``count_cap`` + 1: the count, and, when the matches are
       few, the rows to page through. Without it a rare match (a search for a word nobody uses)
       makes the database walk the whole ordering index looking for a page that never fills;
    2. the page of rows (one more than a page, to know whether there is another).

    ``sort_matches`` is for a filter that an index of its own answers (a word search through a
    trigram index): the matches are counted in full and sorted, rather than met one by one while
    walking the ordering index, which is slow when they sort together (everyone named "Zainab"
    is near the end). Its cost follows the number of matches, not the size of the table.
    """
    count_cap = COUNT_CAP if count_cap is None else count_cap
    if sort_matches:
        first, *rest = ordering
        queryset = queryset.annotate(sort_key=Concat(first, Value("")))  # no index serves this order
        ordering = ("sort_key", *rest)
        count = queryset.order_by().count()
        count_cap = max(count_cap, count)
    else:
        ids = list(queryset.order_by().values_list("pk", flat=True)[: count_cap + 1])
        count = len(ids)
        if count <= count_cap:
            queryset = queryset.filter(pk__in=ids)
    forwards = _from_cursor(queryset, ordering, after, forward=True)
    backwards = None if forwards is not None else _from_cursor(queryset, ordering, before, forward=False)
    if backwards is not None:
        rows = list(backwards.order_by(*(f"-{name}" for name in ordering))[: per_page + 1])
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        more_after = True
    else:
        more_before = forwards is not None
        rows = list((forwards if forwards is not None else queryset).order_by(*ordering)[: per_page + 1])
        more_after = len(rows) > per_page
        rows = rows[:per_page]
    return KeysetPage(
        object_list=rows,
        next_cursor=_cursor(rows[-1], ordering) if rows and more_after else None,
        previous_cursor=_cursor(rows[0], ordering) if rows and more_before else None,
        count=min(count, count_cap),
        count_capped=count > count_cap,
    )


def _cursor(row: Any, ordering: tuple[str, ...]) -> str:
    values = []
    for path in ordering:
        value = row
        for part in path.split("__"):
            value = getattr(value, part)
        # A time as ISO 8601 text: the column's field reads it back from the cursor.
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return encode_cursor(values)
