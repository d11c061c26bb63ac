"""Queue the periodic jobs of ``PERIODIC_TASKS`` on time, once across every machine.

Run it on every machine beside the workers (bin/run-prod): each period is a slot, and the first
scheduler to write the slot's ``PeriodicRun`` row queues the job; the unique constraint turns the
others away. A machine that is down costs nothing: another one takes the slot.
"""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management import BaseCommand
from django.db import IntegrityError, close_old_connections, transaction
from django.utils.module_loading import import_string

from network.models import PeriodicRun

logger = logging.getLogger(__name__)


def queue_due(now: float | None = None) -> list[str]:
    """Queue each periodic job whose current slot no scheduler has taken yet; the names queued."""
    now = time.time() if now is None else now
    queued = []
    for path, every in settings.PERIODIC_TASKS:
        slot = int(now // every)
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=path, slot=slot)
                # Queued after the row commits: a job is never queued for a slot that is not taken.
                transaction.on_commit(import_string(path).enqueue)
        except IntegrityError:
            continue  # another machine took this slot
        queued.append(path)
    return queued


class Command(BaseCommand):
    help = "Queue the periodic jobs (PERIODIC_TASKS) on time; safe to run on every machine."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue what is due now, then stop.")
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between looks (default: 5).")

    def handle(self, *args, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while True:
            try:
                for path in queue_due():
                    logger.info("Periodic job queued: %s", path)
            except Exception:
                # A database or queue that is away for a moment must not end the scheduler.
                logger.exception("Periodic jobs: could not queue")
            if options["once"] or stopping:
                return
            close_old_connections()  # as after a request: none held between looks
            time.sleep(options["tick"])
