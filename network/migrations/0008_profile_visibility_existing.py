"""Existing profiles get the visibility new ones get: mentors public (founders find them on the public
mentor list, as before), everyone else members-only."""

from django.db import migrations


def set_visibility(apps, schema_editor):
    Profile = apps.get_model("network", "Profile")
    Profile.objects.filter(is_mentor=True).update(visibility="public")
    Profile.objects.filter(is_mentor=False).update(visibility="members")


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0007_profile_visibility"),
    ]

    operations = [
        migrations.RunPython(set_visibility, migrations.RunPython.noop),
    ]
