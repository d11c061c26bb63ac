from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Stories and impact")

    def ready(self) -> None:
        from network.signals import export_verified

        export_verified.connect(_export_verified, dispatch_uid="cms.export_verified")


def _export_verified(sender, report, **kwargs) -> None:
    from cms.selectors import forget_impact

    forget_impact(centre_id=report.centre_id)
