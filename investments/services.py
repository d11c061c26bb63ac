"""Writes of the investments app: cohorts, applications, reviews, admission."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from investments.models import (
    Application,
    ApplicationQuestion,
    Cohort,
    Evidence,
    Interest,
    MentorAssignment,
    Milestone,
    Pitch,
    PitchVersion,
    Review,
    ReviewScore,
    RubricCriterion,
    Tranche,
)
from investments.permissions import (
    PITCH_ACTIONS,
    PITCH_EDITABLE,
    can_apply_for,
    can_manage_incubator,
    is_admitted,
    is_cohort_reviewer,
    may_move_pitch,
    pitch_sides,
)
from investments.signals import milestone_verified, pitch_closed
from investments.uploads import evidence_file_clean, validate_deck
from network.audit import audit_record
from network.models import Membership, Organisation, User
from network.services import notification_create

# Status moves a cohort may make, and nothing else.
COHORT_TRANSITIONS = {
    Cohort.Status.DRAFT: {Cohort.Status.OPEN},
    Cohort.Status.OPEN: {Cohort.Status.RUNNING, Cohort.Status.DRAFT},
    Cohort.Status.RUNNING: {Cohort.Status.FINISHED},
    Cohort.Status.FINISHED: set(),
}


def _require_manager(actor: User, cohort_or_incubator) -> None:
    incubator = getattr(cohort_or_incubator, "incubator", cohort_or_incubator)
    if not can_manage_incubator(actor, incubator):
        raise PermissionDenied


# What a manager edits on a cohort; status moves through cohort_set_status only.
COHORT_FIELDS = {"name", "phase", "description", "starts_on", "ends_on", "demo_day", "applications_close_on"}


def _cohort_fields(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - COHORT_FIELDS - {"sectors"}
    if unknown:
        raise ValidationError(
            _("These cohort fields cannot be set here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    return {field: value for field, value in data.items() if field != "sectors"}


@transaction.atomic
def cohort_create(
    *, actor: User, incubator: Organisation, data: dict[str, Any], ip_address: str | None = None
) -> Cohort:
    """An incubator's owner or admin opens a new cohort, as a draft."""
    _require_manager(actor, incubator)
    cohort = Cohort(incubator=incubator, created_by=actor, **_cohort_fields(data))
    cohort.full_clean()
    cohort.save()
    if "sectors" in data:
        cohort.sectors.set(data["sectors"])
    audit_record(actor=actor, event="investments.cohort.create", target=cohort, ip_address=ip_address)
    return cohort


@transaction.atomic
def cohort_update(*, actor: User, cohort: Cohort, data: dict[str, Any], ip_address: str | None = None) -> Cohort:
    _require_manager(actor, cohort)
    for field, value in _cohort_fields(data).items():
        setattr(cohort, field, value)
    # created_by is emptied (SET_NULL) when its author's account goes; that must not block edits.
    cohort.full_clean()
    cohort.save()
    if "sectors" in data:
        cohort.sectors.set(data["sectors"])
    audit_record(
        actor=actor,
        event="investments.cohort.update",
        target=cohort,
        data={"fields": sorted(data)},
        ip_address=ip_address,
    )
    return cohort


@transaction.atomic
def cohort_set_status(*, actor: User, cohort: Cohort, status: str, ip_address: str | None = None) -> Cohort:
    """Move a cohort along draft → open → running → finished (open may go back to draft)."""
    _require_manager(actor, cohort)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if status not in COHORT_TRANSITIONS.get(cohort.status, set()):
        raise ValidationError(
            _("A cohort that is %(current)s cannot become %(new)s.")
            % {"current": cohort.get_status_display().lower(), "new": Cohort.Status(status).label.lower()}
            if status in Cohort.Status.values
            else _("Unknown status.")
        )
    if status == Cohort.Status.OPEN and not cohort.criteria.exists():
        raise ValidationError(_("Add at least one rubric criterion before opening applications."))
    old = cohort.status
    cohort.status = status
    cohort.save(update_fields=["status"])
    audit_record(
        actor=actor,
        event="investments.cohort.change_status",
        target=cohort,
        data={"from": old, "to": status},
        ip_address=ip_address,
    )
    return cohort


