"""Decks in the deal room: slides rendered as images, and PDFs, both watermarked for one viewer.

Every page of a deck is rendered once (pdfium), off the request, by the task
``investments.tasks.render_deck_slides`` queued when the deck is uploaded and when the pitch
goes to the deal room (``slides_render_later``), and kept in private storage beside the deck
(``decks/pages/<deck>/``); a request only draws the watermark — the viewer's email and the
time — on the kept page, so every image that leaves the server names who received it. Until a
deck's pages are ready the viewer says so (``slides_ready``); the download does not need them.
A downloaded PDF carries the watermark on every page as real text, so its text layer names the
viewer too.

Decks are checked and rewritten when they are uploaded (``investments.uploads``). A deck
stored before those checks is measured here against the same limits before anything is
drawn (``deck_state``): a damaged or oversized one is explained, never rendered. Every PDF
that leaves the site, the investors' download and the startup's own view alike, is
rewritten again on the way out (``core.pdfs``), so it carries no scripts, open actions,
embedded files or forms whatever was stored.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field
from datetime import datetime

import pypdfium2
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from core.pdfs import PdfRefusedError, page_within, pdf_bytes, pdf_clean_writer, pdf_read
from investments.models import Pitch
from investments.uploads import DECK_LIMITS


class DeckUnreadableError(Exception):
    """The stored deck cannot be shown: damaged or truncated, or beyond ``DECK_LIMITS``."""


class SlidesNotReadyError(Exception):
    """The deck's pages have not been rendered yet (the task is queued or running)."""


SLIDE_WIDTH = 1280  # pixels: sharp on a laptop, still small as a JPEG
# However a page is shaped, a slide is drawn with at most this many pixels (a portrait A4 page at
# the full width, 1280 × 1810, fits): 10 MB as RGBA while it is drawn, never gigabytes.
SLIDE_MAX_PIXELS = 1280 * 1920
CACHE_SECONDS = 60 * 60 * 24


@dataclass(frozen=True)
class DeckState:
    """What the stored deck is: its number of pages, and why it cannot be shown ("" when it can)."""

    pages: int = 0
    problem: str = ""  # "", "damaged", "pages" or "size"
    detail: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.pages > 0 and not self.problem

    def message(self) -> str:
        """Why the deck cannot be shown, for the person looking at it."""
        if self.problem == "pages":
            return _(
                "This deck has %(count)d pages, more than the %(max)d the deal room shows. The startup needs to "
                "upload a shorter one."
            ) % {"count": self.pages, "max": DECK_LIMITS.max_pages}
        if self.problem == "size":
            return (
                _(
                    "Page %(page)d of this deck measures %(width)s × %(height)s points, too large to show. The startup "
                    "needs to upload the deck again at a normal page size."
                )
                % self.detail
            )
        return _("This deck file is damaged and cannot be opened. Ask the startup to upload it again.")


def _cache_key(pitch: Pitch, suffix: str) -> str:
    # The deck's stored name is random and changes with every upload: a new deck never meets an old cache entry.
    return f"deck:{pitch.deck.name}:{suffix}"


def _read_deck(pitch: Pitch) -> bytes:
    with pitch.deck.open("rb") as handle:
        return handle.read()


def _measure(data: bytes) -> DeckState:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return DeckState(problem="damaged")
    try:
        count = len(document)
        if count == 0:
            return DeckState(problem="damaged")
        if count > DECK_LIMITS.max_pages:
            return DeckState(pages=count, problem="pages")
        for index in range(count):
            width, height = document.get_page_size(index)
            if not page_within(width, height, DECK_LIMITS):
                detail = {"page": index + 1, "width": f"{width:,.0f}", "height": f"{height:,.0f}"}
                return DeckState(pages=count, problem="size", detail=detail)
        return DeckState(pages=count)
    except (pypdfium2.PdfiumError, ValueError) as error:
        return DeckState(problem="damaged", detail={"error": str(error)[:200]})
    finally:
        document.close()


def deck_state(pitch: Pitch) -> DeckState:
    """The stored deck measured against ``DECK_LIMITS`` by pdfium, which draws it (cached with the deck)."""
    if not pitch.deck:
        return DeckState()
    key = _cache_key(pitch, "state")
    cached = cache.get(key)
    if cached is not None:
        return DeckState(*cached)
    try:
        state = _measure(_read_deck(pitch))
    except OSError:  # the file is missing from storage
        state = DeckState(problem="damaged")
    cache.set(key, (state.pages, state.problem, state.detail), CACHE_SECONDS)  # plain values, for any cache
    return state


