"""The deck access log refuses TRUNCATE on PostgreSQL and DELETE on SQLite too.

0006 left both open because the test runner empties tables with them; the tests now do so
the way only a superuser can (with triggers off), so the database refuses every way of
removing rows, as it does for the audit trail (network 0010).
"""

from django.db import migrations

POSTGRES = [
    (
        """
        CREATE TRIGGER investments_deckaccess_no_truncate
            BEFORE TRUNCATE ON investments_deckaccess
            FOR EACH STATEMENT EXECUTE FUNCTION investments_deckaccess_refuse_change();
        """,
        "DROP TRIGGER IF EXISTS investments_deckaccess_no_truncate ON investments_deckaccess;",
    )
]
SQLITE = [
    (
        """
        CREATE TRIGGER investments_deckaccess_no_delete
        BEFORE DELETE ON investments_deckaccess
        BEGIN
            SELECT RAISE(ABORT, 'investments_deckaccess is append-only');
        END;
        """,
        "DROP TRIGGER IF EXISTS investments_deckaccess_no_delete;",
    )
]


def forwards(apps, schema_editor):
    for create, _drop in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(create)


def backwards(apps, schema_editor):
    for _create, drop in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    dependencies = [("investments", "0006_deck_access_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
