from __future__ import annotations

import functools
import io
import os

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from network.models import Introduction, Membership, Organisation, Profile, User

PASSWORD = "correct-horse-battery-staple"
# The TOTP secret of every test account made with ``mfa=True`` (codes from tests.sessions.totp_code).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _password_hash() -> str:
    # Hashing is slow on purpose; one hash of PASSWORD serves every member a test makes, per set of
    # hashers (a test that puts a fast one first must not leave its hashes to tests that do not).
    return _password_hash_with(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _password_hash_with(hashers: tuple[str, ...]) -> str:
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


def pdf_document(*sizes: tuple[float, float], text: str = "Quarterly statement") -> bytes:
    """A real PDF (reportlab): one page per size in points (one 595 × 842 page if none), each with ``text``."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    for width, height in sizes or ((595, 842),):
        sheet.setPageSize((width, height))
        sheet.setFont("Helvetica", 10)
        sheet.drawString(10, 10, text)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


ACTIVE_MARKERS = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFile", b"/AcroForm", b"/Launch")


def pdf_with_active_content(document: bytes) -> bytes:
    """``document`` (a real PDF) with what a viewer would run or hand out, built with pypdf.

    A document-level script, an /OpenAction and catalogue /AA running JavaScript, a script on opening
    the first page, an embedded file, an AcroForm with a filled-in text field (its value drawn by its
    appearance) running a script on every keystroke, and on the first page a launch link, a
    ``javascript:`` link and a plain https link.
    """
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript, PageTrigger
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=io.BytesIO(document))
    writer.add_open_action(JavaScript("app.alert('document script');"))
    writer.add_attachment("payload.exe", b"MZ\x90\x00 pretend executable")
    script = writer._add_object(JavaScript("app.launchURL('https://evil.example/opened');"))
    writer.root_object[NameObject("/OpenAction")] = script
    writer.root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): script})
    page = writer.pages[0]
    page.add_action(PageTrigger.OPEN, JavaScript("app.alert('page opened');"))

    def name(value: str) -> NameObject:
        return NameObject(value)

    def rect(*values: float) -> ArrayObject:
        return ArrayObject(FloatObject(v) for v in values)

    font = writer._add_object(
        DictionaryObject(
            {name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"), name("/BaseFont"): name("/Helvetica")}
        )
    )
    appearance = DecodedStreamObject()
    appearance.set_data(b"/Tx BMC q BT /Helv 12 Tf 2 6 Td (Filled in by hand) Tj ET Q EMC")
    appearance.update(
        {
            name("/Type"): name("/XObject"),
            name("/Subtype"): name("/Form"),
            name("/BBox"): rect(0, 0, 200, 20),
            name("/Resources"): DictionaryObject({name("/Font"): DictionaryObject({name("/Helv"): font})}),
        }
    )
    field = writer._add_object(
        DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Widget"),
                name("/FT"): name("/Tx"),
                name("/T"): TextStringObject("name"),
                name("/V"): TextStringObject("Filled in by hand"),
                name("/Rect"): rect(100, 100, 300, 120),
                name("/AP"): DictionaryObject({name("/N"): writer._add_object(appearance)}),
                name("/AA"): DictionaryObject({name("/K"): script}),
            }
        )
    )
    links = []
    for action in (
        {name("/S"): name("/Launch"), name("/F"): TextStringObject("calc.exe")},
        {name("/S"): name("/URI"), name("/URI"): TextStringObject("javascript:alert(document.cookie)")},
        {name("/S"): name("/URI"), name("/URI"): TextStringObject("https://raqam.example/")},
    ):
        links.append(
            writer._add_object(
                DictionaryObject(
                    {
                        name("/Type"): name("/Annot"),
                        name("/Subtype"): name("/Link"),
                        name("/Rect"): rect(10, 10, 50, 50),
                        name("/A"): writer._add_object(DictionaryObject(action)),
                    }
                )
            )
        )
    page[name("/Annots")] = ArrayObject([field, *links])
    writer.root_object[name("/AcroForm")] = DictionaryObject({name("/Fields"): ArrayObject([field])})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def active_content(pdf: bytes) -> dict[str, object]:
    """What in ``pdf`` a viewer would run or hand out, read with pypdf (empty when there is nothing)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    found: dict[str, object] = {key: True for key in ("/OpenAction", "/AA", "/AcroForm", "/Names") if key in root}
    if reader.attachments:
        found["attachments"] = sorted(reader.attachments)
    for number, page in enumerate(reader.pages, start=1):
        if "/AA" in page:
            found[f"page {number} /AA"] = True
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            subtype = annotation.get("/Subtype")
            action = annotation.get("/A")
            action = action.get_object() if action is not None else {}
            uri = str(action.get("/URI", ""))
            if subtype != "/Link" or "/AA" in annotation or action.get("/S") not in (None, "/URI", "/GoTo"):
                found.setdefault(f"page {number} annotations", []).append(str(subtype))
            elif uri and not uri.startswith(("https://", "http://", "mailto:")):
                found.setdefault(f"page {number} annotations", []).append(uri)
    markers = [marker.decode() for marker in ACTIVE_MARKERS if marker in pdf]
    if markers:
        found["bytes"] = markers
    return found


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: where the picture was taken (Lahore), the camera, and an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = 1  # Orientation: upright
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 31.0, 13.44)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (74.0, 21.0, 31.32)  # GPSLongitudeRef, GPSLongitude
    return exif


def photo_with_location(name: str = "site-visit.jpg", *, size: tuple[int, int] = (640, 480)) -> SimpleUploadedFile:
    """A JPEG straight from a phone: pixels, plus the GPS position in its EXIF."""
    upload = image_upload(name, size=size, image_format="JPEG", color=(30, 90, 160), exif=gps_exif())
    with Image.open(upload) as image:
        assert image.getexif().get_ifd(0x8825)[2] == (31.0, 31.0, 13.44)  # the position really is in the file
    upload.seek(0)
    return upload
