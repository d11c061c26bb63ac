"""Helpers for tests of the page cache's ASGI front: Django behind it, and a request to it."""

from __future__ import annotations

from network.pagecache import PageFront
from tests.asyncio_helpers import run_async


class Downstream:
    """Stands for Django behind the front: records what reached it and answers 418."""

    def __init__(self):
        self.paths = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"from django"})


def ask(front, path: str, *, method: str = "GET", query: bytes = b"", headers=(), scheme: str = "http") -> dict:
    scope = {
        "type": "http",
        "scheme": scheme,
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *headers],
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(lambda: front(scope, receive, send))
    start, body = sent[0], sent[1]
    return {
        "status": start["status"],
        "headers": {k.decode(): v.decode() for k, v in start.get("headers", [])},
        "body": body.get("body", b""),
    }


def cookie_header(client) -> tuple[bytes, bytes]:
    return (b"cookie", "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()).encode())


def seen(client, url: str):
    """The member opens ``url`` twice through Django: the first view sets the CSRF cookie, the second
    is stored for their session."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "miss"
    return response


def from_front(client, url: str, downstream: Downstream | None = None, *, headers_extra=(), **kwargs) -> dict:
    """Ask the front for ``url`` with the cookies of the test client ``client`` (a member's browser)."""
    return ask(PageFront(downstream or Downstream()), url, headers=[cookie_header(client), *headers_extra], **kwargs)
