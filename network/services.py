"""Writes of the network app: profiles, organisations, introductions, notifications.

Every service is atomic, validates before it writes, raises ``ValidationError``
with a message a person can act on, records an audit entry for changes that
matter, and queues email only after the transaction commits.
"""

from __future__ import annotations

import io
import uuid
import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from network import selectors
from network.audit import audit_record
from network.models import Introduction, Membership, Notification, Organisation, Profile, User
from network.permissions import acts_as_staff, introduction_cooldown_until

# --- Notifications -----------------------------------------------------------


def notification_create(
    *, recipient: User, kind: str, message: str, url: str = "", send_email: bool = True
) -> Notification:
    """Store an in-app notification and, after commit, queue its email."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, message=message[:300], url=url)
    if send_email:
        from network.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.enqueue(notification.pk))
    return notification


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` as read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    updated = qs.update(read_at=timezone.now())
    transaction.on_commit(lambda: selectors.notification_unread_forget(user_id=user.pk))
    return updated


# --- Accounts ----------------------------------------------------------------


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


# --- Profiles ----------------------------------------------------------------


def profile_ensure(*, user: User, time_zone: str = "") -> Profile:
    """Every member has a profile; create an empty one on first need (in ``time_zone`` when it is a
    known zone: the browser's, at sign-up; otherwise the field's default)."""
    defaults = {"display_name": user.email.split("@", 1)[0][:120]}
    if time_zone and time_zone in zoneinfo.available_timezones():
        defaults["timezone"] = time_zone
    profile, _created = Profile.objects.get_or_create(user=user, defaults=defaults)
    return profile


def _normalise_photo(upload) -> ContentFile:
    """Re-encode an uploaded image as a JPEG no larger than 800 px.

    Re-encoding drops whatever else the file carried (EXIF location data,
    appended payloads) so that only pixels are stored and served.
    """
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((800, 800))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    data: dict[str, Any],
    sectors=None,
    languages=None,
    photo=None,
    remove_photo: bool = False,
    ip_address: str | None = None,
) -> Profile:
    """Apply validated profile fields; ``photo`` is an uploaded image already checked by the form."""
    changed = []
    for field, value in data.items():
        if getattr(profile, field) != value:
            setattr(profile, field, value)
            changed.append(field)
    old_photo_name = profile.photo.name if profile.photo else ""
    # Validate before the new photo is written to storage, so refused data leaves no file behind.
    profile.full_clean()
    if photo is not None:
        profile.photo.save("photo.jpg", _normalise_photo(photo), save=False)
        changed.append("photo")
    elif remove_photo and profile.photo:
        profile.photo = ""
        changed.append("photo")
    profile.save()
    if sectors is not None:
        profile.sectors.set(sectors)
    if languages is not None:
        profile.languages.set(languages)
    if "photo" in changed and old_photo_name:
        storage = profile.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo_name))
    audit_record(
        actor=profile.user,
        event="network.profile.update",
        target=profile,
        data={"fields": sorted(changed)},
        ip_address=ip_address,
    )
    return profile


# --- Organisations -----------------------------------------------------------


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


# --- Introductions -----------------------------------------------------------


def _introduction_settings() -> tuple[int, int]:
    cfg = settings.RABTA
    return cfg["INTRODUCTION_TTL_DAYS"], cfg["INTRODUCTION_OPEN_CAP"]


def introduction_request(
    *, requester: User, recipient: User, reason: str, ip_address: str | None = None, now: datetime | None = None
) -> Introduction:
    """Ask ``recipient`` for an introduction.

    Refused when asking oneself or an inactive member, when a request between
    the two is already waiting or accepted, when ``recipient`` declined the
    requester less than ``INTRODUCTION_COOLDOWN_DAYS`` ago, or when the
    requester already has as many waiting requests as the cap allows.
    """
    now = now or timezone.now()
    ttl_days, open_cap = _introduction_settings()
    reason = (reason or "").strip()
    if requester.pk == recipient.pk:
        raise ValidationError(_("You cannot ask for an introduction to yourself."))
    if not recipient.is_active:
        raise ValidationError(_("This member is no longer on Rabta."))
    if len(reason) < 20:
        raise ValidationError(
            {"reason": _("Say in a sentence or two why you would like to meet (20 characters at least).")}
        )
    try:
        with transaction.atomic():
            # Lock the requester's row: concurrent requests from one member are
            # counted one after the other, so the cap cannot be overrun.
            User.objects.select_for_update().filter(pk=requester.pk).first()
            between = Introduction.objects.filter(
                Q(requester=requester, recipient=recipient) | Q(requester=recipient, recipient=requester)
            )
            if between.filter(status=Introduction.Status.ACCEPTED).exists():
                raise ValidationError(_("You are already introduced to this member."))
            if between.open(now=now).exists():
                raise ValidationError(_("A request between you and this member is already waiting for an answer."))
            cooldown_until = introduction_cooldown_until(requester, recipient, now=now)
            if cooldown_until is not None:
                raise ValidationError(
                    _("This member declined your last request. You can ask them again from %(date)s.")
                    % {"date": date_format(timezone.localtime(cooldown_until), "j F Y, H:i")}
                )
            if Introduction.objects.filter(requester=requester).open(now=now).count() >= open_cap:
                raise ValidationError(
                    _(
                        "You already have %(cap)d requests waiting for an answer. "
                        "Wait for replies, or withdraw one, before asking again."
                    )
                    % {"cap": open_cap}
                )
            # A lapsed pending row would block the partial unique constraint.
            _expire_between(requester, recipient, now=now)
            introduction = Introduction.objects.create(
                requester=requester,
                recipient=recipient,
                reason=reason,
                created_at=now,
                expires_at=now + timedelta(days=ttl_days),
            )
            audit_record(
                actor=requester, event="network.introduction.request", target=introduction, ip_address=ip_address
            )
            notification_create(
                recipient=recipient,
                kind="network.introduction.request",
                message=_("%(name)s asks to be introduced to you.") % {"name": requester.display_name},
                url=introduction.get_absolute_url(),
            )
            from network.tasks import expire_introduction

            transaction.on_commit(
                lambda: expire_introduction.using(run_after=introduction.expires_at).enqueue(introduction.pk)
            )
    except IntegrityError:
        # Two identical requests raced past the checks; the database kept one.
        raise ValidationError(_("A request between you and this member is already waiting for an answer.")) from None
    return introduction


def _expire_between(a: User, b: User, *, now: datetime) -> None:
    lapsed = Introduction.objects.filter(
        Q(requester=a, recipient=b) | Q(requester=b, recipient=a),
        status=Introduction.Status.PENDING,
        expires_at__lte=now,
    )
    for introduction in lapsed:
        _expire(introduction)


def _expire(introduction: Introduction) -> None:
    introduction.status = Introduction.Status.EXPIRED
    introduction.save(update_fields=["status"])
    audit_record(actor=None, event="network.introduction.expire", target=introduction)


def _lock_introduction(introduction: Introduction) -> Introduction:
    return (
        Introduction.objects.select_for_update(of=("self",))
        .select_related("requester", "recipient")
        .get(pk=introduction.pk)
    )


def _require_open(introduction: Introduction, now: datetime) -> None:
    if introduction.status != Introduction.Status.PENDING:
        raise ValidationError(
            _("This request has already been answered (%(status)s).")
            % {"status": introduction.get_status_display().lower()}
        )
    if introduction.expires_at <= now:
        raise ValidationError(_("This request has expired."))


@transaction.atomic
def introduction_accept(
    *, actor: User, introduction: Introduction, ip_address: str | None = None, now: datetime | None = None
) -> Introduction:
    """The recipient agrees; both sides now see each other's contact details."""
    now = now or timezone.now()
    introduction = _lock_introduction(introduction)
    if actor.pk != introduction.recipient_id:
        raise PermissionDenied
    _require_open(introduction, now)
    introduction.status = Introduction.Status.ACCEPTED
    introduction.responded_at = now
    introduction.save(update_fields=["status", "responded_at"])
    audit_record(actor=actor, event="network.introduction.accept", target=introduction, ip_address=ip_address)
    notification_create(
        recipient=introduction.requester,
        kind="network.introduction.accept",
        message=_("%(name)s accepted your introduction request. Their contact details are now on their profile.")
        % {"name": introduction.recipient.display_name},
        url=introduction.get_absolute_url(),
    )
    return introduction


