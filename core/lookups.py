"""Queries on integer columns with numbers the column cannot hold match nothing (or everything),
instead of failing: one rule for every query, whoever builds it — a form's choice field, a filter,
a view, the Django admin, Wagtail.

Django already does this for ``exact``, ``lt``, ``lte``, ``gt`` and ``gte`` on an integer field
(``django.db.models.lookups.IntegerFieldOverflow``), but not for ``in`` (what a multiple choice
field asks: ``pk__in=[…]``), nor for foreign keys (``user_id=…``, ``sectors=…``). SQLite's driver
raises OverflowError on any parameter past 64 bits, so ``sectors=99999999999999999999`` posted to
a form was a 500 there. Here the same lookups check the value against the range of the column
they compare with (the related column's, for a foreign key):

- ``in``: out-of-range values are left out (none left: no row);
- ``exact``: no row; ``lt``/``lte``/``gt``/``gte``: no row or every row, as the value lies.

``register()`` is called by ``CoreConfig.ready()``.
"""

from __future__ import annotations

import copy

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import (
    RelatedExact,
    RelatedGreaterThan,
    RelatedGreaterThanOrEqual,
    RelatedIn,
    RelatedLessThan,
    RelatedLessThanOrEqual,
)
from django.db.models.lookups import In


def _column_range(lookup, connection) -> tuple[int | None, int | None]:
    """The smallest and largest value of the integer column ``lookup`` compares with, or
    ``(None, None)`` when it is not an integer column (a foreign key to a slug, say)."""
    if isinstance(lookup.lhs, ColPairs):
        return None, None
    field = lookup.lhs.output_field
    path_infos = getattr(field, "path_infos", None)
    if path_infos:
        field = path_infos[-1].target_fields[-1]
    try:
        return connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:
        return None, None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class InRange:
    """``in``: values the column cannot hold cannot match, so they are left out of the list."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = _column_range(self, connection)
            kept = [
                value
                for value in self.rhs
                if not _is_int(value) or ((low is None or value >= low) and (high is None or value <= high))
            ]
            if len(kept) != len(self.rhs):
                if not kept:
                    raise EmptyResultSet
                lookup = copy.copy(self)
                lookup.rhs = kept
                return super(InRange, lookup).process_rhs(compiler, connection)
        return super().process_rhs(compiler, connection)


class ComparisonInRange:
    """A comparison with a value the column cannot hold: ``underflow`` or ``overflow`` decides."""

    underflow = EmptyResultSet
    overflow = EmptyResultSet

    def process_rhs(self, compiler, connection):
        if _is_int(self.rhs):
            low, high = _column_range(self, connection)
            if low is not None and self.rhs < low:
                raise self.underflow
            if high is not None and self.rhs > high:
                raise self.overflow
        return super().process_rhs(compiler, connection)


class IntegerIn(InRange, In):
    pass


class ForeignKeyIn(InRange, RelatedIn):
    pass


class ForeignKeyExact(ComparisonInRange, RelatedExact):
    pass


class ForeignKeyLessThan(ComparisonInRange, RelatedLessThan):
    overflow = FullResultSet


class ForeignKeyLessThanOrEqual(ComparisonInRange, RelatedLessThanOrEqual):
    overflow = FullResultSet


class ForeignKeyGreaterThan(ComparisonInRange, RelatedGreaterThan):
    underflow = FullResultSet


class ForeignKeyGreaterThanOrEqual(ComparisonInRange, RelatedGreaterThanOrEqual):
    underflow = FullResultSet


def register() -> None:
    IntegerField.register_lookup(IntegerIn)
    for lookup in (
        ForeignKeyIn,
        ForeignKeyExact,
        ForeignKeyLessThan,
        ForeignKeyLessThanOrEqual,
        ForeignKeyGreaterThan,
        ForeignKeyGreaterThanOrEqual,
    ):
        ForeignObject.register_lookup(lookup)
