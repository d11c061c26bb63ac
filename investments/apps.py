from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentsConfig(AppConfig):
    name = "investments"
    verbose_name = _("Investments")

    def ready(self) -> None:
        from investments import dashboard_tools, receivers
        from network import dashboard_tools as network_dashboard_tools

        receivers.connect()
        from investments import dashboard_blocks
        from network import dashboard_blocks as network_dashboard_blocks

        network_dashboard_blocks.register(dashboard_blocks.investment_blocks)
        network_dashboard_tools.register(dashboard_tools.investment_tools)
        from investments import personal_data
        from network.personal_data import register_eraser, register_exporter

        register_exporter(personal_data.export)
        register_eraser(personal_data.erase)
