"""Writes of the network app, one module per part of it: notifications, accounts, profiles,
organisations (with memberships), introductions.

Every service is atomic, validates before it writes, raises ``ValidationError`` with a message a
person can act on, records an audit entry for changes that matter, and queues email only after the
transaction commits. Callers use ``from network import services`` and ``services.<name>``; the
names below are the public ones.
"""

from network.services.accounts import account_delete, account_export, user_deactivate
from network.services.introductions import (
    introduction_accept,
    introduction_decline,
    introduction_expire,
    introduction_record_outcome,
    introduction_request,
    introduction_withdraw,
)
from network.services.notifications import notification_create, notification_mark_read
from network.services.organisations import (
    membership_add,
    membership_remove,
    membership_update_role,
    organisation_create,
    organisation_update,
)
from network.services.profiles import profile_ensure, profile_update

__all__ = [
    "account_delete",
    "account_export",
    "introduction_accept",
    "introduction_decline",
    "introduction_expire",
    "introduction_record_outcome",
    "introduction_request",
    "introduction_withdraw",
    "membership_add",
    "membership_remove",
    "membership_update_role",
    "notification_create",
    "notification_mark_read",
    "organisation_create",
    "organisation_update",
    "profile_ensure",
    "profile_update",
    "user_deactivate",
]
