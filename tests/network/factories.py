from __future__ import annotations

import functools
import io
import os

import factory
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from network.models import Introduction, Membership, Organisation, Profile, User

PASSWORD = "correct-horse-battery-staple"
# The TOTP secret of every test account made with ``mfa=True`` (codes from tests.sessions.totp_code).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@functools.cache
def _password_hash() -> str:
    # Hashing is slow on purpose; one hash of PASSWORD serves every member a test makes.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        """Sign-in works with PASSWORD, or with the password given as ``UserFactory(password=...)``."""
        if extracted is None:
            obj.password = _password_hash()
        else:
            obj.set_password(extracted)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        """Mark the email as verified in allauth, as after a real sign-up."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        obj.save()
        EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        """``UserFactory(mfa=True)``: TOTP turned on, with ``TOTP_SECRET``."""
        if create and extracted:
            from allauth.mfa.models import Authenticator
            from allauth.mfa.utils import encrypt

            Authenticator.objects.create(user=obj, type=Authenticator.Type.TOTP, data={"secret": encrypt(TOTP_SECRET)})


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    headline = factory.Faker("job")
    city = "Lahore"
    country = "PK"
    timezone = "Asia/Karachi"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Startup {n}")
    slug = factory.Sequence(lambda n: f"startup-{n}")
    kind = Organisation.Kind.STARTUP
    city = "Karachi"
    country = "PK"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class IntroductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Introduction

    requester = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    reason = "I would like to learn how you took your SaaS product to customers in Europe."
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timezone.timedelta(days=14))


def image_upload(
    name: str = "photo.png",
    *,
    size: tuple[int, int] = (64, 48),
    image_format: str = "PNG",
    color: tuple[int, int, int] = (0, 128, 0),
    noise: bool = False,
    **save_kwargs,
) -> SimpleUploadedFile:
    """An uploaded image made in memory; ``noise`` makes it hard to compress (for size limits)."""
    pixels = os.urandom(size[0] * size[1] * 3) if noise else None
    image = Image.frombytes("RGB", size, pixels) if pixels else Image.new("RGB", size, color)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **save_kwargs)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type.get(image_format, "image/png"))