@transaction.atomic
def introduction_decline(
    *,
    actor: User,
    introduction: Introduction,
    note: str = "",
    ip_address: str | None = None,
    now: datetime | None = None,
) -> Introduction:
    """The recipient says no, optionally with a short note; nothing is shared."""
    now = now or timezone.now()
    introduction = _lock_introduction(introduction)
    if actor.pk != introduction.recipient_id:
        raise PermissionDenied
    _require_open(introduction, now)
    introduction.status = Introduction.Status.DECLINED
    introduction.decline_note = note.strip()[:500]
    introduction.responded_at = now
    introduction.save(update_fields=["status", "decline_note", "responded_at"])
    audit_record(actor=actor, event="network.introduction.decline", target=introduction, ip_address=ip_address)
    notification_create(
        recipient=introduction.requester,
        kind="network.introduction.decline",
        message=_("%(name)s declined your introduction request.") % {"name": introduction.recipient.display_name},
        url=introduction.get_absolute_url(),
    )
    return introduction


@transaction.atomic
def introduction_withdraw(
    *, actor: User, introduction: Introduction, ip_address: str | None = None, now: datetime | None = None
) -> Introduction:
    """The requester takes back a request that is still waiting."""
    now = now or timezone.now()
    introduction = _lock_introduction(introduction)
    if actor.pk != introduction.requester_id:
        raise PermissionDenied
    _require_open(introduction, now)
    introduction.status = Introduction.Status.WITHDRAWN
    introduction.responded_at = now
    introduction.save(update_fields=["status", "responded_at"])
    audit_record(actor=actor, event="network.introduction.withdraw", target=introduction, ip_address=ip_address)
    return introduction


