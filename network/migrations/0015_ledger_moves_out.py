"""The export ledger's models move to the ledger app: gone from network's state, the tables kept
(ledger's first migration takes them over, with their rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0014_periodic_run_message"),
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="exchangerate",
                    name="network_rate_once_per_quarter",
                ),
                migrations.RemoveConstraint(
                    model_name="exchangerate",
                    name="network_rate_positive",
                ),
                migrations.RemoveConstraint(
                    model_name="exchangerate",
                    name="network_rate_quarter_valid",
                ),
                migrations.DeleteModel(
                    name="ExchangeRate",
                ),
                migrations.RemoveIndex(
                    model_name="exportreport",
                    name="network_exp_status_708fb3_idx",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_one_reporter",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_quarter_valid",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_amount_positive",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_status_valid",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_one_verified_per_startup_quarter",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_one_verified_per_person_quarter",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_one_open_per_startup_quarter",
                ),
                migrations.RemoveConstraint(
                    model_name="exportreport",
                    name="network_export_one_open_per_person_quarter",
                ),
                migrations.DeleteModel(
                    name="ExportReport",
                ),
            ],
            database_operations=[],
        ),
    ]
