"""Decks in the deal room: slides rendered as images, and PDFs, both watermarked for one viewer.

A slide is rendered from the PDF once (pdfium) and kept in the cache; the watermark
— the viewer's email and the time — is drawn on each request, so every image that
leaves the server names who received it. A downloaded PDF carries the watermark on
every page as real text, so its text layer names the viewer too.
"""

from __future__ import annotations

import io
import math
from datetime import datetime

import pypdfium2
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from investments.models import Pitch


class DeckUnreadableError(Exception):
    """The stored deck starts like a PDF but cannot be read (damaged or truncated)."""


SLIDE_WIDTH = 1280  # pixels: sharp on a laptop, still small as a JPEG
CACHE_SECONDS = 60 * 60 * 24


def _cache_key(pitch: Pitch, suffix: str) -> str:
    # The deck's stored name is random and changes with every upload: a new deck never meets an old cache entry.
    return f"deck:{pitch.deck.name}:{suffix}"


def _read_deck(pitch: Pitch) -> bytes:
    with pitch.deck.open("rb") as handle:
        return handle.read()


def page_count(pitch: Pitch) -> int:
    """How many slides the deck has (0 without a deck or for a PDF pdfium cannot open)."""
    if not pitch.deck:
        return 0
    key = _cache_key(pitch, "pages")
    count = cache.get(key)
    if count is None:
        try:
            count = len(pypdfium2.PdfDocument(_read_deck(pitch)))
        except pypdfium2.PdfiumError:
            count = 0
        cache.set(key, count, CACHE_SECONDS)
    return count


def _slide_png(pitch: Pitch, page: int) -> bytes:
    key = _cache_key(pitch, f"slide:{page}:{SLIDE_WIDTH}")
    png = cache.get(key)
    if png is None:
        try:
            document = pypdfium2.PdfDocument(_read_deck(pitch))
            pdf_page = document[page - 1]
            scale = SLIDE_WIDTH / pdf_page.get_width()
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
        except (pypdfium2.PdfiumError, IndexError, ValueError) as error:
            raise DeckUnreadableError from error
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        png = buffer.getvalue()
        cache.set(key, png, CACHE_SECONDS)
    return png


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def watermark_text(email: str, when: datetime) -> str:
    return f"{email} · {when:%Y-%m-%d %H:%M UTC}"


def slide_jpeg(pitch: Pitch, page: int, *, text: str) -> bytes:
    """Slide ``page`` (1-based) as a JPEG with ``text`` across it and along its foot."""
    slide = Image.open(io.BytesIO(_slide_png(pitch, page))).convert("RGBA")
    width, height = slide.size
    overlay = Image.new("RGBA", slide.size, (0, 0, 0, 0))
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
    slide.alpha_composite(overlay)
    buffer = io.BytesIO()
    slide.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True, progressive=True)
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


def watermarked_pdf(pitch: Pitch, *, text: str) -> bytes:
    """The deck with ``text`` stamped on every page, as text (it is in the PDF's text layer)."""
    try:
        writer = PdfWriter(clone_from=io.BytesIO(_read_deck(pitch)))
    except (PyPdfError, ValueError, OSError) as error:
        raise DeckUnreadableError from error
    overlays: dict[tuple[float, float], PdfReader] = {}
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if (width, height) not in overlays:
            overlays[(width, height)] = _overlay_page(width, height, text)
        page.merge_page(overlays[(width, height)].pages[0])
    writer.add_metadata({"/Subject": f"Confidential. Shared with {text}."})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


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
