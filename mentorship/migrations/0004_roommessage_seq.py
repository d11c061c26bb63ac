"""Number each room's messages 1, 2, 3… in the order they were stored (by id)."""

from django.db import migrations, models
from django.db.models import F, Window
from django.db.models.functions import RowNumber


def number_messages(apps, schema_editor):
    RoomMessage = apps.get_model("mentorship", "RoomMessage")
    numbered = RoomMessage.objects.annotate(
        n=Window(RowNumber(), partition_by=[F("booking_id")], order_by=F("id").asc())
    ).values_list("id", "n")
    batch = []
    for pk, n in numbered.iterator(chunk_size=2000):
        batch.append(RoomMessage(id=pk, seq=n))
        if len(batch) == 2000:
            RoomMessage.objects.bulk_update(batch, ["seq"])
            batch = []
    if batch:
        RoomMessage.objects.bulk_update(batch, ["seq"])


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0003_session_room"),
    ]

    operations = [
        migrations.AddField(
            model_name="roommessage",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(number_messages, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="roommessage",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.RemoveIndex(
            model_name="roommessage",
            name="mentorship__booking_da9196_idx",
        ),
        migrations.AlterModelOptions(
            name="roommessage",
            options={"ordering": ["booking", "seq"]},
        ),
        migrations.AddConstraint(
            model_name="roommessage",
            constraint=models.UniqueConstraint(fields=("booking", "seq"), name="mentorship_roommessage_seq"),
        ),
        migrations.AddConstraint(
            model_name="roommessage",
            constraint=models.CheckConstraint(condition=models.Q(seq__gte=1), name="mentorship_roommessage_seq_positive"),
        ),
    ]
