"""``manage.py bench_tasks`` on a few tasks: both backends run every task they were given and leave the
waiting ones waiting (the command checks that itself and stops with an error otherwise)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.bench]


def test_bench_tasks_measures_both_backends_at_each_size():
    # when
    out = io.StringIO()
    call_command("bench_tasks", waiting="0,30", tasks=5, no_celery=True, stdout=out)

    # then
    lines = out.getvalue().splitlines()
    rows = [line.split() for line in lines[1:-1]]
    assert [(row[0], row[2]) for row in rows] == [
        ("redis", "0"),
        ("database", "0"),
        ("redis", "30"),
        ("database", "30"),
    ]
    assert all(f"({connection.vendor})" in line for line in lines[1:-1] if line.startswith("database"))
    assert lines[-1] == "celery: left out, not measured"
    assert not DBTaskResult.objects.exists()
