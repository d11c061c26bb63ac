"""Notifications: stored for the member, emailed by a task after commit.

Atomic, validated before anything is written, audited where it matters; email queued after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from network import selectors
from network.models import Notification, User


def notification_create(
    *, recipient: User, kind: str, message: str, url: str = "", send_email: bool = True
) -> Notification:
    """Store an in-app notification and, after commit, queue its email."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, message=message[:300], url=url)
    if send_email:
        from network.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.enqueue(notification.pk))
    return notification


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` as read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    updated = qs.update(read_at=timezone.now())
    transaction.on_commit(lambda: selectors.notification_unread_forget(user_id=user.pk))
    return updated
