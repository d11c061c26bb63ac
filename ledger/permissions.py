"""Who may report, see and verify export reports: used by the pages (to show a form or a button)
and by the services (to refuse)."""

from __future__ import annotations

from django.http import Http404

from ledger.models import ExportReport
from network.models import Membership, Organisation
from network.permissions import MANAGER_ROLES, acts_as_staff, can_manage_organisation, is_member
from network.selectors import centre_get


def can_report_exports_for(user, organisation: Organisation) -> bool:
    """A startup's owners and admins report its exports (a freelancer reports their own)."""
    return (
        is_member(user)
        and organisation.kind == Organisation.Kind.STARTUP
        and Membership.objects.filter(organisation=organisation, user=user, role__in=MANAGER_ROLES).exists()
    )


def can_verify_exports(user, centre: Organisation) -> bool:
    """The centre's owners and admins verify or query the reports filed with it."""
    return centre.is_incubator_like and can_manage_organisation(user, centre)


def access_centre_exports(user, slug: str) -> Organisation:
    """A centre whose filed reports ``user`` may read: its members (any role) and staff; 404 for
    anyone else, and for a startup's address."""
    centre = centre_get(slug=slug)
    if centre is None or not is_member(user):
        raise Http404
    if not (acts_as_staff(user) or Membership.objects.filter(organisation=centre, user=user).exists()):
        raise Http404
    return centre


def access_export_report(user, pk: int):
    """A report and the viewer's role in it: "reporter" (the startup's members or the freelancer), "centre"
    (the verifying centre's members) or "staff". Unverified figures are nobody else's business: 404."""
    report = ExportReport.objects.select_related("organisation", "person__profile", "centre").filter(pk=pk).first()
    if report is None or not is_member(user):
        raise Http404
    if report.person_id == user.pk or (
        report.organisation_id and Membership.objects.filter(organisation_id=report.organisation_id, user=user).exists()
    ):
        return report, "reporter"
    if Membership.objects.filter(organisation_id=report.centre_id, user=user).exists():
        return report, "centre"
    if acts_as_staff(user):
        return report, "staff"
    raise Http404
