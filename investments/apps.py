from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentsConfig(AppConfig):
    name = "investments"
    verbose_name = _("Investments")

    def ready(self) -> None:
        from investments import receivers

        receivers.connect()
        from investments import personal_data
        from network.personal_data import register_eraser, register_exporter

        register_exporter(personal_data.export)
        register_eraser(personal_data.erase)