@transaction.atomic
def question_add(*, actor: User, cohort: Cohort, text: str, help_text: str = "", required: bool = True):
    _require_manager(actor, cohort)
    if cohort.status not in (Cohort.Status.DRAFT,):
        raise ValidationError(_("Questions can change only while the cohort is a draft."))
    question = ApplicationQuestion(
        cohort=cohort,
        text=text.strip(),
        help_text=help_text.strip(),
        required=required,
        position=cohort.questions.count(),
    )
    question.full_clean()
    question.save()
    audit_record(actor=actor, event="investments.application_question.create", target=question)
    return question


@transaction.atomic
def criterion_add(*, actor: User, cohort: Cohort, name: str, description: str = "", weight: int = 1):
    _require_manager(actor, cohort)
    if cohort.status not in (Cohort.Status.DRAFT,):
        raise ValidationError(_("The rubric can change only while the cohort is a draft."))
    criterion = RubricCriterion(
        cohort=cohort,
        name=name.strip(),
        description=description.strip(),
        weight=weight,
        position=cohort.criteria.count(),
    )
    criterion.full_clean()
    criterion.save()
    audit_record(actor=actor, event="investments.criterion.create", target=criterion)
    return criterion


@transaction.atomic
def reviewer_add(*, actor: User, cohort: Cohort, email: str) -> User:
    _require_manager(actor, cohort)
    reviewer = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if reviewer is None:
        raise ValidationError({"email": _("No Rabta member uses this email address.")})
    if cohort.reviewers.filter(pk=reviewer.pk).exists():
        raise ValidationError({"email": _("This member already reviews for the cohort.")})
    cohort.reviewers.add(reviewer)
    audit_record(actor=actor, event="investments.reviewer.create", target=cohort, data={"reviewer": reviewer.pk})
    notification_create(
        recipient=reviewer,
        kind="investments.reviewer.create",
        message=_("You were asked to review applications for %(cohort)s.") % {"cohort": cohort.name},
        url=cohort.get_absolute_url(),
    )
    return reviewer


def application_submit(
    *,
    actor: User,
    cohort: Cohort,
    startup: Organisation,
    answers: dict[str, str],
    ip_address: str | None = None,
) -> Application:
    """A startup's owner or admin applies to an open cohort, answering its questions."""
    if not can_apply_for(actor, startup):
        raise PermissionDenied
    if not cohort.accepts_applications:
        raise ValidationError(_("This cohort is not taking applications."))
    clean_answers: dict[str, str] = {}
    errors = {}
    for question in cohort.questions.all():
        answer = (answers.get(str(question.pk)) or "").strip()
        if question.required and not answer:
            errors[f"question_{question.pk}"] = _("Please answer this question.")
        if len(answer) > 3000:
            errors[f"question_{question.pk}"] = _("Keep answers under 3,000 characters.")
        clean_answers[str(question.pk)] = answer
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                cohort=cohort, startup=startup, submitted_by=actor, answers=clean_answers
            )
            audit_record(actor=actor, event="investments.application.submit", target=application, ip_address=ip_address)
            managers = User.objects.filter(
                memberships__organisation=cohort.incubator,
                memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
            )
            # A manager who also reviews hears once.
            recipients = {user.pk: user for user in [*managers, *cohort.reviewers.all()]}
            for recipient in recipients.values():
                notification_create(
                    recipient=recipient,
                    kind="investments.application.submit",
                    message=_("%(startup)s applied to %(cohort)s.") % {"startup": startup.name, "cohort": cohort.name},
                    url=application.get_absolute_url(),
                )
    except IntegrityError:
        raise ValidationError(
            _("%(startup)s has already applied to this cohort.") % {"startup": startup.name}
        ) from None
    return application


def review_submit(*, reviewer: User, application: Application, scores: dict[int, int], comment: str = "") -> Review:
    """A cohort reviewer scores every rubric criterion 1–5, once."""
    cohort = application.cohort
    if not is_cohort_reviewer(reviewer, cohort):
        raise PermissionDenied
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("This application has been decided; reviews are closed."))
    criteria = list(cohort.criteria.all())
    missing = [c.name for c in criteria if c.pk not in scores]
    if missing:
        raise ValidationError(_("Score every criterion: %(missing)s.") % {"missing": ", ".join(missing)})
    if any(type(scores[c.pk]) is not int or not 1 <= scores[c.pk] <= 5 for c in criteria):
        raise ValidationError(_("Scores run from 1 to 5."))
    try:
        with transaction.atomic():
            review = Review.objects.create(application=application, reviewer=reviewer, comment=comment.strip()[:3000])
            ReviewScore.objects.bulk_create(
                [ReviewScore(review=review, criterion=c, score=scores[c.pk]) for c in criteria]
            )
            audit_record(actor=reviewer, event="investments.review.submit", target=review)
    except IntegrityError:
        raise ValidationError(_("You have already scored this application.")) from None
    return review


