from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app stands on and none owns: caches, page caching, pagination, uploads, security
    headers, logs, health checks, WebSocket plumbing. It imports none of the apps."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.autoreload import file_changed

        from core import converters, layout_cache, lookups

        converters.register()  # before any URL configuration is read
        lookups.register()
        file_changed.connect(layout_cache.clear_when_files_change, dispatch_uid="core.layout_cache")
