"""The database pool checks a connection before handing it out only when it sat idle: a connection
given back moments ago costs no round trip, one broken while idle is replaced."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from core import db_pool

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's"),
]


@pytest.fixture
def pool():
    params = connection.get_connection_params()
    with ConnectionPool(
        kwargs={**params, "autocommit": True},
        min_size=0,  # connections made on demand: none is added behind the test's back
        max_size=1,
        check=db_pool.check_if_idle,
    ) as pool:
        yield pool


@pytest.fixture
def checks(monkeypatch):
    made = []
    real = ConnectionPool.check_connection

    def counting(conn):
        made.append(conn)
        return real(conn)

    monkeypatch.setattr(db_pool.ConnectionPool, "check_connection", staticmethod(counting))
    return made


def test_the_site_pool_uses_the_idle_check():
    options = connection.settings_dict["OPTIONS"]["pool"]
    assert options["check"] is db_pool.check_if_idle
    assert "reset" not in options  # a reset callback sends every returned connection through the pool's workers


def test_a_connection_given_back_just_now_is_handed_out_without_a_round_trip(pool, checks):
    with pool.connection() as conn:
        conn.execute("SELECT 1")
    checks.clear()  # the pool's first hand-out of a new connection may check it

    for _ in range(5):
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)

    assert checks == []


def test_a_connection_broken_while_idle_is_checked_and_replaced(pool, checks, monkeypatch):
    with pool.connection() as conn:
        broken_pid = conn.info.backend_pid
    monkeypatch.setattr(db_pool, "IDLE_CHECK_SECONDS", 0.0)  # it has now sat idle long enough
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [broken_pid])

    with pool.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        replacement_pid = conn.info.backend_pid
    assert replacement_pid != broken_pid
    assert len(checks) >= 1

    # psycopg_pool (3.3) does not close a connection it made after a failed check when the pool
    # closes; end it here so the test database can be dropped.
    pool.close()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [replacement_pid])
