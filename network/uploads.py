"""Checks for uploaded files, by their content rather than their name."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff(upload) -> str | None:
    """The content type the file's first bytes declare (PDF, PNG, JPEG), or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def validate_evidence_file(upload, *, max_bytes: int = EVIDENCE_MAX_BYTES) -> str:
    """Accept a PDF, PNG or JPEG of at most ``max_bytes``; return its real content type."""
    if upload.size > max_bytes:
        raise ValidationError(
            {"file": _("The file is too large. Upload one of at most %(mb)d MB.") % {"mb": max_bytes // 1_048_576}}
        )
    content_type = sniff(upload)
    if content_type is None:
        raise ValidationError({"file": _("Upload a PDF, PNG or JPEG file.")})
    if content_type.startswith("image/"):
        try:
            with Image.open(upload) as image:
                image.verify()
        except Exception:
            raise ValidationError({"file": _("This image cannot be read. Upload another one.")}) from None
        finally:
            upload.seek(0)
    return content_type
