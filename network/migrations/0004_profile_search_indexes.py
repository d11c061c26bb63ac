"""Trigram indexes for the directory search on PostgreSQL.

The search matches each word anywhere in a member's name, headline, skills or city (``icontains``,
which Django writes as ``UPPER(col::text) LIKE UPPER('%word%')`` on PostgreSQL). Without an index
that is a scan of every profile; a GIN trigram index on the same expression answers it directly,
so a search costs the same with a thousand members or a million. SQLite has no such index and
keeps scanning, which is fine at the sizes it is used for.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("display_name", "headline", "skills", "city")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS network_profile_{column}_trgm "
            f"ON network_profile USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS network_profile_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("network", "0003_export_ledger")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