def page_count(pitch: Pitch) -> int:
    """How many slides the deck shows (0 without a deck, or for one that cannot be shown)."""
    state = deck_state(pitch)
    return state.pages if state.usable else 0


def slide_scale(width: float, height: float) -> float:
    """Pixels per point: the slide fills ``SLIDE_WIDTH``, unless that would take more than ``SLIDE_MAX_PIXELS``."""
    scale = min(SLIDE_WIDTH / width, math.sqrt(SLIDE_MAX_PIXELS / (width * height)))
    # pdfium rounds each side up to whole pixels: step down until the rounded slide fits as well.
    while math.ceil(width * scale) * math.ceil(height * scale) > SLIDE_MAX_PIXELS:
        scale *= 0.999
    return scale


def _pages_dir(deck_name: str) -> str:
    # The deck's stored name is random and changes with every upload: a new deck never meets old pages.
    return f"decks/pages/{deck_name.rsplit('/', 1)[-1].removesuffix('.pdf')}"


def _page_name(deck_name: str, page: int) -> str:
    return f"{_pages_dir(deck_name)}/{page}.png"


def _ready_name(deck_name: str) -> str:
    return f"{_pages_dir(deck_name)}/ready"


def slides_ready(pitch: Pitch) -> bool:
    """Every page of the stored deck is rendered (written last, after the pages)."""
    return bool(pitch.deck) and pitch.deck.storage.exists(_ready_name(pitch.deck.name))


def _render_page(document, index: int) -> bytes:
    pdf_page = document[index]
    width, height = pdf_page.get_size()
    image = pdf_page.render(scale=slide_scale(width, height)).to_pil().convert("RGB")
    buffer = io.BytesIO()
    # Fast to decode on every request (the pages stay private, their size matters less).
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def deck_render(pitch: Pitch) -> int:
    """Render every page of the stored deck into private storage, once; return how many were drawn
    (0 when they were ready already, or the deck cannot be shown: ``deck_state`` says why)."""
    if not deck_state(pitch).usable or slides_ready(pitch):
        return 0
    storage = pitch.deck.storage
    try:
        document = pypdfium2.PdfDocument(_read_deck(pitch))
        try:
            count = len(document)
            for index in range(count):
                png = _render_page(document, index)
                name = _page_name(pitch.deck.name, index + 1)
                storage.delete(name)  # a render cut short before: the name must stay the same
                storage.save(name, ContentFile(png))
        finally:
            document.close()
    except (pypdfium2.PdfiumError, IndexError, ValueError, ZeroDivisionError, OSError) as error:
        raise DeckUnreadableError from error
    storage.delete(_ready_name(pitch.deck.name))
    storage.save(_ready_name(pitch.deck.name), ContentFile(str(count).encode()))
    return count


def rendered_pages_delete(deck_name: str) -> None:
    """Forget the rendered pages of a deck that is no longer the pitch's (replaced by a new upload);
    the deck itself stays, for the pitch's versions."""
    storage = Pitch._meta.get_field("deck").storage
    folder = _pages_dir(deck_name)
    try:
        _dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    # The marker first: from then on the pages count as not rendered, whatever is left.
    for name in sorted(files, key=lambda name: name != "ready"):
        storage.delete(f"{folder}/{name}")


def slides_render_later(pitch: Pitch) -> None:
    """Queue the rendering of the deck's pages after commit, once per deck (not again while queued)."""
    from investments.tasks import render_deck_slides

    if not pitch.deck:
        return
    pitch_id, deck_name = pitch.pk, pitch.deck.name

    def enqueue() -> None:
        if cache.add(f"deck:{deck_name}:render-queued", True, 10 * 60):
            render_deck_slides.enqueue(pitch_id, deck_name)

    transaction.on_commit(enqueue)


def _slide_png(pitch: Pitch, page: int) -> bytes:
    if not deck_state(pitch).usable:
        raise DeckUnreadableError
    if not slides_ready(pitch):
        raise SlidesNotReadyError
    try:
        with pitch.deck.storage.open(_page_name(pitch.deck.name, page), "rb") as handle:
            return handle.read()
    except FileNotFoundError as error:
        raise DeckUnreadableError from error


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def watermark_text(email: str, when: datetime) -> str:
    return f"{email} · {when:%Y-%m-%d %H:%M UTC}"


