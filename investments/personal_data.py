"""What investments adds to a member's data download, and does when they delete their account
(registered with ``network.personal_data`` in ``InvestmentsConfig.ready``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from investments.models import Interest, InterestEvent, InvestorProfile, Question, TermsAcceptance
from network.audit import audit_record


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export(user) -> dict[str, Any]:
    """The member's investor application, their interests in deals (with their history), the
    questions they asked and the confidentiality terms they accepted."""
    investor = InvestorProfile.objects.filter(user=user).prefetch_related("sectors").first()
    interests = Interest.objects.filter(investor=user).select_related("pitch__startup").prefetch_related("events")
    return {
        "investor_profile": (
            {
                "status": investor.status,
                "focus": investor.focus,
                "ticket_min": str(investor.ticket_min),
                "ticket_max": str(investor.ticket_max),
                "country": str(investor.country),
                "sectors": sorted(s.name for s in investor.sectors.all()),
                "created_at": _iso(investor.created_at),
            }
            if investor
            else None
        ),
        "investor_interests": [
            {
                "deal": i.pitch.startup.name,
                "stage": i.stage,
                "amount": str(i.amount) if i.amount is not None else None,
                "currency": i.pitch.currency,
                "updated_at": _iso(i.updated_at),
                "history": [
                    {"stage": e.stage, "amount": str(e.amount) if e.amount is not None else None, "at": _iso(e.at)}
                    for e in i.events.all()
                ],
            }
            for i in interests.order_by("updated_at", "id")
        ],
        "deal_questions": [
            {"deal": q.pitch.startup.name, "question": q.text, "answer": q.answer, "asked_at": _iso(q.created_at)}
            for q in Question.objects.filter(asker=user).select_related("pitch__startup").order_by("created_at", "id")
        ],
        "confidentiality_terms_accepted": [
            {"version": t.terms.version, "at": _iso(t.accepted_at)}
            for t in TermsAcceptance.objects.filter(user=user).select_related("terms").order_by("id")
        ],
    }


OPEN_STAGES = (Interest.Stage.WATCHING, Interest.Stage.CONSIDERING, Interest.Stage.SOFT)


def erase(*, user, now: datetime) -> None:
    """Interests not yet committed become "passed" (a departed investor's soft commitment must not
    count toward a round); the investor application loses its free text and sectors.

    Kept, attributed to "a former member": firm commitments (the startup relies on them), questions
    and answers, accepted terms and the deck access log (append-only).
    """
    for interest in Interest.objects.filter(investor=user, stage__in=OPEN_STAGES).select_related("pitch"):
        before = interest.stage
        interest.stage = Interest.Stage.PASSED
        interest.amount = None
        interest.needs_reconfirmation = False
        interest.updated_at = now
        interest.save(update_fields=["stage", "amount", "needs_reconfirmation", "updated_at"])
        InterestEvent.objects.create(
            interest=interest, stage=interest.stage, amount=None, terms_version=interest.terms_version, at=now
        )
        audit_record(
            actor=user,
            event="investments.interest.move",
            target=interest,
            data={"from": before, "to": Interest.Stage.PASSED, "amount": None, "reason": "account deleted"},
        )
    investor = InvestorProfile.objects.filter(user=user).first()
    if investor is not None:
        investor.focus = ""
        investor.save(update_fields=["focus"])
        investor.sectors.clear()
