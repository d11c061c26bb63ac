from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import redis_server


@pytest.fixture
def rq_backend(settings) -> Iterator:
    """The site's tasks on the Redis backend, in a Redis of this test's own, with no retries: a
    task that raises ends failed at once. Run its queue with RQ's ``SimpleWorker(...).work(burst=True)``."""
    with redis_server() as server:
        settings.TASKS = {
            "default": {
                "BACKEND": "core.tasks_backend.RQBackend",
                "QUEUES": ["default"],
                "OPTIONS": {"URL": server.url, "RETRY_INTERVALS": []},
            }
        }
        from django.tasks import task_backends

        yield task_backends["default"]
