"""Organisations and their memberships: owners and admins manage who belongs.

Atomic, validated before anything is written, audited where it matters; email queued after commit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from network.audit import audit_record
from network.models import Membership, Organisation, User
from network.permissions import acts_as_staff
from network.services.notifications import notification_create

# Slugs that are pages under /organisations/, not organisations (see network/urls.py).
RESERVED_ORGANISATION_SLUGS = frozenset({"new"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:140] or "organisation"
    slug = base
    n = 2
    while slug in RESERVED_ORGANISATION_SLUGS or Organisation.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organisation_create(
    *, creator: User, data: dict[str, Any], sectors=None, ip_address: str | None = None
) -> Organisation:
    """Create an organisation with ``creator`` as its owner."""
    organisation = Organisation(**data)
    organisation.slug = _unique_slug(organisation.name)
    organisation.full_clean()
    organisation.save()
    if sectors is not None:
        organisation.sectors.set(sectors)
    Membership.objects.create(organisation=organisation, user=creator, role=Membership.Role.OWNER)
    audit_record(
        actor=creator,
        event="network.organisation.create",
        target=organisation,
        data={"kind": organisation.kind},
        ip_address=ip_address,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, data: dict[str, Any], sectors=None, ip_address: str | None = None
) -> Organisation:
    """Apply validated fields. The caller has checked ``can_manage_organisation``."""
    changed = []
    for field, value in data.items():
        if getattr(organisation, field) != value:
            setattr(organisation, field, value)
            changed.append(field)
    organisation.full_clean()
    organisation.save()
    if sectors is not None:
        organisation.sectors.set(sectors)
    audit_record(
        actor=actor,
        event="network.organisation.update",
        target=organisation,
        data={"fields": sorted(changed)},
        ip_address=ip_address,
    )
    return organisation


def _lock_memberships(organisation: Organisation) -> list[Membership]:
    # Locking every membership row of the organisation serialises concurrent
    # role changes, so two admins cannot each remove "the other" last owner.
    return list(Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk"))


def _is_owner(actor: User, memberships: list[Membership]) -> bool:
    """Only owners (and staff) hand out or take away ownership; admins manage the rest."""
    return acts_as_staff(actor) or any(m.user_id == actor.pk and m.role == Membership.Role.OWNER for m in memberships)


@transaction.atomic
def membership_add(
    *,
    actor: User,
    organisation: Organisation,
    email: str,
    role: str,
    title: str = "",
    ip_address: str | None = None,
) -> Membership:
    """Add an existing member (found by email) to ``organisation``."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose owner, admin or member.")})
    try:
        user = User.objects.get(email__iexact=email.strip(), is_active=True)
    except User.DoesNotExist:
        raise ValidationError(
            {"email": _("No Rabta member uses this email address. Ask them to sign up first.")}
        ) from None
    memberships = _lock_memberships(organisation)
    if role == Membership.Role.OWNER and not _is_owner(actor, memberships):
        raise ValidationError({"role": _("Only an owner can add another owner.")})
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"email": _("This person is already a member of %(name)s.") % {"name": organisation}})
    membership = Membership.objects.create(organisation=organisation, user=user, role=role, title=title)
    audit_record(
        actor=actor,
        event="network.membership.create",
        target=membership,
        data={"organisation": organisation.pk, "user": user.pk, "role": role},
        ip_address=ip_address,
    )
    notification_create(
        recipient=user,
        kind="network.membership.create",
        message=_("You were added to %(organisation)s as %(role)s.")
        % {"organisation": organisation.name, "role": membership.get_role_display()},
        url=organisation.get_absolute_url(),
    )
    return membership


@transaction.atomic
def membership_update_role(
    *, actor: User, membership: Membership, role: str, ip_address: str | None = None
) -> Membership:
    """Change a member's role; an organisation always keeps at least one owner."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose owner, admin or member.")})
    memberships = _lock_memberships(membership.organisation)
    current = next(m for m in memberships if m.pk == membership.pk)
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    if current.role == Membership.Role.OWNER and role != Membership.Role.OWNER and len(owners) == 1:
        raise ValidationError(_("An organisation needs at least one owner. Make someone else owner first."))
    if Membership.Role.OWNER in (current.role, role) and not _is_owner(actor, memberships):
        raise PermissionDenied
    old_role = current.role
    current.role = role
    current.save(update_fields=["role"])
    audit_record(
        actor=actor,
        event="network.membership.update",
        target=current,
        data={"from": old_role, "to": role},
        ip_address=ip_address,
    )
    return current


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership, ip_address: str | None = None) -> None:
    """Remove a member; the last owner cannot be removed."""
    memberships = _lock_memberships(membership.organisation)
    # Decide on the locked row, not on the caller's copy, whose role may be out of date.
    current = next(m for m in memberships if m.pk == membership.pk)
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    if current.role == Membership.Role.OWNER and len(owners) == 1:
        raise ValidationError(_("An organisation needs at least one owner. Make someone else owner first."))
    if current.role == Membership.Role.OWNER and not _is_owner(actor, memberships):
        raise PermissionDenied
    audit_record(
        actor=actor,
        event="network.membership.delete",
        target=current,
        data={"organisation": current.organisation_id, "user": current.user_id, "role": current.role},
        ip_address=ip_address,
    )
    current.delete()
