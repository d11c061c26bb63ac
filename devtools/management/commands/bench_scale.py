"""Measure whether the key reads stay flat from a small to a large data set, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rabta_scale REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python manage.py bench_scale [--sizes 1000,100000] [--repeat 30] [--hops 20]

For each size it uses the database ``<name>_<size>`` next to the one DATABASE_URL names
(``rabta_scale_1000``, ``rabta_scale_100000``): created if missing, migrated, and loaded with
``seed_demo --members <size>`` (members, mentors, bookings, 10 room messages per member, pitches,
stories) unless it already holds that many bulk members. Each size is measured in a process of its
own, in-process (Django's test client with real sessions of the demo accounts, and the selectors
called directly): ``--warmup`` calls, then ``--repeat`` timed ones, median and p95, and the queries of
one call. It prints the data sizes and one table with a column per size and the ratio large/small;
then, for the largest size, the indexes each operation's queries use and any sequential scan of a
large table (from EXPLAIN), so whatever is not flat can be traced to its plan.

Directory pages are cached as fragments; the benchmark makes them stale before each call, so it
measures the database, not the cache. ``--here`` measures the current database only (what each
size's process runs) and prints the figures as JSON.
"""

from __future__ import annotations

import html
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[3]
BULK_DOMAIN = "bulk.rabta.pk"  # seed_demo's bulk members
VIEWER = "founder@demo.rabta.pk"
# Terms that match bulk members' names: one first name in 36, and one name in 36 × 22.
BROAD_QUERY = "Zainab"
NARROW_QUERY = "Zainab Rizvi"
LARGE_TABLE_ROWS = 10_000  # a sequential scan of a table this large is reported
NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next"')


@dataclass
class Measurement:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    note: str = ""
    indexes: list[str] = field(default_factory=list)
    seq_scans: list[str] = field(default_factory=list)


def timed(call: Callable[[], object], *, repeat: int, warmup: int, before: Callable[[], None] | None = None):
    """Median and p95 in milliseconds of ``repeat`` calls after ``warmup`` ones; ``before`` runs untimed."""
    for _ in range(warmup):
        if before:
            before()
        call()
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def explain(queries: list[dict], sizes: dict[str, int]) -> tuple[list[str], list[str]]:
    """Indexes used by ``queries`` (captured SQL) and the large tables they scan sequentially (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return [], []
    indexes, scans = [], []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            for node in _plan_nodes(plan):
                if "Index Name" in node and node["Index Name"] not in indexes:
                    indexes.append(node["Index Name"])
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and sizes.get(table, 0) >= LARGE_TABLE_ROWS and table not in scans:
                    scans.append(table)
    return indexes, scans


def table_rows() -> dict[str, int]:
    """Estimated rows of every table (PostgreSQL's statistics; exact counts are not needed here)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def data_sizes() -> dict[str, int]:
    from investments.models import Pitch
    from mentorship.models import Booking, Mentor, RoomMessage
    from network.models import Profile

    return {
        "members": Profile.objects.count(),
        "mentors (listed)": Mentor.objects.listed().count(),
        "bookings": Booking.objects.count(),
        "room messages": RoomMessage.objects.count(),
        "live pitches": Pitch.objects.live().count(),
    }


def _signed_in(email: str) -> Client:
    from network.demo import sign_in

    return sign_in(email)


def _get(client: Client, url: str) -> Callable[[], object]:
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url}: {response.status_code}")
        return response

    return call


def _directory_stale() -> None:
    """The directory's cached fragments are stale from now on: the next page is built from the database."""
    from core.pagecache import bump_pages

    bump_pages("profiles")


def _deals_stale() -> None:
    """The deal list's cached page of deals is stale from now on: built from the database."""
    from core.pagecache import bump_pages

    bump_pages("deals")


def directory_deep_url(client: Client, hops: int) -> tuple[str, str]:
    """The directory page reached by following "next" ``hops`` times from the first page, and how it pages."""
    url = "/members/"
    for _ in range(hops):
        found = NEXT_LINK.search(client.get(url).content.decode())
        if found is None:
            break
        url = "/members/" + html.unescape(found.group(1))
    return url, "keyset (after=)" if "after=" in url else "offset (page=)" if "page=" in url else "first page"


def directory_middle_url(client: Client) -> tuple[str, str]:
    """The directory page that starts at the member in the middle of the directory: a keyset cursor where
    the directory pages by keyset (``core.keyset``), else the page number."""
    from network.models import Profile

    first = client.get("/members/").content.decode()
    listed = Profile.objects.listed().order_by("display_name", "id")
    middle = listed.count() // 2
    if "after=" in first:
        from core.keyset import encode_cursor

        name, pk = listed.values_list("display_name", "id")[middle]
        return f"/members/?after={encode_cursor([name, pk])}", "keyset (after=)"
    return f"/members/?page={middle // settings.RABTA['DIRECTORY_PAGE_SIZE'] + 1}", "offset (page=)"


