"""Pages of the export ledger: report a quarter, follow a report, verify as a centre."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.ratelimits import limited
from ledger import services
from ledger.forms import ExportQueryForm, ExportReportForm
from ledger.models import ExportReport
from ledger.permissions import access_export_report, can_verify_exports
from network.audit import client_ip
from network.forms import add_validation_errors
from network.models import Membership, Organisation
from network.permissions import acts_as_staff


def _my_startups(user):
    return Organisation.objects.filter(
        kind=Organisation.Kind.STARTUP,
        memberships__user=user,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
    ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
@limited("export")
def export_list(request: HttpRequest) -> HttpResponse:
    """My export reports (mine as a freelancer and my startups'), and the form to report a quarter."""
    startups = list(_my_startups(request.user))
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
    reports = (
        ExportReport.objects.filter(Q(person=request.user) | Q(organisation__memberships__user=request.user))
        .select_related("organisation", "person__profile", "centre")
        .distinct()
    )
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
    editable = role == "reporter" and report.status in (ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED)
    form = ExportReportForm(instance=report, editing=True) if editable else None
    query_form = ExportQueryForm()
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        ip_address = client_ip(request)
        if kind == "update":
            if not editable:
                raise PermissionDenied
            form = ExportReportForm(request.POST, request.FILES, instance=ExportReport.objects.get(pk=pk), editing=True)
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
    history = (
        ExportReport.objects.filter(
            Q(organisation=report.organisation) if report.organisation_id else Q(person=report.person),
            year=report.year,
            quarter=report.quarter,
        )
        .exclude(pk=report.pk)
        .select_related("verified_by__profile")
    )
    return render(
        request,
        "ledger/export_detail.html",
        {
            "report": report,
            "role": role,
            "verifier": verifier and report.status in (ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED),
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
    extension = report.evidence.name.rsplit(".", 1)[-1]
    response = FileResponse(
        report.evidence.open("rb"),
        content_type=report.evidence_content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"export-{report.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def centre_exports(request: HttpRequest, slug: str) -> HttpResponse:
    """The reports filed with a centre, waiting ones first: for the centre's members."""
    centre = Organisation.objects.filter(slug=slug).exclude(kind=Organisation.Kind.STARTUP).first()
    if centre is None or not (
        acts_as_staff(request.user) or Membership.objects.filter(organisation=centre, user=request.user).exists()
    ):
        raise Http404
    status = request.GET.get("status", "open")
    reports = ExportReport.objects.filter(centre=centre).select_related("organisation", "person__profile")
    if status == "open":
        reports = reports.filter(status__in=[ExportReport.Status.SUBMITTED, ExportReport.Status.QUERIED])
    elif status in ExportReport.Status.values:
        reports = reports.filter(status=status)
    return render(
        request,
        "ledger/centre_exports.html",
        {
            "centre": centre,
            "status": status,
            "statuses": [("open", _("Waiting")), *ExportReport.Status.choices],
            "page": Paginator(reports.order_by("-submitted_at", "-id"), 50).get_page(request.GET.get("page")),
            "query": f"status={status}",
        },
    )
