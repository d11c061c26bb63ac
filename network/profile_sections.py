"""Sections that apps above network add to a member's profile page.

network must not import the apps built on it; instead they register a
function here (in their ``AppConfig.ready``) that returns a template name and
its context for one profile, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable

SectionFunction = Callable[..., tuple[str, dict] | None]

_sections: list[SectionFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    if function not in _sections:
        _sections.append(function)
    return function


def render_context(*, profile, viewer) -> list[tuple[str, dict]]:
    sections = []
    for function in _sections:
        section = function(profile=profile, viewer=viewer)
        if section is not None:
            sections.append(section)
    return sections
