"""The audit trail is append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the table; SQLite refuses UPDATE and
DELETE (it has no TRUNCATE). An entry's actor is protected: deleting a member named in the
trail is refused by Django (ProtectedError) before the database would refuse it.

On SQLite, a later migration that alters this table rebuilds it, which drops the triggers:
such a migration must create them again (tests/network/test_audit_trail.py notices).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRES = [
    (
        """
        CREATE FUNCTION network_auditentry_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'network_auditentry is append-only: % refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER network_auditentry_append_only
            BEFORE UPDATE OR DELETE ON network_auditentry
            FOR EACH ROW EXECUTE FUNCTION network_auditentry_refuse_change();
        CREATE TRIGGER network_auditentry_no_truncate
            BEFORE TRUNCATE ON network_auditentry
            FOR EACH STATEMENT EXECUTE FUNCTION network_auditentry_refuse_change();
        """,
        """
        DROP TRIGGER IF EXISTS network_auditentry_no_truncate ON network_auditentry;
        DROP TRIGGER IF EXISTS network_auditentry_append_only ON network_auditentry;
        DROP FUNCTION IF EXISTS network_auditentry_refuse_change();
        """,
    )
]
SQLITE = [
    (
        """
        CREATE TRIGGER network_auditentry_append_only
        BEFORE UPDATE ON network_auditentry
        BEGIN
            SELECT RAISE(ABORT, 'network_auditentry is append-only: UPDATE refused');
        END;
        """,
        "DROP TRIGGER IF EXISTS network_auditentry_append_only;",
    ),
    (
        """
        CREATE TRIGGER network_auditentry_no_delete
        BEFORE DELETE ON network_auditentry
        BEGIN
            SELECT RAISE(ABORT, 'network_auditentry is append-only: DELETE refused');
        END;
        """,
        "DROP TRIGGER IF EXISTS network_auditentry_no_delete;",
    ),
]


def forwards(apps, schema_editor):
    for create, _drop in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(create, params=None)


def backwards(apps, schema_editor):
    for _create, drop in reversed({"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, [])):
        schema_editor.execute(drop, params=None)


class Migration(migrations.Migration):
    dependencies = [("network", "0009_user_deleted_at")]

    operations = [
        # First, so that SQLite's rebuild of the table (if any) happens before the triggers exist.
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
