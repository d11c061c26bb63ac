"""Profiles: created with the account, edited by the member, photos re-encoded without metadata.

Atomic, validated before anything is written, audited where it matters; email queued after commit."""

from __future__ import annotations

import io
import zoneinfo
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps

from network.audit import audit_record
from network.models import Profile, User


def profile_ensure(*, user: User, time_zone: str = "") -> Profile:
    """Every member has a profile; create an empty one on first need (in ``time_zone`` when it is a
    known zone: the browser's, at sign-up; otherwise the field's default)."""
    defaults = {"display_name": user.email.split("@", 1)[0][:120]}
    if time_zone and time_zone in zoneinfo.available_timezones():
        defaults["timezone"] = time_zone
    profile, _created = Profile.objects.get_or_create(user=user, defaults=defaults)
    return profile


def _normalise_photo(upload) -> ContentFile:
    """Re-encode an uploaded image as a JPEG no larger than 800 px.

    Re-encoding drops whatever else the file carried (EXIF location data,
    appended payloads) so that only pixels are stored and served.
    """
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((800, 800))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    data: dict[str, Any],
    sectors=None,
    languages=None,
    photo=None,
    remove_photo: bool = False,
    ip_address: str | None = None,
) -> Profile:
    """Apply validated profile fields; ``photo`` is an uploaded image already checked by the form."""
    changed = []
    for field, value in data.items():
        if getattr(profile, field) != value:
            setattr(profile, field, value)
            changed.append(field)
    old_photo_name = profile.photo.name if profile.photo else ""
    # Validate before the new photo is written to storage, so refused data leaves no file behind.
    profile.full_clean()
    if photo is not None:
        profile.photo.save("photo.jpg", _normalise_photo(photo), save=False)
        changed.append("photo")
    elif remove_photo and profile.photo:
        profile.photo = ""
        changed.append("photo")
    profile.save()
    if sectors is not None:
        profile.sectors.set(sectors)
    if languages is not None:
        profile.languages.set(languages)
    if "photo" in changed and old_photo_name:
        storage = profile.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo_name))
    audit_record(
        actor=profile.user,
        event="network.profile.update",
        target=profile,
        data={"fields": sorted(changed)},
        ip_address=ip_address,
    )
    return profile
