"""Story images: stored without their metadata however an editor uploads them, shown to the public only
as renditions, and still usable in the editors' admin."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Collection, UploadedFile

from cms.models import StoryIndexPage, StoryPage
from tests.network.factories import ProfileFactory, gps_exif, image_upload, photo_with_location

pytestmark = pytest.mark.django_db

LAHORE = (31.0, 31.0, 13.44)


@pytest.fixture(autouse=True)
def served_media(media_root, monkeypatch):
    """The public media route (config/urls.py) serves from the temporary MEDIA_ROOT too."""
    from config import urls

    for pattern in urls.urlpatterns:
        if "document_root" in getattr(pattern, "default_args", {}):
            monkeypatch.setitem(pattern.default_args, "document_root", media_root)
    return media_root


def make_image(title: str, upload) -> Image:
    """An image as code makes one (cms/demo.py does the same for the demo stories)."""
    image = Image(title=title)
    image.file = ImageFile(upload, name=upload.name)
    image.save()
    return image


@pytest.fixture
def editor(media_root):
    user = ProfileFactory(display_name="Editor", user__mfa=True).user
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def metadata(data: bytes) -> dict:
    with PILImage.open(io.BytesIO(data)) as image:
        return {"exif": dict(image.getexif()), "info": sorted(k for k in image.info if k in ("exif", "xmp"))}


def stored(image: Image) -> bytes:
    with image.open_file() as handle:
        return handle.read()


def rendition_bytes(image: Image, spec: str) -> bytes:
    with image.get_rendition(spec).file.open("rb") as handle:
        return handle.read()


# The filters the story templates use (templates/cms/): the hero, a body image, a card, Open Graph.
TEMPLATE_SPECS = (
    "width-1200|format-jpeg|jpegquality-80",
    "width-900|format-jpeg|jpegquality-80",
    "fill-480x270|format-jpeg|jpegquality-75",
    "fill-1200x630|format-jpeg",
    "original",
)


def assert_carries_no_location(image: Image) -> None:
    original = stored(image)
    assert metadata(original) == {"exif": {}, "info": []}
    assert b"Exif" not in original
    assert b"Phone 15" not in original
    for spec in TEMPLATE_SPECS:
        rendition = rendition_bytes(image, spec)
        assert metadata(rendition) == {"exif": {}, "info": []}, spec
        assert b"Exif" not in rendition, spec


def test_an_image_uploaded_in_the_image_library_keeps_no_location(client_for, editor):
    # given
    client = client_for(editor)
    collection = Collection.get_first_root_node()

    # when
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Site visit", "file": photo_with_location(), "collection": collection.pk},
    )

    # then: the picture is the same, its original and every rendition have no EXIF
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.title, image.width, image.height) == ("Site visit", 640, 480)
    assert image.file_size == len(stored(image))
    with PILImage.open(io.BytesIO(stored(image))) as original:
        assert (original.format, original.size) == ("JPEG", (640, 480))
        assert original.getpixel((320, 240)) == pytest.approx((30, 90, 160), abs=3)
    assert_carries_no_location(image)


def test_an_image_uploaded_several_at_a_time_keeps_no_location(client_for, editor):
    client = client_for(editor)

    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": photo_with_location(), "collection": Collection.get_first_root_node().pk},
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert_carries_no_location(Image.objects.get())


def test_an_upload_kept_aside_by_multiple_upload_is_stored_without_its_location(client_for, editor):
    # given: multiple upload keeps a file whose other fields failed as Wagtail's UploadedFile, as it came
    upload = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(Image), file=photo_with_location(), uploaded_by_user=editor
    )

    # when: the editor completes the fields
    response = client_for(editor).post(
        reverse("wagtailimages:create_multiple_from_uploaded_image", args=[upload.pk]),
        {
            f"uploaded-image-{upload.pk}-title": "Site visit",
            f"uploaded-image-{upload.pk}-collection": Collection.get_first_root_node().pk,
        },
    )

    # then
    assert response.json()["success"] is True
    image = Image.objects.get()
    assert image.title == "Site visit"
    assert image.file_size == len(stored(image))
    assert_carries_no_location(image)


def test_replacing_an_images_file_keeps_no_location_either(client_for, editor):
    image = make_image("Old", image_upload("old.png"))
    client = client_for(editor)

    response = client.post(
        reverse("wagtailimages:edit", args=[image.pk]),
        {"title": "New", "file": photo_with_location(), "collection": image.collection_id},
    )

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.title, image.width, image.height) == ("New", 640, 480)
    assert_carries_no_location(image)


def test_an_image_with_too_many_pixels_is_refused(client_for, editor):
    client = client_for(editor)

    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Huge", "file": image_upload("huge.png", size=(8000, 6000)), "collection": 1},
    )

    assert response.status_code == 200
    assert "This file has too many pixels (48000000). Maximum pixels 40000000." in response.content.decode()
    assert not Image.objects.exists()


def test_originals_are_not_public_and_renditions_are(client, editor):
    # given: a published story with a hero image, as the templates show it
    image = Image.objects.create(
        title="Hero", file=ImageFile(image_upload("hero.jpg", image_format="JPEG"), name="hero.jpg")
    )
    index = StoryIndexPage.objects.get()
    story = StoryPage(title="Raqam Pay pays 540 freelancers", standfirst="s", hero_image=image, hero_alt="The team")
    index.add_child(instance=story)
    story.save_revision().publish()

    # when
    page = client.get(story.url)
    original = client.get(image.file.url)
    hero = image.get_rendition("width-1200|format-jpeg|jpegquality-80")

    # then: the page points at renditions only, and those are served; the original is not
    assert original.status_code == 404
    assert image.file.url.startswith("/media/original_images/")
    html = page.content.decode()
    assert hero.url in html
    assert "/media/original_images/" not in html
    served = client.get(hero.url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    assert served["Cache-Control"] == "public, max-age=86400"


def test_editors_still_see_and_choose_images_in_the_admin(client_for, editor):
    image = Image.objects.create(
        title="Hero", file=ImageFile(image_upload("hero.jpg", image_format="JPEG"), name="hero.jpg")
    )
    client = client_for(editor)

    edit = client.get(reverse("wagtailimages:edit", args=[image.pk]))
    preview = client.get(reverse("wagtailimages:preview", args=[image.pk, "fill-300x200"]))
    chooser = client.get(reverse("wagtailimages_chooser:choose"))
    shown = client.get(image.get_rendition("original").url)

    assert edit.status_code == 200
    assert image.get_rendition("original").url in edit.content.decode()
    assert (preview.status_code, preview["Content-Type"]) == (200, "image/jpeg")
    assert chooser.status_code == 200
    assert "Hero" in chooser.json()["html"]
    assert shown.status_code == 200


def test_images_stored_before_are_cleaned_by_the_command(media_root):
    # given: an image stored with its location, and a rendition made from it that carries the location too
    with_location = make_image("Old", image_upload("old.jpg", image_format="JPEG", exif=gps_exif()))
    plain = make_image("Plain", image_upload("plain.png"))
    assert PILImage.open(io.BytesIO(stored(with_location))).getexif().get_ifd(0x8825)[2] == LAHORE
    # Willow copies the original's EXIF into a JPEG rendition: the location reached the public this way.
    leaked = rendition_bytes(with_location, "width-100|format-jpeg")
    assert PILImage.open(io.BytesIO(leaked)).getexif().get_ifd(0x8825)[2] == LAHORE
    plain_before = stored(plain)

    # when
    out = io.StringIO()
    call_command("strip_image_metadata", stdout=out)
    call_command("strip_image_metadata", stdout=out)  # a second run changes nothing

    # then
    assert out.getvalue().splitlines() == [
        "Images: 2, re-encoded without metadata: 1, unreadable: 0.",
        "Images: 2, re-encoded without metadata: 0, unreadable: 0.",
    ]
    with_location.refresh_from_db()
    assert with_location.renditions.count() == 0
    assert with_location.file_size == len(stored(with_location))
    assert_carries_no_location(with_location)
    assert stored(plain) == plain_before


def test_the_demo_stories_show_their_generated_images_through_renditions(client, editor):
    # given: the demo stories seed_demo publishes, each with a hero image drawn by cms/demo.py
    from types import SimpleNamespace

    from cms import demo

    demo.seed(SimpleNamespace(stdout=io.StringIO()), accounts={"editor": editor})
    stories = list(StoryPage.objects.live().select_related("hero_image"))
    assert len(stories) == len(demo.STORIES)

    for story in stories:
        # when
        html = client.get(story.url).content.decode()

        # then: the hero is a rendition that is served; its original carries nothing and is not public
        hero = story.hero_image.get_rendition("width-1200|format-jpeg|jpegquality-80")
        assert hero.url in html
        assert "/media/original_images/" not in html
        assert client.get(hero.url).status_code == 200
        assert client.get(story.hero_image.file.url).status_code == 404
        assert metadata(stored(story.hero_image)) == {"exif": {}, "info": []}
