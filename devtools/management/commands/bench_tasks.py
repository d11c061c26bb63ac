"""Claim cost and throughput of the task backends with many future-dated tasks waiting.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rabta_bench .venv/bin/python manage.py bench_tasks \\
        [--waiting 0,20000,100000] [--tasks 200]

For each number of waiting tasks, and for each backend (the Redis backend, core.tasks_backend.RQBackend,
on a redis-server of its own on a free port, and the database backend, django_tasks_db, on the
configured database), it queues that many tasks dated a day ahead, then ``--tasks`` tasks due now,
and measures:

- **claim**: the time a worker takes to take the next due task, median and p95 over the due tasks:
  for the database, the worker's own query (``ready().get_locked()``, SELECT … FOR UPDATE SKIP
  LOCKED) and its claim (UPDATE), in one transaction; for Redis, a worker's dequeue (LPOP and the
  job's hash), plus, per claim, one scheduler pass (what RQ's scheduler does each second: move due
  tasks from the scheduled sorted set to the queue);
- **throughput**: due tasks run end to end per second by one real worker (RQ's forking worker in
  burst mode; the database's ``db_worker`` loop), the task itself doing nothing.

With Celery installed (``pip install -r requirements/bench.txt``) it also measures Celery on the same
redis-server, the broker the site would give it: the waiting tasks are sent with an ``eta`` a day
ahead, the due ones after them, and one worker (``celery worker -P solo``, as a process of its own)
is started; it reports how long after the worker's start the due tasks had all run, their rate once
they ran, the worker's resident memory then, and how many messages it held unacknowledged. Celery's
Redis transport has no scheduled set: a worker takes every ETA task off the queue at once and holds
it in memory until it is due, and Redis gives a message back to the queue when it stays
unacknowledged longer than the visibility timeout. A last run shows what that does to a task whose
ETA lies beyond the timeout (``--celery-visibility``, seconds, scaled down from Celery's one hour,
and Redis looked at each second instead of every 100 s).

The database's tables and the Redis are emptied of the benchmark's rows before each size. Self-
contained: it needs nothing of the site but the two backends.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

BENCH_QUEUE = "default"


@task
def noop(n: int) -> int:
    return n


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _redis_server():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()


def _ms(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values) * 1000, values[int(len(values) * 0.95) - 1] * 1000


class Command(BaseCommand):
    help = "Claim cost and throughput of the Redis and database task backends with future tasks waiting."

    def add_arguments(self, parser):
        parser.add_argument("--waiting", default="0,20000,100000", help="Future-dated tasks waiting (comma list).")
        parser.add_argument("--tasks", type=int, default=200, help="Due tasks claimed and run per measurement.")
        parser.add_argument(
            "--celery-visibility",
            type=int,
            default=3,
            help="Visibility timeout (s) of the last Celery run, whose tasks are due three times as late.",
        )
        parser.add_argument("--no-celery", action="store_true", help="Leave Celery out even when it is installed.")

    def handle(self, *args, **options):
        sizes = [int(n) for n in options["waiting"].split(",")]
        # One log line per task would be measured too.
        for name in ("django.tasks", "django_tasks_db", "rq"):
            logging.getLogger(name).setLevel(logging.WARNING)
        rows = []
        celery_rows = []
        with_celery = not options["no_celery"] and importlib.util.find_spec("celery") is not None
        with _redis_server() as url:
            for waiting in sizes:
                rows.append(("redis (RQ)", waiting, *self.bench_rq(url, waiting, options["tasks"])))
                rows.append((f"database ({connection.vendor})", waiting, *self.bench_db(waiting, options["tasks"])))
                if with_celery:
                    celery_rows.append((waiting, *self.bench_celery(url, waiting, options["tasks"])))
            if with_celery:
                redelivered = self.celery_redelivery(url, options["celery_visibility"])
        self.stdout.write(
            f"{'backend':<22} {'waiting':>8} {'claim median':>13} {'claim p95':>10} {'tasks/s':>8} "
            f"{'forking':>8} {'fill s':>7}"
        )
        for name, waiting, median, p95, rates, fill in rows:
            forking = f"{rates[1]:>8.0f}" if len(rates) > 1 else f"{'':>8}"
            self.stdout.write(
                f"{name:<22} {waiting:>8} {median:>10.2f} ms {p95:>7.2f} ms {rates[0]:>8.0f} {forking} {fill:>7.1f}"
            )
        if not with_celery:
            reason = "left out" if options["no_celery"] else "not installed (pip install -r requirements/bench.txt)"
            self.stdout.write(f"celery: {reason}, not measured")
            return
        self.stdout.write(
            f"\n{'celery (Redis broker)':<22} {'waiting':>8} {'due ran after':>14} {'tasks/s':>8} "
            f"{'worker RSS':>11} {'unacked':>8} {'fill s':>7}"
        )
        for waiting, done_after, rate, rss, unacked, fill in celery_rows:
            self.stdout.write(
                f"{'':<22} {waiting:>8} {done_after:>12.2f} s {rate:>8.0f} {rss:>8.0f} MB {unacked:>8} {fill:>7.1f}"
            )
        tasks, runs, twice = redelivered
        self.stdout.write(
            f"celery, ETA beyond a {options['celery_visibility']} s visibility timeout: "
            f"{tasks} tasks, {runs} runs, {twice} tasks run more than once"
        )

    # --- Redis ---------------------------------------------------------------------------------

    def bench_rq(self, url: str, waiting: int, count: int):
        import redis
        from rq import Queue, SimpleWorker, Worker
        from rq.job import Job
        from rq.registry import FinishedJobRegistry

        def worker_job_ids(client):
            return FinishedJobRegistry(BENCH_QUEUE, connection=client).get_job_ids()

        from rq.scheduler import RQScheduler

        from core.tasks_backend import RQBackend, execute

        backend = RQBackend("bench", {"QUEUES": [BENCH_QUEUE], "OPTIONS": {"URL": url}})
        client = redis.Redis.from_url(url)
        client.flushdb()
        queue = Queue(BENCH_QUEUE, connection=client)
        started = time.perf_counter()
        later = timezone.now() + timedelta(days=1)
        for start in range(0, waiting, 1000):
            with client.pipeline() as pipe:
                for n in range(start, min(start + 1000, waiting)):
                    job = queue.create_job(execute, args=("bench", noop.module_path, [n], {}), result_ttl=60)
                    queue.schedule_job(job, later, pipeline=pipe)
                pipe.execute()
        fill = time.perf_counter() - started
        scheduler = RQScheduler([queue], connection=client)
        scheduler.acquire_locks()

        def enqueue_due():
            with client.pipeline() as pipe:
                for n in range(count):
                    job = queue.create_job(execute, args=("bench", noop.module_path, [n], {}), result_ttl=60)
                    queue.schedule_job(job, timezone.now() - timedelta(seconds=1), pipeline=pipe)
                pipe.execute()

        # Claim: one scheduler pass (moves the due tasks out of the sorted set) and one dequeue per task.
        enqueue_due()
        claims = []
        for _ in range(count):
            t0 = time.perf_counter()
            scheduler.enqueue_scheduled_jobs()
            job, _queue = Queue.dequeue_any([queue], timeout=None, connection=client)
            claims.append(time.perf_counter() - t0)
            assert job is not None
        median, p95 = _ms(claims)
        # Throughput: a real worker in burst mode, as ``task_worker`` runs it (one process, no fork
        # per task), and RQ's default forking worker.
        rates = []
        for worker_class in (SimpleWorker, Worker):
            with self._tasks_backend(backend):
                enqueue_due()
                scheduler.enqueue_scheduled_jobs()
                worker = worker_class([queue], connection=client)
                t0 = datetime.now(UTC)
                worker.work(burst=True, logging_level="WARNING")
                # Until the last task ended: the worker's own start-up and shutdown (a second or
                # more of pub/sub teardown) are not per task.
                ended = [job.ended_at for job in Job.fetch_many(worker_job_ids(client), connection=client) if job]
                last = max(e.replace(tzinfo=UTC) for e in ended)
                rates.append(len(ended) / (last - t0).total_seconds())
                client.delete(*[f"rq:job:{i}" for i in worker_job_ids(client)])
        scheduler.release_locks()
        left = client.zcard(f"rq:scheduled:{BENCH_QUEUE}")
        if left != waiting:
            raise CommandError(f"expected {waiting} tasks still waiting in Redis, found {left}")
        client.flushdb()
        return median, p95, rates, fill

    @contextlib.contextmanager
    def _tasks_backend(self, backend):
        from django.tasks import task_backends

        task_backends._connections.bench = backend
        try:
            yield
        finally:
            with contextlib.suppress(AttributeError):
                del task_backends._connections.bench

    # --- Celery --------------------------------------------------------------------------------

    def _celery_worker(self, url: str, visibility: int | None = None):
        env = {**os.environ, "BENCH_CELERY_BROKER": url}
        env.pop("BENCH_CELERY_VISIBILITY", None)
        if visibility:
            env["BENCH_CELERY_VISIBILITY"] = str(visibility)
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "devtools.celery_bench",
                "worker",
                "-P",
                "solo",
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _celery_app(self, url: str):
        os.environ["BENCH_CELERY_BROKER"] = url
        from devtools import celery_bench

        celery_bench.app.conf.broker_url = url
        return celery_bench

    def bench_celery(self, url: str, waiting: int, count: int):
        import redis

        bench = self._celery_app(url)
        client = redis.Redis.from_url(url)
        client.flushdb()
        later = datetime.now(UTC) + timedelta(days=1)
        started = time.perf_counter()
        with bench.app.producer_or_acquire() as producer:
            for n in range(waiting):
                bench.mark.apply_async((-1 - n,), eta=later, producer=producer)
            fill = time.perf_counter() - started
            for n in range(count):
                bench.mark.apply_async((n,), producer=producer)
        t0 = time.time()
        worker = self._celery_worker(url)
        try:
            deadline = time.monotonic() + 900
            while client.llen(bench.RAN_KEY) < count:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise CommandError(f"the Celery worker ran {client.llen(bench.RAN_KEY)} of {count} due tasks")
                time.sleep(0.05)
            times = sorted(float(item.split(b":")[1]) for item in client.lrange(bench.RAN_KEY, 0, -1))
            with open(f"/proc/{worker.pid}/status") as status:
                rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
            # The worker holds every waiting task, unacknowledged, until it is due.
            deadline = time.monotonic() + 300
            while client.hlen("unacked") < waiting and time.monotonic() < deadline:
                time.sleep(0.1)
            unacked = client.hlen("unacked")
        finally:
            # A warm shutdown gives the held tasks back to the queue.
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=300)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        back = client.llen("celery")
        if back != waiting:
            raise CommandError(f"expected {waiting} Celery tasks back in the queue, found {back}")
        client.flushdb()
        return times[-1] - t0, rate, rss, unacked, fill

    def celery_redelivery(self, url: str, visibility: int, tasks: int = 20):
        """Tasks due at three times the visibility timeout, two workers, until a while after they are due."""
        import redis

        bench = self._celery_app(url)
        client = redis.Redis.from_url(url)
        client.flushdb()
        due = datetime.now(UTC) + timedelta(seconds=3 * visibility)
        with bench.app.producer_or_acquire() as producer:
            for n in range(tasks):
                bench.mark.apply_async((n,), eta=due, producer=producer)
        # A second worker, as production would run, takes what Redis gives back.
        workers = [self._celery_worker(url, visibility) for _ in range(2)]
        try:
            time.sleep(3 * visibility + 15)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        runs = Counter(int(item.split(b":")[0]) for item in client.lrange(bench.RAN_KEY, 0, -1))
        client.flushdb()
        return tasks, sum(runs.values()), sum(1 for n in runs.values() if n > 1)

    # --- Database ------------------------------------------------------------------------------

    def bench_db(self, waiting: int, count: int):
        from django_tasks_db.management.commands.db_worker import Worker
        from django_tasks_db.models import DBTaskResult, get_date_max

        backend_name = "default"
        DBTaskResult.objects.filter(task_path=noop.module_path).delete()
        later = timezone.now() + timedelta(days=1)
        started = time.perf_counter()
        DBTaskResult.objects.bulk_create(
            (
                DBTaskResult(
                    task_path=noop.module_path,
                    args_kwargs={"args": [n], "kwargs": {}},
                    run_after=later,
                    queue_name=BENCH_QUEUE,
                    backend_name=backend_name,
                )
                for n in range(waiting)
            ),
            batch_size=5000,
        )
        fill = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")

        def enqueue_due():
            DBTaskResult.objects.bulk_create(
                DBTaskResult(
                    task_path=noop.module_path,
                    args_kwargs={"args": [n], "kwargs": {}},
                    run_after=get_date_max(),
                    queue_name=BENCH_QUEUE,
                    backend_name=backend_name,
                )
                for n in range(count)
            )

        enqueue_due()
        claims = []
        for _ in range(count):
            t0 = time.perf_counter()
            with transaction.atomic():
                result = DBTaskResult.objects.ready().filter(backend_name=backend_name).get_locked()
                result.claim("bench")
            claims.append(time.perf_counter() - t0)
        median, p95 = _ms(claims)
        enqueue_due()
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id="bench",
            excluded_queue_names=[],
        )
        t0 = time.perf_counter()
        ran = 0
        while True:
            with transaction.atomic():
                result = DBTaskResult.objects.ready().filter(backend_name=backend_name).get_locked()
                if result is None:
                    break
                result.claim(worker.worker_id)
            worker.run_task(result)
            ran += 1
        rate = ran / (time.perf_counter() - t0)
        DBTaskResult.objects.filter(task_path=noop.module_path).delete()
        return median, p95, [rate], fill
