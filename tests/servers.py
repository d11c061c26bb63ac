"""Real ASGI servers (daphne) for tests that need WebSockets over the network.

The server runs in its own process against the test database, so the data a
test commits is what the server sees.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def current_database_url() -> str:
    """A DATABASE_URL for the database this test process is using right now."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextlib.contextmanager
def asgi_server(run_id: str | None = None, **env: str) -> Iterator[str]:
    """Start daphne serving ``config.asgi`` on a free port; yield its base URL.

    Servers started with the same ``run_id`` share cache keys and channel groups.
    """
    port = free_port()
    run_id = run_id or uuid.uuid4().hex[:12]
    environment = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        # Counters and groups of one run never meet another run's in a shared Redis.
        "CACHE_KEY_PREFIX": f"rabta-test-{run_id}",
        "CHANNEL_LAYER_PREFIX": f"rabta-test-{run_id}",
        **env,
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{process.stdout.read()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("daphne did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


_collected_static: dict[str, str] = {}


def collected_static() -> str:
    """Static files collected as for production (hashed names, compressed), once per test run."""
    if "root" not in _collected_static:
        import tempfile

        root = tempfile.mkdtemp(prefix="rabta-static-")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "collectstatic-only-" + "x" * 40,
                "DJANGO_ALLOWED_HOSTS": "localhost",
                "STATIC_ROOT": root,
            },
            check=True,
        )
        _collected_static["root"] = root
    return _collected_static["root"]


@contextlib.contextmanager
def web_server(
    run_id: str | None = None,
    *,
    shared_secret: bool = False,
    log: list | None = None,
    pids: list | None = None,
    **env: str,
) -> Iterator[str]:
    """Start the production web server (``bin/web``: uvicorn, production settings) on a free port.

    One worker unless ``WEB_WORKERS`` says otherwise; the cache and channel layer are Redis when
    ``REDIS_URL`` is given. With ``shared_secret`` the server uses this run's SECRET_KEY, so sessions
    the test makes (``production_session_cookie``) sign members in. Yields the base URL once every
    worker answers; what the server printed is appended to ``log`` when it stops, and its process
    group id to ``pids`` when it starts (for a test that kills it outright).
    """
    from django.conf import settings

    port = free_port()
    run_id = run_id or uuid.uuid4().hex[:12]
    if shared_secret:
        env = {"DJANGO_SECRET_KEY": settings.SECRET_KEY, **env}
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "RABTA_TRUSTED_PROXIES"}},
        "DATABASE_URL": current_database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": f"test-only-{run_id}-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        "CACHE_KEY_PREFIX": f"rabta-test-{run_id}",
        "CHANNEL_LAYER_PREFIX": f"rabta-test-{run_id}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "RABTA_SERVE_MEDIA": "1",
        "STATIC_ROOT": collected_static(),
        **env,
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [str(ROOT / "bin" / "web")],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    if pids is not None:
        pids.append(process.pid)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"bin/web exited:\n{process.stdout.read()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if probe.recv(12).startswith(b"HTTP/1.1 200"):
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("bin/web did not answer within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        if log is not None:
            log.append(process.stdout.read())


def production_session_cookie(user) -> str:
    """A Cookie header signing ``user`` in to the production server (``web_server``), whose session cookie
    is a ``__Host-`` cookie; the server must share this run's SECRET_KEY (``web_server(shared_secret=True)``)."""
    from django.conf import settings

    from tests.sessions import session_cookie_value

    return f"{settings.PRODUCTION_SESSION_COOKIE_NAME}={session_cookie_value(user)}"


class RedisServer:
    """A Redis of the test's own on a free port, which the test may stop, start again and pause."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(7) == b"+PONG\r\n":
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def pause(self) -> None:
        os.kill(self.process.pid, 19)  # SIGSTOP: connections stay open, nothing answers

    def resume(self) -> None:
        os.kill(self.process.pid, 18)  # SIGCONT


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            with contextlib.suppress(ProcessLookupError):
                server.resume()
        server.stop()
