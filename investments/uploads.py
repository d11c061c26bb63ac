"""Checks for uploaded decks; evidence files use the network app's checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.pdfs import PdfLimits, PdfRefusedError, pdf_clean
from core.uploads import EVIDENCE_MAX_BYTES, evidence_file_clean, sniff, validate_evidence_file

__all__ = [
    "DECK_LIMITS",
    "DECK_MAX_BYTES",
    "EVIDENCE_MAX_BYTES",
    "deck_clean",
    "evidence_file_clean",
    "sniff",
    "validate_deck",
    "validate_evidence_file",
]

DECK_MAX_BYTES = 20 * 1024 * 1024
# A deck is slides: 16:9 slides are 960 × 540 points (PowerPoint) or up to 1920 × 1080 (Keynote), A4
# is 595 × 842. Up to 50 inches a side and 4 million square points (2,000 × 2,000) is room for any of
# them; a page 72 × 14,400 points (an inch by 200 inches) is not a slide.
DECK_LIMITS = PdfLimits(max_pages=100, max_side=3_600, max_area=4_000_000)


def validate_deck(upload, *, max_bytes: int = DECK_MAX_BYTES) -> ContentFile:
    """A deck must say it is a PDF and be one, within the size cap and ``DECK_LIMITS``; return the copy to store.

    The copy is the deck rewritten with its pages only (``core.pdfs``): no scripts, open
    actions, embedded files or forms reach the deal room.
    """
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
    upload.seek(0)
    try:
        return deck_clean(upload.read())
    except PdfRefusedError as error:
        raise ValidationError({"deck": error.message}) from error
    finally:
        upload.seek(0)


def deck_clean(data: bytes) -> ContentFile:
    """The deck as it is stored: read, bounded by ``DECK_LIMITS`` and rewritten. Raises ``PdfRefusedError``."""
    return ContentFile(pdf_clean(data, DECK_LIMITS), name="deck.pdf")