@transaction.atomic
def application_decide(
    *,
    actor: User,
    application: Application,
    admit: bool,
    note: str = "",
    ip_address: str | None = None,
    today: date | None = None,
) -> Application:
    """Admit or decline a submitted application; the startup is told either way."""
    _require_manager(actor, application.cohort)
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("cohort", "startup").get(pk=application.pk)
    )
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("This application has already been decided."))
    application.status = Application.Status.ADMITTED if admit else Application.Status.DECLINED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = note.strip()[:1000]
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        actor=actor,
        event="investments.application.admit" if admit else "investments.application.decline",
        target=application,
        ip_address=ip_address,
    )
    for member in User.objects.filter(memberships__organisation=application.startup):
        notification_create(
            recipient=member,
            kind="investments.application.decide",
            message=(
                _("%(startup)s was admitted to %(cohort)s.")
                if admit
                else _("%(startup)s was not admitted to %(cohort)s this time.")
            )
            % {"startup": application.startup.name, "cohort": application.cohort.name},
            url=application.get_absolute_url(),
        )
    return application


# --- Mentors for cohort startups --------------------------------------------------------


@transaction.atomic
def mentor_assign(
    *,
    actor: User,
    cohort: Cohort,
    startup: Organisation,
    email: str,
    office_hours: str = "",
    ip_address: str | None = None,
) -> MentorAssignment:
    """An incubator manager assigns an approved Rabta mentor to an admitted startup of the cohort.

    The mentor and the startup's members are told; the founders book the mentor's sessions as usual.
    """
    from mentorship.models import Mentor

    _require_manager(actor, cohort)
    if not is_admitted(cohort, startup):
        raise ValidationError(_("Mentors are assigned to startups admitted to the cohort."))
    mentor = Mentor.objects.listed().select_related("user").filter(user__email__iexact=email.strip()).first()
    if mentor is None:
        raise ValidationError({"email": _("No approved Rabta mentor uses this email address.")})
    if MentorAssignment.objects.filter(cohort=cohort, startup=startup, mentor=mentor).exists():
        raise ValidationError({"email": _("This mentor is already assigned to the startup.")})
    try:
        with transaction.atomic():
            assignment = MentorAssignment.objects.create(
                cohort=cohort, startup=startup, mentor=mentor, office_hours=office_hours.strip(), assigned_by=actor
            )
    except IntegrityError as error:  # the same assignment made at the same moment
        raise ValidationError({"email": _("This mentor is already assigned to the startup.")}) from error
    audit_record(
        actor=actor,
        event="investments.mentor_assignment.create",
        target=assignment,
        data={"cohort": cohort.pk, "startup": startup.pk, "mentor": mentor.pk},
        ip_address=ip_address,
    )
    url = reverse("investments:enrolment-detail", args=[cohort.pk, startup.slug])
    notification_create(
        recipient=mentor.user,
        kind="investments.mentor_assignment.create",
        message=_("%(incubator)s asked you to mentor %(startup)s in %(cohort)s.")
        % {"incubator": cohort.incubator.name, "startup": startup.name, "cohort": cohort.name},
        url=url,
    )
    _notify_members(
        startup,
        kind="investments.mentor_assignment.create",
        message=_("%(mentor)s is your mentor in %(cohort)s. Book a session from their page.")
        % {"mentor": mentor.user.display_name, "cohort": cohort.name},
        url=mentor.get_absolute_url(),
    )
    return assignment


@transaction.atomic
def mentor_unassign(*, actor: User, assignment: MentorAssignment, ip_address: str | None = None) -> None:
    _require_manager(actor, assignment.cohort)
    audit_record(
        actor=actor,
        event="investments.mentor_assignment.delete",
        target=assignment,
        data={"cohort": assignment.cohort_id, "startup": assignment.startup_id, "mentor": assignment.mentor_id},
        ip_address=ip_address,
    )
    assignment.delete()


