"""Introductions: a member asks another for one; accepted, declined, withdrawn, expired, and what came of it.

Atomic, validated before anything is written, audited where it matters; email queued after commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from network.audit import audit_record
from network.models import Introduction, User
from network.permissions import introduction_cooldown_until
from network.services.notifications import notification_create


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
    _introduction_request_check(requester=requester, recipient=recipient, reason=reason)
    try:
        with transaction.atomic():
            # Lock the requester's row: concurrent requests from one member are
            # counted one after the other, so the cap cannot be overrun.
            User.objects.select_for_update().filter(pk=requester.pk).first()
            _introduction_pair_check(requester=requester, recipient=recipient, now=now)
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
            _introduction_requested(introduction)
    except IntegrityError:
        # Two identical requests raced past the checks; the database kept one.
        raise ValidationError(_("A request between you and this member is already waiting for an answer.")) from None
    return introduction


def _introduction_request_check(*, requester: User, recipient: User, reason: str) -> None:
    """What is refused before any lock: asking oneself, a member who left, a reason too short to answer."""
    if requester.pk == recipient.pk:
        raise ValidationError(_("You cannot ask for an introduction to yourself."))
    if not recipient.is_active:
        raise ValidationError(_("This member is no longer on Rabta."))
    if len(reason) < 20:
        raise ValidationError(
            {"reason": _("Say in a sentence or two why you would like to meet (20 characters at least).")}
        )


def _introduction_pair_check(*, requester: User, recipient: User, now: datetime) -> None:
    """Refused between two members already introduced, with a request waiting either way, or while the
    recipient's last refusal of the requester is still cooling down."""
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


def _introduction_requested(introduction: Introduction) -> None:
    """Tell the recipient, and let the request lapse at its expiry if nobody answers."""
    notification_create(
        recipient=introduction.recipient,
        kind="network.introduction.request",
        message=_("%(name)s asks to be introduced to you.") % {"name": introduction.requester.display_name},
        url=introduction.get_absolute_url(),
    )
    from network.tasks import expire_introduction

    transaction.on_commit(lambda: expire_introduction.using(run_after=introduction.expires_at).enqueue(introduction.pk))


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
