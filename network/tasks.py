"""Background work of the network app, run by ``manage.py db_worker``."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.tasks import task
from django.template.loader import render_to_string

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
    send_mail(
        subject=subject,
        message=render_to_string("network/email/notification.txt", context),
        from_email=None,
        recipient_list=[notification.recipient.email],
    )
    return True


@task
def expire_introduction(introduction_id: int) -> bool:
    """Runs when a request's time is up; does nothing if it was answered meanwhile."""
    from network.services import introduction_expire

    return introduction_expire(introduction_id=introduction_id)


@task
def send_email_message(*, subject: str, body: str, to: list[str], from_email: str | None = None, html: str = "") -> int:
    """Send one already-rendered email (account emails from allauth come this way)."""
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
