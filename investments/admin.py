"""The admin for investments: read views for support, terms publishing, and an access log nobody can alter.

State changes that matter (vetting, decisions, pitch moves) happen on the site's own pages, where they
are audited; the admin shows those records read-only.
"""

from __future__ import annotations

from django.contrib import admin

from investments.models import (
    Cohort,
    ConfidentialityTerms,
    DeckAccess,
    Interest,
    InvestorProfile,
    Pitch,
    Question,
)
from network.admin import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(ConfidentialityTerms)
class ConfidentialityTermsAdmin(AuditedModelAdmin):
    """Publishing a new version asks every investor to accept again; a published version is never edited."""

    list_display = ["version", "published_at"]
    # investments.terms.create: the services' name for the terms (investments.terms.accept).
    audit_entities = {ConfidentialityTerms: "terms"}
    audit_values = frozenset({"version"})

    def get_readonly_fields(self, request, obj=None):
        return ["version", "text", "published_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeckAccess)
class DeckAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "pitch", "kind", "page", "pitch_version", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["user", "pitch__startup"]
    search_fields = ["user__email", "pitch__startup__name"]


@admin.register(InvestorProfile)
class InvestorProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "status", "country", "ticket_min", "ticket_max", "created_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(Interest)
class InterestAdmin(ReadOnlyAdmin):
    list_display = ["pitch", "investor", "stage", "amount", "needs_reconfirmation", "updated_at"]
    list_filter = ["stage", "needs_reconfirmation"]
    list_select_related = ["pitch__startup", "investor"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["pitch", "asker", "created_at", "answered_at", "private"]
    list_select_related = ["pitch__startup", "asker"]


@admin.register(Pitch)
class PitchAdmin(ReadOnlyAdmin):
    list_display = ["startup", "one_liner", "status", "version", "incubator", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["startup", "incubator"]


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdmin):
    list_display = ["name", "incubator", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    list_select_related = ["incubator"]
