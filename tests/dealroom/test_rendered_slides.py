"""Slides are drawn once, off the request, and a slide view only adds the watermark: every page of
a deck is rendered by a task when it is uploaded, kept privately, and dropped when the founder
replaces the deck. Until the pages are ready, the viewer says so instead of drawing them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from investments import services as pitch_services
from investments.dealroom import decks
from investments.models import DeckAccess, Pitch
from investments.tasks import render_deck_slides
from tests.dealroom.conftest import SLIDES

pytestmark = pytest.mark.django_db

RENDER_TASK = "investments.tasks.render_deck_slides"


@pytest.fixture
def drawn(monkeypatch):
    """The pages pdfium draws, in order (the real renderer runs; each call is noted)."""
    calls: list[int] = []
    real = decks._render_page

    def noted(document, index):
        calls.append(index + 1)
        return real(document, index)

    monkeypatch.setattr(decks, "_render_page", noted)
    return calls


@pytest.fixture
def opened(monkeypatch):
    """How often a PDF is opened by pdfium at all."""
    calls: list[int] = []
    real = decks.pypdfium2.PdfDocument

    def noted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(decks.pypdfium2, "PdfDocument", noted)
    return calls


def new_deck(pitch: Pitch, title: str) -> None:
    """A deck stored as the upload leaves it, its pages not rendered yet."""
    from django.core.files.base import ContentFile

    pitch.deck.save("deck.pdf", ContentFile(decks.sample_deck(title, SLIDES)), save=True)


def files(root, folder: str) -> list[str]:
    path = root / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def test_the_task_renders_every_page_once(room, private_root, drawn):
    # given: a deck just stored
    new_deck(room.pitch, "Raqam Pay")
    assert not decks.slides_ready(room.pitch)

    # when: the task runs, then runs again
    first = render_deck_slides.call(room.pitch.pk, room.pitch.deck.name)
    again = render_deck_slides.call(room.pitch.pk, room.pitch.deck.name)

    # then: four pages drawn once each, kept beside the deck (not under MEDIA_ROOT)
    assert (first, again, drawn) == (4, 0, [1, 2, 3, 4])
    assert files(private_root, decks._pages_dir(room.pitch.deck.name)) == ["1.png", "2.png", "3.png", "4.png", "ready"]
    assert decks.slides_ready(room.pitch)


def test_a_slide_view_after_the_task_only_draws_the_watermark(room, client_for, drawn, opened):
    # given: the room's decks rendered by the task (tests.dealroom.conftest.live_pitch)
    client = client_for(room.investor)

    # when
    response = client.get(reverse("deals:deck-slide", args=[room.pitch.pk, 2]))

    # then: a watermarked JPEG of the real page, and pdfium never opened the PDF
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (1280, 720)
    assert (drawn, opened) == ([], [])
    assert list(DeckAccess.objects.filter(user=room.investor).values_list("kind", "page")) == [("page", 2)]


def test_the_watermark_differs_per_viewer_on_the_same_rendered_page(room, client_for):
    path = reverse("deals:deck-slide", args=[room.pitch.pk, 1])
    first = client_for(room.investor).get(path).content
    second = client_for(room.second_investor).get(path).content

    assert first != second


def test_until_the_pages_are_ready_the_viewer_says_so_and_asks_for_them_once(
    room, client_for, run_tasks, drawn, django_capture_on_commit_callbacks
):
    # given: the founder's new deck, not rendered yet
    new_deck(room.pitch, "Raqam Pay, new")
    Pitch.objects.filter(pk=room.pitch.pk).update(allow_download=True)
    client = client_for(room.investor)

    # when: the investor opens the viewer twice, a slide, and the download
    with django_capture_on_commit_callbacks(execute=True):
        viewer = client.get(reverse("deals:deck-viewer", args=[room.pitch.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("deals:deck-viewer", args=[room.pitch.pk]))
        slide = client.get(reverse("deals:deck-slide", args=[room.pitch.pk, 1]))
    download = client.get(reverse("deals:deck-download", args=[room.pitch.pk]))

    # then: a polite page, a 503 for the image, one task queued, the download served; nothing was drawn
    assert viewer.status_code == 200
    assert "The deck is being prepared" in viewer.content.decode()
    assert "Download (watermarked PDF)" in viewer.content.decode()
    assert (slide.status_code, slide["Retry-After"]) == (503, "10")
    assert DBTaskResult.objects.filter(task_path=RENDER_TASK, status="READY").count() == 1
    assert (download.status_code, download["Content-Type"]) == (200, "application/pdf")
    assert drawn == []
    assert list(DeckAccess.objects.filter(user=room.investor).values_list("kind", flat=True)) == ["download"]

    # when: the worker runs the task
    assert run_tasks() == 1

    # then: the slide is served
    assert drawn == [1, 2, 3, 4]
    assert client.get(reverse("deals:deck-slide", args=[room.pitch.pk, 1])).status_code == 200


def test_a_deck_replaced_by_the_founder_drops_the_old_rendered_pages(
    room, private_root, client_for, run_tasks, django_capture_on_commit_callbacks
):
    # given: the live deck's pages rendered, and an investor who saw slide 1
    old_name = room.pitch.deck.name
    old_folder = decks._pages_dir(old_name)
    assert files(private_root, old_folder) == ["1.png", "2.png", "3.png", "4.png", "ready"]
    client = client_for(room.investor)
    old_slide = client.get(reverse("deals:deck-slide", args=[room.pitch.pk, 1]))
    assert old_slide.status_code == 200

    # when: the founder uploads a new deck
    upload = SimpleUploadedFile(
        "deck.pdf", decks.sample_deck("Raqam Pay v2", ["Only one slide now"]), content_type="application/pdf"
    )
    with django_capture_on_commit_callbacks(execute=True):
        pitch_services.pitch_update(actor=room.founder, pitch=room.pitch, data={}, deck=upload)

    # then: the old deck's pages are gone (the file stays, for the versions); the new one is queued
    pitch = Pitch.objects.get(pk=room.pitch.pk)
    assert pitch.deck.name != old_name
    assert files(private_root, old_folder) == []
    assert (private_root / old_name).exists()
    assert client.get(reverse("deals:deck-slide", args=[pitch.pk, 1])).status_code == 503

    # when: the worker renders the new deck
    assert run_tasks() == 1

    # then: its one page, not the old ones
    assert files(private_root, decks._pages_dir(pitch.deck.name)) == ["1.png", "ready"]
    new_slide = client.get(reverse("deals:deck-slide", args=[pitch.pk, 1]))
    assert new_slide.status_code == 200
    assert client.get(reverse("deals:deck-slide", args=[pitch.pk, 2])).status_code == 404


def test_a_task_for_a_deck_replaced_since_draws_nothing(room, drawn):
    old_name = room.pitch.deck.name
    new_deck(room.pitch, "Raqam Pay, newer")

    assert render_deck_slides.call(room.pitch.pk, old_name) == 0
    assert drawn == []
