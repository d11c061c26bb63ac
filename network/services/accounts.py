"""Accounts: deactivation, the personal data download and account deletion (anonymised, never removed).

Atomic, validated before anything is written, audited where it matters; email queued after commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network import selectors
from network.audit import audit_record
from network.models import Introduction, Membership, Notification, Profile, User
from network.services.introductions import introduction_decline, introduction_withdraw
from network.services.organisations import membership_remove


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, ip_address: str | None = None) -> User:
    """Take a member off Rabta: they can no longer sign in, every page others see shows them as
    "a former member" or leaves them out, and their live connections (session rooms) close at once.

    The admin's "active" checkbox comes here too. Deactivating an inactive account changes nothing.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, event="network.user.deactivate", target=user, ip_address=ip_address)
    from network.realtime import disconnect_member

    transaction.on_commit(lambda: disconnect_member(user.pk))
    return user


def account_export(*, actor: User, user: User, ip_address: str | None = None) -> dict:
    """The member's personal data (``selectors.personal_data_export``), recorded as handed out: to the
    member themself, or to staff acting on their request."""
    data = selectors.personal_data_export(user=user)
    audit_record(
        actor=actor,
        event="network.account.export",
        target=user,
        data={"by": "member" if actor.pk == user.pk else "staff"},
        ip_address=ip_address,
    )
    return data


def _placeholder_email() -> str:
    # ".invalid" is reserved (RFC 2606): nothing is ever delivered there, and the random part keeps
    # the unique, case-insensitive email constraint satisfied for every deleted account.
    return f"deleted-{uuid.uuid4().hex}@deleted.invalid"


PROFILE_FIELDS_ERASED = {
    "display_name": "",
    "headline": "",
    "bio": "",
    "city": "",
    "country": "",
    "skills": "",
    "website": "",
    "linkedin": "",
    "github": "",
    "lives_abroad": False,
    "is_mentor": False,
    "is_founder": False,
    "is_investor": False,
    "contact_email": "",
    "contact_phone": "",
    "contact_visibility": Profile.ContactVisibility.INTRODUCED,
    "visibility": Profile.Visibility.MEMBERS,
    "timezone": "UTC",
}


@transaction.atomic
def account_delete(*, actor: User, user: User, ip_address: str | None = None, now: datetime | None = None) -> User:
    """Delete a member's account at their request (``actor`` is the member, or staff acting on it).

    The row stays (bookings, room messages, deal-room questions, the deck access log and the audit
    trail point at it), anonymised: email replaced by a unique undeliverable placeholder, password
    unusable, inactive, no staff rights or groups; the profile emptied and its photo file removed;
    email addresses, second factors and social logins removed; the member's notifications deleted.
    Pending introductions are withdrawn (sent) or declined (received), memberships ended (except
    where the member is an organisation's last owner: staff hand it over), and every app above
    removes or anonymises its part (``network.personal_data``): future sessions are cancelled with
    the other side told, the calendar feed revoked… Others' records show "a former member". Live
    connections close at once; every signed-in session ends (the password hash changed).

    Audit rows are never changed: the deletion's own entry is written first, by ``actor``.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from network.personal_data import erase
    from network.realtime import disconnect_member

    now = now or timezone.now()
    user = User.objects.select_for_update(of=("self",)).select_related("profile").get(pk=user.pk)
    if user.is_deleted:
        raise ValidationError(_("This account has already been deleted."))
    audit_record(
        actor=actor,
        event="network.account.delete",
        target=user,
        data={"by": "member" if actor.pk == user.pk else "staff"},
        ip_address=ip_address,
    )
    # From here on the member is "a former member" to everything that names them.
    user.is_active = False
    user.save(update_fields=["is_active"])

    _withdraw_introductions(user, now=now)
    for membership in list(Membership.objects.filter(user=user).select_related("organisation")):
        try:
            with transaction.atomic():
                membership_remove(actor=user, membership=membership, ip_address=ip_address)
        except ValidationError:
            pass  # the organisation's last owner: the membership stays, hidden, until staff hand it over
    erase(user=user, now=now)

    profile = getattr(user, "profile", None)
    if profile is not None:
        photo_name = profile.photo.name if profile.photo else ""
        for field, value in PROFILE_FIELDS_ERASED.items():
            setattr(profile, field, value)
        profile.photo = ""
        profile.save()
        profile.sectors.clear()
        profile.languages.clear()
        if photo_name:
            storage = profile.photo.storage
            transaction.on_commit(lambda: storage.delete(photo_name))
    Notification.objects.filter(recipient=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.email = _placeholder_email()
    user.set_unusable_password()
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = now
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    transaction.on_commit(lambda: disconnect_member(user.pk))
    return user


def _withdraw_introductions(user: User, *, now: datetime) -> None:
    for introduction in Introduction.objects.filter(requester=user).open(now=now):
        introduction_withdraw(actor=user, introduction=introduction, now=now)
    for introduction in Introduction.objects.filter(recipient=user).open(now=now):
        introduction_decline(actor=user, introduction=introduction, now=now)
