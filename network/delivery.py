"""Email from background tasks, at most once per key: tasks run again after a retry or a dead
worker, and the person should not get the same message twice."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from network.models import EmailDelivery


def email_send_once(*, key: str, message: EmailMessage) -> bool:
    """Send ``message`` unless one with ``key`` was sent already; True when it was sent now.

    The mark is written right after the server accepted the message: a worker that dies between
    the two (a window of milliseconds) sends it again on the next run. A mail server that fails
    raises, nothing is marked, and the task's retry sends it.
    """
    if EmailDelivery.objects.filter(key=key).exists():
        return False
    message.send()
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key)
    except IntegrityError:
        pass  # another run of the same task sent it at the same moment
    return True
