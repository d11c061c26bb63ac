"""Who may see and change cohorts and applications. Used by every page of the app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from investments.models import Application, Cohort, Evidence, Pitch
from network.models import Membership, Organisation
from network.permissions import MANAGER_ROLES, acts_as_staff, is_member
from network.selectors import centre_get


def is_incubator_staff(user, incubator: Organisation) -> bool:
    """Any member of the incubator (or centre, tech park) organisation, or Rabta staff."""
    if not is_member(user):
        return False
    return acts_as_staff(user) or Membership.objects.filter(organisation=incubator, user=user).exists()


def can_manage_incubator(user, incubator: Organisation) -> bool:
    """Owners and admins of the incubator run its cohorts: create, open, decide."""
    if not is_member(user) or not incubator.is_incubator_like:
        return False
    return (
        acts_as_staff(user)
        or Membership.objects.filter(organisation=incubator, user=user, role__in=MANAGER_ROLES).exists()
    )


def can_apply_for(user, startup: Organisation) -> bool:
    """Owners and admins of a startup apply on its behalf."""
    return (
        is_member(user)
        and startup.kind == Organisation.Kind.STARTUP
        and Membership.objects.filter(organisation=startup, user=user, role__in=MANAGER_ROLES).exists()
    )


def access_startup_to_pitch(user, slug: str) -> Organisation:
    """A startup for its owners and admins, who pitch for it; 404 for anyone else."""
    startup = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.STARTUP).first()
    if startup is None or not can_apply_for(user, startup):
        raise Http404
    return startup


def access_incubator(user, slug: str) -> Organisation:
    """The incubator for its staff; 404 for anyone else (its dashboard is not public)."""
    incubator = centre_get(slug=slug)
    if incubator is None or not is_incubator_staff(user, incubator):
        raise Http404
    return incubator


def access_cohort_for_management(user, pk: int) -> Cohort:
    cohort = Cohort.objects.select_related("incubator").filter(pk=pk).first()
    if cohort is None:
        raise Http404
    if not can_manage_incubator(user, cohort.incubator):
        if is_incubator_staff(user, cohort.incubator):
            raise PermissionDenied
        raise Http404
    return cohort


def can_view_cohort(user, cohort: Cohort) -> bool:
    """A cohort open for applications (or running, finished) is public; a draft only for its staff."""
    return cohort.status != Cohort.Status.DRAFT or is_incubator_staff(user, cohort.incubator)


def access_cohort(user, pk: int) -> Cohort:
    """A cohort ``user`` may see (``can_view_cohort``); 404 otherwise, so a draft's existence stays private."""
    cohort = Cohort.objects.select_related("incubator").filter(pk=pk).first()
    if cohort is None or not can_view_cohort(user, cohort):
        raise Http404
    return cohort


def is_cohort_reviewer(user, cohort: Cohort) -> bool:
    """Named by the incubator to score this cohort's applications."""
    return is_member(user) and cohort.reviewers.filter(pk=user.pk).exists()


def application_role(user, application: Application) -> str | None:
    """How ``user`` relates to an application: "staff", "reviewer", "startup", or None."""
    if not is_member(user):
        return None
    cohort = application.cohort
    if is_incubator_staff(user, cohort.incubator):
        return "staff"
    if is_cohort_reviewer(user, cohort):
        return "reviewer"
    if Membership.objects.filter(organisation_id=application.startup_id, user=user).exists():
        return "startup"
    return None


def access_application(user, pk: int) -> tuple[Application, str]:
    """The application and the viewer's role; 404 for anyone without one."""
    application = Application.objects.select_related("cohort__incubator", "startup").filter(pk=pk).first()
    if application is None:
        raise Http404
    role = application_role(user, application)
    if role is None:
        raise Http404
    return application, role


def is_admitted(cohort: Cohort, startup: Organisation) -> bool:
    return Application.objects.filter(cohort=cohort, startup=startup, status=Application.Status.ADMITTED).exists()


def access_enrolment(user, cohort_pk: int, slug: str) -> tuple[Cohort, Organisation, str]:
    """An admitted startup's place in a cohort, for its members ("startup"), the incubator ("staff")
    and the mentors the incubator assigned to it ("mentor", read only).

    Anyone else — another startup, another incubator — gets 404.
    """
    cohort = Cohort.objects.select_related("incubator").filter(pk=cohort_pk).first()
    startup = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.STARTUP).first()
    if cohort is None or startup is None or not is_admitted(cohort, startup) or not is_member(user):
        raise Http404
    if is_incubator_staff(user, cohort.incubator):
        return cohort, startup, "staff"
    if Membership.objects.filter(organisation=startup, user=user).exists():
        return cohort, startup, "startup"
    if cohort.mentor_assignments.filter(startup=startup, mentor__user=user).exists():
        return cohort, startup, "mentor"  # reads the board to advise; changes nothing
    raise Http404


