"""Open calls, the incubator's dashboard, and cohorts: their public page and their management."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.converters import parse_id
from investments import selectors, services
from investments.forms import CohortForm, CriterionForm, MentorAssignForm, QuestionForm, ReviewerForm
from investments.permissions import (
    access_cohort,
    access_cohort_for_management,
    access_incubator,
    can_manage_incubator,
    is_incubator_staff,
)
from network import selectors as network_selectors
from network.audit import client_ip
from network.forms import add_validation_errors


@require_GET
def open_calls(request: HttpRequest) -> HttpResponse:
    """Every cohort taking applications, for anyone: the deadline, sectors and incubator, and a way to apply
    (signing in first, and coming back to the application)."""
    sectors = selectors.sector_list()
    sector_slug = request.GET.get("sector", "")
    sector = sectors.filter(slug=sector_slug).first() if sector_slug else None
    incubator = network_selectors.centre_get(slug=request.GET.get("incubator", ""))
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


@require_GET
def incubator_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The incubator's cohorts and pitches for its staff; anyone else is sent to the incubator's public page,
    which lists its open calls (a link to it is never a dead end)."""
    incubator = network_selectors.centre_get(slug=slug)
    if incubator is None:
        raise Http404
    if not is_incubator_staff(request.user, incubator):
        return redirect(incubator)
    return render(
        request,
        "investments/incubator_dashboard.html",
        {
            "incubator": incubator,
            "cohorts": selectors.cohort_list_for_incubator(incubator=incubator),
            "can_manage": can_manage_incubator(request.user, incubator),
            "pitches": selectors.pitch_list_for_incubator(incubator=incubator),
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
    cohort = access_cohort(request.user, pk)
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
        context["my_applications"] = selectors.application_list_for_member(cohort=cohort, user=request.user)
    return render(request, "investments/cohort_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_manage(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort_for_management(request.user, pk)
    admitted = selectors.admitted_startup_list(cohort=cohort)
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
            "assignments": selectors.mentor_assignment_list(cohort=cohort),
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
        assignment_id = parse_id(request.POST.get("assignment_id"))
        assignment = selectors.mentor_assignment_get(cohort=cohort, pk=assignment_id) if assignment_id else None
        if assignment is None:
            raise Http404
        services.mentor_unassign(actor=request.user, assignment=assignment, ip_address=ip_address)
        messages.success(request, _("The mentor was unassigned."))
        return here
    writers = {
        "cohort": (
            # A copy: a refused change must not leave the page showing what was typed as the cohort's own.
            lambda: CohortForm(request.POST, instance=copy.copy(cohort), prefix="cohort"),
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
