from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Export ledger")

    def ready(self) -> None:
        from ledger import personal_data
        from network.personal_data import register_exporter

        register_exporter(personal_data.export)
