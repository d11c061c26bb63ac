"""Signals the ledger sends for apps above it (they connect in ``AppConfig.ready``).

Business events, not model saves: sent after the transaction commits.
"""

from django.dispatch import Signal

# A centre verified an export report. Arguments: report.
export_verified = Signal()