# --- Milestones and tranches ---------------------------------------------------------


def _notify_members(organisation: Organisation, *, kind: str, message: str, url: str) -> None:
    for member in User.objects.filter(memberships__organisation=organisation).distinct():
        notification_create(recipient=member, kind=kind, message=message, url=url)


def _enrolment_url(milestone: Milestone) -> str:
    return reverse("investments:enrolment-detail", args=[milestone.cohort_id, milestone.startup.slug])


@transaction.atomic
def milestone_create(
    *, actor: User, cohort: Cohort, startup: Organisation, data: dict[str, Any], ip_address: str | None = None
) -> Milestone:
    """The incubator's managers, or the startup's owners and admins, set a milestone for an admitted startup.

    Only the incubator verifies it.
    """
    if not (can_manage_incubator(actor, cohort.incubator) or can_apply_for(actor, startup)):
        raise PermissionDenied
    if not is_admitted(cohort, startup):
        raise ValidationError(_("Milestones are set for startups admitted to the cohort."))
    allowed = {"title", "kpi", "kpi_label", "target", "due_on"}
    milestone = Milestone(
        cohort=cohort, startup=startup, created_by=actor, **{k: v for k, v in data.items() if k in allowed}
    )
    if milestone.kpi == Milestone.Kpi.CUSTOM and not milestone.kpi_label.strip():
        raise ValidationError({"kpi_label": _("Name the custom KPI.")})
    milestone.full_clean()
    milestone.save()
    audit_record(actor=actor, event="investments.milestone.create", target=milestone, ip_address=ip_address)
    _notify_members(
        startup,
        kind="investments.milestone.create",
        message=_("New milestone for %(startup)s: %(title)s.") % {"startup": startup.name, "title": milestone.title},
        url=_enrolment_url(milestone),
    )
    return milestone


@transaction.atomic
def evidence_submit(
    *, actor: User, milestone: Milestone, value, note: str = "", upload=None, ip_address: str | None = None
) -> Evidence:
    """A member of the startup reports the figure reached, with an optional PDF or image."""
    milestone = (
        Milestone.objects.select_for_update(of=("self",)).select_related("startup", "cohort").get(pk=milestone.pk)
    )
    if not Membership.objects.filter(organisation=milestone.startup, user=actor).exists():
        raise PermissionDenied
    if milestone.status == Milestone.Status.VERIFIED:
        raise ValidationError(_("This milestone is verified; it needs no more evidence."))
    evidence = Evidence(milestone=milestone, value=value, note=note.strip(), submitted_by=actor)
    if upload is not None:
        # What is stored is a clean copy: an image without its EXIF location, a PDF without scripts.
        evidence.content_type, clean = evidence_file_clean(upload)
        evidence.file.save("evidence", clean, save=False)
    evidence.full_clean()
    evidence.save()
    milestone.status = Milestone.Status.SUBMITTED
    milestone.return_reason = ""
    milestone.save(update_fields=["status", "return_reason"])
    audit_record(
        actor=actor,
        event="investments.evidence.submit",
        target=evidence,
        data={"milestone": milestone.pk, "value": str(value)},
        ip_address=ip_address,
    )
    managers = User.objects.filter(
        memberships__organisation=milestone.cohort.incubator,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
    ).distinct()
    for manager in managers:
        notification_create(
            recipient=manager,
            kind="investments.evidence.submit",
            message=_("%(startup)s submitted evidence for %(title)s.")
            % {"startup": milestone.startup.name, "title": milestone.title},
            url=_enrolment_url(milestone),
        )
    return evidence


def _lock_milestone_for_review(actor: User, milestone: Milestone) -> Milestone:
    _require_manager(actor, milestone.cohort)
    milestone = (
        Milestone.objects.select_for_update(of=("self",)).select_related("startup", "cohort").get(pk=milestone.pk)
    )
    if milestone.status != Milestone.Status.SUBMITTED:
        raise ValidationError(_("Only a milestone with submitted evidence can be verified or sent back."))
    return milestone


