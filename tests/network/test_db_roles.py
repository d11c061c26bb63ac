"""The production database roles: the site's role can add to the audit trail and can do nothing to rewrite it."""

from __future__ import annotations

import io
import secrets
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database roles and privileges are PostgreSQL's; this run uses SQLite (run with DATABASE_URL=postgres://…)",
)


def printed(*args: str) -> str:
    out = io.StringIO()
    call_command("db_roles", "--print-sql", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("names_from", ["options", "environment"])
def test_the_printed_sql_sets_up_both_roles_and_leaves_the_trail_append_only(names_from, monkeypatch):
    # given: the names as options, or read from the site's and the migrations' connections
    if names_from == "options":
        args = ["--site-role", "web", "--owner-role", "schema_owner", "--database", "rabta_live"]
    else:
        monkeypatch.setenv("DATABASE_URL", "postgres://web:s3cret@db.internal:5432/rabta_live")
        monkeypatch.setenv("MIGRATE_DATABASE_URL", "postgres://schema_owner:0ther@db.internal:5432/rabta_live")
        args = []

    # when
    sql = printed(*args)

    lines = sql.splitlines()
    assert lines[:4] == [
        "-- 1. Once, as a superuser (psql -U postgres):",
        'CREATE ROLE "schema_owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;',
        'CREATE ROLE "web" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;',
        'CREATE DATABASE "rabta_live" OWNER "schema_owner";',
    ]
    assert '\\connect "rabta_live"' in lines
    assert "REVOKE ALL ON SCHEMA public FROM PUBLIC;" in lines
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "web";' in lines
    assert 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "web";' in lines
    assert (
        'ALTER DEFAULT PRIVILEGES FOR ROLE "schema_owner" IN SCHEMA public '
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "web";'
    ) in lines
    assert lines[-2:] == [
        'REVOKE ALL ON TABLE "investments_deckaccess", "network_auditentry" FROM "web";',
        'GRANT SELECT, INSERT ON TABLE "investments_deckaccess", "network_auditentry" TO "web";',
    ]
    # nothing grants TRUNCATE, TRIGGER or ownership to the site, and no password is printed
    assert not [line for line in lines if '"web"' in line and ("TRUNCATE" in line or "OWNER" in line)]
    assert "s3cret" not in sql
    assert "0ther" not in sql


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site-role", 'web"; DROP TABLE network_user; --'], "is not a plain PostgreSQL name"),
        (["--site-role", "same", "--owner-role", "same"], "must be two different roles"),
    ],
)
def test_a_name_that_is_not_plain_or_one_role_for_both_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        printed(*args)


def test_the_names_default_to_rabta_site_and_rabta_owner_without_two_postgresql_connections(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rabta")
    monkeypatch.delenv("MIGRATE_DATABASE_URL", raising=False)

    lines = printed().splitlines()

    assert lines[1:4] == [
        'CREATE ROLE "rabta_owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;',
        'CREATE ROLE "rabta_site" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;',
        'CREATE DATABASE "rabta" OWNER "rabta_owner";',
    ]


def test_apply_needs_the_owners_connection(monkeypatch):
    monkeypatch.delenv("MIGRATE_DATABASE_URL", raising=False)

    with pytest.raises(CommandError, match="Set MIGRATE_DATABASE_URL"):
        call_command("db_roles", "--apply")


# --- Against PostgreSQL, as the site role ------------------------------------------------------


def _connect(**kwargs):
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, dbname=settings["NAME"], **kwargs
    )


def _url(user: str, password: str = "") -> str:
    settings = connection.settings_dict
    secret = f":{password}" if password else ""
    return f"postgres://{user}{secret}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def superuser_sql(django_db_setup):
    """Statements run and committed by the superuser the tests connect as (who owns every table here)."""
    settings = connection.settings_dict
    admin = _connect(user=settings["USER"], password=settings.get("PASSWORD") or None, autocommit=True)
    yield admin
    admin.close()


@pytest.fixture
def site_role(superuser_sql, monkeypatch):
    """A site role made as docs/security-database.md says, with a name of this run's own; dropped afterwards."""
    from psycopg import sql

    from network.management.commands.db_roles import create_role_sql, database_sql

    owner = connection.settings_dict["USER"]
    name = f"rabta_site_test_{uuid.uuid4().hex[:12]}"
    password = secrets.token_urlsafe(18)
    probe = f"probe_{name}"
    try:
        superuser_sql.execute(create_role_sql(name))
        superuser_sql.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        for statement in database_sql(owner=owner, site=name, database=connection.settings_dict["NAME"]):
            superuser_sql.execute(statement)
        monkeypatch.setenv("MIGRATE_DATABASE_URL", _url(owner, connection.settings_dict.get("PASSWORD") or ""))
        monkeypatch.setenv("DATABASE_URL", _url(name, password))
        yield {"name": name, "password": password, "owner": owner, "probe": probe}
    finally:
        superuser_sql.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(probe)))
        superuser_sql.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        superuser_sql.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def _as_site(site, statement: str) -> str:
    """Run one statement as the site role and undo it; PostgreSQL's refusal, or "" when it was allowed."""
    import psycopg

    with site.cursor() as cursor:
        cursor.execute("SAVEPOINT probe")
        try:
            cursor.execute(statement)
        except psycopg.Error as error:
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            return error.diag.message_primary or str(error)
        cursor.execute("ROLLBACK TO SAVEPOINT probe")
        return ""


