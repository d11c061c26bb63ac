"""Run background tasks: RQ's worker on the Redis backend (production), ``db_worker`` on the
database backend (the embedded default). ``manage.py task_worker --queue default``."""

from __future__ import annotations

import logging

from django.core.management import BaseCommand, call_command
from django.tasks import task_backends

from core.tasks_backend import RQBackend


class Command(BaseCommand):
    help = "Run the background task worker of the configured tasks backend."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="The TASKS alias (default: default).")
        parser.add_argument(
            "--queue", action="append", dest="queues", help="A queue to work on, repeatable (default: all)."
        )
        parser.add_argument("--burst", action="store_true", help="Run what is queued, then stop.")
        parser.add_argument("--name", default=None, help="The worker's name (default: host and process id).")
        parser.add_argument(
            "--maintenance-interval",
            type=int,
            default=60,
            help="Seconds between the sweeps that requeue tasks of dead workers (default: 60).",
        )

    def handle(self, *args, **options):
        backend = task_backends[options["backend"]]
        queues = options["queues"] or sorted(backend.queues)
        if not isinstance(backend, RQBackend):
            call_command(
                "db_worker",
                queue_name=",".join(queues),
                backend_name=options["backend"],
                reload=False,
                batch=options["burst"],
            )
            return
        from rq import SimpleWorker

        logging.getLogger("rq.worker").setLevel(logging.INFO)
        # Tasks run in the worker's own process, not a process forked for each: 5 times the
        # throughput (docs/performance.md); the time limit still stops a task (SIGALRM).
        worker = SimpleWorker(
            [backend.queue(name) for name in queues],
            connection=backend.connection,
            name=options["name"],
            maintenance_interval=options["maintenance_interval"],
        )
        # with_scheduler: one worker at a time (a lock in Redis) moves due scheduled tasks to their queue.
        worker.work(burst=options["burst"], with_scheduler=True, logging_level="INFO")
