"""Fragments of the site's layout kept in each process: the header's links and the head's static
files, which change only with a deploy (URL names, translations, the hashed names of static files).

``templates/base.html`` wraps them in ``{% cache None … using="layout" %}``, keyed on the language and
on whatever the fragment shows differently (a mentor's "Mentoring" link). The cache is Django's
local-memory backend (``CACHES["layout"]``): no network call, nothing shared between processes,
emptied when the process starts. What differs per request (the CSRF token, the unread count) stays
outside the fragments. In development, a changed template or catalogue empties it
(``runserver`` reloads templates without restarting the process).
"""

from __future__ import annotations

from django.core.cache import caches

ALIAS = "layout"


def clear_when_files_change(sender, file_path, **kwargs) -> None:
    """``autoreload.file_changed``: a template or a translation changed under ``runserver``. (A
    change to Python code restarts the process, which starts with an empty cache anyway.)"""
    if file_path.suffix != ".py":
        caches[ALIAS].clear()