@transaction.atomic
def milestone_verify(*, actor: User, milestone: Milestone, ip_address: str | None = None) -> Milestone:
    """Incubator managers confirm the evidence; who and when are recorded."""
    milestone = _lock_milestone_for_review(actor, milestone)
    milestone.status = Milestone.Status.VERIFIED
    milestone.verified_by = actor
    milestone.verified_at = timezone.now()
    milestone.save(update_fields=["status", "verified_by", "verified_at"])
    audit_record(actor=actor, event="investments.milestone.verify", target=milestone, ip_address=ip_address)
    _notify_members(
        milestone.startup,
        kind="investments.milestone.verify",
        message=_("Milestone verified: %(title)s.") % {"title": milestone.title},
        url=_enrolment_url(milestone),
    )
    transaction.on_commit(lambda: milestone_verified.send(sender=Milestone, milestone=milestone))
    return milestone


@transaction.atomic
def milestone_return(*, actor: User, milestone: Milestone, reason: str, ip_address: str | None = None) -> Milestone:
    """Send the evidence back with a reason the startup can act on."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is missing, so the startup can fix it.")})
    milestone = _lock_milestone_for_review(actor, milestone)
    milestone.status = Milestone.Status.RETURNED
    milestone.return_reason = reason[:1000]
    milestone.save(update_fields=["status", "return_reason"])
    audit_record(
        actor=actor,
        event="investments.milestone.return",
        target=milestone,
        data={"reason": reason},
        ip_address=ip_address,
    )
    _notify_members(
        milestone.startup,
        kind="investments.milestone.return",
        message=_("Evidence sent back for %(title)s: %(reason)s") % {"title": milestone.title, "reason": reason},
        url=_enrolment_url(milestone),
    )
    return milestone


@transaction.atomic
def tranche_create(
    *,
    actor: User,
    cohort: Cohort,
    startup: Organisation,
    amount,
    currency: str = "PKR",
    milestone: Milestone | None = None,
) -> Tranche:
    _require_manager(actor, cohort)
    if not is_admitted(cohort, startup):
        raise ValidationError(_("Tranches are for startups admitted to the cohort."))
    if milestone is not None and (milestone.cohort_id != cohort.pk or milestone.startup_id != startup.pk):
        raise ValidationError({"milestone": _("Choose a milestone of this startup in this cohort.")})
    tranche = Tranche(cohort=cohort, startup=startup, amount=amount, currency=currency.upper(), milestone=milestone)
    tranche.full_clean()
    tranche.save()
    audit_record(actor=actor, event="investments.tranche.create", target=tranche, data={"amount": str(amount)})
    return tranche


@transaction.atomic
def tranche_release(*, actor: User, tranche: Tranche, ip_address: str | None = None) -> Tranche:
    """Release a tranche; one tied to a milestone only once that milestone is verified."""
    _require_manager(actor, tranche.cohort)
    tranche = Tranche.objects.select_for_update(of=("self",)).select_related("milestone").get(pk=tranche.pk)
    if tranche.released_at is not None:
        raise ValidationError(_("This tranche has already been released."))
    if tranche.milestone is not None and tranche.milestone.status != Milestone.Status.VERIFIED:
        raise ValidationError(
            _("This tranche is tied to “%(title)s”, which is not verified yet.") % {"title": tranche.milestone.title}
        )
    tranche.released_at = timezone.now()
    tranche.released_by = actor
    tranche.save(update_fields=["released_at", "released_by"])
    audit_record(
        actor=actor,
        event="investments.tranche.release",
        target=tranche,
        data={"amount": str(tranche.amount), "currency": tranche.currency},
        ip_address=ip_address,
    )
    return tranche


# --- Pitches -------------------------------------------------------------------------

PITCH_FIELDS = {
    "one_liner", "problem", "solution", "market", "traction", "team", "ask_amount", "currency", "instrument",
    "valuation_cap", "pre_money", "minimum_ticket", "use_of_funds", "sector", "stage", "video_url", "allow_download",
}  # fmt: skip


def _pitch_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in PITCH_FIELDS}


@transaction.atomic
def pitch_create(
    *, actor: User, startup: Organisation, incubator: Organisation, data: dict[str, Any], deck=None
) -> Pitch:
    """A startup's owner or admin starts a pitch to an incubator that admitted it."""
    if not can_apply_for(actor, startup):
        raise PermissionDenied
    if not Application.objects.filter(
        startup=startup, cohort__incubator=incubator, status=Application.Status.ADMITTED
    ).exists():
        raise ValidationError(_("Pitches go through an incubator that admitted the startup to a cohort."))
    pitch = Pitch(startup=startup, incubator=incubator, created_by=actor, **_pitch_data(data))
    if deck is not None:
        # The stored deck is the rewritten one: pages only, no scripts, open actions, files or forms.
        pitch.deck.save("deck.pdf", validate_deck(deck), save=False)
    pitch.currency = pitch.currency.upper()
    pitch.full_clean()
    pitch.save()
    audit_record(actor=actor, event="investments.pitch.create", target=pitch)
    if deck is not None:
        _deck_uploaded(pitch, replaced="")
    return pitch


