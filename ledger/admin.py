from django.contrib import admin

from ledger.models import ExchangeRate, ExportReport
from network.admin import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AuditedModelAdmin):
    """Staff record each quarter's rates (e.g. the State Bank of Pakistan's averages) before reports use them."""

    list_display = ["currency", "year", "quarter", "usd_per_unit", "source"]
    list_filter = ["currency", "year"]
    audit_values = frozenset({"currency", "year", "quarter", "usd_per_unit", "source"})


@admin.register(ExportReport)
class ExportReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "centre", "status", "amount_usd", "submitted_at"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["organisation", "person__profile", "centre"]
