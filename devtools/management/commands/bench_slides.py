"""Measure the deck viewer's slides, served by the production setup: one request at a time, then
a few investors turning pages at once (wrk), next to the bare view in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rabta_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python manage.py bench_slides [--duration 5] [--connections 4]

Needs the demo data (``seed_demo``: the live pitch of Raqam Pay and an approved investor) and
Debian's ``wrk``. The slide rate limit is lifted for the run. ``--cold`` first forgets the deck's
rendered pages and the cache, then times the rendering task, so the sequential pass shows a first
view after it.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.settings import PRODUCTION_SESSION_COOKIE_NAME
from devtools.management.commands.bench_pages import (
    LUA,
    production_env,
    production_server,
    server_stop,
    wrk_for_production_shape,
)
from devtools.management.commands.bench_room import free_port, wait_for_port

PAGES_LUA = """
local n = 0
request = function()
  n = n + 1
  local path = string.gsub(wrk.path, "PAGE", tostring(n % PAGES + 1))
  return wrk.format(nil, path)
end
"""


class Command(BaseCommand):
    help = "Milliseconds per watermarked slide and slides a second with a few viewers (production setup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=int, default=5, help="Seconds of load.")
        parser.add_argument("--connections", type=int, default=4, help="Investors turning pages at once.")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
        parser.add_argument("--cold", action="store_true", help="Forget rendered slides before the first pass.")

    def handle(self, *args, **options) -> None:
        from django.core.cache import cache

        from investments.dealroom import decks
        from investments.models import InvestorProfile, Pitch
        from network.demo import sign_in

        wrk = wrk_for_production_shape()
        pitch = Pitch.objects.live().exclude(deck="").order_by("pk").first()
        investor = InvestorProfile.objects.filter(status="approved", user__authenticator__isnull=False).first()
        if pitch is None or investor is None:
            raise CommandError("Load the demo data first: manage.py seed_demo.")
        pages = decks.page_count(pitch)
        if options["cold"]:
            cache.clear()
            decks.rendered_pages_delete(pitch.deck.name)
            started = time.perf_counter()
            drawn = decks.deck_render(pitch)  # what the task queued at upload does, off the request
            elapsed = (time.perf_counter() - started) * 1000
            self.stdout.write(
                f"rendering task: {drawn} pages in {elapsed:.0f} ms ({elapsed / max(drawn, 1):.0f} ms a page)"
            )
        client = sign_in(investor.user.email)
        # The server runs with production settings, which name the session cookie differently.
        cookie = f"{PRODUCTION_SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        port = free_port()
        env = production_env(RABTA_RATE_DECK_SLIDES="1000000/h")
        server, log_name = production_server(port, workers=options["workers"], env=env, log_prefix="bench-slides-")
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        base = f"http://127.0.0.1:{port}"
        slide = f"/deals/{pitch.pk}/deck/PAGE.jpg"
        try:
            wait_for_port(port)
            time.sleep(2)

            def fetch(path: str) -> tuple[float, int]:
                """One request, redirects not followed (a redirect would mean the session is not let in)."""
                connection = http.client.HTTPConnection("127.0.0.1", port)
                started = time.perf_counter()
                connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200 and not hasattr(fetch, "told"):
                    fetch.told = True
                    self.stderr.write(f"{path}: {response.status} {response.getheader('Location')}")
                return (time.perf_counter() - started) * 1000, response.status

            fetch(f"/deals/{pitch.pk}/deck/")  # the viewer: where rendering is asked for when missing
            first = [fetch(slide.replace("PAGE", str(n))) for n in range(1, pages + 1)]
            time.sleep(1)
            again = [fetch(slide.replace("PAGE", str(n))) for n in range(1, pages + 1) for _ in range(3)]
            self.stdout.write(
                f"one at a time, {pages} slides: first pass {[f'{ms:.0f} ms ({s})' for ms, s in first]}; "
                f"after, median {statistics.median(ms for ms, _ in again):.1f} ms, "
                f"max {max(ms for ms, _ in again):.1f} ms, statuses {sorted({s for _, s in again})}"
            )
            rows = []
            report = LUA[LUA.index("done = function") :]
            for name, path, lua in (
                ("bare view", "/bench/bare/", LUA),
                ("slides", slide, f"PAGES = {pages}\n{PAGES_LUA}{report}"),
            ):
                script.write_text(lua)
                out = subprocess.run(  # noqa: S603
                    [wrk, "-t2", f"-c{options['connections']}", f"-d{options['duration']}s", "-s", str(script),
                     "-H", f"Cookie: {cookie}", base + path],
                    capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
                result = json.loads(out.split("RESULT ", 1)[1])
                rows.append((name, result))
        finally:
            server_stop(server)
            script.unlink(missing_ok=True)
        self.stdout.write(
            f"{options['connections']} connections, {options['duration']} s, {options['workers']} uvicorn workers, "
            f"{os.cpu_count()} cores; server log {log_name}"
        )
        self.stdout.write("| what | req/s | p50 ms | p95 ms | p99 ms | non-2xx |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r in rows:
            self.stdout.write(
                f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                f"{r['non2xx'] + r['errors']} |"
            )
