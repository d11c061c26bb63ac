"""Measure the key pages against a bare Django view, served by the production setup, with wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rabta_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python manage.py bench_pages [--seed] [--members 100000] [--duration 10] [--connections 50]

Starts uvicorn with --workers (one per core) and production settings on the database and Redis named
by the environment, warms each page, then runs wrk against each for --duration seconds at
--connections concurrent connections, and prints requests per second, p50/p95/p99 latency and the
ratio to the bare view measured in the same run. Signed-in pages use real sessions of demo accounts
(``seed_demo``). Needs Debian's ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string

from devtools.management.commands.bench_room import ROOT, children, free_port, wait_for_port

LUA = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
request = function()
  if first_view then
    count = (count or 0) + 1
    local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. sep .. "view=" .. id .. "-" .. count)
  end
  return wrk.format(nil, wrk.path)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('RESULT {"rps": %.1f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d, "non2xx": %d}\\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
"""


FIRST_VIEW = "first view"


def wrk_for_production_shape() -> str:
    """The path of wrk, once the database and cache are the production kinds (or why not)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise CommandError("wrk is missing: apt-get install wrk")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or not settings.REDIS_URL:
        raise CommandError("Measure the production shape: set DATABASE_URL (PostgreSQL) and REDIS_URL.")
    return wrk


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a server run with production settings on this process's database and Redis."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions made here must verify there
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "RABTA_BENCH_BARE_VIEW": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def production_server(port: int, *, workers: int, env: dict[str, str], log_prefix: str):
    """uvicorn as ``bin/web`` runs it (a worker per core); returns the process and its log's path."""
    log = tempfile.NamedTemporaryFile("w", prefix=log_prefix, suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    return server, log.name


def server_stop(server) -> None:
    for pid in children(server.pid):
        os.kill(pid, 15)
    server.terminate()
    server.wait(timeout=20)


class Command(BaseCommand):
    help = "Requests per second and latency of the key pages next to a bare view (wrk, production setup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", action="store_true", help="Run seed_demo first (with --members).")
        parser.add_argument("--members", type=int, default=0, help="Bulk members for seed_demo --members.")
        parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
        parser.add_argument("--connections", type=int, default=50)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)

    def handle(self, *args, **options) -> None:
        wrk = wrk_for_production_shape()
        call_command("migrate", verbosity=0)
        if options["seed"]:
            call_command("seed_demo", members=options["members"])
        pages = self._pages()
        port = free_port()
        env = production_env()
        # Hashed, compressed static files, as production serves them (the manifest needs DEBUG off).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        server, log_name = production_server(port, workers=options["workers"], env=env, log_prefix="bench-pages-")
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(LUA)
        try:
            wait_for_port(port)
            time.sleep(2)  # uvicorn's workers start after the port opens
            rows = []
            for name, path, cookie in pages:
                url = f"http://127.0.0.1:{port}{path}"
                headers = ["-H", f"Cookie: {cookie}"] if cookie else []
                answer = requests.get(url, headers=dict([headers[1].split(": ", 1)]) if cookie else {}, timeout=30,
                                      allow_redirects=False)  # fmt: skip
                if answer.status_code != 200:
                    # wrk counts a redirect (to the sign-in page, say) as a success: measure only pages.
                    raise CommandError(f"{name}: {path} answered {answer.status_code}, not the page")
                for _ in range(3):  # warm: caches, connection pools, each worker's first request
                    subprocess.run([wrk, "-t1", "-c2", "-d1s", *headers, url], capture_output=True, check=True)  # noqa: S603
                # A first view: each request asks for the page with a query of its own, so the member's
                # kept page never answers (shared fragments still do, as for any member's first view).
                script.write_text(("first_view = true\n" if FIRST_VIEW in name else "") + LUA)
                out = subprocess.run(  # noqa: S603
                    [wrk, "-t2", f"-c{options['connections']}", f"-d{options['duration']}s", "-s", str(script),
                     *headers, url],
                    capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
                result = json.loads(out.split("RESULT ", 1)[1])
                rows.append((name, path, result))
                self.stdout.write(f"{name}: {result}")
        finally:
            server_stop(server)
            script.unlink(missing_ok=True)
        self._report(rows, options, log_name)

    def _pages(self) -> list[tuple[str, str, str | None]]:
        """(name, path, session cookie or None) for the bare view and each key page."""
        from cms.models import StoryPage
        from investments.models import Cohort, InvestorProfile
        from mentorship.models import Mentor
        from network.demo import sign_in

        def session(email: str) -> str:
            """The cookies of a browser signed in as ``email``: its session, and the CSRF cookie every
            browser holds after its first page."""
            client = sign_in(email)
            csrf_secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
            # The servers run production settings, whose cookies have production names.
            return (
                f"{settings.PRODUCTION_SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                f"{settings.PRODUCTION_CSRF_COOKIE_NAME}={csrf_secret}"
            )

        story = StoryPage.objects.live().order_by("-date").first()
        mentor = Mentor.objects.listed().select_related("user").order_by("id").first()
        investor = (
            InvestorProfile.objects.filter(status="approved", user__authenticator__isnull=False)
            .select_related("user")
            .first()
        )
        cohort = Cohort.objects.select_related("incubator").filter(status="running").first()
        if not (story and mentor and investor and cohort):
            raise CommandError("Load the demo data first: --seed (or manage.py seed_demo).")
        founder = session("founder@demo.rabta.pk")
        investor_session = session(investor.user.email)
        manager = session("incubator@demo.rabta.pk")
        member_pages = [
            ("directory (member)", "/members/", founder),
            ("mentor list (member)", "/mentors/", founder),
            ("my sessions (member)", "/sessions/", founder),
            ("deal list (investor)", "/deals/", investor_session),
            ("incubator dashboard (manager)", f"/incubators/{cohort.incubator.slug}/", manager),
        ]
        return [
            ("bare view", "/bench/bare/", None),
            ("home (visitor)", "/", None),
            ("story index (visitor)", "/stories/", None),
            ("story page (visitor)", story.url, None),
            ("public profile (visitor)", f"/members/{mentor.user_id}/", None),
            ("impact dashboard (visitor)", "/impact/", None),
            ("mentor list (visitor)", "/mentors/", None),
            ("signed-in floor (member)", "/bench/member/", founder),
            *member_pages,
            *((f"{name[:-1]}, {FIRST_VIEW})", path, cookie) for name, path, cookie in member_pages),
        ]

    def _report(self, rows, options, log_name: str) -> None:
        bare = rows[0][2]["rps"]
        floor = next((r["rps"] for name, _path, r in rows if name.startswith("signed-in floor")), None)
        from network.models import Profile

        members = Profile.objects.count()
        self.stdout.write("")
        self.stdout.write(
            f"{options['connections']} connections, {options['duration']} s a page, {options['workers']} uvicorn "
            f"workers, {os.cpu_count()} cores, {members:,} members; server log {log_name}"
        )
        self.stdout.write("| page | req/s | p50 ms | p95 ms | p99 ms | of bare | of signed-in floor | non-2xx |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, _path, r in rows:
            signed_in = any(f"({who}" in name for who in ("member", "investor", "manager"))
            of_floor = f"{r['rps'] / floor * 100:.0f} %" if floor and signed_in else ""
            self.stdout.write(
                f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                f"{r['rps'] / bare * 100:.0f} % | {of_floor} | {r['non2xx'] + r['errors']} |"
            )