@functools.lru_cache(maxsize=8)
def _watermark(text: str, width: int, height: int) -> Image.Image:
    """The watermark layer for one text and slide size. The text names the viewer and the minute,
    so an investor turning pages reuses it for that minute; never changed once made."""
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    # A faint diagonal band repeated over the slide: hard to crop out, easy to read past.
    size = max(18, width // 40)
    band = Image.new("RGBA", (int(math.hypot(width, height)), size * 2), (0, 0, 0, 0))
    band_draw = ImageDraw.Draw(band)
    spaced = ("   " + text + "   ") * 6
    band_draw.text((0, 0), spaced, font=_font(size), fill=(120, 120, 120, 70))
    band = band.rotate(25, expand=True)
    for top in range(-band.height // 2, height, max(height // 3, 1)):
        overlay.paste(band, (-width // 10, top), band)
    # And once, plainly, along the foot of the slide.
    foot = max(14, width // 80)
    draw.rectangle([(0, height - foot * 2), (width, height)], fill=(255, 255, 255, 200))
    draw.text((foot // 2, height - foot * 2 + foot // 3), text, font=_font(foot), fill=(40, 40, 40, 255))
    return overlay


def slide_jpeg(pitch: Pitch, page: int, *, text: str) -> bytes:
    """Slide ``page`` (1-based) as a JPEG with ``text`` across it and along its foot: the kept page
    (``deck_render``) with the watermark drawn over it, the only drawing done in the request."""
    slide = Image.open(io.BytesIO(_slide_png(pitch, page))).convert("RGB")
    overlay = _watermark(text, *slide.size)
    slide.paste(overlay, (0, 0), overlay)  # over an opaque page, the same as compositing
    buffer = io.BytesIO()
    slide.save(buffer, format="JPEG", quality=80, optimize=True)
    return buffer.getvalue()


def _overlay_page(width: float, height: float, text: str) -> PdfReader:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    sheet.setFillColor(Color(0.4, 0.4, 0.4, alpha=0.35))
    sheet.setFont("Helvetica", max(10, min(width, height) / 30))
    sheet.saveState()
    sheet.translate(width / 2, height / 2)
    sheet.rotate(30)
    sheet.drawCentredString(0, 0, text)
    sheet.restoreState()
    sheet.setFillColor(Color(0.2, 0.2, 0.2, alpha=0.9))
    sheet.setFont("Helvetica", 8)
    sheet.drawString(12, 10, text)
    sheet.save()
    buffer.seek(0)
    return PdfReader(buffer)


def _clean_writer(pitch: Pitch):
    try:
        return pdf_clean_writer(pdf_read(_read_deck(pitch)))
    except (PdfRefusedError, OSError) as error:
        raise DeckUnreadableError from error


def deck_pdf(pitch: Pitch) -> bytes:
    """The stored deck rewritten with its pages only, for the startup's side (no watermark, no limits)."""
    return pdf_bytes(_clean_writer(pitch))


def watermarked_pdf(pitch: Pitch, *, text: str) -> bytes:
    """The deck with ``text`` stamped on every page, as text (it is in the PDF's text layer).

    The deck is rewritten with its pages only (``core.pdfs``) rather than cloned whole, so none
    of the uploader's scripts, open actions, embedded files or forms reach the investor.
    """
    if not deck_state(pitch).usable:
        raise DeckUnreadableError
    writer = _clean_writer(pitch)
    overlays: dict[tuple[float, float], PdfReader] = {}
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if (width, height) not in overlays:
            overlays[(width, height)] = _overlay_page(width, height, text)
        page.merge_page(overlays[(width, height)].pages[0])
    writer.add_metadata({"/Subject": f"Confidential. Shared with {text}."})
    return pdf_bytes(writer)


def sample_deck(title: str, slides: list[str]) -> bytes:
    """A simple PDF deck, one titled slide per entry (demo data and tests; no downloads)."""
    buffer = io.BytesIO()
    width, height = 960, 540
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    for number, slide in enumerate(slides, start=1):
        sheet.setFillColor(Color(0.04, 0.36, 0.23))
        sheet.rect(0, height - 90, width, 90, stroke=0, fill=1)
        sheet.setFillColor(Color(1, 1, 1))
        sheet.setFont("Helvetica-Bold", 30)
        sheet.drawString(40, height - 60, title)
        sheet.setFillColor(Color(0.1, 0.1, 0.1))
        sheet.setFont("Helvetica", 26)
        y = height - 160
        for line in slide.split("\n"):
            sheet.drawString(40, y, line)
            y -= 40
        sheet.setFont("Helvetica", 12)
        sheet.drawRightString(width - 30, 20, f"{number} / {len(slides)}")
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()
