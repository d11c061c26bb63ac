"""Staff pages of the Django admin that belong to no model: the background queue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from core.tasks_health import failed_tasks, queue_health

# Who reads the queue: the permission that shows the database backend's task results in the admin
# (superusers have it), so a failed task's error is seen by the same people whichever backend runs.
TASKS_PERMISSION = "django_tasks_db.view_dbtaskresult"


def task_queue(request: HttpRequest) -> TemplateResponse:
    """Each tasks backend's health, as /readyz reports it, and its latest failed tasks with their
    errors. Mounted through ``admin.site.admin_view`` (staff only; the second factor is asked for on
    the way into the admin, ``network.middleware``), for staff with ``TASKS_PERMISSION``."""
    if not request.user.has_perm(TASKS_PERMISSION):
        raise PermissionDenied
    backends = [
        {"alias": alias, "health": queue_health(alias), "failed": failed_tasks(alias)} for alias in settings.TASKS
    ]
    return TemplateResponse(
        request,
        "admin/tasks.html",
        {**admin.site.each_context(request), "title": _("Background tasks"), "backends": backends},
    )
