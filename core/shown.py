"""Bump a page-cache namespace only when a save changes what the cached pages show of a row.

A receiver that bumps on every save refreshes pages for writes nobody sees (a log row, a field no
cached page prints), and every refresh is a page made again from the database. ``watch`` declares
what the namespace's pages show of a model — a few fields, and ``shown(values)``: the part of the
row they print, or ``None`` when the row is on none of them — and bumps the namespaces after
commit only when that part differs before and after the save (or the delete).

The values before are the ones the instance was loaded with (kept at ``post_init`` from the
instance's own fields, without a query; a field that was deferred counts as unknown, and an
unknown value is treated as changed). Writes that skip signals (``QuerySet.update``) are not seen,
as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db.models.signals import post_delete, post_init, post_save

from core.pagecache import bump_pages_on_commit

UNKNOWN = object()


def watch(
    model,
    *,
    fields: tuple[str, ...],
    shown: Callable[[dict], Hashable | None],
    namespaces: tuple[str, ...],
    uid: str,
) -> None:
    """Bump ``namespaces`` when a save or delete of ``model`` changes ``shown`` of its ``fields``
    (attribute names: ``mentor_id``, not ``mentor``)."""
    slot = f"_shown_{uid}"
    watched = {*fields, *(_field_name(model, name) for name in fields)}

    def values(instance) -> dict | None:
        found = {name: instance.__dict__.get(name, UNKNOWN) for name in fields}
        return None if any(value is UNKNOWN for value in found.values()) else found

    def loaded(sender, instance, **kwargs) -> None:
        instance.__dict__[slot] = values(instance)

    def saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
        if update_fields is not None and not watched & set(update_fields):
            return
        before = None if created else instance.__dict__.get(slot, None)
        after = values(instance)
        instance.__dict__[slot] = after
        unknown = before is None and not created  # loaded without these fields: what it showed is unknown
        if unknown or _part(shown, before) != _part(shown, after):
            bump_pages_on_commit(*namespaces)

    def deleted(sender, instance, **kwargs) -> None:
        gone = instance.__dict__.get(slot) or values(instance)
        if gone is None or shown(gone) is not None:
            bump_pages_on_commit(*namespaces)

    post_init.connect(loaded, sender=model, weak=False, dispatch_uid=f"shown-{uid}-init")
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"shown-{uid}-save")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"shown-{uid}-delete")


def _part(shown, values: dict | None):
    return None if values is None else shown(values)


def _field_name(model, attname: str) -> str:
    """``update_fields`` may name a foreign key by its field (``mentor``) or its column (``mentor_id``)."""
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname
