"""Request ids and structured logs: every log line written while serving a request names that request,
and the id goes back to the client (and the load balancer) in ``X-Request-ID``."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# An id from the load balancer is kept when it looks like one; anything else is replaced.
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _incoming_id(request) -> str:
    candidate = request.META.get("HTTP_X_REQUEST_ID", "")
    return candidate if VALID_ID.match(candidate) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each request an id (or keep the load balancer's), for the logs and the response."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        request.id = _incoming_id(request)
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response

    async def __acall__(self, request):
        request.id = _incoming_id(request)
        token = request_id_var.set(request.id)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id == "-":
            # Django logs 4xx/5xx responses after the middleware returned; the request still knows its id.
            request_id = getattr(getattr(record, "request", None), "id", "-")
        record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
