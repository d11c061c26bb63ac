"""Pages of investments: incubator dashboard, cohorts, applications and reviews."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from investments import selectors, services
from investments.dealroom import decks
from investments.forms import (
    ApplicationForm,
    CohortForm,
    CriterionForm,
    DecisionForm,
    EvidenceForm,
    MentorAssignForm,
    MilestoneForm,
    PitchActionForm,
    PitchForm,
    QuestionForm,
    ReturnForm,
    ReviewerForm,
    ReviewForm,
    TrancheForm,
)
from investments.models import Application, Cohort, Evidence, MentorAssignment, Milestone, Pitch, Review, Tranche
from investments.permissions import (
    MANAGER_ROLES,
    access_application,
    access_cohort_for_management,
    access_enrolment,
    access_incubator,
    access_pitch,
    can_apply_for,
    can_manage_incubator,
    can_view_cohort,
    is_incubator_staff,
)
from network.audit import client_ip
from network.forms import add_validation_errors
from network.models import Organisation, Sector
from network.reauthentication import kept_form_data, reauthentication_required


@require_GET
def open_calls(request: HttpRequest) -> HttpResponse:
    """Every cohort taking applications, for anyone: the deadline, sectors and incubator, and a way to apply
    (signing in first, and coming back to the application)."""
    sectors = Sector.objects.order_by("name")
    sector_slug, incubator_slug = request.GET.get("sector", ""), request.GET.get("incubator", "")
    sector = sectors.filter(slug=sector_slug).first() if sector_slug else None
    incubator = (
        Organisation.objects.exclude(kind=Organisation.Kind.STARTUP).filter(slug=incubator_slug).first()
        if incubator_slug
        else None
    )
    return render(
        request,
        "investments/open_calls.html",
        {
            "cohorts": selectors.open_cohort_list(sector=sector, incubator=incubator),
            "sectors": sectors,
            "sector": sector,
            "incubator": incubator,
        },
    )


def _incubator_or_404(slug: str) -> Organisation:
    incubator = Organisation.objects.filter(slug=slug).exclude(kind=Organisation.Kind.STARTUP).first()
    if incubator is None:
        raise Http404
    return incubator


@require_GET
def incubator_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The incubator's cohorts and pitches for its staff; anyone else is sent to the incubator's public page,
    which lists its open calls (a link to it is never a dead end)."""
    incubator = _incubator_or_404(slug)
    if not is_incubator_staff(request.user, incubator):
        return redirect(incubator)
    return render(
        request,
        "investments/incubator_dashboard.html",
        {
            "incubator": incubator,
            "cohorts": selectors.cohort_list_for_incubator(incubator=incubator),
            "can_manage": can_manage_incubator(request.user, incubator),
            "pitches": Pitch.objects.filter(incubator=incubator)
            .exclude(status__in=[Pitch.Status.DRAFT, Pitch.Status.WITHDRAWN])
            .select_related("startup")[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest, slug: str) -> HttpResponse:
    incubator = access_incubator(request.user, slug)
    if not can_manage_incubator(request.user, incubator):
        raise PermissionDenied
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                actor=request.user, incubator=incubator, data=form.cleaned_data, ip_address=client_ip(request)
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The cohort was created as a draft. Add questions and a rubric, then open it."))
            return redirect("investments:cohort-manage", pk=cohort.pk)
    return render(request, "investments/cohort_form.html", {"form": form, "incubator": incubator})


@require_GET
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = Cohort.objects.select_related("incubator").filter(pk=pk).first()
    if cohort is None or not can_view_cohort(request.user, cohort):
        raise Http404
    staff = is_incubator_staff(request.user, cohort.incubator)
    context = {
        "cohort": cohort,
        "staff": staff,
        "can_manage": can_manage_incubator(request.user, cohort.incubator),
        "questions": cohort.questions.all(),
    }
    if staff:
        reviewer_count = cohort.reviewers.count()
        context["applications"] = [
            selectors.application_summary(application=a, reviewer_count=reviewer_count)
            for a in selectors.application_list_for_cohort(cohort=cohort)
        ]
        context["reviewer_count"] = reviewer_count
        context["overview"] = selectors.cohort_overview(cohort=cohort)
    elif request.user.is_authenticated:
        context["my_applications"] = Application.objects.filter(
            cohort=cohort, startup__memberships__user=request.user
        ).select_related("startup")
    return render(request, "investments/cohort_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_manage(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort_for_management(request.user, pk)
    admitted = Organisation.objects.filter(
        applications__cohort=cohort, applications__status=Application.Status.ADMITTED
    ).order_by("name")
    forms = {
        "cohort": CohortForm(instance=cohort, prefix="cohort"),
        "question": QuestionForm(prefix="question"),
        "criterion": CriterionForm(prefix="criterion"),
        "reviewer": ReviewerForm(prefix="reviewer"),
        "mentor": MentorAssignForm(prefix="mentor", startups=admitted),
    }
    if request.method == "POST":
        response = _cohort_manage_post(request, cohort, forms, admitted)
        if response is not None:
            return response
    return render(
        request,
        "investments/cohort_manage.html",
        {
            "cohort": cohort,
            "questions": cohort.questions.all(),
            "criteria": cohort.criteria.all(),
            "reviewers": cohort.reviewers.select_related("profile"),
            "assignments": MentorAssignment.objects.filter(cohort=cohort).select_related(
                "startup", "mentor__user__profile"
            ),
            "next_statuses": sorted(services.COHORT_TRANSITIONS[cohort.status]),
            **{f"{name}_form": form for name, form in forms.items()},
        },
    )


def _cohort_manage_post(request, cohort, forms, admitted):
    """Handle one form of the cohort's management page; None to re-render it with the form's errors."""
    kind = request.POST.get("kind", "")
    here = redirect("investments:cohort-manage", pk=cohort.pk)
    ip_address = client_ip(request)
    if kind == "status":
        try:
            services.cohort_set_status(
                actor=request.user, cohort=cohort, status=request.POST.get("status", ""), ip_address=ip_address
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The cohort's status was changed."))
        return here
    if kind == "unassign":
        assignment_id = request.POST.get("assignment_id", "")
        assignment = MentorAssignment.objects.filter(
            cohort=cohort, pk=int(assignment_id) if assignment_id.isdigit() else 0
        ).first()
        if assignment is None:
            raise Http404
        services.mentor_unassign(actor=request.user, assignment=assignment, ip_address=ip_address)
        messages.success(request, _("The mentor was unassigned."))
        return here
    writers = {
        "cohort": (
            lambda: CohortForm(request.POST, instance=Cohort.objects.get(pk=cohort.pk), prefix="cohort"),
            lambda data: services.cohort_update(actor=request.user, cohort=cohort, data=data, ip_address=ip_address),
        ),
        "question": (
            lambda: QuestionForm(request.POST, prefix="question"),
            lambda data: services.question_add(actor=request.user, cohort=cohort, **data),
        ),
        "criterion": (
            lambda: CriterionForm(request.POST, prefix="criterion"),
            lambda data: services.criterion_add(actor=request.user, cohort=cohort, **data),
        ),
        "reviewer": (
            lambda: ReviewerForm(request.POST, prefix="reviewer"),
            lambda data: services.reviewer_add(actor=request.user, cohort=cohort, email=data["email"]),
        ),
        "mentor": (
            lambda: MentorAssignForm(request.POST, prefix="mentor", startups=admitted),
            lambda data: services.mentor_assign(actor=request.user, cohort=cohort, ip_address=ip_address, **data),
        ),
    }
    if kind not in writers:
        messages.error(request, _("Unknown action."))
        return here
    make_form, write = writers[kind]
    form = forms[kind] = make_form()
    if not form.is_valid():
        return None
    try:
        write(form.cleaned_data)
    except ValidationError as error:
        add_validation_errors(form, error)
        return None
    messages.success(request, _("Saved."))
    return here


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = Cohort.objects.select_related("incubator").filter(pk=pk).first()
    if cohort is None or not can_view_cohort(request.user, cohort):
        raise Http404
    startups = Organisation.objects.filter(
        kind=Organisation.Kind.STARTUP, memberships__user=request.user, memberships__role__in=MANAGER_ROLES
    ).order_by("name")
    if not cohort.accepts_applications:
        messages.error(request, _("This cohort is not taking applications."))
        return redirect(cohort)
    if not startups.exists():
        messages.error(
            request, _("Only the owner or an admin of a startup on Rabta can apply. Add your startup first.")
        )
        return redirect("network:organisation-create")
    form = ApplicationForm(request.POST or None, cohort=cohort, startups=startups)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                actor=request.user,
                cohort=cohort,
                startup=form.cleaned_data["startup"],
                answers=form.answers(),
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your application was submitted. The incubator will let you know."))
            return redirect(application)
    return render(request, "investments/application_form.html", {"form": form, "cohort": cohort})


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application, role = access_application(request.user, pk)
    cohort = application.cohort
    criteria = list(cohort.criteria.all())
    reviews = list(
        Review.objects.filter(application=application)
        .select_related("reviewer__profile")
        .prefetch_related("scores__criterion")
    )
    reviewer_count = cohort.reviewers.count()
    revealed = selectors.scores_revealed(application=application, reviewer_count=reviewer_count)
    mine = next((r for r in reviews if r.reviewer_id == request.user.pk), None)
    questions = {str(q.pk): q.text for q in cohort.questions.all()}
    context = {
        "application": application,
        "role": role,
        "answers": [(questions.get(key, _("(question removed)")), value) for key, value in application.answers.items()],
        "criteria": criteria,
        "reviews_in": len(reviews),
        "reviewer_count": reviewer_count,
        "revealed": revealed and role in ("staff", "reviewer"),
        "reviews": [(r, selectors.weighted_score(r)) for r in reviews] if revealed else [],
        "my_review": mine,
        "can_decide": can_manage_incubator(request.user, cohort.incubator)
        and application.status == Application.Status.SUBMITTED,
    }
    if (
        mine is None
        and application.status == Application.Status.SUBMITTED
        and cohort.reviewers.filter(pk=request.user.pk).exists()
    ):
        context["review_form"] = ReviewForm(criteria=criteria)
    if context["can_decide"]:
        context["decision_form"] = DecisionForm()
    return render(request, "investments/application_detail.html", context)


@login_required
@require_POST
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    application, _role = access_application(request.user, pk)
    form = ReviewForm(request.POST, criteria=application.cohort.criteria.all())
    if not form.is_valid():
        messages.error(request, _("Score every criterion from 1 to 5."))
        return redirect(application)
    try:
        services.review_submit(
            reviewer=request.user, application=application, scores=form.scores(), comment=form.cleaned_data["comment"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your scores were saved. Others' scores show once every reviewer has scored."))
    return redirect(application)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application, _role = access_application(request.user, pk)
    if not can_manage_incubator(request.user, application.cohort.incubator):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to admit or decline."))
        return redirect(application)
    try:
        services.application_decide(
            actor=request.user,
            application=application,
            admit=form.cleaned_data["decision"] == "admit",
            note=form.cleaned_data["note"],
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The decision was recorded and the startup told."))
    return redirect(application)


# --- A startup in its cohort: milestones, evidence, tranches ---------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort, startup, role = access_enrolment(request.user, pk, slug)
    if request.method == "POST" and role == "mentor":
        raise PermissionDenied
    manager = can_manage_incubator(request.user, cohort.incubator)
    milestones_qs = Milestone.objects.filter(cohort=cohort, startup=startup)
    forms = {
        "milestone": MilestoneForm(prefix="milestone"),
        "tranche": TrancheForm(prefix="tranche", milestones=milestones_qs),
        "evidence": EvidenceForm(prefix="evidence"),
        "return": ReturnForm(prefix="return"),
    }
    if request.method == "POST":
        response = _enrolment_post(request, cohort, startup, manager, milestones_qs, forms)
        if response is not None:
            return response
    return render(
        request,
        "investments/enrolment_detail.html",
        {
            "cohort": cohort,
            "startup": startup,
            "role": role,
            "manager": manager,
            "rows": selectors.enrolment_milestones(cohort=cohort, startup=startup),
            "tranches": Tranche.objects.filter(cohort=cohort, startup=startup).select_related(
                "milestone", "released_by"
            ),
            "is_member": role == "startup",
            "can_set_milestones": manager or can_apply_for(request.user, startup),
            "can_pitch": can_apply_for(request.user, startup),
            "pitches": Pitch.objects.filter(startup=startup, incubator=cohort.incubator),
            "mentors": MentorAssignment.objects.filter(
                cohort=cohort, startup=startup, mentor__user__is_active=True
            ).select_related("mentor__user__profile"),
            **{f"{name}_form": form for name, form in forms.items()},
        },
    )


def _enrolment_post(request, cohort, startup, manager, milestones_qs, forms):
    """Handle one form of the milestone board; None to re-render with errors."""
    kind = request.POST.get("kind", "")
    here = redirect("investments:enrolment-detail", pk=cohort.pk, slug=startup.slug)
    milestone = None
    if request.POST.get("milestone_id", "").isdigit():
        milestone = (
            milestones_qs.filter(pk=int(request.POST["milestone_id"])).select_related("cohort", "startup").first()
        )
        if milestone is None:
            raise Http404
    try:
        if kind == "milestone":
            form = forms["milestone"] = MilestoneForm(request.POST, prefix="milestone")
            if not form.is_valid():
                return None
            services.milestone_create(
                actor=request.user,
                cohort=cohort,
                startup=startup,
                data=form.cleaned_data,
                ip_address=client_ip(request),
            )
        elif kind == "evidence" and milestone is not None:
            form = forms["evidence"] = EvidenceForm(request.POST, request.FILES, prefix="evidence")
            if not form.is_valid():
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                return here
            services.evidence_submit(
                actor=request.user,
                milestone=milestone,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                upload=form.cleaned_data["file"],
                ip_address=client_ip(request),
            )
        elif kind == "verify" and milestone is not None:
            services.milestone_verify(actor=request.user, milestone=milestone, ip_address=client_ip(request))
        elif kind == "return" and milestone is not None:
            form = ReturnForm(request.POST, prefix="return")
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.milestone_return(
                actor=request.user, milestone=milestone, reason=reason, ip_address=client_ip(request)
            )
        elif kind == "tranche":
            if not manager:
                raise PermissionDenied
            form = forms["tranche"] = TrancheForm(request.POST, prefix="tranche", milestones=milestones_qs)
            if not form.is_valid():
                return None
            services.tranche_create(actor=request.user, cohort=cohort, startup=startup, **form.cleaned_data)
        elif kind == "release" and request.POST.get("tranche_id", "").isdigit():
            tranche = Tranche.objects.filter(cohort=cohort, startup=startup, pk=int(request.POST["tranche_id"])).first()
            if tranche is None:
                raise Http404
            services.tranche_release(actor=request.user, tranche=tranche, ip_address=client_ip(request))
        else:
            messages.error(request, _("Unknown action."))
            return here
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return here
    messages.success(request, _("Saved."))
    return here


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence files only through this check: the startup's members and the incubator's staff."""
    evidence = Evidence.objects.select_related("milestone__cohort", "milestone__startup").filter(pk=pk).first()
    if evidence is None or not evidence.file:
        raise Http404
    _cohort, _startup, role = access_enrolment(
        request.user, evidence.milestone.cohort_id, evidence.milestone.startup.slug
    )
    if role == "mentor":  # evidence (contracts, bank statements) stays between the startup and its incubator
        raise PermissionDenied
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"evidence-{evidence.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Pitches ---------------------------------------------------------------------------


def _pitch_incubators(startup: Organisation):
    return Organisation.objects.filter(
        cohorts__applications__startup=startup, cohorts__applications__status=Application.Status.ADMITTED
    ).distinct()


@login_required
@require_http_methods(["GET", "POST"])
def pitch_create(request: HttpRequest, slug: str) -> HttpResponse:
    startup = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.STARTUP).first()
    if startup is None or not can_apply_for(request.user, startup):
        raise Http404
    incubators = _pitch_incubators(startup)
    if not incubators.exists():
        messages.error(request, _("Pitches go through an incubator: apply to a cohort first."))
        return redirect(startup)
    form = PitchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pitch = services.pitch_create(
                actor=request.user,
                startup=startup,
                incubator=incubators.first(),
                data=form.pitch_data(),
                deck=form.cleaned_data["deck_file"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your pitch was saved as a draft. Preview it, then submit it."))
            return redirect(pitch)
    return render(request, "investments/pitch_form.html", {"form": form, "startup": startup})


@login_required
@require_http_methods(["GET", "POST"])
def pitch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, _role = access_pitch(request.user, pk)
    if not can_apply_for(request.user, pitch.startup):
        raise PermissionDenied
    if pitch.status == Pitch.Status.READY:
        # Investors have seen these terms: changing them asks for the password again.
        return _pitch_edit_live(request, pitch)
    return _pitch_edit(request, pitch)


@reauthentication_required(allow_get=True)
def _pitch_edit_live(request: HttpRequest, pitch: Pitch) -> HttpResponse:
    return _pitch_edit(request, pitch)


def _pitch_edit(request: HttpRequest, pitch: Pitch) -> HttpResponse:
    pk = pitch.pk
    form = PitchForm(
        request.POST or kept_form_data(request) or None, request.FILES or None, instance=Pitch.objects.get(pk=pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pitch_update(
                actor=request.user,
                pitch=pitch,
                data=form.pitch_data(),
                deck=form.cleaned_data["deck_file"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(pitch)
    return render(request, "investments/pitch_form.html", {"form": form, "startup": pitch.startup, "pitch": pitch})


@login_required
@require_GET
def pitch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, role = access_pitch(request.user, pk)
    startup_side = can_apply_for(request.user, pitch.startup)
    incubator_side = can_manage_incubator(request.user, pitch.incubator)
    actions = [
        action
        for action, (allowed_from, _target, who) in services.PITCH_ACTIONS.items()
        if pitch.status in allowed_from
        and {"startup": startup_side, "incubator": incubator_side, "either": startup_side or incubator_side}[who]
    ]
    return render(
        request,
        "investments/pitch_detail.html",
        {
            "pitch": pitch,
            "role": role,
            "can_edit": startup_side and pitch.status in services.EDITABLE,
            "actions": [
                {
                    "name": action,
                    # Each commented action gets its own labelled field (ids stay unique on the page).
                    "form": PitchActionForm(action=action) if action in PitchActionForm.LABELS else None,
                }
                for action in actions
            ],
            "signals": selectors.mentorship_signals(startup=pitch.startup),
            "versions": selectors.pitch_version_history(pitch=pitch),
            "deck_problem": _deck_problem(pitch) if startup_side or incubator_side else "",
        },
    )


def _deck_problem(pitch: Pitch) -> str:
    """Why investors could not read the stored deck (a file stored before decks were checked), or ""."""
    state = decks.deck_state(pitch)
    return state.message() if pitch.deck and not state.usable else ""


@login_required
@require_POST
def pitch_action(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, _role = access_pitch(request.user, pk)
    form = PitchActionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.pitch_transition(
            actor=request.user,
            pitch=pitch,
            action=request.POST.get("action", ""),
            comment=comment,
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(pitch)


@login_required
@require_GET
def pitch_deck(request: HttpRequest, pk: int) -> HttpResponse:
    """The deck only through this check, never by a public URL; rewritten with its pages only.

    The startup's members and the incubator's staff open it in their browser, so it gets the same
    rewrite as an investor's download: a deck stored before uploads were cleaned carries no script,
    open action, embedded file or form to them either.
    """
    pitch, _role = access_pitch(request.user, pk)
    if not pitch.deck:
        raise Http404
    try:
        pdf = decks.deck_pdf(pitch)
    except decks.DeckUnreadableError:
        messages.error(request, _("The stored deck is damaged and cannot be opened. Upload the deck again."))
        return redirect(pitch)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="pitch-{pitch.pk}.pdf"'
    return response
