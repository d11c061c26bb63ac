"""How the background queue is doing, for ``/readyz`` and staff: the age of the oldest task that is
due and not yet taken (workers too few or stopped), tasks stuck running (a worker that died with
them, not yet recovered), failures in the last hour. Each figure costs one indexed look-up
whatever the queue's size."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.tasks import task_backends
from django.utils import timezone

logger = logging.getLogger(__name__)

# A task due this long ago and still not taken means the workers are not keeping up.
BACKLOG_AFTER = timedelta(minutes=5)
# The database backend has no heartbeat: a task running this long is taken to be stuck.
STUCK_AFTER = timedelta(minutes=15)


def queue_health(alias: str = "default", now: datetime | None = None) -> dict[str, Any]:
    """``{"oldest_ready_seconds", "stuck_running", "failed_last_hour", "healthy"}`` of one backend,
    or ``{"reachable": False, "healthy": False}`` when its store does not answer."""
    from core.tasks_backend import RQBackend

    now = now or timezone.now()
    backend = task_backends[alias]
    try:
        if isinstance(backend, RQBackend):
            figures = _rq(backend, now)
        elif type(backend).__module__.startswith("django_tasks_db"):
            figures = _database(alias, now)
        else:
            return {"healthy": True}  # immediate or dummy backends keep no queue
    except Exception:
        logger.exception("Queue health: the tasks backend %r did not answer", alias)
        return {"reachable": False, "healthy": False}
    oldest = figures["oldest_ready_seconds"]
    figures["healthy"] = (oldest is None or oldest < BACKLOG_AFTER.total_seconds()) and not figures["stuck_running"]
    return figures


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def _rq(backend, now: datetime) -> dict[str, Any]:
    from rq.job import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    oldest, stuck, failed = None, 0, 0
    timestamp = now.timestamp()
    for name in sorted(backend.queues):
        queue = backend.queue(name)
        first = queue.get_job_ids(0, 1)
        job = Job.fetch(first[0], connection=backend.connection) if first else None
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
            oldest = enqueued if oldest is None else min(oldest, enqueued)
        # A running task's entry expires when its worker stops renewing it (the worker died).
        started = StartedJobRegistry(queue=queue)
        stuck += backend.connection.zcount(started.key, 0, timestamp)
        # A failure's score is the time it will be forgotten: failed_at + FAILURE_TTL.
        failures = FailedJobRegistry(queue=queue)
        failed += backend.connection.zcount(failures.key, timestamp + backend.failure_ttl - 3600, "+inf")
    return {"oldest_ready_seconds": _seconds_since(oldest, now), "stuck_running": stuck, "failed_last_hour": failed}


def _database(alias: str, now: datetime) -> dict[str, Any]:
    from django.db.models import Min
    from django_tasks_db.models import DBTaskResult, get_date_max

    results = DBTaskResult.objects.filter(backend_name=alias)
    ready = results.filter(status="READY")
    due_since = [
        ready.filter(run_after=get_date_max()).aggregate(m=Min("enqueued_at"))["m"],
        ready.filter(run_after__lte=now).aggregate(m=Min("run_after"))["m"],
    ]
    oldest = min((moment for moment in due_since if moment is not None), default=None)
    return {
        "oldest_ready_seconds": _seconds_since(oldest, now),
        "stuck_running": results.filter(status="RUNNING", started_at__lt=now - STUCK_AFTER).count(),
        "failed_last_hour": results.filter(status="FAILED", finished_at__gte=now - timedelta(hours=1)).count(),
    }
