"""A startup's application to a cohort, its reviewers' scores and the incubator's decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from investments import selectors, services
from investments.forms import ApplicationForm, DecisionForm, ReviewForm
from investments.models import Application
from investments.permissions import (
    access_application,
    access_cohort,
    can_manage_incubator,
    is_cohort_reviewer,
)
from network import selectors as network_selectors
from network.audit import client_ip
from network.forms import add_validation_errors


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access_cohort(request.user, pk)
    startups = network_selectors.startup_list_managed_by(user=request.user)
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
    reviews = selectors.review_list_for_application(application=application)
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
    if mine is None and application.status == Application.Status.SUBMITTED and is_cohort_reviewer(request.user, cohort):
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
