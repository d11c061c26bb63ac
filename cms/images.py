"""Story images' originals kept without metadata (see ``cms.forms``), and the same for images stored earlier."""

from __future__ import annotations

import io
import os

from django.core.files.base import ContentFile
from PIL import Image

from core.uploads import image_without_metadata

# What Pillow reports about an image that says nothing about who took it, where or with what.
PLAIN_INFO = frozenset(
    {
        "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "icc_profile", "transparency", "gamma",
        "aspect", "interlace", "progressive", "progression", "adobe", "adobe_transform", "loop", "background",
        "duration", "timestamp", "bbox", "disposal", "blend", "default_image",
    }
)  # fmt: skip


def carries_metadata(data: bytes) -> bool:
    """Whether the image holds EXIF, XMP, comments, text chunks or anything else beyond its pixels and colours."""
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or any(key not in PLAIN_INFO for key in image.info)


def original_replace(image, data: bytes) -> None:
    """Put ``data`` in place of the image's stored original, under the same name (not saved yet)."""
    stored = image.file
    name = os.path.basename(stored.name)
    stored.storage.delete(stored.name)
    stored.save(name, ContentFile(data), save=False)
    with Image.open(io.BytesIO(data)) as pixels:  # a rotated photo stands up now: its sides may swap
        image.width, image.height = pixels.size
    image._set_image_file_metadata()  # Wagtail's own: the file's size and hash (duplicate detection)


def original_strip_metadata(image) -> bool:
    """Re-encode a stored original that still carries metadata, and drop its renditions (they are
    made again, from the clean original, the next time a page asks). Return whether it changed."""
    with image.open_file() as handle:
        data = handle.read()
    if not carries_metadata(data):
        return False
    cleaned, _format = image_without_metadata(io.BytesIO(data))
    original_replace(image, cleaned)
    image.save(update_fields=["file", "width", "height", "file_size", "file_hash"])
    image.renditions.all().delete()
    return True
