"""The mentor list's "has hours in the next 7 days" filter."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from mentorship.filters import MentorFilter
from mentorship.models import BlockedDate, ExtraHours, Mentor
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory

pytestmark = pytest.mark.django_db


def available_ids(value: str) -> set[int]:
    return set(MentorFilter({"available": value}, queryset=Mentor.objects.listed()).qs.values_list("pk", flat=True))


def test_available_this_week():
    # given
    tomorrow = timezone.now().date() + timedelta(days=1)
    weekly = MentorFactory()
    AvailabilityRuleFactory(mentor=weekly, weekday=tomorrow.weekday())
    blocked = MentorFactory()
    AvailabilityRuleFactory(mentor=blocked, weekday=tomorrow.weekday())
    BlockedDate.objects.create(mentor=blocked, date=tomorrow)
    extra = MentorFactory()
    ExtraHours.objects.create(mentor=extra, date=tomorrow, start_time=time(9), end_time=time(10))
    extra_later = MentorFactory()
    ExtraHours.objects.create(
        mentor=extra_later, date=tomorrow + timedelta(days=10), start_time=time(9), end_time=time(10)
    )
    no_hours = MentorFactory()

    # when / then
    assert available_ids("true") == {weekly.pk, extra.pk}
    assert available_ids("false") == {blocked.pk, extra_later.pk, no_hours.pk}
    assert available_ids("") == {weekly.pk, blocked.pk, extra.pk, extra_later.pk, no_hours.pk}
