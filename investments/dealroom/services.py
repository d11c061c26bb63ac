"""Writes of the deal room: investor vetting, terms, the deck access log, questions and interest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from investments.models import (
    ConfidentialityTerms,
    DeckAccess,
    Interest,
    InterestEvent,
    InvestorProfile,
    Pitch,
    Question,
    TermsAcceptance,
)
from investments.permissions import can_answer_questions, can_vet_investors, current_terms, require_deal_room
from network.audit import audit_record
from network.models import Membership, User
from network.permissions import is_member
from network.services import notification_create

# --- Investors -------------------------------------------------------------------------

INVESTOR_FIELDS = {"focus", "ticket_min", "ticket_max", "country", "attestation"}


@transaction.atomic
def investor_apply(*, actor: User, data: dict[str, Any], sectors=(), ip_address: str | None = None) -> InvestorProfile:
    """A member applies to invest (or, after a refusal, applies again); staff then vet the application.

    Approved and suspended investors cannot re-apply: staff change their standing.
    """
    if not is_member(actor):
        raise PermissionDenied
    if not data.get("attestation"):
        raise ValidationError({"attestation": _("Confirm that you may invest under the rules of your country.")})
    investor = InvestorProfile.objects.select_for_update().filter(user=actor).first()
    if investor is not None and investor.status in (InvestorProfile.Status.APPROVED, InvestorProfile.Status.SUSPENDED):
        raise ValidationError(_("Your investor standing is decided by Rabta's staff; write to them to change it."))
    investor = investor or InvestorProfile(user=actor)
    for field, value in data.items():
        if field in INVESTOR_FIELDS:
            setattr(investor, field, value)
    if investor.ticket_min and investor.ticket_max and investor.ticket_max < investor.ticket_min:
        raise ValidationError({"ticket_max": _("The largest ticket cannot be smaller than the smallest.")})
    investor.status = InvestorProfile.Status.PENDING
    investor.decision_reason = ""
    investor.full_clean(exclude=["user"])
    investor.save()
    investor.sectors.set(sectors)
    audit_record(actor=actor, event="investments.investor.apply", target=investor, ip_address=ip_address)
    for staff in User.objects.filter(is_staff=True, is_active=True):
        notification_create(
            recipient=staff,
            kind="investments.investor.apply",
            message=_("%(name)s applied to join the deal room as an investor.") % {"name": actor.display_name},
            url=reverse("deals:investor-detail", args=[investor.pk]),
        )
    return investor


# Vetting decisions: the standing an investor may move from, and to.
INVESTOR_DECISIONS = {
    "approve": ({InvestorProfile.Status.PENDING, InvestorProfile.Status.SUSPENDED}, InvestorProfile.Status.APPROVED),
    "reject": ({InvestorProfile.Status.PENDING}, InvestorProfile.Status.REJECTED),
    "suspend": ({InvestorProfile.Status.APPROVED}, InvestorProfile.Status.SUSPENDED),
}


@transaction.atomic
def investor_decide(
    *, actor: User, investor: InvestorProfile, decision: str, reason: str = "", ip_address: str | None = None
) -> InvestorProfile:
    """Staff approve, reject, suspend (or reinstate) an investor, with a reason for anything but approval."""
    if not can_vet_investors(actor):
        raise PermissionDenied
    if decision not in INVESTOR_DECISIONS:
        raise ValidationError(_("Unknown decision."))
    investor = InvestorProfile.objects.select_for_update().select_related("user").get(pk=investor.pk)
    allowed_from, target = INVESTOR_DECISIONS[decision]
    if investor.status not in allowed_from:
        raise ValidationError(
            _("An investor who is %(status)s cannot be given that decision.")
            % {"status": investor.get_status_display().lower()}
        )
    reason = reason.strip()
    if decision != "approve" and not reason:
        raise ValidationError({"reason": _("Give the reason; the investor will read it.")})
    if investor.user_id == actor.pk:
        raise ValidationError(_("Someone else must vet your own application."))
    before = investor.status
    investor.status = target
    investor.decision_reason = reason
    investor.decided_by = actor
    investor.decided_at = timezone.now()
    investor.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        event=f"investments.investor.{decision}",
        target=investor,
        data={"from": before, "to": target, "reason": reason},
        ip_address=ip_address,
    )
    messages = {
        "approve": _(
            "You are approved as an investor. Turn on two-factor authentication and accept the terms to enter "
            "the deal room."
        ),
        "reject": _("Your investor application was not approved: %(reason)s"),
        "suspend": _("Your access to the deal room is suspended: %(reason)s"),
    }
    notification_create(
        recipient=investor.user,
        kind=f"investments.investor.{decision}",
        message=messages[decision] % {"reason": reason} if decision != "approve" else messages[decision],
        url=reverse("deals:join"),
    )
    return investor


@transaction.atomic
def terms_accept(*, actor: User, terms: ConfidentialityTerms, ip_address: str | None = None) -> TermsAcceptance:
    """An investor accepts a version of the confidentiality terms; the time, version and address are kept."""
    if not is_member(actor) or not InvestorProfile.objects.filter(user=actor).exists():
        raise PermissionDenied
    if terms != current_terms():
        raise ValidationError(_("These terms were replaced by a newer version. Read the new one."))
    acceptance, created = TermsAcceptance.objects.get_or_create(
        user=actor, terms=terms, defaults={"ip_address": ip_address}
    )
    if created:
        audit_record(
            actor=actor,
            event="investments.terms.accept",
            target=acceptance,
            data={"version": terms.version},
            ip_address=ip_address,
        )
    return acceptance


# --- The deck access log ---------------------------------------------------------------


def deck_access_record(
    *, user: User, pitch: Pitch, kind: str, page: int | None = None, ip_address: str | None = None
) -> DeckAccess:
    """Append one view, page turn or download to the deck's access log."""
    return DeckAccess.objects.create(
        pitch=pitch, user=user, kind=kind, page=page, pitch_version=pitch.version, ip_address=ip_address
    )


