"""What makes cached pages, fragments and counts stale, for changes made anywhere (services, admin, shell).

Services bump the namespaces of what they change too; these receivers catch the model changes that
do not go through a service (the admin, a data migration) and the ones every service would
otherwise have to remember. A member's own pages are never cached whole (``core.pagecache``);
only their unread-notification count is.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.pagecache import bump_pages_on_commit
from network.models import Language, Membership, Notification, Organisation, Profile, Sector, User


def _profiles_changed(sender, **kwargs) -> None:
    bump_pages_on_commit("profiles")


def _profile_changed(sender, instance: Profile, **kwargs) -> None:
    bump_pages_on_commit("profiles")


def _organisations_changed(sender, **kwargs) -> None:
    bump_pages_on_commit("organisations", "profiles")


def _taxonomy_changed(sender, **kwargs) -> None:
    # Filter forms list the sectors and languages; profiles and organisations show their names.
    bump_pages_on_commit("taxonomy", "profiles", "organisations")


def _user_saved(sender, instance: User, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login only; it changes nothing any page shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    # A deactivation takes the member out of every list.
    if update_fields is None or "is_active" in update_fields:
        bump_pages_on_commit("profiles")


def _notification_changed(sender, instance: Notification, **kwargs) -> None:
    from network.selectors import notification_unread_forget

    transaction.on_commit(lambda: notification_unread_forget(user_id=instance.recipient_id))


def connect() -> None:
    post_save.connect(_notification_changed, sender=Notification, dispatch_uid="unread-notification-save")
    post_delete.connect(_notification_changed, sender=Notification, dispatch_uid="unread-notification-delete")
    post_save.connect(_profile_changed, sender=Profile, dispatch_uid="pages-profile-save")
    post_delete.connect(_profile_changed, sender=Profile, dispatch_uid="pages-profile-delete")
    for through in (Profile.sectors.through, Profile.languages.through):
        m2m_changed.connect(_profiles_changed, sender=through, dispatch_uid=f"pages-{through.__name__}")
    for model in (Organisation, Membership):
        post_save.connect(_organisations_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-save")
        post_delete.connect(_organisations_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-delete")
    m2m_changed.connect(
        _organisations_changed, sender=Organisation.sectors.through, dispatch_uid="pages-organisation-sectors"
    )
    for model in (Sector, Language):
        post_save.connect(_taxonomy_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-save")
        post_delete.connect(_taxonomy_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-delete")
    post_save.connect(_user_saved, sender=User, dispatch_uid="pages-user-save")
    post_delete.connect(_profiles_changed, sender=User, dispatch_uid="pages-user-delete")
    from allauth.account.signals import password_changed, password_reset, password_set
    from django.contrib.auth.signals import user_logged_out

    from network.realtime import member_signed_out

    user_logged_out.connect(member_signed_out, dispatch_uid="realtime-signed-out")
    for signal in (password_changed, password_set, password_reset):
        signal.connect(member_signed_out, dispatch_uid=f"realtime-{id(signal)}")
