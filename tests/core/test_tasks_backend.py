"""The production task queue (core.tasks_backend.RQBackend) with real processes: a Redis of the
test's own, real workers (``manage.py task_worker``) in processes the test may kill, and a mail
server of the test's own that can go silent (accept connections and never answer).

Tasks are queued from the test through Django's API, exactly as the site queues them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone

from mentorship import services as mentorship_services
from mentorship.tasks import send_booking_reminder
from network.models import EmailDelivery, Notification
from network.tasks import expire_introduction, send_notification_email
from tests.mentorship.factories import BookingFactory
from tests.servers import current_database_url, free_port, redis_server

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


class MailServer:
    """Just enough SMTP to take messages; the first ``silent_for`` connections get no answer at all."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.connections = 0
        self.silent_for = 0
        self._held: list[socket.socket] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.connections <= self.silent_for:
                self._held.append(conn)  # open, never read, never answered
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 test ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    body = b""
                    for data in lines:
                        if data == b".\r\n":
                            break
                        body += data
                    self.messages.append(body)
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self._sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    yield server
    server.close()


@pytest.fixture
def queue_redis(settings) -> Iterator[str]:
    """A Redis of this test's own, and the site's tasks going to it through the Redis backend."""
    with redis_server() as server:
        settings.TASKS = {
            "default": {
                "BACKEND": "core.tasks_backend.RQBackend",
                "QUEUES": ["default"],
                "OPTIONS": {"URL": server.url, "RETRY_INTERVALS": [1, 1], "JOB_TIMEOUT": 20},
            }
        }
        yield server.url


@pytest.fixture
def workers(queue_redis, mail_server) -> Iterator[Callable[..., subprocess.Popen]]:
    """``start(EMAIL_TIMEOUT=...)`` starts a ``task_worker`` process; every one is stopped at the end."""
    started: list[subprocess.Popen] = []
    logs = tempfile.TemporaryDirectory(prefix="rabta-worker-")

    def start(**env: str) -> subprocess.Popen:
        log = open(Path(logs.name) / f"worker-{len(started)}.log", "w")  # noqa: SIM115 - kept open while it runs
        process = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--maintenance-interval", "1"],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
                "DATABASE_URL": current_database_url(),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": "1",
                "PYTHONUNBUFFERED": "1",
                "REDIS_URL": queue_redis,
                "CACHE_KEY_PREFIX": f"rabta-test-{free_port()}",
                "TASKS_BACKEND": "core.tasks_backend.RQBackend",
                "TASKS_RETRY_INTERVALS": "1,1",
                "TASKS_JOB_TIMEOUT": "20",
                "EMAIL_BACKEND": "smtp",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(mail_server.port),
                "EMAIL_TIMEOUT": "1",
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    logs.cleanup()


def wait_for(condition: Callable[[], bool], *, seconds: float = 60, what: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what()}")


def status_of(result) -> str:
    result.refresh()
    return result.status


