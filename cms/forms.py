"""The form Wagtail builds every image form from (``WAGTAILIMAGES_IMAGE_FORM_BASE``).

Story images come from editors' phones and cameras, and their originals are the source of every
rendition. Storing the original without its metadata (EXIF with the GPS position, camera serial,
XMP, comments, bytes appended after the image) is what keeps it out of every page: renditions are
made from the stored original, and Willow copies an original's EXIF into them.

Wagtail documents ``WAGTAILIMAGES_IMAGE_FORM_BASE`` as the way to change its image forms, and all
of its uploads go through them: the image library's "Add an image", multiple upload, uploading
from the image chooser while writing a story, replacing an image's file, and its API. A custom
image model would do the same at the cost of a second image table and a data migration.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.translation import gettext as _
from wagtail.images.forms import BaseImageForm

from cms.images import original_replace
from core.uploads import IMAGE_MAX_PIXELS, ImageTooLargeError, image_without_metadata


def _without_metadata(data) -> bytes:
    try:
        cleaned, _format = image_without_metadata(data)
    except ImageTooLargeError:
        raise ValidationError(
            _("This image is larger than %(mp)d megapixels. Upload a smaller one.")
            % {"mp": IMAGE_MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        ) from None
    except Exception:
        raise ValidationError(_("This image cannot be read. Upload another one."), code="invalid_image") from None
    return cleaned


class StoryImageForm(BaseImageForm):
    """Wagtail's image form; the file it keeps is the upload re-encoded from its pixels alone."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):  # no new file: the image keeps the one it has
            return upload
        return SimpleUploadedFile(upload.name, _without_metadata(upload), content_type=upload.content_type)

    def save(self, commit=True):
        if "file" not in self.fields and self.instance.pk is None and self.instance.file:
            self._store_clean_copy()
        return super().save(commit=commit)

    def _store_clean_copy(self) -> None:
        """Multiple upload keeps a file whose other fields failed as it came, and saves it here unchecked.

        (Wagtail's ``CreateFromUploadedImageView`` writes that file to the image before calling the
        edit form, which has no file field.) The stored file is replaced with its clean copy.
        """
        with self.instance.file.open("rb") as handle:
            cleaned = _without_metadata(io.BytesIO(handle.read()))
        original_replace(self.instance, cleaned)