@ON_POSTGRESQL
# The test database must exist; the test's own transaction stays untouched (roles and grants are
# made, and the site role connects, over connections of their own).
@pytest.mark.django_db
def test_the_site_role_adds_to_the_trail_and_can_do_nothing_to_rewrite_it(site_role, superuser_sql):
    # given: the owner has granted the site role its privileges (after migrate), then created a table
    out = io.StringIO()
    names = ["--site-role", site_role["name"], "--owner-role", site_role["owner"]]
    call_command("db_roles", "--apply", *names, stdout=out)
    superuser_sql.execute(f'CREATE TABLE "{site_role["probe"]}" (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)')
    site = _connect(user=site_role["name"], password=site_role["password"])

    # when / then
    try:
        insert_entry = (
            "INSERT INTO network_auditentry (event, target_type, target_id, data, created_at) "
            "VALUES ('network.test.insert', 'network.user', '1', '{}', now())"
        )
        assert _as_site(site, insert_entry) == ""
        assert _as_site(site, "SELECT count(*) FROM network_auditentry") == ""
        for table in ("network_auditentry", "investments_deckaccess"):
            denied = f"permission denied for table {table}"
            assert _as_site(site, f"UPDATE {table} SET id = id") == denied  # noqa: S608 - fixed names
            assert _as_site(site, f"DELETE FROM {table}") == denied  # noqa: S608 - fixed names
            assert _as_site(site, f"TRUNCATE {table}") == denied
            assert _as_site(site, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == f"must be owner of table {table}"
        assert (
            _as_site(site, "DROP TRIGGER network_auditentry_append_only ON network_auditentry")
            == "must be owner of relation network_auditentry"
        )
        assert (
            _as_site(site, "SET session_replication_role = replica")
            == 'permission denied to set parameter "session_replication_role"'
        )
        assert _as_site(site, "CREATE TABLE rewritten (id int)") == "permission denied for schema public"

        # ordinary tables, existing and future, are the site's to use
        assert _as_site(site, "INSERT INTO network_sector (name, slug) VALUES ('Probe sector', 'probe-sector')") == ""
        assert _as_site(site, "UPDATE network_sector SET name = name") == ""
        assert _as_site(site, "DELETE FROM network_sector") == ""
        probe = site_role["probe"]
        assert _as_site(site, f'INSERT INTO "{probe}" (x) VALUES (1)') == ""  # noqa: S608 - a name of the test's own
        assert _as_site(site, f'DELETE FROM "{probe}"') == ""  # noqa: S608 - a name of the test's own
        assert _as_site(site, f'TRUNCATE "{site_role["probe"]}"') == f"permission denied for table {site_role['probe']}"
    finally:
        site.rollback()
        site.close()

    assert "it may only read and add to investments_deckaccess, network_auditentry." in out.getvalue()


@ON_POSTGRESQL
# The test database must exist; the test's own transaction stays untouched (roles and grants are
# made, and the site role connects, over connections of their own).
@pytest.mark.django_db
def test_apply_refuses_when_the_site_does_not_connect_as_the_site_role(site_role, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", _url(site_role["owner"]))

    with pytest.raises(CommandError, match=f"DATABASE_URL connects as {site_role['owner']}, not as the site role"):
        call_command("db_roles", "--apply", "--site-role", site_role["name"], "--owner-role", site_role["owner"])


@ON_POSTGRESQL
# The test database must exist; the test's own transaction stays untouched (roles and grants are
# made, and the site role connects, over connections of their own).
@pytest.mark.django_db
def test_apply_refuses_a_site_role_with_powers_it_must_not_have(site_role, superuser_sql):
    # given: someone gave the site role the power to create databases
    superuser_sql.execute(f'ALTER ROLE "{site_role["name"]}" CREATEDB')

    with pytest.raises(CommandError, match=f"{site_role['name']} has CREATEDB; it must not."):
        call_command("db_roles", "--apply", "--site-role", site_role["name"], "--owner-role", site_role["owner"])
