from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Stories and impact")

    def ready(self) -> None:
        from cms import admin_csp, stories

        admin_csp.install()
        from cms import dashboard_blocks
        from network import dashboard_blocks as network_dashboard_blocks

        network_dashboard_blocks.register(dashboard_blocks.story_blocks)
        from django.db.models.signals import post_migrate

        from cms import checks, origin  # noqa: F401 - registers the system checks

        # Every migrate leaves the Wagtail site's address at SITE_URL's (cms/origin.py).
        post_migrate.connect(origin.on_post_migrate, sender=self, dispatch_uid="cms.site_origin")
        from investments.signals import milestone_verified, pitch_closed
        from ledger.signals import export_verified
        from mentorship.signals import session_featurable

        export_verified.connect(_export_verified, dispatch_uid="cms.export_verified")
        milestone_verified.connect(stories.on_milestone_verified, dispatch_uid="cms.milestone_story")
        pitch_closed.connect(stories.on_pitch_closed, dispatch_uid="cms.pitch_story")
        session_featurable.connect(stories.on_session_featurable, dispatch_uid="cms.session_story")

        from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

        for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
            signal.connect(_pages_changed, dispatch_uid=f"cms.pages_changed.{id(signal)}")
        from django.db.models.signals import post_delete
        from wagtail.models import Page

        post_delete.connect(_pages_changed, sender=Page, dispatch_uid="cms.page_deleted")


def _export_verified(sender, report, **kwargs) -> None:
    from cms.selectors import forget_impact
    from core.pagecache import bump_pages

    forget_impact(centre_id=report.centre_id)
    bump_pages("impact")


def _pages_changed(sender, **kwargs) -> None:
    """Published stories changed: the cached home page, story index and story pages are stale."""
    from core.pagecache import bump_pages_on_commit

    bump_pages_on_commit("stories")