def access_evidence(user, pk: int) -> Evidence:
    """A milestone's evidence file for the startup's members and the incubator's staff; 404 for anyone
    without a place in the enrolment, 403 for its mentors (contracts and bank statements stay between the
    startup and its incubator)."""
    evidence = Evidence.objects.select_related("milestone__cohort", "milestone__startup").filter(pk=pk).first()
    if evidence is None or not evidence.file:
        raise Http404
    _cohort, _startup, role = access_enrolment(user, evidence.milestone.cohort_id, evidence.milestone.startup.slug)
    if role == "mentor":
        raise PermissionDenied
    return evidence


# --- Pitches ---------------------------------------------------------------------------

# Each move of a pitch: the states it may start from, where it goes, and which side may make it.
PITCH_ACTIONS = {
    "submit": ({Pitch.Status.DRAFT, Pitch.Status.RETURNED}, Pitch.Status.SUBMITTED, "startup"),
    "endorse": ({Pitch.Status.SUBMITTED}, Pitch.Status.ENDORSED, "incubator"),
    "return": ({Pitch.Status.SUBMITTED}, Pitch.Status.RETURNED, "incubator"),
    "ready": ({Pitch.Status.ENDORSED}, Pitch.Status.READY, "incubator"),
    "close": ({Pitch.Status.READY}, Pitch.Status.CLOSED, "either"),
    "withdraw": (
        {Pitch.Status.DRAFT, Pitch.Status.SUBMITTED, Pitch.Status.RETURNED, Pitch.Status.ENDORSED, Pitch.Status.READY},
        Pitch.Status.WITHDRAWN,
        "startup",
    ),
}

# The states in which the startup may still change its pitch.
PITCH_EDITABLE = {Pitch.Status.DRAFT, Pitch.Status.RETURNED, Pitch.Status.READY}


def pitch_sides(user, pitch) -> set[str]:
    """Which side of a pitch ``user`` acts for: "startup" (its owners and admins), "incubator" (the
    incubator's managers), both, or neither."""
    sides = set()
    if can_apply_for(user, pitch.startup):
        sides.add("startup")
    if can_manage_incubator(user, pitch.incubator):
        sides.add("incubator")
    return sides


def may_move_pitch(sides: set[str], action: str) -> bool:
    """Whether a member acting for ``sides`` (``pitch_sides``) may make ``action``, whatever the state."""
    who = PITCH_ACTIONS[action][2]
    return bool(sides) if who == "either" else who in sides


def pitch_actions_for(user, pitch, *, sides: set[str] | None = None) -> list[str]:
    """The moves ``user`` may make on the pitch now: shown as buttons, and the only ones
    ``services.pitch_transition`` accepts. (``sides``: ``pitch_sides(user, pitch)``, if already known.)"""
    sides = pitch_sides(user, pitch) if sides is None else sides
    return [
        action
        for action, (allowed_from, _target, _who) in PITCH_ACTIONS.items()
        if pitch.status in allowed_from and may_move_pitch(sides, action)
    ]


def can_edit_pitch(user, pitch, *, sides: set[str] | None = None) -> bool:
    """The startup's owners and admins, while the pitch is still theirs to change (``PITCH_EDITABLE``)."""
    if pitch.status not in PITCH_EDITABLE:
        return False
    return "startup" in sides if sides is not None else can_apply_for(user, pitch.startup)


def access_pitch(user, pk: int):
    """A pitch for its startup's members, its incubator's staff, and Rabta staff; 404 for anyone else.

    (Investors reach pitches through the deal room, with its own checks.)
    """
    pitch = Pitch.objects.select_related("startup", "incubator", "sector").filter(pk=pk).first()
    if pitch is None or not is_member(user):
        raise Http404
    if acts_as_staff(user) or is_incubator_staff(user, pitch.incubator):
        return pitch, "incubator"
    if Membership.objects.filter(organisation=pitch.startup, user=user).exists():
        return pitch, "startup"
    raise Http404


# --- The deal room ---------------------------------------------------------------------


class DealRoomClosed(PermissionDenied):
    """The member may not enter the deal room; ``missing`` says why, as codes the page explains."""

    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


def current_terms():
    from investments.models import ConfidentialityTerms

    return ConfidentialityTerms.objects.order_by("-version").first()


