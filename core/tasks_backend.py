"""A Django tasks backend on Redis, through RQ, for production.

The code queues work with Django's own API (``django.tasks``: ``@task``, ``.enqueue``,
``.using(run_after=...)``); this backend stores it in Redis and ``manage.py task_worker`` (RQ's
worker) runs it. Chosen over the database backend for claim cost and over Celery for its size
(docs/background-work.md).

What it adds to a plain queue, for work that talks to outside servers:

- **Retries with backoff.** A task that raises is tried again after ``RETRY_INTERVALS`` seconds
  (10 s, 1 min, 5 min, 30 min, 2 h by default); after the last one it stays in RQ's failed-job
  registry with its traceback, and ``get_result`` reports it FAILED with its errors.
- **A time limit on every attempt** (``JOB_TIMEOUT``, 120 s): a task stuck on a server that never
  answers is killed and retried, and the worker goes on with the next one.
- **Recovery from a dead worker.** A worker that dies (SIGKILL, a lost machine) stops renewing its
  heartbeat; RQ's maintenance finds the task abandoned and queues it again (one of its retries).
  Every task must therefore be safe to run twice (mentorship/tasks.py, network/tasks.py).
- **Scheduled tasks in a sorted set.** ``run_after`` goes to RQ's scheduled-job registry, a
  Redis sorted set by time: taking the due ones costs the same with 0 or 100,000 waiting.
- **Finished results pruned** after ``RESULT_TTL`` (a day); failures kept ``FAILURE_TTL`` (30 days).

RQ stores a job's arguments with pickle: only this site's own code writes to this Redis.
"""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import close_old_connections
from django.tasks import task_backends
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = [10, 60, 300, 1800, 7200]
DEFAULT_JOB_TIMEOUT = 120
DEFAULT_RESULT_TTL = 24 * 3600
DEFAULT_FAILURE_TTL = 30 * 24 * 3600


def _status(rq_status: Any) -> TaskResultStatus:
    from rq.job import JobStatus

    return {
        JobStatus.QUEUED: TaskResultStatus.READY,
        JobStatus.SCHEDULED: TaskResultStatus.READY,
        JobStatus.DEFERRED: TaskResultStatus.READY,
        JobStatus.STARTED: TaskResultStatus.RUNNING,
        JobStatus.FINISHED: TaskResultStatus.SUCCESSFUL,
        JobStatus.FAILED: TaskResultStatus.FAILED,
        JobStatus.STOPPED: TaskResultStatus.FAILED,
        JobStatus.CANCELED: TaskResultStatus.FAILED,
    }.get(rq_status, TaskResultStatus.READY)


