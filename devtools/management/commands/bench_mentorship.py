"""Benchmark slot computation and the mentor list page, and print the figures.

    python manage.py bench_mentorship [--mentors 1000] [--repeat 30]

Everything it creates is rolled back at the end, so it can run against any
database (SQLite by default, PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import statistics
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.pagecache import bump_pages
from mentorship.models import AvailabilityRule, Booking, Feedback, Mentor, SessionType
from mentorship.selectors import mentor_slots, mentor_suggestions
from mentorship.slots import Busy, WeeklyHours, compute_slots
from network.models import Profile, User

ZONES = ["America/Los_Angeles", "America/Toronto", "Europe/London", "Asia/Dubai", "Australia/Sydney"]


class RollbackError(Exception):
    pass


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


class Command(BaseCommand):
    help = "Measure slot computation (one mentor, 8 weeks) and the mentor list page at N mentors."

    def add_arguments(self, parser):
        parser.add_argument("--mentors", type=int, default=1000)
        parser.add_argument("--repeat", type=int, default=30)

    def handle(self, *args, mentors: int, repeat: int, **options):
        self.stdout.write(f"database: {connection.vendor}; mentors: {mentors}; repeat: {repeat}")
        self._pure(repeat)
        # As Django's test framework does: requests made inside the benchmark's
        # transaction must not close the connection (and with it the data).
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with transaction.atomic():
                self._database(mentors, repeat)
                raise RollbackError
        except RollbackError:
            pass

    def _pure(self, repeat: int) -> None:
        tz = ZoneInfo("America/Los_Angeles")
        now = datetime(2026, 2, 20, tzinfo=UTC)  # eight weeks across the US spring change
        weekly = [WeeklyHours(d, time(8), time(20)) for d in range(7)]
        busy = [Busy(start=now + timedelta(hours=7 * n), end=now + timedelta(hours=7 * n + 1)) for n in range(180)]
        count = len(compute_slots(tz=tz, weekly=weekly, busy=busy, duration=timedelta(minutes=30), now=now))
        p50, p95 = timed(
            lambda: compute_slots(tz=tz, weekly=weekly, busy=busy, duration=timedelta(minutes=30), now=now), repeat
        )
        self.stdout.write(
            f"slots, pure function, 8 weeks, 12 h a day, 30-minute slots, 180 bookings: "
            f"{count} slots, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )

    def _database(self, count: int, repeat: int) -> None:
        password = make_password("bench-password")
        users = User.objects.bulk_create(
            [User(email=f"bench-mentor-{n}@bench.rabta.pk", password=password) for n in range(count)]
        )
        if users[0].pk is None:
            users = list(User.objects.filter(email__startswith="bench-mentor-").order_by("pk"))
        Profile.objects.bulk_create(
            [
                Profile(user=u, display_name=f"Bench Mentor {n}", timezone=ZONES[n % len(ZONES)], is_mentor=True)
                for n, u in enumerate(users)
            ]
        )
        mentor_rows = Mentor.objects.bulk_create(
            [
                Mentor(user=u, timezone=ZONES[n % len(ZONES)], status=Mentor.Status.APPROVED, expertise="Scaling")
                for n, u in enumerate(users)
            ]
        )
        if mentor_rows[0].pk is None:
            mentor_rows = list(Mentor.objects.filter(user__in=users).order_by("pk"))
        AvailabilityRule.objects.bulk_create(
            [
                AvailabilityRule(mentor=m, weekday=d, start_time=time(8), end_time=time(20))
                for m in mentor_rows
                for d in (1, 3, 5)
            ]
        )
        types = SessionType.objects.bulk_create(
            [SessionType(mentor=m, title="Office hours", duration_minutes=30, min_notice_hours=0) for m in mentor_rows]
        )
        if types[0].pk is None:
            types = list(SessionType.objects.filter(mentor__in=mentor_rows).order_by("mentor_id"))
        mentee = User.objects.create(email="bench-mentee@bench.rabta.pk", password=password)
        Profile.objects.create(user=mentee, display_name="Bench Founder", timezone="Asia/Karachi")
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        first = mentor_rows[0]
        Booking.objects.bulk_create(
            [
                Booking(
                    mentor=first,
                    mentee=mentee,
                    session_type=types[0],
                    start=now + timedelta(hours=13 * n + 1),
                    end=now + timedelta(hours=13 * n + 1, minutes=30),
                    status=Booking.Status.CONFIRMED,
                    agenda="bench",
                )
                for n in range(100)
            ]
        )
        session_type = SessionType.objects.select_related("mentor").get(pk=types[0].pk)
        slots = mentor_slots(session_type=session_type)
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as queries:
            mentor_slots(session_type=session_type)
        slot_queries = len(queries)
        p50, p95 = timed(lambda: mentor_slots(session_type=session_type), repeat)
        self.stdout.write(
            f"slots from the database, one mentor, 8 weeks, 100 bookings: {len(slots)} slots, "
            f"{slot_queries} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        # Every mentor free to book, as the periodic job leaves them: the suggestions and the soonest
        # order then have the whole list to work through.
        Mentor.objects.filter(pk__in=[m.pk for m in mentor_rows]).update(
            next_free_at=now + timedelta(days=1), next_free_stale_at=now + timedelta(hours=6)
        )
        karachi = ZoneInfo("Asia/Karachi")

        def suggest_cold():
            bump_pages("mentor-hours")  # as after a change to weekly hours: the shared ranking is made again
            return mentor_suggestions(viewer=mentee, viewer_tz=karachi)

        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            found = suggest_cold()
        p50, p95 = timed(suggest_cold, repeat)
        self.stdout.write(
            f"suggestions for a founder in Karachi, {count} mentors free to book, {3 * count} weekly hours, "
            f"ranked afresh: {len(found)} found, {len(queries)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            mentor_suggestions(viewer=mentee, viewer_tz=karachi)
        p50, p95 = timed(lambda: mentor_suggestions(viewer=mentee, viewer_tz=karachi), repeat)
        self.stdout.write(
            f"suggestions, the shared ranking kept: {len(queries)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        client = Client()
        client.force_login(mentee)
        response = client.get("/mentors/")
        assert response.status_code == 200, response.status_code
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as queries:
            client.get("/mentors/")
        page_queries = len(queries)
        p50, p95 = timed(lambda: client.get("/mentors/"), repeat)
        self.stdout.write(
            f"mentor list page, {Mentor.objects.listed().count()} listed mentors (page of 20): "
            f"{page_queries} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        p50, p95 = timed(lambda: client.get("/mentors/?available=true&q=scaling"), repeat)
        self.stdout.write(
            f"mentor list page, filtered (available this week, search): p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        p50, p95 = timed(lambda: client.get(f"/mentors/{first.pk}/?week=1"), repeat)
        self.stdout.write(f"mentor page with its week of slots: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        self._sorted_lists(client, mentor_rows, types, mentee, now, repeat)

    def _sorted_lists(self, client, mentor_rows, types, mentee, now, repeat: int) -> None:
        """The list in each order, built afresh each time (as after any change to a mentor): up to
        three held, rated sessions for each mentor, so the orders have something to sort."""
        held = Booking.objects.bulk_create(
            [
                Booking(
                    mentor=mentor,
                    mentee=mentee,
                    session_type=session_type,
                    start=now - timedelta(days=2 + k, hours=n % 24),
                    end=now - timedelta(days=2 + k, hours=n % 24) + timedelta(minutes=30),
                    status=Booking.Status.COMPLETED,
                    agenda="bench",
                )
                for n, (mentor, session_type) in enumerate(zip(mentor_rows, types, strict=True))
                for k in range(n % 4)
            ]
        )
        if held and held[0].pk is None:
            held = list(Booking.objects.filter(mentee=mentee, status=Booking.Status.COMPLETED))
        Feedback.objects.bulk_create([Feedback(booking=b, author=mentee, rating=3 + b.pk % 3) for b in held])

        def fresh(path: str):
            bump_pages("mentors")
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response

        for label, query in [
            ("by name", ""),
            ("most sessions held", "?sort=sessions"),
            ("highest rated", "?sort=rating"),
            ("soonest free", "?sort=soonest"),
            ("with weekly hours in my evenings", "?hours=evening"),
        ]:
            fresh(f"/mentors/{query}")
            connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
            with CaptureQueriesContext(connection) as queries:
                fresh(f"/mentors/{query}")
            p50, p95 = timed(lambda query=query: fresh(f"/mentors/{query}"), repeat)
            self.stdout.write(
                f"mentor list page {label}, built afresh, {len(held)} held sessions rated: "
                f"{len(queries)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            )
