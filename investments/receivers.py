"""What makes cached deal-room pages stale, and only then.

The one cached page of the investments app is the deal list (the pages of results and the
incubator filter shared between investors, namespace "deals" with "organisations" and
"taxonomy"). It shows live pitches — their startup, incubator, one-liner, stage, sector,
instrument, ask, minimum ticket, currency and endorsement date (the "newest" order) — and the
amounts soft-circled and committed that count (not those awaiting reconfirmation).

Every other write of the app is on no cached page and bumps nothing: a pitch's long text, drafts
and pitches not in the room, questions and answers, investors' applications and accepted terms
(the room checks them on every request), cohorts, applications, reviews, milestones, tranches and
the deck access log written on every slide view. Connected in ``InvestmentsConfig.ready``."""

from __future__ import annotations

from core.shown import watch
from investments.models import Interest, Pitch

DEAL_LIST_FIELDS = (
    "status", "startup_id", "incubator_id", "one_liner", "stage", "sector_id", "instrument", "ask_amount",
    "minimum_ticket", "currency", "endorsed_at",
)  # fmt: skip
COUNTED = {Interest.Stage.SOFT, Interest.Stage.COMMITTED}


def _live_deal(values: dict):
    if values["status"] != Pitch.Status.READY:
        return None
    return tuple(values[name] for name in DEAL_LIST_FIELDS)


def _counted_amount(values: dict):
    if values["stage"] not in COUNTED or values["needs_reconfirmation"]:
        return None
    return (values["pitch_id"], values["stage"], values["amount"])


def connect() -> None:
    watch(Pitch, fields=DEAL_LIST_FIELDS, shown=_live_deal, namespaces=("deals",), uid="deal")
    watch(
        Interest,
        fields=("pitch_id", "stage", "amount", "needs_reconfirmation"),
        shown=_counted_amount,
        namespaces=("deals",),
        uid="interest",
    )
