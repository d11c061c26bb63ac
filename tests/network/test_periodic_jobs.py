"""Periodic jobs: ``task_scheduler`` queues each job once a period, however many machines run it;
the sweeps catch what their per-item tasks missed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorship.models import Booking
from network.management.commands.task_scheduler import queue_due
from network.models import EmailDelivery, Introduction, PeriodicRun
from tests.mentorship.factories import BookingFactory
from tests.network.factories import IntroductionFactory

MINUTELY = "cms.tasks.publish_scheduled_pages"
HOURLY = "network.tasks.prune_task_records"

pytestmark = pytest.mark.django_db


@pytest.fixture
def periodic(settings):
    settings.PERIODIC_TASKS = [(MINUTELY, 60), (HOURLY, 3600)]


def queued() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.usefixtures("periodic")
def test_each_job_is_queued_once_a_period_whichever_scheduler_gets_there_first(django_capture_on_commit_callbacks):
    # given a moment 10 s into a minute and an hour
    start = 1_800_000_000 - 1_800_000_000 % 3600 + 10

    # when two schedulers (two machines) look at the same moment, then later in the same minute
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_due(now=start)
        second = queue_due(now=start)
        later = queue_due(now=start + 40)

    # then only the first queued anything, and each job once
    assert first == [MINUTELY, HOURLY]
    assert second == []
    assert later == []
    assert queued() == sorted([MINUTELY, HOURLY])

    # and the next minute queues the minutely job alone
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due(now=start + 60) == [MINUTELY]
    assert queued() == sorted([MINUTELY, MINUTELY, HOURLY])
    assert PeriodicRun.objects.count() == 3


@pytest.mark.usefixtures("periodic")
def test_the_scheduler_command_queues_what_is_due(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("task_scheduler", "--once")

    assert queued() == sorted([MINUTELY, HOURLY])


def test_the_sweeps_expire_overdue_requests_and_introductions(run_tasks):
    # given an introduction and a booking request past their time, and others still in theirs
    now = timezone.now()
    overdue = IntroductionFactory(created_at=now - timedelta(days=15))
    waiting = IntroductionFactory()
    old_request = BookingFactory(status=Booking.Status.REQUESTED)
    Booking.objects.filter(pk=old_request.pk).update(created_at=now - timedelta(days=10))
    new_request = BookingFactory(status=Booking.Status.REQUESTED)

    # when the sweeps run
    from mentorship.tasks import expire_overdue_requests
    from network.tasks import expire_overdue_introductions

    expired_introductions = expire_overdue_introductions.call()
    expired_requests = expire_overdue_requests.call()

    # then exactly the overdue ones expired
    assert (expired_introductions, expired_requests) == (1, 1)
    overdue.refresh_from_db()
    waiting.refresh_from_db()
    assert (overdue.status, waiting.status) == (Introduction.Status.EXPIRED, Introduction.Status.PENDING)
    assert Booking.objects.get(pk=old_request.pk).status == Booking.Status.EXPIRED
    assert Booking.objects.get(pk=new_request.pk).status == Booking.Status.REQUESTED


def test_pruning_forgets_old_send_marks_and_runs(db):
    now = timezone.now()
    EmailDelivery.objects.create(key="notification:1", sent_at=now - timedelta(days=91))
    EmailDelivery.objects.create(key="notification:2", sent_at=now - timedelta(days=89))
    PeriodicRun.objects.create(name=MINUTELY, slot=1, created_at=now - timedelta(days=2))
    PeriodicRun.objects.create(name=MINUTELY, slot=2)

    from network.tasks import prune_task_records

    assert prune_task_records.call() == {"email_deliveries": 1, "periodic_runs": 1}
    assert list(EmailDelivery.objects.values_list("key", flat=True)) == ["notification:2"]
    assert list(PeriodicRun.objects.values_list("slot", flat=True)) == [2]