def deal_room_missing(user) -> list[str]:
    """What keeps ``user`` out of the deal room, as codes; an empty list lets them in.

    In: an approved investor, with multi-factor authentication on and used in this
    session ("mfa_session" when only the account has it: ``network.mfa``), who
    accepted the newest confidentiality terms. Read on every request, so
    suspending an investor or publishing new terms takes effect at once.
    """
    from allauth.mfa.utils import is_mfa_enabled

    from investments.models import InvestorProfile, TermsAcceptance
    from network.mfa import mfa_verified

    if not is_member(user):
        return ["member"]
    investor = InvestorProfile.objects.filter(user=user).only("status").first()
    if investor is None:
        return ["apply"]
    if investor.status != InvestorProfile.Status.APPROVED:
        return [investor.status]  # pending, rejected, suspended
    missing = []
    if not is_mfa_enabled(user):
        missing.append("mfa")
    elif not mfa_verified(user):
        missing.append("mfa_session")
    terms = current_terms()
    if terms is None:
        missing.append("no_terms")
    elif not TermsAcceptance.objects.filter(user=user, terms=terms).exists():
        missing.append("terms")
    return missing


def require_deal_room(user) -> None:
    missing = deal_room_missing(user)
    if missing:
        raise DealRoomClosed(missing)


def access_deal(user, pk: int):
    """A live pitch for an investor inside the deal room.

    Raises DealRoomClosed (403, with what is missing) before looking at the pitch, so
    the room's content — even whether a deal exists — stays hidden; 404 for a pitch
    that is not live.
    """
    from investments.models import Pitch

    require_deal_room(user)
    pitch = Pitch.objects.live().select_related("startup", "incubator", "sector").filter(pk=pk).first()
    if pitch is None:
        raise Http404
    return pitch


def access_deal_to_read(user, pk: int):
    """A deal an investor may read: a live pitch, or a closed one they had soft-circled or committed to,
    which they keep with its outcome (its terms, the round as it closed, their commitment, the answers).
    Everything that writes (interest, questions) goes through ``access_deal``: live pitches only.

    Raises DealRoomClosed before looking at the pitch, as ``access_deal`` does; 404 otherwise.
    """
    from investments.models import Interest, Pitch

    require_deal_room(user)
    pitch = (
        Pitch.objects.filter(pk=pk, status__in=[Pitch.Status.READY, Pitch.Status.CLOSED])
        .select_related("startup", "incubator", "sector")
        .first()
    )
    if pitch is None:
        raise Http404
    if (
        pitch.status == Pitch.Status.CLOSED
        and not Interest.objects.filter(
            pitch=pitch, investor=user, stage__in=[Interest.Stage.SOFT, Interest.Stage.COMMITTED]
        ).exists()
    ):
        raise Http404
    return pitch


def access_deal_for_startup_side(user, pk: int):
    """A pitch that reached the deal room, for its startup's members and its incubator's staff (analytics,
    answers); 404 for anyone else."""
    from investments.models import Pitch

    pitch = (
        Pitch.objects.filter(pk=pk, status__in=[Pitch.Status.READY, Pitch.Status.CLOSED])
        .select_related("startup", "incubator")
        .first()
    )
    if pitch is None or not is_startup_side(user, pitch):
        raise Http404
    return pitch


def is_startup_side(user, pitch) -> bool:
    """Members of the pitch's startup, staff of its incubator, and Rabta staff."""
    if not is_member(user):
        return False
    return (
        is_incubator_staff(user, pitch.incubator)
        or Membership.objects.filter(organisation=pitch.startup, user=user).exists()
    )


def can_view_interest_timeline(user, pitch) -> bool:
    """Every investor's interest history on a deal (stages, amounts, reconfirmations) is for the startup's
    side alone; an investor sees only their own (``interest_history_for``)."""
    return is_startup_side(user, pitch)


def interest_history_for(user, pitch):
    """The user's own interest history on a deal, oldest first (empty when they have none). The caller has
    already let them see the deal (``access_deal`` or ``access_closed_deal``)."""
    from investments.models import InterestEvent

    if not is_member(user):
        return InterestEvent.objects.none()
    return InterestEvent.objects.filter(interest__pitch=pitch, interest__investor=user).order_by("at", "id")


def can_answer_questions(user, pitch) -> bool:
    """The startup's owners and admins answer investors' questions."""
    return can_apply_for(user, pitch.startup)


def is_approved_investor(user) -> bool:
    """A member whose investor application staff approved, whether or not the deal room's other
    conditions (two-factor authentication, the newest terms) are met yet: the room says what is missing."""
    from investments.models import InvestorProfile

    return (
        is_member(user) and InvestorProfile.objects.filter(user=user, status=InvestorProfile.Status.APPROVED).exists()
    )


def can_vet_investors(user) -> bool:
    return acts_as_staff(user)
