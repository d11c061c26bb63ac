"""Pages of the export ledger: report a quarter, follow a report, verify as a centre."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.ratelimits import limited
from core.uploads import private_download
from ledger import selectors, services
from ledger.forms import ExportQueryForm, ExportReportForm
from ledger.models import ExportReport
from ledger.permissions import access_centre_exports, access_export_report, can_verify_exports
from network import selectors as network_selectors
from network.audit import client_ip
from network.forms import add_validation_errors


@login_required
@require_http_methods(["GET", "POST"])
@limited("export")
def export_list(request: HttpRequest) -> HttpResponse:
    """My export reports (mine as a freelancer and my startups'), and the form to report a quarter."""
    startups = list(network_selectors.startup_list_managed_by(user=request.user))
    form = ExportReportForm(request.POST or None, request.FILES or None, startups=startups)
    if request.method == "POST" and form.is_valid():
        reporter = form.cleaned_data["reporter"]
        organisation = next((s for s in startups if str(s.pk) == reporter), None)
        try:
            report = services.export_report_submit(
                actor=request.user,
                centre=form.cleaned_data["centre"],
                organisation=organisation,
                data=form.export_data(),
                evidence=form.cleaned_data["evidence_file"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your report was sent to %(centre)s to verify.") % {"centre": report.centre})
            return redirect(report)
    reports = selectors.export_report_list_for_member(user=request.user)
    return render(
        request,
        "ledger/export_list.html",
        {"form": form, "page": Paginator(reports, 40).get_page(request.GET.get("page"))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report, role = access_export_report(request.user, pk)
    verifier = can_verify_exports(request.user, report.centre)
    editable = role == "reporter" and report.status in selectors.WAITING_STATUSES
    form = ExportReportForm(instance=report, editing=True) if editable else None
    query_form = ExportQueryForm()
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        ip_address = client_ip(request)
        if kind == "update":
            if not editable:
                raise PermissionDenied
            # A copy, as the programmes' forms take: whatever a form does with its instance, the page
            # beside a refused change shows the report as stored.
            form = ExportReportForm(request.POST, request.FILES, instance=copy.copy(report), editing=True)
            if form.is_valid():
                try:
                    services.export_report_update(
                        actor=request.user,
                        report=report,
                        data=form.export_data(),
                        evidence=form.cleaned_data["evidence_file"],
                        ip_address=ip_address,
                    )
                except ValidationError as error:
                    add_validation_errors(form, error)
                else:
                    messages.success(request, _("Your changes were sent to the centre."))
                    return redirect(report)
        elif kind in ("verify", "query"):
            query_form = ExportQueryForm(request.POST) if kind == "query" else query_form
            try:
                if kind == "verify":
                    services.export_report_verify(actor=request.user, report=report, ip_address=ip_address)
                else:
                    reason = query_form.cleaned_data["reason"] if query_form.is_valid() else ""
                    services.export_report_query(
                        actor=request.user, report=report, reason=reason, ip_address=ip_address
                    )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Saved; the reporter was told."))
            return redirect(report)
        else:
            raise PermissionDenied
    history = selectors.export_report_history(report=report)
    return render(
        request,
        "ledger/export_detail.html",
        {
            "report": report,
            "role": role,
            "verifier": verifier and report.status in selectors.WAITING_STATUSES,
            "form": form,
            "query_form": query_form,
            "history": history,
        },
    )


@login_required
@require_GET
def export_evidence(request: HttpRequest, pk: int) -> FileResponse:
    report, _role = access_export_report(request.user, pk)
    if not report.evidence:
        raise Http404
    return private_download(report.evidence, content_type=report.evidence_content_type, name=f"export-{report.pk}")


@login_required
@require_GET
def centre_exports(request: HttpRequest, slug: str) -> HttpResponse:
    """The reports filed with a centre, waiting ones first: for the centre's members."""
    centre = access_centre_exports(request.user, slug)
    status = request.GET.get("status", "open")
    reports = selectors.export_report_list_for_centre(centre=centre, status=status)
    return render(
        request,
        "ledger/centre_exports.html",
        {
            "centre": centre,
            "status": status,
            "statuses": [("open", _("Waiting")), *ExportReport.Status.choices],
            "page": Paginator(reports, 50).get_page(request.GET.get("page")),
            "query": f"status={status}",
        },
    )