@transaction.atomic
def introduction_record_outcome(
    *, actor: User, introduction: Introduction, outcome: str, note: str = "", ip_address: str | None = None
) -> Introduction:
    """Either side of an accepted introduction records what came of it."""
    introduction = _lock_introduction(introduction)
    if actor.pk not in (introduction.requester_id, introduction.recipient_id):
        raise PermissionDenied
    if introduction.status != Introduction.Status.ACCEPTED:
        raise ValidationError(_("Outcomes can be recorded only for accepted introductions."))
    if outcome not in Introduction.Outcome.values or outcome == "":
        raise ValidationError({"outcome": _("Choose what came of the introduction.")})
    introduction.outcome = outcome
    introduction.outcome_note = note.strip()[:500]
    introduction.save(update_fields=["outcome", "outcome_note"])
    audit_record(
        actor=actor,
        event="network.introduction.outcome",
        target=introduction,
        data={"outcome": outcome},
        ip_address=ip_address,
    )
    return introduction


@transaction.atomic
def introduction_expire(*, introduction_id: int, now: datetime | None = None) -> bool:
    """Expire one request if it is still waiting past its time. Safe to call twice."""
    now = now or timezone.now()
    introduction = (
        Introduction.objects.select_for_update()
        .filter(pk=introduction_id, status=Introduction.Status.PENDING, expires_at__lte=now)
        .select_related("requester", "recipient")
        .first()
    )
    if introduction is None:
        return False
    _expire(introduction)
    notification_create(
        recipient=introduction.requester,
        kind="network.introduction.expire",
        message=_("Your introduction request to %(name)s expired without an answer.")
        % {"name": introduction.recipient.display_name},
        url=reverse("network:introduction-list"),
    )
    return True
