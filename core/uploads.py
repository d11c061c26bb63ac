"""Checks for uploaded files, by their content rather than their name, the clean copies that are
stored, and how a private one is handed back.

What is stored is never the file as it arrived: an image is re-encoded from its pixels (no EXIF
location, camera serial, XMP, comments or bytes appended after the image), a PDF is rewritten
with only its pages (``core.pdfs``). A private file (evidence) is never at a media URL: a view
checks who asks, then answers with ``private_download``.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, JpegImagePlugin

from core.pdfs import PdfLimits, PdfRefusedError, pdf_clean

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# The same bound as profile photos: decoding is what costs memory (about 3 bytes a pixel), not the file size.
IMAGE_MAX_PIXELS = 40_000_000
# Evidence is read by people, never drawn by the site: bounds that any real statement, contract or
# invoice fits, against a file made to be huge.
EVIDENCE_PDF_LIMITS = PdfLimits(max_pages=500, max_side=14_400, max_area=14_400 * 14_400)

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
# Pillow reads these from an image's info when saving it again; nothing else of it is kept.
KEPT_IMAGE_INFO = ("icc_profile", "transparency", "dpi")
KEPT_ANIMATION_INFO = ("loop", "duration", "background", "disposal", "blend")

logger = logging.getLogger(__name__)


class ImageTooLargeError(ValueError):
    """More pixels than ``IMAGE_MAX_PIXELS``: decoding it would take too much memory."""


def sniff(upload) -> str | None:
    """The content type the file's first bytes declare (PDF, PNG, JPEG), or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def image_without_metadata(upload) -> tuple[bytes, str]:
    """The image re-encoded in its own format from its pixels alone; return the bytes and the format.

    EXIF (with its GPS position), XMP, comments and anything appended are left behind; the colour
    profile stays (it is how the colours are meant), and an EXIF rotation is applied to the pixels
    first, so the image stands the way it was taken once its orientation tag is gone. A JPEG keeps
    its own quantisation tables and chroma subsampling, so re-encoding costs as little as it can.
    Raises ``ImageTooLargeError`` for an image larger than ``IMAGE_MAX_PIXELS`` and Pillow's own errors for
    a file that is not an image.
    """
    upload.seek(0)
    with Image.open(upload) as image:
        image_format = image.format
        if image.width * image.height > IMAGE_MAX_PIXELS:
            raise ImageTooLargeError(f"{image.width} × {image.height} pixels")
        save: dict = {key: image.info[key] for key in KEPT_IMAGE_INFO if key in image.info}
        if getattr(image, "n_frames", 1) > 1:
            frames = image
            frames.info = {k: v for k, v in image.info.items() if k in KEPT_IMAGE_INFO + KEPT_ANIMATION_INFO}
            save["save_all"] = True
        else:
            frames = ImageOps.exif_transpose(image)
            frames.info = {}
        if image_format == "JPEG":
            save["qtables"] = image.quantization
            sampling = JpegImagePlugin.get_sampling(image)
            if sampling != -1:
                save["subsampling"] = sampling
        elif image_format == "WEBP":
            save["quality"] = 90
        buffer = io.BytesIO()
        frames.save(buffer, format=image_format, optimize=image_format in ("JPEG", "PNG"), **save)
    upload.seek(0)
    return buffer.getvalue(), image_format


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


def evidence_file_clean(upload, *, max_bytes: int = EVIDENCE_MAX_BYTES) -> tuple[str, ContentFile]:
    """Check an evidence file (``validate_evidence_file``) and return its content type and the copy to store.

    An image comes back re-encoded at its full size without its metadata (a scanned statement stays
    readable); a PDF comes back rewritten without scripts, open actions, embedded files or forms.
    """
    content_type = validate_evidence_file(upload, max_bytes=max_bytes)
    if content_type == "application/pdf":
        try:
            return content_type, ContentFile(pdf_clean(_read(upload), EVIDENCE_PDF_LIMITS), name="evidence.pdf")
        except PdfRefusedError as error:
            raise ValidationError({"file": error.message}) from error
    try:
        data, _format = image_without_metadata(upload)
    except ImageTooLargeError:
        raise ValidationError(
            {
                "file": _("This image is larger than %(mp)d megapixels. Upload a smaller scan or photo.")
                % {"mp": IMAGE_MAX_PIXELS // 1_000_000}
            }
        ) from None
    except Exception:
        raise ValidationError({"file": _("This image cannot be read. Upload another one.")}) from None
    return content_type, ContentFile(data, name="evidence." + ("png" if content_type == "image/png" else "jpg"))


def private_download(file: FieldFile, *, content_type: str, name: str) -> FileResponse:
    """A stored private file as a download named ``name`` plus the stored extension, kept by no
    cache (the browser's or a proxy's): the caller has already checked who may read it.

    The content type is the one sniffed when it was stored; the name is the site's, never the
    uploader's, so nothing they chose reaches the reader's disk.

    A record whose file is gone from storage (a restore that missed the private volume, a file
    removed by hand) is not found for the reader, and an error in the log for whoever keeps the
    storage: the record says there is evidence that nobody can read.
    """
    extension = file.name.rsplit(".", 1)[-1]
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        logger.error("A private file is missing from storage: %s (%s)", file.name, name)
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"{name}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
