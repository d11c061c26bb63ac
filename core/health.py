"""Health for load balancers: ``/healthz`` (the process answers) and ``/readyz`` (it can reach its
database and, when configured, Redis; it also reports the background queue's health, which does not
take the web server out of service: a backlog is the workers' problem, not the web's)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def database_reachable(settings_dict: dict | None = None) -> bool:
    """Open (and close) a fresh connection with these settings — the default database's unless given.

    The driver's connection is opened directly: no pool, no signals, nothing shared with the
    connections that serve requests.
    """
    settings_dict = settings_dict or connections["default"].settings_dict
    options = {k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k != "pool"}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper({**settings_dict, "OPTIONS": options})
    raw = None
    try:
        raw = wrapper.get_new_connection(wrapper.get_connection_params())
        cursor = raw.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        return True
    except Exception:
        logger.exception("Readiness: the database is unreachable")
        return False
    finally:
        if raw is not None:
            raw.close()


def redis_reachable(url: str | None = None) -> bool | None:
    """PING Redis at ``url`` (``REDIS_URL`` unless given); None when the site runs without Redis."""
    url = url if url is not None else getattr(settings, "REDIS_URL", None)
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.exception("Readiness: Redis is unreachable")
        return False
    finally:
        client.close()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_reachable()}
    redis_state = redis_reachable()
    if redis_state is not None:
        checks["redis"] = redis_state
    ready = all(checks.values())
    from core.tasks_health import queue_health

    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks, "tasks": queue_health()},
        status=200 if ready else 503,
    )
