"""A member's export reports in their personal data download (registered with
``network.personal_data`` in ``LedgerConfig.ready``). A startup's reports are the startup's, not a
member's: only those a freelancer filed for themself are theirs to take away."""

from __future__ import annotations

from typing import Any

from ledger.models import ExportReport


def export(user) -> dict[str, Any]:
    return {
        "export_reports": [
            {
                "period": r.period,
                "amount": str(r.amount),
                "currency": r.currency,
                "amount_usd": str(r.amount_usd),
                "markets": [str(code) for code in r.markets],
                "note": r.note,
                "status": r.status,
                "centre": r.centre.name,
                "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            }
            for r in ExportReport.objects.filter(person=user).select_related("centre").order_by("year", "quarter", "id")
        ]
    }