# --- Questions and answers -------------------------------------------------------------


def _startup_managers(pitch: Pitch):
    return User.objects.filter(
        memberships__organisation=pitch.startup,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
        is_active=True,
    ).distinct()


@transaction.atomic
def question_ask(
    *,
    actor: User,
    pitch: Pitch,
    text: str,
    slide: int | None = None,
    page_count: int | None = None,
    ip_address: str | None = None,
) -> Question:
    """An investor in the deal room asks about a live deal, optionally about one slide."""
    require_deal_room(actor)
    if pitch.status != Pitch.Status.READY:
        raise ValidationError(_("This deal is no longer taking questions."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your question.")})
    if slide is not None and (slide < 1 or (page_count is not None and slide > page_count)):
        raise ValidationError({"slide": _("The deck has no slide %(n)s.") % {"n": slide}})
    question = Question(pitch=pitch, asker=actor, text=text, slide=slide)
    question.full_clean()
    question.save()
    audit_record(actor=actor, event="investments.question.create", target=question, ip_address=ip_address)
    for recipient in _startup_managers(pitch):
        notification_create(
            recipient=recipient,
            kind="investments.question.create",
            message=_("An investor asked about your pitch: “%(text)s”") % {"text": text[:120]},
            url=reverse("deals:analytics", args=[pitch.pk]) + f"#question-{question.pk}",
        )
    return question


@transaction.atomic
def question_answer(
    *, actor: User, question: Question, answer: str, private: bool = False, ip_address: str | None = None
) -> Question:
    """The startup answers; a private answer (and its question) is seen by the asker alone among investors."""
    question = Question.objects.select_for_update(of=("self",)).select_related("pitch__startup").get(pk=question.pk)
    if not can_answer_questions(actor, question.pitch):
        raise PermissionDenied
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    question.answer = answer
    question.private = private
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.full_clean()
    question.save(update_fields=["answer", "private", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        event="investments.question.answer",
        target=question,
        data={"private": private},
        ip_address=ip_address,
    )
    notification_create(
        recipient=question.asker,
        kind="investments.question.answer",
        message=_("%(startup)s answered your question.") % {"startup": question.pitch.startup.name},
        url=reverse("deals:deal-detail", args=[question.pitch_id]) + f"#question-{question.pk}",
    )
    return question


# --- Interest --------------------------------------------------------------------------

S = Interest.Stage
# Where an interest may go from each stage. A firm commitment is reached from a soft one.
INTEREST_TRANSITIONS: dict[str | None, set[str]] = {
    None: {S.WATCHING, S.CONSIDERING, S.SOFT, S.PASSED},
    S.WATCHING: {S.CONSIDERING, S.SOFT, S.PASSED},
    S.CONSIDERING: {S.WATCHING, S.SOFT, S.PASSED},
    S.SOFT: {S.CONSIDERING, S.SOFT, S.COMMITTED, S.PASSED},
    S.COMMITTED: {S.PASSED},
    S.PASSED: {S.WATCHING, S.CONSIDERING},
}
WITH_AMOUNT = {S.SOFT, S.COMMITTED}
# What the startup's managers are told when an investor puts money behind a deal.
INTEREST_NOTICES = {
    S.SOFT: gettext_lazy("An investor made a soft commitment to %(startup)s's round."),
    S.COMMITTED: gettext_lazy("An investor committed to %(startup)s's round."),
}


@transaction.atomic
def interest_set(
    *, actor: User, pitch: Pitch, stage: str, amount: Decimal | None = None, ip_address: str | None = None
) -> Interest:
    """An investor moves their interest in a live deal; soft and firm commitments carry an amount."""
    require_deal_room(actor)
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk)  # one move per deal at a time keeps totals true
    if pitch.status != Pitch.Status.READY:
        raise ValidationError(_("This deal is no longer open."))
    interest = Interest.objects.filter(pitch=pitch, investor=actor).first()
    current = interest.stage if interest else None
    if stage not in S.values or stage not in INTEREST_TRANSITIONS[current]:
        raise ValidationError(
            _("Your interest cannot move from %(from)s to %(to)s.")
            % {
                "from": Interest.Stage(current).label.lower() if current else _("nothing"),
                "to": Interest.Stage(stage).label.lower() if stage in S.values else stage,
            }
        )
    if interest is not None and interest.needs_reconfirmation and stage in WITH_AMOUNT:
        raise ValidationError(_("The terms changed: reconfirm or change your commitment against the new terms first."))
    if stage in WITH_AMOUNT:
        if stage == S.COMMITTED and amount is None:
            amount = interest.amount
        if amount is None or amount <= 0:
            raise ValidationError({"amount": _("Give the amount, in %(currency)s.") % {"currency": pitch.currency}})
        if pitch.minimum_ticket and amount < pitch.minimum_ticket:
            raise ValidationError(
                {
                    "amount": _("The minimum ticket is %(minimum)s %(currency)s.")
                    % {"minimum": f"{pitch.minimum_ticket:,.0f}", "currency": pitch.currency}
                }
            )
    else:
        amount = None
    if interest is None:
        interest = Interest(pitch=pitch, investor=actor)
    interest.stage = stage
    interest.amount = amount
    interest.terms_version = pitch.version
    interest.needs_reconfirmation = False
    interest.updated_at = timezone.now()
    try:
        with transaction.atomic():
            interest.save()
    except IntegrityError as error:
        raise ValidationError(_("Your interest changed in another window. Reload the page.")) from error
    InterestEvent.objects.create(interest=interest, stage=stage, amount=amount, terms_version=pitch.version)
    audit_record(
        actor=actor,
        event="investments.interest.move",
        target=interest,
        data={"from": current, "to": stage, "amount": str(amount) if amount is not None else None},
        ip_address=ip_address,
    )
    if stage in WITH_AMOUNT:
        for recipient in _startup_managers(pitch):
            notification_create(
                recipient=recipient,
                kind=f"investments.interest.{stage}",
                message=INTEREST_NOTICES[stage] % {"startup": pitch.startup.name},
                url=reverse("deals:analytics", args=[pitch.pk]),
            )
    return interest


@transaction.atomic
def interest_reconfirm(*, actor: User, pitch: Pitch, ip_address: str | None = None) -> Interest:
    """After the terms changed, the investor confirms their commitment against the new version; it counts again."""
    require_deal_room(actor)
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk)
    if pitch.status != Pitch.Status.READY:
        raise ValidationError(_("This deal is no longer open."))
    interest = Interest.objects.filter(pitch=pitch, investor=actor, needs_reconfirmation=True).first()
    if interest is None:
        raise ValidationError(_("There is nothing to reconfirm."))
    interest.needs_reconfirmation = False
    interest.terms_version = pitch.version
    interest.updated_at = timezone.now()
    interest.save(update_fields=["needs_reconfirmation", "terms_version", "updated_at"])
    InterestEvent.objects.create(
        interest=interest, stage=interest.stage, amount=interest.amount, terms_version=pitch.version, reconfirmed=True
    )
    audit_record(
        actor=actor,
        event="investments.interest.reconfirm",
        target=interest,
        data={"version": pitch.version, "amount": str(interest.amount)},
        ip_address=ip_address,
    )
    return interest


def interests_require_reconfirmation(*, pitch: Pitch, changed: list[str] | tuple[str, ...] = ()) -> int:
    """A live pitch changed materially (``changed``: the fields, "deck" for a new deck): soft and firm
    commitments stop counting until reconfirmed, and their investors are asked to reconfirm; investors
    watching or considering the deal are told what changed. Investors who passed hear nothing."""
    what = _changed_fields(changed)
    interests = list(
        Interest.objects.filter(pitch=pitch)
        .exclude(stage=Interest.Stage.PASSED)
        .select_related("investor")
        .order_by("pk")
    )
    affected = [i for i in interests if i.stage in WITH_AMOUNT and not i.needs_reconfirmation]
    Interest.objects.filter(pk__in=[i.pk for i in affected]).update(needs_reconfirmation=True)
    url = reverse("deals:deal-detail", args=[pitch.pk]) + "#versions"
    for interest in interests:
        if interest.stage in WITH_AMOUNT:
            message = pgettext(
                "notification",
                "%(startup)s changed its pitch (version %(version)s): %(what)s. Review the changes and reconfirm "
                "your commitment; it does not count until you do.",
            )
        else:
            message = pgettext(
                "notification", "%(startup)s changed its pitch (version %(version)s): %(what)s. Review the changes."
            )
        notification_create(
            recipient=interest.investor,
            kind="investments.interest.reconfirm" if interest.stage in WITH_AMOUNT else "investments.deal.change",
            message=message % {"startup": pitch.startup.name, "version": pitch.version, "what": what},
            url=url,
        )
    return len(affected)


def _changed_fields(changed) -> str:
    """The changed material fields in words: "the valuation cap and the traction figures"."""
    from django.utils.text import get_text_list

    names = {
        "ask_amount": pgettext("changed field", "the ask"),
        "currency": pgettext("changed field", "the currency"),
        "instrument": pgettext("changed field", "the instrument"),
        "valuation_cap": pgettext("changed field", "the valuation cap"),
        "pre_money": pgettext("changed field", "the pre-money valuation"),
        "minimum_ticket": pgettext("changed field", "the minimum ticket"),
        "use_of_funds": pgettext("changed field", "the use of funds"),
        "stage": pgettext("changed field", "the stage"),
        "traction": pgettext("changed field", "the traction figures"),
        "deck": pgettext("changed field", "the deck"),
    }
    words = [names[field] for field in changed if field in names]
    return get_text_list(words, _("and")) if words else pgettext("changed field", "the terms")


def deal_announce(*, pitch: Pitch) -> int:
    """A pitch went live: approved investors who follow its sector are told (only that it exists;
    its content stays behind the room's door)."""
    if pitch.sector_id is None:
        return 0
    investors = User.objects.filter(
        investor__status=InvestorProfile.Status.APPROVED, investor__sectors=pitch.sector_id, is_active=True
    ).distinct()
    count = 0
    for investor in investors:
        notification_create(
            recipient=investor,
            kind="investments.deal.live",
            message=_("A new %(sector)s deal is in the deal room.") % {"sector": pitch.sector.name},
            url=reverse("deals:deal-detail", args=[pitch.pk]),
        )
        count += 1
    return count