@transaction.atomic
def pitch_update(*, actor: User, pitch: Pitch, data: dict[str, Any], deck=None, ip_address: str | None = None) -> Pitch:
    """Edit a draft or returned pitch; on a pitch already in front of investors, changed terms make a new version."""
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk)
    if not can_apply_for(actor, pitch.startup):
        raise PermissionDenied
    if pitch.status not in PITCH_EDITABLE:
        raise ValidationError(
            _("A pitch cannot be edited while it is %(status)s.") % {"status": pitch.get_status_display().lower()}
        )
    before = pitch.material()
    before_version = pitch.version
    old_deck = pitch.deck.name
    for field, value in _pitch_data(data).items():
        setattr(pitch, field, value)
    pitch.currency = pitch.currency.upper()
    if deck is not None:
        # The stored deck is the rewritten one: pages only, no scripts, open actions, files or forms.
        pitch.deck.save("deck.pdf", validate_deck(deck), save=False)
    pitch.full_clean()
    after = pitch.material()
    changed = [field for field in Pitch.MATERIAL if after[field] != before[field]]
    if deck is not None and old_deck:
        changed.append("deck")
    if pitch.status == Pitch.Status.READY and changed:
        # A material change to a live pitch: the old version is kept, commitments must be reconfirmed.
        PitchVersion.objects.create(
            pitch=pitch, number=pitch.version, terms=before, deck_name=old_deck, created_by=actor
        )
        pitch.version += 1
        audit_record(
            actor=actor,
            event="investments.pitch.revise",
            target=pitch,
            data={"from": pitch.version - 1, "to": pitch.version, "changed": changed},
            ip_address=ip_address,
        )
    pitch.save()
    if pitch.version != before_version:
        from investments.dealroom.services import interests_require_reconfirmation

        interests_require_reconfirmation(pitch=pitch, changed=changed)
    audit_record(actor=actor, event="investments.pitch.update", target=pitch, ip_address=ip_address)
    if deck is not None:
        _deck_uploaded(pitch, replaced=old_deck)
    return pitch


def _deck_uploaded(pitch: Pitch, *, replaced: str) -> None:
    """A new deck: its pages are rendered off the request; the replaced deck's rendered pages go
    (the file itself stays with the pitch's versions), after commit."""
    from investments.dealroom import decks

    decks.slides_render_later(pitch)
    if replaced and replaced != pitch.deck.name:
        transaction.on_commit(lambda: decks.rendered_pages_delete(replaced))


def _incubator_managers(pitch: Pitch):
    return User.objects.filter(
        memberships__organisation=pitch.incubator,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
    ).distinct()


# action: (allowed from, to, who may: "startup" or "incubator")
# What the other side is told after each move of a pitch.
PITCH_NOTICES = {
    "submit": gettext_lazy("%(startup)s submitted its pitch to %(incubator)s for review."),
    "endorse": gettext_lazy("%(incubator)s endorsed %(startup)s's pitch."),
    "return": gettext_lazy("%(incubator)s returned %(startup)s's pitch with comments to address."),
    "ready": gettext_lazy("%(incubator)s put %(startup)s's pitch forward to the deal room."),
    "close": gettext_lazy("%(startup)s's pitch to %(incubator)s was closed."),
    "withdraw": gettext_lazy("%(startup)s withdrew its pitch from %(incubator)s."),
}


