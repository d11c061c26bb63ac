"""Checks for uploaded decks; evidence files use the network app's checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from network.uploads import EVIDENCE_MAX_BYTES, sniff, validate_evidence_file

__all__ = ["DECK_MAX_BYTES", "EVIDENCE_MAX_BYTES", "sniff", "validate_deck", "validate_evidence_file"]

DECK_MAX_BYTES = 20 * 1024 * 1024


def validate_deck(upload, *, max_bytes: int = DECK_MAX_BYTES) -> None:
    """A deck must say it is a PDF and be one (its first bytes), within the size cap."""
    if upload.size > max_bytes:
        raise ValidationError(
            {"deck": _("The deck is too large. Upload a PDF of at most %(mb)d MB.") % {"mb": max_bytes // 1_048_576}}
        )
    declared = getattr(upload, "content_type", "") or ""
    if declared != "application/pdf":
        raise ValidationError(
            {"deck": _("Upload the deck as a PDF (this file says it is “%(type)s”).") % {"type": declared or "?"}}
        )
    if sniff(upload) != "application/pdf":
        raise ValidationError({"deck": _("This file is not a PDF, whatever its name says. Export the deck as PDF.")})