def worker_log(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text()


def test_a_worker_killed_mid_task_is_run_again_and_the_email_goes_once(member, workers, mail_server, queue_redis):
    # given a notification whose email is being sent by a worker when its machine dies
    notification = Notification.objects.create(recipient=member, kind="test", message="Your request was answered")
    mail_server.silent_for = 1
    result = send_notification_email.enqueue(notification.pk)
    first = workers(EMAIL_TIMEOUT="60")
    wait_for(lambda: mail_server.connections == 1, what=lambda: "the task reached the mail server")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert status_of(result) == TaskResultStatus.RUNNING  # nobody is left to finish it

    # when a minute or so has passed (the test moves that clock forward): the dead worker's
    # heartbeat has lapsed, so RQ's maintenance finds the task abandoned and queues its retry, and
    # the dead worker's hold on the scheduler (a Redis key with a time to live) has expired
    import redis
    from rq import Queue
    from rq.registry import StartedJobRegistry
    from rq.scheduler import RQScheduler

    connection = redis.Redis.from_url(queue_redis)
    StartedJobRegistry(queue=Queue("default", connection=connection)).cleanup(timestamp=time.time() + 3600)
    connection.delete(RQScheduler.get_locking_key("default"))
    second = workers()
    wait_for(lambda: status_of(result) == TaskResultStatus.SUCCESSFUL, what=lambda: worker_log(second))

    # then the task ran once more and the member got the email once
    assert result.return_value is True
    assert len(mail_server.messages) == 1
    assert b"Your request was answered" in mail_server.messages[0]
    assert EmailDelivery.objects.filter(key=f"notification:{notification.pk}").count() == 1

    # and the same task run yet again sends nothing more
    again = send_notification_email.enqueue(notification.pk)
    wait_for(lambda: status_of(again) == TaskResultStatus.SUCCESSFUL, what=lambda: worker_log(second))
    assert again.return_value is False
    assert len(mail_server.messages) == 1


def test_a_silent_mail_server_times_out_the_task_which_retries_while_other_tasks_flow(member, workers, mail_server):
    # given a mail server that accepts the first connection and never answers it, and an email queued first
    mail_server.silent_for = 1
    notification = Notification.objects.create(recipient=member, kind="test", message="A new message")
    email = send_notification_email.enqueue(notification.pk)
    worker = workers(EMAIL_TIMEOUT="1")
    wait_for(lambda: mail_server.connections == 1, what=lambda: "the first attempt reached the mail server")

    # when five other tasks are queued behind it
    others = [expire_introduction.enqueue(10_000_000 + n) for n in range(5)]

    # then the email's attempt gives up after EMAIL_TIMEOUT, the others run while it waits for its
    # retry, and the retry sends it, once
    wait_for(lambda: status_of(email) == TaskResultStatus.SUCCESSFUL, what=lambda: worker_log(worker))
    for other in others:
        other.refresh()
    assert [other.status for other in others] == [TaskResultStatus.SUCCESSFUL] * 5
    assert [other.return_value for other in others] == [False] * 5
    assert max(other.finished_at for other in others) < email.finished_at
    assert len(email.errors) == 1
    assert "timed out" in email.errors[0].traceback
    assert mail_server.connections == 2
    assert len(mail_server.messages) == 1
    assert EmailDelivery.objects.filter(key=f"notification:{notification.pk}").count() == 1


def test_a_task_that_keeps_failing_ends_failed_with_its_errors(member, workers, mail_server):
    # given a mail server that never answers
    mail_server.silent_for = 100
    notification = Notification.objects.create(recipient=member, kind="test", message="Never delivered")

    # when its email is tried three times (the first and two retries)
    email = send_notification_email.enqueue(notification.pk)
    worker = workers(EMAIL_TIMEOUT="1")

    # then it ends FAILED with the three errors, and nothing marked as sent
    wait_for(lambda: status_of(email) == TaskResultStatus.FAILED, what=lambda: worker_log(worker))
    assert len(email.errors) == 3
    assert all("timed out" in error.traceback for error in email.errors)
    assert mail_server.connections == 3
    assert not EmailDelivery.objects.exists()


def test_a_cancelled_bookings_reminder_never_sends_even_after_a_worker_restart(workers, mail_server):
    # given two confirmed sessions with a reminder due in two seconds
    kept, cancelled = BookingFactory(), BookingFactory()
    due = timezone.now() + timedelta(seconds=2)
    reminders = [
        send_booking_reminder.using(run_after=due).enqueue(b.pk, b.start.isoformat(), b.sequence, 24)
        for b in (kept, cancelled)
    ]
    first = workers()

    # when one is cancelled and the worker restarts before the reminders are due
    mentorship_services.booking_cancel(actor=cancelled.mentee, booking=cancelled, reason="Travelling")
    os.killpg(first.pid, signal.SIGTERM)
    first.wait()
    second = workers()

    # then only the kept session's two people are reminded, once each
    wait_for(
        lambda: all(status_of(r) == TaskResultStatus.SUCCESSFUL for r in reminders), what=lambda: worker_log(second)
    )
    assert [r.return_value for r in reminders] == [True, False]
    reminders_sent = [m.decode() for m in mail_server.messages if b"Subject: Reminder:" in m]
    recipients = sorted(line for m in reminders_sent for line in m.splitlines() if line.startswith("To:"))
    assert recipients == sorted([f"To: {kept.mentee.email}", f"To: {kept.mentor.user.email}"])
    assert sorted(EmailDelivery.objects.filter(key__startswith="reminder:").values_list("key", flat=True)) == sorted(
        f"reminder:{kept.pk}:{kept.sequence}:24:{user.pk}" for user in (kept.mentee, kept.mentor.user)
    )


def test_a_scheduled_tasks_result_reads_while_the_scheduler_moves_it_and_keeps_its_time(queue_redis):
    # given a task scheduled for later
    from django.tasks import default_task_backend
    from rq.registry import ScheduledJobRegistry

    due = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    queued = expire_introduction.using(run_after=due).enqueue(1)
    backend = default_task_backend
    registry = ScheduledJobRegistry(queue=backend.queue("default"))
    assert backend.get_result(queued.id).task.run_after == due

    # when the scheduler takes it out of the registry before its status changes (the race a
    # worker's scheduler runs against any reader)
    backend.connection.zrem(registry.key, queued.id)

    # then its result still reads, with the time it was scheduled for
    result = backend.get_result(queued.id)
    assert result.status == TaskResultStatus.READY
    assert result.task.run_after == due

    # and a job queued before the time was kept in its meta reads too: from the registry while it
    # waits, without a time once the scheduler has moved it
    from rq.job import Job

    legacy = expire_introduction.using(run_after=due).enqueue(2)
    job = Job.fetch(legacy.id, connection=backend.connection)
    del job.meta["run_after"]
    job.save_meta()
    assert backend.get_result(legacy.id).task.run_after == due
    backend.connection.zrem(registry.key, legacy.id)
    assert backend.get_result(legacy.id).task.run_after is None


def test_a_result_describes_the_job_as_it_was_read_so_a_finished_task_has_its_value(workers, queue_redis):
    # given a task's job read from Redis while it waits (the first half of get_result)
    from django.tasks import default_task_backend
    from rq.job import Job

    queued = expire_introduction.enqueue(999999)
    backend = default_task_backend
    job = Job.fetch(queued.id, connection=backend.connection)

    # when a worker finishes it before the rest is read (its results, its status)
    worker = workers()
    wait_for(lambda: status_of(queued) == TaskResultStatus.SUCCESSFUL, what=lambda: worker_log(worker))
    result = backend._result(job)

    # then the result is the job as it was read, waiting; never finished without its value
    assert result.status == TaskResultStatus.READY
    assert status_of(queued) == TaskResultStatus.SUCCESSFUL
    assert queued.return_value is False
