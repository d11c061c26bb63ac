from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = _("Mentorship")

    def ready(self) -> None:
        from mentorship import dashboard_tools, profile_sections, receivers
        from network import dashboard_tools as network_dashboard_tools
        from network.profile_sections import register

        register(profile_sections.mentoring_section)
        from mentorship import dashboard_blocks
        from network import dashboard_blocks as network_dashboard_blocks

        network_dashboard_blocks.register(dashboard_blocks.mentoring_blocks)
        network_dashboard_tools.register(dashboard_tools.mentoring_tools)
        receivers.connect()
        from mentorship import personal_data
        from network.personal_data import register_eraser, register_exporter

        register_exporter(personal_data.export)
        register_eraser(personal_data.erase)
