"""Background work of the network app, run by ``manage.py task_worker``.

Every task is safe to run twice (after a retry, or a worker that died mid-task): emails go
through ``email_send_once`` with a key of what they are for."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.tasks import TaskContext, task
from django.template.loader import render_to_string

from network.delivery import email_send_once
from network.models import Notification


@task
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to its recipient. A deleted notification sends nothing."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.is_active:
        return False
    context = {
        "notification": notification,
        "link": f"{settings.SITE_URL}{notification.url}" if notification.url else settings.SITE_URL,
    }
    # A subject is one header line: a line break (say, in a member's name) would make sending fail.
    subject = " ".join(f"[Rabta] {notification.message}".split())[:150]
    message = EmailMessage(
        subject=subject,
        body=render_to_string("network/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    return email_send_once(key=f"notification:{notification.pk}", message=message)


@task
def expire_introduction(introduction_id: int) -> bool:
    """Runs when a request's time is up; does nothing if it was answered meanwhile."""
    from network.services import introduction_expire

    return introduction_expire(introduction_id=introduction_id)


@task(takes_context=True)
def send_email_message(
    context: TaskContext, *, subject: str, body: str, to: list[str], from_email: str | None = None, html: str = ""
) -> int:
    """Send one already-rendered email (account emails from allauth come this way), once per task."""
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return int(email_send_once(key=f"task:{context.task_result.id}", message=message))


# --- Periodic jobs (PERIODIC_TASKS, queued by manage.py task_scheduler) ---------------------------


@task
def expire_overdue_introductions() -> int:
    """Expire every request past its time: a net under the task queued for each one."""
    from django.utils import timezone

    from network.models import Introduction
    from network.services import introduction_expire

    overdue = Introduction.objects.filter(status=Introduction.Status.PENDING, expires_at__lte=timezone.now())
    return sum(introduction_expire(introduction_id=pk) for pk in overdue.values_list("pk", flat=True)[:1000])


@task
def clear_expired_sessions() -> None:
    from django.core.management import call_command

    call_command("clearsessions")


@task
def prune_task_records() -> dict[str, int]:
    """Forget what no one needs any more: finished task results after a day and failed ones after
    30 days (the database backend; Redis expires its own), send marks after 90 days (a task older
    than that will not run again), periodic runs after a day."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.tasks import task_backends
    from django.utils import timezone

    from network.models import EmailDelivery, PeriodicRun

    now = timezone.now()
    if task_backends["default"].__class__.__module__.startswith("django_tasks_db"):
        call_command("prune_db_task_results", min_age_days=1, failed_min_age_days=30, verbosity=0)
    return {
        "email_deliveries": EmailDelivery.objects.filter(sent_at__lt=now - timedelta(days=90)).delete()[0],
        "periodic_runs": PeriodicRun.objects.filter(created_at__lt=now - timedelta(days=1)).delete()[0],
    }