def _aware(value: datetime | None) -> datetime | None:
    # RQ keeps naive UTC datetimes.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class RQBackend(BaseTaskBackend):
    """``TASKS = {"default": {"BACKEND": "core.tasks_backend.RQBackend", "QUEUES": [...],
    "OPTIONS": {"URL": ..., "JOB_TIMEOUT": ..., "RETRY_INTERVALS": [...], ...}}}``."""

    supports_defer = True
    supports_get_result = True

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.url = self.options.get("URL") or getattr(settings, "REDIS_URL", "")
        self.job_timeout = int(self.options.get("JOB_TIMEOUT", DEFAULT_JOB_TIMEOUT))
        self.retry_intervals = list(self.options.get("RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))
        self.result_ttl = int(self.options.get("RESULT_TTL", DEFAULT_RESULT_TTL))
        self.failure_ttl = int(self.options.get("FAILURE_TTL", DEFAULT_FAILURE_TTL))

    @cached_property
    def connection(self):
        import redis

        # Enqueueing happens in requests: a Redis that does not answer fails the request in
        # seconds rather than holding it. The worker's blocking pop sets its own read timeout.
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)

    def queue(self, name: str):
        from rq import Queue

        return Queue(name, connection=self.connection)

    def enqueue(self, task: Task, args: list, kwargs: dict) -> TaskResult:
        from rq import Retry

        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = self.queue(task.queue_name)
        options = {
            "job_id": result.id,
            "description": task.module_path,
            "job_timeout": self.job_timeout,
            "result_ttl": self.result_ttl,
            "failure_ttl": self.failure_ttl,
            "retry": Retry(max=len(self.retry_intervals), interval=self.retry_intervals)
            if self.retry_intervals
            else None,
            # run_after is kept with the job: RQ's scheduled registry forgets it once the job is due.
            "meta": {"backend": self.alias, "run_after": task.run_after.isoformat() if task.run_after else None},
        }
        call = (self.alias, task.module_path, result.args, result.kwargs)
        if task.run_after is not None:
            job = queue.enqueue_at(task.run_after, execute, *call, **options)
        else:
            job = queue.enqueue(execute, *call, **options)
        object.__setattr__(result, "enqueued_at", _aware(job.enqueued_at) or datetime.now(UTC))
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            job = Job.fetch(result_id, connection=self.connection)
        except NoSuchJobError:
            raise TaskResultDoesNotExist(result_id) from None
        return self._result(job)

    def _result(self, job, *, status: TaskResultStatus | None = None) -> TaskResult:
        from rq.results import Result

        _alias, task_path, args, kwargs = job.args
        run_after = self._run_after(job)
        task = import_string(task_path).using(queue_name=job.origin, backend=self.alias, run_after=run_after)
        # RQ records no result for an attempt that is retried: execute() keeps every attempt's
        # error in the job's meta.
        errors = [TaskError(**error) for error in job.meta.get("errors", [])]
        worker_ids, value = [], None
        for execution in reversed(job.results()):  # oldest first
            worker_ids.append(execution.worker_name)
            if execution.type == Result.Type.SUCCESSFUL:
                value = execution.return_value
        if job.worker_name and job.worker_name not in worker_ids:
            worker_ids.append(job.worker_name)
        result = TaskResult(
            task=task,
            id=job.id,
            # The status as the job was fetched, before its results were read: a worker that finishes
            # in between writes both at once (one MULTI), so a finished job always has its result here.
            status=status or _status(job.get_status(refresh=False)),
            enqueued_at=_aware(job.enqueued_at),
            started_at=_aware(job.started_at),
            last_attempted_at=_aware(job.started_at),
            finished_at=_aware(job.ended_at),
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=errors,
            worker_ids=worker_ids,
        )
        object.__setattr__(result, "_return_value", value)
        return result

    def _run_after(self, job) -> datetime | None:
        # The time the task was queued for, as Django's API gives it: a retry's later time is RQ's.
        if stored := job.meta.get("run_after"):
            return datetime.fromisoformat(stored)
        # A job enqueued without the time in its meta: the registry has it while the job waits,
        # and the scheduler may move the job on between reading its status and its score.
        from rq.registry import ScheduledJobRegistry

        score = self.connection.zscore(ScheduledJobRegistry(queue=self.queue(job.origin)).key, job.id)
        return datetime.fromtimestamp(score, UTC) if score is not None else None

    def check(self, **kwargs: Any):
        yield from super().check(**kwargs)
        if not self.url:
            yield checks.Error(
                f"The tasks backend {self.alias!r} runs on Redis but has no address.",
                hint="Set REDIS_URL (or the backend's OPTIONS['URL']).",
                id="core.E101",
            )


def execute(backend_alias: str, task_path: str, args: list, kwargs: dict) -> Any:
    """What RQ runs: the Django task at ``task_path``, with Django's signals around it."""
    from rq import get_current_job

    job = get_current_job()
    backend = task_backends[backend_alias]
    task = import_string(task_path)
    running = backend._result(job, status=TaskResultStatus.RUNNING)
    task_started.send(type(backend), task_result=running)
    close_old_connections()
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=running), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
    except Exception as error:
        job.meta.setdefault("errors", []).append(
            {
                "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
                "traceback": "".join(traceback.format_exception(error)),
            }
        )
        job.save_meta()
        if not job.retries_left:
            task_finished.send(type(backend), task_result=backend._result(job, status=TaskResultStatus.FAILED))
        raise
    finally:
        close_old_connections()
    finished = backend._result(job, status=TaskResultStatus.SUCCESSFUL)
    object.__setattr__(finished, "_return_value", value)
    task_finished.send(type(backend), task_result=finished)
    return value