@transaction.atomic
def pitch_transition(
    *, actor: User, pitch: Pitch, action: str, comment: str = "", ip_address: str | None = None
) -> Pitch:
    """Move a pitch through its workflow (``permissions.PITCH_ACTIONS``); every refused move says why, and
    nothing changes."""
    if action not in PITCH_ACTIONS:
        raise ValidationError(_("Unknown action."))
    pitch = Pitch.objects.select_for_update(of=("self",)).select_related("startup", "incubator").get(pk=pitch.pk)
    comment = (comment or "").strip()
    _pitch_move_check(actor=actor, pitch=pitch, action=action, comment=comment)
    old, target = pitch.status, PITCH_ACTIONS[action][1]
    _pitch_move_apply(actor=actor, pitch=pitch, action=action, comment=comment)
    audit_record(
        actor=actor,
        event=f"investments.pitch.{action}",
        target=pitch,
        data={"from": old, "to": target},
        ip_address=ip_address,
    )
    _pitch_move_notify(actor=actor, pitch=pitch, action=action)
    if target == Pitch.Status.READY:
        from investments.dealroom import decks
        from investments.dealroom.services import deal_announce

        deal_announce(pitch=pitch)
        if not decks.slides_ready(pitch):  # rendered at upload, unless that was before pages were kept
            decks.slides_render_later(pitch)
    if target == Pitch.Status.CLOSED:
        _tell_backers_the_round_closed(pitch)
        transaction.on_commit(lambda: pitch_closed.send(sender=Pitch, pitch=pitch))
    return pitch


def _pitch_move_check(*, actor: User, pitch: Pitch, action: str, comment: str) -> None:
    """Refuse a move the actor's side may not make, one the pitch's state does not allow, or one that lacks
    what it needs (a complete pitch to submit, a comment to return it)."""
    allowed_from = PITCH_ACTIONS[action][0]
    if not may_move_pitch(pitch_sides(actor, pitch), action):
        raise PermissionDenied
    if pitch.status not in allowed_from:
        raise ValidationError(
            _("A pitch that is %(status)s cannot be moved this way.") % {"status": pitch.get_status_display().lower()}
        )
    if action == "submit":
        missing = _pitch_missing_for_review(pitch)
        if missing:
            raise ValidationError(
                _("Complete the pitch before submitting it: %(missing)s.") % {"missing": ", ".join(missing)}
            )
    if action == "return" and not comment:
        raise ValidationError({"comment": _("Say what the startup should change.")})


def _pitch_missing_for_review(pitch: Pitch) -> list[str]:
    """What an incubator needs to review a pitch and the pitch does not have yet."""
    missing = [
        label for field, label in (("problem", _("problem")), ("solution", _("solution"))) if not getattr(pitch, field)
    ]
    if not pitch.deck:
        missing.append(_("deck"))
    if pitch.instrument == Pitch.Instrument.EQUITY and pitch.pre_money is None:
        missing.append(_("pre-money valuation"))
    return missing


def _pitch_move_apply(*, actor: User, pitch: Pitch, action: str, comment: str) -> None:
    pitch.status = PITCH_ACTIONS[action][1]
    if action == "return":
        pitch.return_comments = comment[:3000]
    if action == "endorse":
        pitch.endorsement_note = comment[:3000]
        pitch.endorsed_by = actor
        pitch.endorsed_at = timezone.now()
        pitch.endorsed_version = pitch.version
    pitch.save()


def _pitch_move_notify(*, actor: User, pitch: Pitch, action: str) -> None:
    """Tell the other side: the incubator's managers of the startup's moves, the startup's members of the
    incubator's (and of a close by either)."""
    recipients = (
        _incubator_managers(pitch)
        if PITCH_ACTIONS[action][2] == "startup"
        else User.objects.filter(memberships__organisation=pitch.startup).distinct()
    )
    for recipient in recipients:
        if recipient.pk != actor.pk:
            notification_create(
                recipient=recipient,
                kind=f"investments.pitch.{action}",
                message=PITCH_NOTICES[action] % {"startup": pitch.startup.name, "incubator": pitch.incubator.name},
                url=pitch.get_absolute_url(),
            )


def _tell_backers_the_round_closed(pitch: Pitch) -> None:
    """Investors who soft-circled or committed keep the deal (``permissions.access_deal_to_read``); tell them
    it closed and where it stays."""
    backers = User.objects.filter(
        interests__pitch=pitch, interests__stage__in=[Interest.Stage.SOFT, Interest.Stage.COMMITTED]
    ).distinct()
    for investor in backers:
        notification_create(
            recipient=investor,
            kind="investments.pitch.close.backer",
            message=_("%(startup)s's round closed. Its deal page stays open to you with the outcome.")
            % {"startup": pitch.startup.name},
            url=reverse("deals:deal-detail", args=[pitch.pk]),
        )
