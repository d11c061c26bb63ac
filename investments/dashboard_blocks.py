"""What investments adds to a member's home (``network.dashboard_blocks``): a founder's cohort,
milestones and pitch; an investor's deals; an incubator manager's queues and cohorts; the investor
vetting queue for staff."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from investments import selectors
from investments.models import Milestone, programme_today
from investments.permissions import can_vet_investors, is_approved_investor
from network.dashboard_blocks import Block, Item
from network.permissions import is_member


def _money(amount, currency: str) -> str:
    return f"{number_format(amount, decimal_pos=0, force_grouping=True)} {currency}"


def investment_blocks(*, user) -> list[Block]:
    if not is_member(user):
        return []
    blocks = _founder_blocks(user=user)
    if is_approved_investor(user):
        blocks += _investor_blocks(user=user)
    incubators = list(selectors.incubator_list_managed_by(user=user))
    if incubators:
        blocks += _incubator_blocks(incubators=incubators)
    if can_vet_investors(user):
        blocks += _vetting_blocks()
    return blocks


def _founder_blocks(*, user) -> list[Block]:
    home = selectors.founder_home(user=user, today=programme_today())
    if not home["startups"]:
        return []
    first = home["startups"][0]
    cohort_items = [
        Item(
            _("%(startup)s in %(cohort)s (%(incubator)s)")
            % {"startup": a.startup.name, "cohort": a.cohort.name, "incubator": a.cohort.incubator.name},
            reverse("investments:enrolment-detail", args=[a.cohort_id, a.startup.slug]),
            detail=a.cohort.get_status_display(),
        )
        for a in home["enrolments"]
    ]
    milestone_items = [
        Item(
            m.title,
            reverse("investments:enrolment-detail", args=[m.cohort_id, m.startup.slug]),
            detail=(
                _("sent back: %(reason)s") % {"reason": m.return_reason}
                if m.status == Milestone.Status.RETURNED
                else _("due %(date)s") % {"date": date_format(m.due_on, "j M Y")}
            ),
        )
        for m in home["milestones"]
    ]
    blocks = [
        Block(
            role="founder",
            key="my-cohorts",
            title=_("My cohorts"),
            url=reverse("investments:open-calls"),
            link=_("Open calls: cohorts taking applications"),
            count=len(cohort_items),
            items=cohort_items,
            empty=_("Your startup is not in a cohort yet."),
        ),
        Block(
            role="founder",
            key="milestones-to-do",
            title=_("Milestones due or sent back"),
            url=(
                reverse("investments:enrolment-detail", args=[home["enrolments"][0].cohort_id, first.slug])
                if home["enrolments"]
                else first.get_absolute_url()
            ),
            link=_("Report progress"),
            count=home["due"] + home["returned"],
            items=[
                Item(
                    ngettext("%(count)d sent back", "%(count)d sent back", home["returned"])
                    % {"count": home["returned"]}
                    + " · "
                    + ngettext("%(count)d overdue", "%(count)d overdue", home["overdue"]) % {"count": home["overdue"]}
                ),
                *milestone_items,
            ]
            if milestone_items
            else [],
            empty=_("No milestones to report."),
        ),
    ]
    pitch_items = []
    for row in home["pitches"]:
        pitch = row["pitch"]
        interest = ", ".join(f"{label}: {count}" for label, count in row["stages"] if count)
        pitch_items.append(
            Item(
                _("%(startup)s: %(stage)s") % {"startup": pitch.startup.name, "stage": pitch.get_status_display()},
                reverse("investments:pitch-detail", args=[pitch.pk]),
                detail=interest or _("no investor interest yet"),
                action=(
                    ngettext("%(count)d question to answer", "%(count)d questions to answer", row["unanswered"])
                    % {"count": row["unanswered"]}
                    if row["unanswered"]
                    else ""
                ),
                action_url=reverse("deals:analytics", args=[pitch.pk]) if row["unanswered"] else "",
            )
        )
    blocks.append(
        Block(
            role="founder",
            key="my-pitch",
            title=_("Pitch and investor interest"),
            url=reverse("investments:pitch-create", args=[first.slug]) if not pitch_items else pitch_items[0].url,
            link=_("Write a pitch") if not pitch_items else _("Open the pitch"),
            count=sum(row["unanswered"] for row in home["pitches"]),
            items=pitch_items,
            empty=_("No pitch yet."),
        )
    )
    return blocks


def _investor_blocks(*, user) -> list[Block]:
    home = selectors.investor_home(user=user, now=timezone.now())
    deals = reverse("deals:deal-list")
    watched_items = []
    for row in home["watched"]:
        interest = row["interest"]
        changes = []
        if interest.needs_reconfirmation:
            changes.append(_("new terms to reconfirm"))
        if row["answers"]:
            changes.append(
                ngettext("%(count)d answer to your questions", "%(count)d answers to your questions", row["answers"])
                % {"count": row["answers"]}
            )
        watched_items.append(
            Item(
                interest.pitch.startup.name,
                reverse("deals:deal-detail", args=[interest.pitch_id]),
                detail=" · ".join([interest.get_stage_display(), *changes]),
            )
        )
    return [
        Block(
            role="investor",
            key="matching-deals",
            title=_("New deals for your sectors and ticket"),
            url=deals,
            link=_("Deal room"),
            count=home["matching_count"],
            items=[
                Item(
                    pitch.one_liner,
                    reverse("deals:deal-detail", args=[pitch.pk]),
                    detail=", ".join(
                        part
                        for part in (
                            pitch.sector.name if pitch.sector else "",
                            _("ask %(amount)s") % {"amount": _money(pitch.ask_amount, pitch.currency)},
                        )
                        if part
                    ),
                )
                for pitch in home["matching"]
            ],
            empty=_("No new deals match your thesis right now."),
        ),
        Block(
            role="investor",
            key="watched-deals",
            title=_("Deals you follow"),
            url=deals,
            link=_("Deal room"),
            count=home["to_reconfirm"] + home["new_answers"],
            items=watched_items,
            empty=_("You do not follow a live deal."),
        ),
        Block(
            role="investor",
            key="commitments",
            title=_("My commitments"),
            url=deals,
            link=_("Deal room"),
            count=len(home["commitments"]),
            items=[
                Item(
                    i.pitch.startup.name,
                    reverse("deals:deal-detail", args=[i.pitch_id]),
                    detail=f"{i.get_stage_display()}: {_money(i.amount, i.pitch.currency)}"
                    + (f" · {i.pitch.get_status_display()}" if i.pitch.status == i.pitch.Status.CLOSED else ""),
                )
                for i in home["commitments"]
            ],
            empty=_("No commitments yet."),
        ),
    ]


def _incubator_blocks(*, incubators) -> list[Block]:
    home = selectors.incubator_home(incubators=incubators)
    first = reverse("investments:incubator-dashboard", args=[incubators[0].slug])
    return [
        Block(
            role="incubator",
            key="applications-to-decide",
            title=_("Applications to review or decide"),
            url=first,
            link=_("Cohorts and applications"),
            count=home["application_count"],
            items=[
                Item(
                    _("%(startup)s for %(cohort)s") % {"startup": a.startup.name, "cohort": a.cohort.name},
                    reverse("investments:application-detail", args=[a.pk]),
                    detail=_("submitted %(when)s ago") % {"when": timesince(a.submitted_at, depth=1)},
                )
                for a in home["applications"]
            ],
            empty=_("No applications are waiting."),
        ),
        Block(
            role="incubator",
            key="to-verify",
            title=_("Waiting for verification"),
            url=first,
            link=_("Cohorts and applications"),
            count=home["milestone_count"] + home["export_count"],
            items=[
                *(
                    Item(
                        _("Milestone: %(startup)s, %(title)s") % {"startup": m.startup.name, "title": m.title},
                        reverse("investments:enrolment-detail", args=[m.cohort_id, m.startup.slug]),
                    )
                    for m in home["milestones"]
                ),
                *(
                    Item(
                        ngettext(
                            "%(count)d export report for %(centre)s",
                            "%(count)d export reports for %(centre)s",
                            row["n"],
                        )
                        % {"count": row["n"], "centre": row["centre__name"]},
                        reverse("ledger:centre-exports", args=[row["centre__slug"]]),
                    )
                    for row in home["exports_by_centre"]
                ),
            ],
            empty=_("Nothing is waiting for verification."),
        ),
        Block(
            role="incubator",
            key="cohorts-at-a-glance",
            title=_("Cohorts at a glance"),
            url=first,
            link=_("Cohorts and applications"),
            count=len(home["cohorts"]),
            items=[
                *(
                    Item(
                        c.name,
                        reverse("investments:cohort-manage", args=[c.pk]),
                        detail=ngettext("%(count)d startup", "%(count)d startups", c.startups) % {"count": c.startups}
                        + " · "
                        + _("%(verified)d of %(total)d milestones verified")
                        % {"verified": c.milestone_verified, "total": c.milestone_total},
                    )
                    for c in home["cohorts"]
                ),
                Item(
                    ngettext("%(count)d pitch to endorse", "%(count)d pitches to endorse", home["to_endorse"])
                    % {"count": home["to_endorse"]}
                    + " · "
                    + ngettext("%(count)d live deal", "%(count)d live deals", home["live"]) % {"count": home["live"]}
                ),
            ],
        ),
    ]


def _vetting_blocks() -> list[Block]:
    queue = selectors.investor_vetting_queue()
    items = []
    if queue["oldest"] is not None:
        items.append(Item(_("The oldest has waited %(age)s") % {"age": timesince(queue["oldest"], depth=1)}))
    return [
        Block(
            role="editor",
            key="investor-vetting",
            title=_("Investors waiting for vetting"),
            url=reverse("deals:investor-list"),
            link=_("Vet investors"),
            count=queue["count"],
            items=items,
            empty=_("Nobody is waiting."),
        )
    ]
