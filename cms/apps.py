from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Stories and impact")

    def ready(self) -> None:
        from cms import stories
        from investments.signals import milestone_verified, pitch_closed
        from mentorship.signals import session_featurable
        from network.signals import export_verified

        export_verified.connect(_export_verified, dispatch_uid="cms.export_verified")
        milestone_verified.connect(stories.on_milestone_verified, dispatch_uid="cms.milestone_story")
        pitch_closed.connect(stories.on_pitch_closed, dispatch_uid="cms.pitch_story")
        session_featurable.connect(stories.on_session_featurable, dispatch_uid="cms.session_story")


def _export_verified(sender, report, **kwargs) -> None:
    from cms.selectors import forget_impact

    forget_impact(centre_id=report.centre_id)
