"""The Celery app bench_tasks compares with the site's Redis queue (requirements/bench.txt).

Run by bench_tasks as ``celery -A devtools.celery_bench worker``; the broker is the benchmark's own
redis-server (``BENCH_CELERY_BROKER``). The one task records that it ran, and when, in a Redis list,
so the benchmark counts what ran, and what ran more than once, from outside the worker. No Django:
the comparison is of the queue, not of the site's code.
"""

from __future__ import annotations

import os
import time

import redis
from celery import Celery

BROKER = os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/15")
RAN_KEY = "bench:ran"

app = Celery("rabta_bench", broker=BROKER)
app.conf.update(
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    # The redelivery window (Celery's default: one hour, looked for every 100 s); bench_tasks
    # shortens both to show what happens to a task whose ETA lies beyond the window.
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("BENCH_CELERY_VISIBILITY", "3600")),
        **(
            {"unacked_restore_interval": 1, "unacked_restore_throttle": 1}
            if os.environ.get("BENCH_CELERY_VISIBILITY")
            else {}
        ),
    },
)
_client = redis.Redis.from_url(BROKER)


@app.task(name="bench.mark")
def mark(n: int) -> None:
    _client.rpush(RAN_KEY, f"{n}:{time.time()}")
