"""What makes cached deal-room fragments stale (``network.pagecache`` namespace "deals"): a pitch
saved or deleted changes which incubators the deal list can be filtered by. Connected in
``InvestmentsConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from investments.models import Pitch
from network.pagecache import bump_pages_on_commit


def _deals_changed(sender, **kwargs) -> None:
    bump_pages_on_commit("deals")


def connect() -> None:
    post_save.connect(_deals_changed, sender=Pitch, dispatch_uid="pages-pitch-save")
    post_delete.connect(_deals_changed, sender=Pitch, dispatch_uid="pages-pitch-delete")
