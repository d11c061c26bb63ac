"""A cap on how often one session can be moved, and who moved it when.

Bookings already moved get their count of moves (the length of their chain), who moved them
(the actor of their ``mentorship.booking.reschedule`` audit entry) and a cap at least as high
as their count, so the new check holds for every row.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def count_moves(apps, schema_editor):
    Booking = apps.get_model("mentorship", "Booking")
    AuditEntry = apps.get_model("network", "AuditEntry")
    moved_from = dict(Booking.objects.filter(rescheduled_from__isnull=False).values_list("pk", "rescheduled_from_id"))
    if not moved_from:
        return
    movers = dict(
        AuditEntry.objects.filter(
            event="mentorship.booking.reschedule",
            target_type="mentorship.booking",
            target_id__in=[str(pk) for pk in moved_from],
        ).values_list("target_id", "actor_id")
    )
    changed = []
    for booking in Booking.objects.filter(pk__in=moved_from):
        count, current = 0, booking.pk
        while current in moved_from and count < 1000:
            count, current = count + 1, moved_from[current]
        booking.reschedule_count = count
        booking.reschedule_cap = max(booking.reschedule_cap, count)
        booking.rescheduled_by_id = movers.get(str(booking.pk))
        changed.append(booking)
    Booking.objects.bulk_update(changed, ["reschedule_count", "reschedule_cap", "rescheduled_by"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('mentorship', '0004_roommessage_seq'),
        ('network', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='reschedule_cap',
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name='booking',
            name='reschedule_count',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='booking',
            name='rescheduled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='sessiontype',
            name='reschedule_cap',
            field=models.PositiveSmallIntegerField(default=2, help_text='How many times one session can be moved to another time, by you or the founder. 0: sessions can only be cancelled. Applies to sessions booked from now on.', validators=[django.core.validators.MaxValueValidator(10)], verbose_name='moves allowed per session'),
        ),
        migrations.RunPython(count_moves, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='booking',
            constraint=models.CheckConstraint(condition=models.Q(('reschedule_count__lte', models.F('reschedule_cap'))), name='mentorship_booking_reschedule_cap'),
        ),
        migrations.AddConstraint(
            model_name='sessiontype',
            constraint=models.CheckConstraint(condition=models.Q(('reschedule_cap__lte', 10)), name='mentorship_sessiontype_reschedule_cap'),
        ),
    ]
