"""A member's personal data across the apps: what their download holds, and what deleting their
account does to each app's records.

network must not import the apps built on it. Each app registers, in its ``AppConfig.ready``:

- an *exporter*, ``function(user) -> dict``: the sections it adds to the member's download (JSON
  values only; dates, decimals and UUIDs are written as text). Only what is the member's own, or
  about them: never another member's messages or details beyond the name the site shows;
- an *eraser*, ``function(*, user, now) -> None``: run inside the deletion's transaction, after the
  account is marked inactive (so anything it tells others names "a former member") and before the
  account itself is anonymised. It removes or anonymises what the app holds about the member and
  keeps, attributed to "a former member", what other members depend on.

The services that use them are ``network.selectors.personal_data_export`` and
``network.services.account_delete``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

Exporter = Callable[[Any], dict[str, Any]]
Eraser = Callable[..., None]

_exporters: list[Exporter] = []
_erasers: list[Eraser] = []


def register_exporter(function: Exporter) -> Exporter:
    if function not in _exporters:
        _exporters.append(function)
    return function


def register_eraser(function: Eraser) -> Eraser:
    if function not in _erasers:
        _erasers.append(function)
    return function


def exported_sections(user) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for function in _exporters:
        sections.update(function(user))
    return sections


def erase(*, user, now: datetime) -> None:
    for function in _erasers:
        function(user=user, now=now)
