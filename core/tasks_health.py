"""How the background queue is doing, for ``/readyz`` and staff: the age of the oldest task that is
due and not yet taken (workers too few or stopped), tasks stuck running (a worker that died with
them, not yet recovered), failures in the last hour. Each figure costs one indexed look-up
whatever the queue's size. Staff see the same, with the latest failed tasks and their errors, in
the admin (``core.admin_views.task_queue``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.tasks import task_backends
from django.utils import timezone

logger = logging.getLogger(__name__)

# A task due this long ago and still not taken means the workers are not keeping up.
BACKLOG_AFTER = timedelta(minutes=5)
# The database backend has no heartbeat: a task running this long is taken to be stuck.
STUCK_AFTER = timedelta(minutes=15)
# How much of a failed task's error staff see: the exception's line, not a page of it.
MESSAGE_LENGTH = 300


@dataclass(frozen=True)
class FailedTask:
    id: str
    task_path: str
    failed_at: datetime | None
    attempts: int
    error: str  # the exception's class
    message: str  # the last line of its traceback: what went wrong, without the stack


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


def failed_tasks(alias: str = "default", *, limit: int = 50) -> list[FailedTask] | None:
    """The latest ``limit`` tasks that ended failed, newest first (a backend that keeps no queue
    has none), or None when the backend's store does not answer. Their arguments are not shown;
    an error's message may still quote a value (an address a mail server refused)."""
    from core.tasks_backend import RQBackend

    limit = max(limit, 1)
    backend = task_backends[alias]
    try:
        if isinstance(backend, RQBackend):
            return _rq_failed(backend, limit)
        if type(backend).__module__.startswith("django_tasks_db"):
            return _database_failed(alias, limit)
    except Exception:
        logger.exception("Failed tasks: the tasks backend %r did not answer", alias)
        return None
    return []


def _message(traceback: str, exception_class_path: str) -> str:
    """The line of ``traceback`` that names the exception (not a DETAIL or chained line after it),
    at most MESSAGE_LENGTH characters."""
    lines = [line.strip() for line in traceback.strip().splitlines() if line.strip()]
    name = exception_class_path.rsplit(".", 1)[-1]
    line = next(
        (line for line in reversed(lines) if name and line.split(":", 1)[0].rsplit(".", 1)[-1] == name),
        lines[-1] if lines else "",
    )
    return line if len(line) <= MESSAGE_LENGTH else line[: MESSAGE_LENGTH - 1] + "…"


def _rq_failed(backend, limit: int) -> list[FailedTask]:
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    ids = []
    for name in sorted(backend.queues):
        # A failure's score is the time it will be forgotten (failed at + the backend's FAILURE_TTL,
        # one for every job), so the highest are the latest.
        key = FailedJobRegistry(queue=backend.queue(name)).key
        ids += [job_id.decode() for job_id in backend.connection.zrevrange(key, 0, limit - 1)]
    tasks = []
    for job in Job.fetch_many(ids, connection=backend.connection):
        if job is None:  # forgotten between the two reads
            continue
        errors = job.meta.get("errors", [])
        last = errors[-1] if errors else {}
        ended = job.ended_at
        tasks.append(
            FailedTask(
                id=job.id,
                # The task's path is the job's description (RQBackend.enqueue): its arguments are
                # never unpickled here, so a job whose arguments no longer load still shows.
                task_path=job.description or "",
                failed_at=ended.replace(tzinfo=UTC) if ended and ended.tzinfo is None else ended,
                attempts=max(len(errors), 1),
                error=last.get("exception_class_path", ""),
                message=_message(last.get("traceback", ""), last.get("exception_class_path", "")),
            )
        )
    tasks.sort(key=lambda task: task.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return tasks[:limit]


def _database_failed(alias: str, limit: int) -> list[FailedTask]:
    from django_tasks_db.models import DBTaskResult

    results = DBTaskResult.objects.filter(backend_name=alias, status="FAILED").order_by("-finished_at")
    return [
        FailedTask(
            id=str(result.id),
            task_path=result.task_path,
            failed_at=result.finished_at,
            attempts=max(len(result.worker_ids), 1),
            error=result.exception_class_path,
            message=_message(result.traceback, result.exception_class_path),
        )
        for result in results.only("id", "task_path", "finished_at", "worker_ids", "exception_class_path", "traceback")[
            :limit
        ]
    ]
