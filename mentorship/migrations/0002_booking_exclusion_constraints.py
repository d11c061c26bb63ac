"""PostgreSQL: no two active bookings may overlap in time, per mentor and per mentee.

An exclusion constraint over the time range is the database's own guarantee,
whatever the application does. It exists on PostgreSQL only; on SQLite the
booking service checks overlaps inside a write-locked (IMMEDIATE) transaction,
and the unique (mentor, start) constraint of 0001 guards identical slots.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE mentorship_booking ADD CONSTRAINT mentorship_booking_mentor_no_overlap
    EXCLUDE USING gist (mentor_id WITH =, tstzrange("start", "end", '[)') WITH &&)
    WHERE (status IN ('requested', 'confirmed'));
ALTER TABLE mentorship_booking ADD CONSTRAINT mentorship_booking_mentee_no_overlap
    EXCLUDE USING gist (mentee_id WITH =, tstzrange("start", "end", '[)') WITH &&)
    WHERE (status IN ('requested', 'confirmed'));
"""

DROP = """
ALTER TABLE mentorship_booking DROP CONSTRAINT IF EXISTS mentorship_booking_mentor_no_overlap;
ALTER TABLE mentorship_booking DROP CONSTRAINT IF EXISTS mentorship_booking_mentee_no_overlap;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("mentorship", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
