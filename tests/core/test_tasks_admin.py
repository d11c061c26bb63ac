"""Staff see the background queue in the admin: its health, as /readyz reports it, and the latest
failed tasks with their errors, on the database backend and on the Redis backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core.tasks_health import failed_tasks
from network.tasks import expire_introduction
from tests.network.factories import ProfileFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
TRACEBACK = (
    'Traceback (most recent call last):\n  File "x.py", line 1\n'
    "smtplib.SMTPServerDisconnected: Connection unexpectedly closed\n"
)


def failed(minutes_ago: int, **fields) -> DBTaskResult:
    return DBTaskResult.objects.create(
        **{
            "task_path": "network.tasks.send_notification_email",
            "args_kwargs": {"args": [4242], "kwargs": {}},
            "backend_name": "default",
            "run_after": get_date_max(),
            "status": "FAILED",
            "finished_at": NOW - timedelta(minutes=minutes_ago),
            "exception_class_path": "smtplib.SMTPServerDisconnected",
            "traceback": TRACEBACK,
            **fields,
        }
    )


def test_the_database_queues_failed_tasks_newest_first_with_the_errors_last_line():
    older, newer = failed(30), failed(5, worker_ids=["w1", "w2"])
    DBTaskResult.objects.create(
        task_path="network.tasks.expire_introduction", args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default", run_after=get_date_max(),
    )  # fmt: skip

    tasks = failed_tasks()

    assert [t.id for t in tasks] == [str(newer.pk), str(older.pk)]
    assert (tasks[0].attempts, tasks[1].attempts) == (2, 1)
    assert tasks[0].error == "smtplib.SMTPServerDisconnected"
    assert tasks[0].message == "smtplib.SMTPServerDisconnected: Connection unexpectedly closed"
    assert failed_tasks(limit=1) == tasks[:1]


def test_the_redis_queues_failed_tasks_carry_every_attempts_error(rq_backend):
    from rq import SimpleWorker

    backend = rq_backend
    # given two tasks that fail, one after the other
    first = expire_introduction.enqueue("not-a-number")
    second = expire_introduction.enqueue("nor-this")
    SimpleWorker([backend.queue("default")], connection=backend.connection).work(burst=True)

    tasks = failed_tasks()

    assert [t.id for t in tasks] == [second.id, first.id]
    assert tasks[0].task_path == "network.tasks.expire_introduction"
    assert tasks[0].error == "builtins.ValueError"
    assert tasks[0].message.startswith("ValueError: ")
    assert tasks[0].failed_at is not None
    assert tasks[0].failed_at.tzinfo is not None


def test_the_message_is_the_exceptions_line_and_no_more_than_a_line():
    failed(1, traceback=TRACEBACK + "DETAIL:  Key (email)=(someone@example.org) already exists.\n")
    failed(2, exception_class_path="builtins.ValueError", traceback="ValueError: " + "x" * 1000)

    latest, longer = failed_tasks()

    assert latest.message == "smtplib.SMTPServerDisconnected: Connection unexpectedly closed"
    assert len(longer.message) == 300


def test_a_queue_that_does_not_answer_shows_as_such(settings, admin_client_mfa):
    settings.TASKS = {
        "default": {
            "BACKEND": "core.tasks_backend.RQBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"URL": f"redis://127.0.0.1:{free_port()}/0"},
        }
    }

    assert failed_tasks() is None
    body = admin_client_mfa.get("/admin/tasks/").content.decode()
    assert "Not answering" in body
    assert "failed tasks could not be read" in body


def test_only_staff_who_may_read_task_results_see_the_queue_page(client_for, member, admin_client_mfa, staff_superuser):
    from django.test import Client

    failed(5)
    path = "/admin/tasks/"
    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user

    assert Client().get(path).status_code == 302
    assert client_for(member).get(path).status_code == 302  # to the admin's sign-in, which sends members away
    assert client_for(staff, mfa=True).get(path).status_code == 403
    assert "/admin/tasks/" not in client_for(staff, mfa=True).get("/admin/").content.decode()
    assert client_for(staff_superuser, mfa=False).get(path)["Location"].startswith(reverse("network:mfa-required"))

    page = admin_client_mfa.get(path)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Healthy" in body  # a failure alone is not a backlog
    assert "Needs attention" not in body
    assert "network.tasks.send_notification_email" in body
    assert "Connection unexpectedly closed" in body
    assert "4242" not in body  # arguments name members and objects: not shown
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    assert 'href="/admin/tasks/"' in admin_client_mfa.get("/admin/").content.decode()
