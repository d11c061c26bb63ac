from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from network import dashboard_blocks, dashboard_tools, receivers
        from network.mfa import on_authenticator_added

        receivers.connect()
        dashboard_tools.register(dashboard_tools.network_tools)
        dashboard_blocks.register(dashboard_blocks.network_blocks)
        authenticator_added.connect(on_authenticator_added, dispatch_uid="network-mfa-added-in-session")