def measure(*, repeat: int = 30, warmup: int = 3, hops: int = 20) -> dict:
    """Measure the operations on the current database, seeded by ``seed_demo --members``. Returns the
    data sizes and one ``Measurement`` (as a dict) per operation."""
    from investments.models import InvestorProfile
    from mentorship.models import Booking, Mentor, RoomMessage, SessionType
    from mentorship.selectors import mentor_slots, room_latest_messages, room_messages_after

    now = timezone.now()
    mentor = (
        Mentor.objects.listed()
        .filter(user__email__endswith=f"@{BULK_DOMAIN}")
        .annotate(upcoming=Count("bookings", filter=Q(bookings__status="confirmed", bookings__start__gt=now)))
        .order_by("-upcoming", "id")
        .first()
    )
    investor = (
        InvestorProfile.objects.filter(
            status=InvestorProfile.Status.APPROVED,
            user__email__endswith=f"@{BULK_DOMAIN}",
            user__authenticator__isnull=False,
            user__terms_acceptances__isnull=False,
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    longest = (
        RoomMessage.objects.values("booking_id").annotate(n=Count("id")).order_by("-n", "booking_id").first()
        if RoomMessage.objects.exists()
        else None
    )
    if mentor is None or investor is None or longest is None:
        raise CommandError("Load the bulk data first: manage.py seed_demo --members N.")
    session_type = SessionType.objects.select_related("mentor").get(mentor=mentor, title="Office hours")
    booking_id = longest["booking_id"]
    near_end = (
        RoomMessage.objects.filter(booking_id=booking_id)
        .order_by("-seq")
        .values_list("seq", flat=True)[200:201]
        .first()
        or 0
    )
    upcoming = Booking.objects.filter(mentor=mentor, status="confirmed", start__gt=now)
    member, investor_client = _signed_in(VIEWER), _signed_in(investor.user.email)
    deep_url, deep_kind = directory_deep_url(member, hops)
    middle_url, middle_kind = directory_middle_url(member)
    sizes = data_sizes()
    rows = table_rows()
    operations = [
        ("directory: first page", _get(member, "/members/"), _directory_stale, ""),
        (f"directory: search {BROAD_QUERY!r}", _get(member, f"/members/?q={BROAD_QUERY}"), _directory_stale, ""),
        (
            f"directory: search {NARROW_QUERY!r}",
            _get(member, f"/members/?q={NARROW_QUERY.replace(' ', '+')}"),
            _directory_stale,
            "",
        ),
        (f"directory: page after {hops} × next", _get(member, deep_url), _directory_stale, deep_kind),
        ("directory: middle of the directory", _get(member, middle_url), _directory_stale, middle_kind),
        (
            "mentor page, busy mentor, next week",
            _get(member, f"/mentors/{mentor.pk}/?week=1"),
            None,
            f"{upcoming.count()} sessions to come",
        ),
        ("slots selector, 8 weeks", lambda: mentor_slots(session_type=session_type), None, ""),
        ("my sessions (that mentor)", _get(_signed_in(mentor.user.email), "/sessions/"), None, ""),
        ("deal list (investor)", _get(investor_client, "/deals/"), _deals_stale, ""),
        (
            "chat: latest 100 (room page)",
            lambda: room_latest_messages(booking_id=booking_id),
            None,
            f"{longest['n']} messages in the room",
        ),
        ("chat: catch-up from the start", lambda: room_messages_after(booking_id=booking_id, after_seq=0), None, ""),
        (
            "chat: catch-up of the last 200",
            lambda: room_messages_after(booking_id=booking_id, after_seq=near_end),
            None,
            "",
        ),
    ]
    results = []
    for name, call, before, note in operations:
        median, p95 = timed(call, repeat=repeat, warmup=warmup, before=before)
        if before:
            before()
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as captured:
            call()
        indexes, scans = explain(captured.captured_queries, rows)
        results.append(asdict(Measurement(name, median, p95, len(captured), note, indexes, scans)))
    return {"sizes": sizes, "results": results}


class Command(BaseCommand):
    help = "Measure directory search, slot computation, the deal list and chat catch-up at several data sizes."
    # The database DATABASE_URL names is only the base of each size's and need not exist; system
    # checks would connect to it (generated columns are checked against the database).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", default="1000,100000", help="Bulk members of each data set, comma-separated.")
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--hops", type=int, default=20, help="'Next' links followed for the deep directory page.")
        parser.add_argument("--here", action="store_true", help="Measure the current database only; print JSON.")

    def handle(self, *args, sizes: str, repeat: int, warmup: int, hops: int, here: bool, **options) -> None:
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("Set DATABASE_URL to a PostgreSQL database: its name is the base of each size's.")
        counts = [int(size) for size in sizes.split(",") if size.strip()]
        if here:
            self._here(counts[0], repeat, warmup, hops)
            return
        url = os.environ.get("DATABASE_URL", "")
        base = settings.DATABASES["default"]["NAME"]
        measured = {}
        for size in counts:
            name = f"{base}_{size}"
            self._create_database(name)
            env = {
                **os.environ,
                "DATABASE_URL": urlsplit(url)._replace(path=f"/{name}").geturl(),
                # Cached fragments of one data set must never answer for another.
                "CACHE_KEY_PREFIX": name,
                "LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "manage.py", "bench_scale", "--here", "--sizes", str(size)]
            command += ["--repeat", str(repeat), "--warmup", str(warmup), "--hops", str(hops)]
            self.stdout.write(f"{name}: preparing and measuring…")
            process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            if process.returncode != 0:
                raise CommandError(f"{name}: {process.stderr[-3000:]}")
            for line in process.stdout.splitlines():
                if line.startswith("RESULT "):
                    measured[size] = json.loads(line.removeprefix("RESULT "))
                elif line.strip():
                    self.stdout.write(f"  {line}")
        self._report(counts, measured, repeat, warmup)

    def _create_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params["dbname"] = "postgres"
        with psycopg.connect(**params, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.stdout.write(f"{name}: created")

    def _here(self, size: int, repeat: int, warmup: int, hops: int) -> None:
        from mentorship.models import Mentor
        from network.models import User

        call_command("migrate", verbosity=0)
        members = User.objects.filter(email__endswith=f"@{BULK_DOMAIN}").count()
        mentors = Mentor.objects.filter(user__email__endswith=f"@{BULK_DOMAIN}").count()
        if members < size or mentors < size // 20:
            started = time.monotonic()
            call_command("seed_demo", members=size, stdout=self.stdout)
            self.stdout.write(f"seed_demo --members {size}: {time.monotonic() - started:.1f} s")
        figures = measure(repeat=repeat, warmup=warmup, hops=hops)
        figures["debug"] = settings.DEBUG
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            figures["server"] = cursor.fetchone()[0]
        self.stdout.write("RESULT " + json.dumps(figures))

    def _report(self, counts: list[int], measured: dict, repeat: int, warmup: int) -> None:
        small, large = counts[0], counts[-1]
        debug, version = measured[large]["debug"], measured[large]["server"]
        self.stdout.write("")
        self.stdout.write(
            f"PostgreSQL {version}, {os.cpu_count()} cores, {repeat} timed calls after {warmup} warm-up calls, "
            f"DEBUG {'on' if debug else 'off'}, load average {os.getloadavg()[0]:.1f}; "
            "times in ms, median / p95, and queries per call"
        )
        header = " | ".join(f"{size:,} members" for size in counts)
        self.stdout.write(f"| data | {header} |")
        self.stdout.write("| --- |" + " ---: |" * len(counts))
        for key in measured[large]["sizes"]:
            self.stdout.write(f"| {key} | " + " | ".join(f"{measured[s]['sizes'][key]:,}" for s in counts) + " |")
        self.stdout.write("")
        self.stdout.write(f"| operation | {header} | {large:,} ÷ {small:,} |")
        self.stdout.write("| --- |" + " ---: |" * (len(counts) + 1))
        by_name = {size: {r["name"]: r for r in measured[size]["results"]} for size in counts}
        for result in measured[large]["results"]:
            name = result["name"]
            cells = []
            for size in counts:
                r = by_name[size][name]
                cells.append(f"{r['median_ms']:.1f} / {r['p95_ms']:.1f}, {r['queries']} q")
            ratio = result["median_ms"] / max(by_name[small][name]["median_ms"], 0.001)
            grew = by_name[small][name]["queries"] != result["queries"]
            flag = " ⚠" if ratio > 2 or grew else ""
            note = f" ({result['note']})" if result["note"] else ""
            self.stdout.write(f"| {name}{note} | " + " | ".join(cells) + f" | {ratio:.2f}×{flag} |")
        self.stdout.write("")
        self.stdout.write(f"Plans at {large:,} members (EXPLAIN of each query of one call):")
        for result in measured[large]["results"]:
            scans = f"; sequential scans of {', '.join(result['seq_scans'])}" if result["seq_scans"] else ""
            self.stdout.write(f"- {result['name']}: indexes {', '.join(result['indexes']) or 'none'}{scans}")
