"""Queue health in /readyz: oldest due task's age, tasks stuck running, failures in the last hour,
on the database backend and on the Redis backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core.tasks_health import queue_health
from network.tasks import expire_introduction

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def db_task(**fields) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path="network.tasks.expire_introduction",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        **fields,
    )


def test_an_idle_database_queue_is_healthy():
    assert queue_health(now=NOW) == {
        "oldest_ready_seconds": None,
        "stuck_running": 0,
        "failed_last_hour": 0,
        "healthy": True,
    }


def test_a_database_backlog_a_stuck_task_and_recent_failures_are_reported():
    # given a task due 10 minutes ago, one waiting for tomorrow, one running for an hour, failures
    db_task(run_after=NOW - timedelta(minutes=10))
    db_task(run_after=NOW + timedelta(days=1))
    db_task(run_after=get_date_max(), status="RUNNING", started_at=NOW - timedelta(hours=1))
    db_task(run_after=get_date_max(), status="RUNNING", started_at=NOW - timedelta(minutes=1))
    db_task(run_after=get_date_max(), status="FAILED", finished_at=NOW - timedelta(minutes=30))
    db_task(run_after=get_date_max(), status="FAILED", finished_at=NOW - timedelta(hours=2))

    # then
    assert queue_health(now=NOW) == {
        "oldest_ready_seconds": 600,
        "stuck_running": 1,
        "failed_last_hour": 1,
        "healthy": False,
    }


def test_readyz_reports_the_queue(client):
    db_task(run_after=get_date_max(), status="FAILED", finished_at=timezone.now())

    body = client.get("/readyz").json()

    assert body["status"] == "ok"  # a queue's trouble does not take the web server out of service
    assert body["tasks"]["failed_last_hour"] == 1


def test_the_redis_queue_reports_its_backlog_its_stuck_tasks_and_its_failures(rq_backend):
    from rq import SimpleWorker
    from rq.registry import StartedJobRegistry

    backend = rq_backend
    # given a task that fails (no retries here), run by a worker
    failing = expire_introduction.enqueue("not-a-number")
    SimpleWorker([backend.queue("default")], connection=backend.connection).work(burst=True)
    failing.refresh()
    assert failing.status == "FAILED"
    assert failing.errors[0].exception_class_path == "builtins.ValueError"
    # and a task waiting in the queue, and a running task whose worker stopped renewing it
    expire_introduction.enqueue(1)
    started = StartedJobRegistry(queue=backend.queue("default"))
    backend.connection.zadd(started.key, {"lost:execution": (timezone.now() - timedelta(minutes=5)).timestamp()})

    # when the queue is looked at ten minutes later
    health = queue_health(now=timezone.now() + timedelta(minutes=10))

    # then
    assert health["oldest_ready_seconds"] in (600, 599)
    assert health["stuck_running"] == 1
    assert health["failed_last_hour"] == 1
    assert health["healthy"] is False
