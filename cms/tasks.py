"""Background work of the stories: pages scheduled by editors go live (a periodic job)."""

from __future__ import annotations

from django.core.management import call_command
from django.tasks import task


@task
def publish_scheduled_pages() -> None:
    """Publish pages whose go-live time has come and unpublish expired ones (Wagtail's command)."""
    call_command("publish_scheduled")
