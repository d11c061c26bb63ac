"""Re-encode every story image's original that still carries metadata (EXIF location and the rest).

    .venv/bin/python manage.py strip_image_metadata

Images uploaded since uploads were cleaned (``cms.forms``) have none; this is for those stored
before. An image whose original changes loses its renditions, which are made again from the clean
original the next time a page shows it (Willow copies an original's EXIF into JPEG renditions).
Safe to run again: an image without metadata is left as it is.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from wagtail.images import get_image_model

from cms.images import original_strip_metadata


class Command(BaseCommand):
    help = "Re-encode story images' originals that still carry metadata, and drop their renditions."

    def handle(self, *args, **options) -> None:
        changed = unreadable = 0
        images = get_image_model().objects.order_by("pk")
        for image in images.iterator():
            try:
                changed += original_strip_metadata(image)
            except (OSError, ValueError) as error:  # a missing file, or one that is not an image any more
                unreadable += 1
                self.stderr.write(f"Image {image.pk} ({image.file.name}): {error}")
        total = images.count()
        self.stdout.write(f"Images: {total}, re-encoded without metadata: {changed}, unreadable: {unreadable}.")
