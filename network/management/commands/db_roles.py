"""The production database roles: the site connects as a role that owns nothing; migrations run as the owner.

``manage.py db_roles --print-sql`` prints the SQL (docs/security-database.md explains each part);
``manage.py db_roles --apply`` grants the site role its privileges, connected as the owner through
``MIGRATE_DATABASE_URL``, after every ``migrate``, and checks that the site role can alter nothing
it should not. The role names are the users of ``DATABASE_URL`` (the site) and
``MIGRATE_DATABASE_URL`` (the owner) unless given.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.audit import append_only_models

# Plain identifiers only: the names go into SQL text, so anything else is refused rather than escaped.
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
POSTGRES_SCHEMES = ("postgres", "postgresql")


def ident(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise CommandError(f"{name!r} is not a plain PostgreSQL name (letters, digits and underscores).")
    return f'"{name}"'


def append_only_tables() -> list[str]:
    return sorted(model._meta.db_table for model in append_only_models())


def create_role_sql(name: str) -> str:
    """A login role with none of the powers that could get round the audit trail's triggers."""
    return f"CREATE ROLE {ident(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;"


def cluster_sql(*, owner: str, site: str, database: str) -> list[str]:
    """Run once by a superuser: the two roles and the database, owned by the owner."""
    return [
        create_role_sql(owner),
        create_role_sql(site),
        f"CREATE DATABASE {ident(database)} OWNER {ident(owner)};",
    ]


def database_sql(*, owner: str, site: str, database: str) -> list[str]:
    """Run once by a superuser in the database: only the site role may connect besides the owner,
    and nobody but the owner may create anything in the schema."""
    return [
        f"REVOKE ALL ON DATABASE {ident(database)} FROM PUBLIC;",
        f"GRANT CONNECT ON DATABASE {ident(database)} TO {ident(site)};",
        f"ALTER SCHEMA public OWNER TO {ident(owner)};",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA public TO {ident(site)};",
    ]


def grants_sql(*, owner: str, site: str, tables: list[str]) -> list[str]:
    """Run by the owner after every migrate (idempotent): read and write every table, with the
    same for tables future migrations create, except the append-only ones, which the site may
    only read and add to."""
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {ident(site)};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ident(site)};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ident(site)};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(owner)} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ident(site)};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(owner)} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {ident(site)};",
    ]
    if tables:
        listed = ", ".join(ident(table) for table in tables)
        statements += [
            f"REVOKE ALL ON TABLE {listed} FROM {ident(site)};",
            f"GRANT SELECT, INSERT ON TABLE {listed} TO {ident(site)};",
        ]
    return statements


def url_user(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        return None
    return unquote(parts.username) if parts.username else None


def default_names() -> tuple[str, str, str]:
    """The site role, the owner role and the database: the users and database of DATABASE_URL and
    MIGRATE_DATABASE_URL when both are PostgreSQL connections, otherwise rabta_site, rabta_owner, rabta."""
    site_url, owner_url = os.environ.get("DATABASE_URL", ""), os.environ.get("MIGRATE_DATABASE_URL", "")
    site, owner = url_user(site_url), url_user(owner_url)
    if site and owner:
        return site, owner, unquote(urlsplit(owner_url).path.lstrip("/")) or "rabta"
    return "rabta_site", "rabta_owner", "rabta"


def site_role_problems(cursor, *, owner: str, site: str, tables: list[str]) -> list[str]:
    """What would let the site role rewrite the trail; empty when it is as documented."""
    cursor.execute(
        "SELECT rolsuper, rolbypassrls, rolreplication, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s",
        [site],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"The role {site} does not exist: create it first (part 1 of --print-sql)."]
    problems = [
        f"{site} has {power}; it must not."
        for power, granted in zip(("SUPERUSER", "BYPASSRLS", "REPLICATION", "CREATEROLE", "CREATEDB"), row, strict=True)
        if granted
    ]
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [site, owner])
    if cursor.fetchone()[0]:
        problems.append(f"{site} is a member of {owner}, so it can do whatever the owner can.")
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s ORDER BY 1",
        [site],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        problems.append(f"{site} owns {', '.join(owned)}; the owner role must own every table.")
    for table in tables:
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [site, table, privilege])
            if cursor.fetchone()[0]:
                problems.append(f"{site} may {privilege} {table}.")
    return problems


class Command(BaseCommand):
    help = "Print or apply the SQL for the site's and the migrations' PostgreSQL roles (docs/security-database.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--print-sql", action="store_true", help="Print the SQL for an operator to run.")
        action.add_argument(
            "--apply",
            action="store_true",
            help="Grant the site role its privileges, connected as the owner through MIGRATE_DATABASE_URL.",
        )
        site, owner, database = default_names()
        parser.add_argument("--site-role", default=site, help=f"The role the site connects as ({site}).")
        parser.add_argument("--owner-role", default=owner, help=f"The role that owns the tables ({owner}).")
        parser.add_argument("--database", default=database, help=f"The database, for --print-sql ({database}).")

    def handle(self, *args, print_sql: bool, apply: bool, site_role: str, owner_role: str, database: str, **options):
        if site_role == owner_role:
            raise CommandError("The site role and the owner role must be two different roles.")
        tables = append_only_tables()
        if print_sql:
            self.stdout.write(self._script(owner=owner_role, site=site_role, database=database, tables=tables))
        else:
            self._apply(owner=owner_role, site=site_role, tables=tables)

    def _script(self, *, owner: str, site: str, database: str, tables: list[str]) -> str:
        lines = [
            "-- 1. Once, as a superuser (psql -U postgres):",
            *cluster_sql(owner=owner, site=site, database=database),
            f"\\connect {ident(database)}",
            *database_sql(owner=owner, site=site, database=database),
            f"-- Then give each role a password, typed at psql's prompt: \\password {owner} and \\password {site}",
            "",
            "-- 2. After every `manage.py migrate`, as the owner (or run `manage.py db_roles --apply`):",
            *grants_sql(owner=owner, site=site, tables=tables),
            "",
        ]
        return "\n".join(lines)

    def _apply(self, *, owner: str, site: str, tables: list[str]) -> None:
        import psycopg

        url = os.environ.get("MIGRATE_DATABASE_URL", "")
        if url_user(url) is None:
            raise CommandError(
                "Set MIGRATE_DATABASE_URL to the owner's PostgreSQL connection "
                "(postgres://owner:password@host:5432/database)."
            )
        site_url_user = url_user(os.environ.get("DATABASE_URL", ""))
        if site_url_user != site:
            raise CommandError(
                f"DATABASE_URL connects as {site_url_user or 'no PostgreSQL role'}, not as the site role {site}: "
                "the site must connect as the role these privileges are for."
            )
        statements = grants_sql(owner=owner, site=site, tables=tables)
        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [site])
            if cursor.fetchone() is None:
                raise CommandError(f"The role {site} does not exist: create it first (part 1 of --print-sql).")
            for statement in statements:
                cursor.execute(statement)
            problems = site_role_problems(cursor, owner=owner, site=site, tables=tables)
            if problems:
                connection.rollback()
                raise CommandError("The site role is not as documented:\n" + "\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"{site} may read and write every table; it may only read and add to {', '.join(tables)}."
            )
        )
