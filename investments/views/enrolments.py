"""A startup in its cohort: the milestone board, evidence files and tranches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.converters import parse_id
from core.uploads import private_download
from investments import selectors, services
from investments.forms import EvidenceForm, MilestoneForm, ReturnForm, TrancheForm
from investments.permissions import access_enrolment, access_evidence, can_apply_for, can_manage_incubator
from network.audit import client_ip


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort, startup, role = access_enrolment(request.user, pk, slug)
    if request.method == "POST" and role == "mentor":
        raise PermissionDenied
    manager = can_manage_incubator(request.user, cohort.incubator)
    milestones = selectors.milestone_list_for_enrolment(cohort=cohort, startup=startup)
    forms = {
        "milestone": MilestoneForm(prefix="milestone"),
        "tranche": TrancheForm(prefix="tranche", milestones=milestones),
        "evidence": EvidenceForm(prefix="evidence"),
        "return": ReturnForm(prefix="return"),
    }
    if request.method == "POST":
        response = _enrolment_post(request, cohort, startup, manager, milestones, forms)
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
            "tranches": selectors.tranche_list_for_enrolment(cohort=cohort, startup=startup),
            "is_member": role == "startup",
            "can_set_milestones": manager or can_apply_for(request.user, startup),
            "can_pitch": can_apply_for(request.user, startup),
            "pitches": selectors.pitch_list_for_enrolment(cohort=cohort, startup=startup),
            "mentors": selectors.mentor_assignment_list(cohort=cohort, startup=startup),
            **{f"{name}_form": form for name, form in forms.items()},
        },
    )


def _enrolment_post(request, cohort, startup, manager, milestones, forms):
    """Handle one form of the milestone board; None to re-render with errors."""
    kind = request.POST.get("kind", "")
    here = redirect("investments:enrolment-detail", pk=cohort.pk, slug=startup.slug)
    milestone = None
    if (milestone_id := parse_id(request.POST.get("milestone_id"))) is not None:
        milestone = selectors.milestone_get(cohort=cohort, startup=startup, pk=milestone_id)
        if milestone is None:
            raise Http404
    ip_address = client_ip(request)
    try:
        if kind == "milestone":
            form = forms["milestone"] = MilestoneForm(request.POST, prefix="milestone")
            if not form.is_valid():
                return None
            services.milestone_create(
                actor=request.user, cohort=cohort, startup=startup, data=form.cleaned_data, ip_address=ip_address
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
                ip_address=ip_address,
            )
        elif kind == "verify" and milestone is not None:
            services.milestone_verify(actor=request.user, milestone=milestone, ip_address=ip_address)
        elif kind == "return" and milestone is not None:
            form = ReturnForm(request.POST, prefix="return")
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.milestone_return(actor=request.user, milestone=milestone, reason=reason, ip_address=ip_address)
        elif kind == "tranche":
            if not manager:
                raise PermissionDenied
            form = forms["tranche"] = TrancheForm(request.POST, prefix="tranche", milestones=milestones)
            if not form.is_valid():
                return None
            services.tranche_create(actor=request.user, cohort=cohort, startup=startup, **form.cleaned_data)
        elif kind == "release" and (tranche_id := parse_id(request.POST.get("tranche_id"))) is not None:
            tranche = selectors.tranche_get(cohort=cohort, startup=startup, pk=tranche_id)
            if tranche is None:
                raise Http404
            services.tranche_release(actor=request.user, tranche=tranche, ip_address=ip_address)
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
    """Evidence files only through this check (``permissions.access_evidence``), never by a media URL."""
    evidence = access_evidence(request.user, pk)
    return private_download(evidence.file, content_type=evidence.content_type, name=f"evidence-{evidence.pk}")
