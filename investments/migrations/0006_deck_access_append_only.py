"""The deck access log is append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE on the table (TRUNCATE, used only to reset a
test database, stays possible); SQLite refuses UPDATE (its test runner empties
tables with DELETE, so deletion is refused by the ORM and the admin there).
"""

from django.db import migrations

POSTGRES = [
    (
        """
        CREATE FUNCTION investments_deckaccess_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'investments_deckaccess is append-only';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER investments_deckaccess_append_only
            BEFORE UPDATE OR DELETE ON investments_deckaccess
            FOR EACH ROW EXECUTE FUNCTION investments_deckaccess_refuse_change();
        """,
        """
        DROP TRIGGER IF EXISTS investments_deckaccess_append_only ON investments_deckaccess;
        DROP FUNCTION IF EXISTS investments_deckaccess_refuse_change();
        """,
    )
]
SQLITE = [
    (
        """
        CREATE TRIGGER investments_deckaccess_append_only
        BEFORE UPDATE ON investments_deckaccess
        BEGIN
            SELECT RAISE(ABORT, 'investments_deckaccess is append-only');
        END;
        """,
        "DROP TRIGGER IF EXISTS investments_deckaccess_append_only;",
    )
]


def forwards(apps, schema_editor):
    for create, _drop in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(create)


def backwards(apps, schema_editor):
    for _create, drop in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    dependencies = [("investments", "0005_deal_room")]

    operations = [migrations.RunPython(forwards, backwards)]
