"""What makes cached deal-room and incubator pages stale (``network.pagecache`` namespace "deals"):
any change to the investments app's data — pitches, interests (the rounds' progress, "You: <stage>"),
investors' status and accepted terms (who the room admits), cohorts, milestones, questions, deck
access. Connected in ``InvestmentsConfig.ready``."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from network.pagecache import bump_pages_on_commit


def _deals_changed(sender, **kwargs) -> None:
    bump_pages_on_commit("deals")


def connect() -> None:
    for model in apps.get_app_config("investments").get_models():
        name = model.__name__
        post_save.connect(_deals_changed, sender=model, dispatch_uid=f"pages-deals-{name}-save")
        post_delete.connect(_deals_changed, sender=model, dispatch_uid=f"pages-deals-{name}-delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_deals_changed, sender=through, dispatch_uid=f"pages-deals-{through.__name__}")
