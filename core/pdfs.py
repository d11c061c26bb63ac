"""PDFs that members upload (decks, evidence): read, bounded and rewritten with nothing active in them.

A file that only starts with ``%PDF-`` is not a PDF. An upload is read with pypdf (it must parse and
have pages), each page is measured against limits, and what is kept is a new file holding only the
pages: their content, fonts, images and the annotations that draw something. Nothing of the
document around them comes along — no document JavaScript, no open action (``/OpenAction``,
``/AA``), no embedded files, no form (``/AcroForm``, XFA), no outline. On the pages, links keep only
web and mail addresses or a jump to a page; launch, script, submit and every other action is
dropped, and so are file attachments, sound, movie, rich-media and screen annotations. Form fields
are flattened: what a field showed is drawn onto the page, so a filled-in form stays readable.

The same rewrite runs when a deck is handed out (``investments.dealroom.decks``), so a file stored
before these rules carries nothing either.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import pypdfium2
from django.utils.translation import gettext as _
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

logger = logging.getLogger(__name__)

POINTS_PER_INCH = 72


class PdfRefusedError(ValueError):
    """The file is not a PDF the site accepts; ``message`` tells the person why, in their language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PdfLimits:
    """What a page may measure (in points, 1/72 inch; ``/UserUnit`` counted) and how many there may be."""

    max_pages: int
    max_side: float
    max_area: float
    min_side: float = POINTS_PER_INCH


# Links, and markup annotations that draw a note, a highlight or a shape from their appearance and
# run nothing. (A /Popup only opens its parent's note, which is not kept with it.)
KEPT_ANNOTATIONS = frozenset(
    {
        "/Link", "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
    }
)  # fmt: skip
# What an annotation may keep: how it looks and what it says. Anything else (/AA, /Popup, /IRT, /Parent,
# /FS, /RichMediaContent, /ExData …) is dropped.
ANNOTATION_KEYS = frozenset(
    {
        "/Type", "/Subtype", "/Rect", "/Contents", "/NM", "/M", "/F", "/AP", "/AS", "/Border", "/C", "/BS",
        "/BE", "/CA", "/RD", "/QuadPoints", "/InkList", "/L", "/LE", "/LL", "/LLE", "/LLO", "/Cap", "/IC",
        "/Vertices", "/Name", "/DA", "/Q", "/DS", "/CL", "/T", "/Subj", "/CreationDate", "/H", "/Dest", "/A",
        "/IT", "/Open",
    }
)  # fmt: skip
# What a page may keep: what it shows. Not /AA (actions on opening and closing), /B (article threads,
# which lead back to the catalogue), /Metadata, /PieceInfo, /Thumb or /PresSteps.
PAGE_KEYS = frozenset(
    {
        "/Type", "/Parent", "/Resources", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox",
        "/Rotate", "/Contents", "/Annots", "/Group", "/UserUnit",
    }
)  # fmt: skip
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
ANNOTATION_HIDDEN = 1 << 1  # /F bits (PDF 32000-1, 12.5.3)
ANNOTATION_NO_VIEW = 1 << 5


def _unreadable() -> PdfRefusedError:
    return PdfRefusedError(
        _(
            "This file starts like a PDF but cannot be read as one: it is damaged, cut short or not a PDF at "
            "all. Export it as a PDF again and upload that."
        )
    )


def pdf_read(data: bytes) -> PdfReader:
    """Parse ``data`` with pypdf and make sure its pages can be reached; raise ``PdfRefusedError`` if not."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PdfRefusedError(
                _("This PDF is protected by a password. Save a copy without the password and upload that.")
            )
        count = len(reader.pages)
    except PdfRefusedError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as error:
        logger.info("pdf.unreadable", extra={"error": repr(error)})
        raise _unreadable() from error
    if count == 0:
        raise PdfRefusedError(_("This PDF has no pages. Export it as a PDF again and upload that."))
    return reader


def _page_size(page) -> tuple[float, float]:
    unit = float(page.get("/UserUnit", 1) or 1)
    boxes = [page.mediabox, page.cropbox]
    width = max(abs(float(box.width)) for box in boxes) * unit
    height = max(abs(float(box.height)) for box in boxes) * unit
    return width, height


def _size_refusal(number: int, width: float, height: float, limits: PdfLimits) -> PdfRefusedError:
    return PdfRefusedError(
        _(
            "Page %(page)d measures %(width)s × %(height)s points (%(width_in)s × %(height_in)s inches). Each "
            "side of a page must be between %(min)s and %(max)s points and a page at most %(area)s square "
            "points; a 16:9 slide is 960 × 540 points, an A4 page 595 × 842. Export the file again at a "
            "normal page size."
        )
        % {
            "page": number,
            "width": f"{width:,.0f}",
            "height": f"{height:,.0f}",
            "width_in": f"{width / POINTS_PER_INCH:,.1f}",
            "height_in": f"{height / POINTS_PER_INCH:,.1f}",
            "min": f"{limits.min_side:,.0f}",
            "max": f"{limits.max_side:,.0f}",
            "area": f"{limits.max_area:,.0f}",
        }
    )


def page_within(width: float, height: float, limits: PdfLimits) -> bool:
    return (
        limits.min_side <= width <= limits.max_side
        and limits.min_side <= height <= limits.max_side
        and width * height <= limits.max_area
    )


def pdf_check(reader: PdfReader, limits: PdfLimits) -> None:
    """Refuse a document with too many pages, or a page too large or too small, with the reason."""
    count = len(reader.pages)
    if count > limits.max_pages:
        raise PdfRefusedError(
            _("This PDF has %(count)d pages; at most %(max)d are accepted. Upload a shorter file.")
            % {"count": count, "max": limits.max_pages}
        )
    try:
        for number, page in enumerate(reader.pages, start=1):
            width, height = _page_size(page)
            if not page_within(width, height, limits):
                raise _size_refusal(number, width, height, limits)
    except PdfRefusedError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as error:
        raise _unreadable() from error


def _safe_action(action) -> bool:
    """A link's action that only goes somewhere: a web or mail address, or a page of this document."""
    action = action.get_object()
    if not isinstance(action, DictionaryObject):
        return False
    action.pop(NameObject("/Next"), None)  # a chain of further actions
    kind = action.get("/S")
    if kind == "/URI":
        uri = action.get("/URI")
        return isinstance(uri, str) and uri.strip().lower().startswith(SAFE_URI_SCHEMES)
    # Only an explicit destination ([page /XYZ …]); a named one points into the catalogue, which is not kept.
    return kind == "/GoTo" and isinstance(action.get("/D"), ArrayObject)


def _appearance(annotation: DictionaryObject) -> IndirectObject | None:
    """The reference to the stream that draws the annotation as it looks now (its normal appearance)."""
    appearance = annotation.get("/AP")
    if not isinstance(appearance, DictionaryObject):
        return None
    normal = appearance.raw_get("/N") if "/N" in appearance else None
    if isinstance(normal, IndirectObject) and isinstance(normal.get_object(), StreamObject):
        return normal
    states = normal.get_object() if normal is not None else None
    state = annotation.get("/AS")
    if isinstance(states, DictionaryObject) and state is not None and state in states:
        chosen = states.raw_get(state)
        if isinstance(chosen, IndirectObject) and isinstance(chosen.get_object(), StreamObject):
            return chosen
    return None


def _flattened(annotation: DictionaryObject, resources: DictionaryObject, name: str) -> bytes:
    """Drawing operators that paint a form field's appearance where it sits (PDF 32000-1, 12.5.5)."""
    if int(annotation.get("/F", 0) or 0) & (ANNOTATION_HIDDEN | ANNOTATION_NO_VIEW):
        return b""
    reference = _appearance(annotation)
    if reference is None or "/Rect" not in annotation:
        return b""
    stream = reference.get_object()
    x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
    rx0, rx1, ry0, ry1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    bx0, by0, bx1, by1 = (float(v) for v in stream.get("/BBox", [0, 0, rx1 - rx0, ry1 - ry0]))
    a, b, c, d, e, f = (float(v) for v in stream.get("/Matrix", [1, 0, 0, 1, 0, 0]))
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (bx0, bx1) for y in (by0, by1)]
    left, right = min(x for x, _y in corners), max(x for x, _y in corners)
    bottom, top = min(y for _x, y in corners), max(y for _x, y in corners)
    if right - left <= 0 or top - bottom <= 0:
        return b""
    sx, sy = (rx1 - rx0) / (right - left), (ry1 - ry0) / (top - bottom)
    stream[NameObject("/Type")] = NameObject("/XObject")
    stream[NameObject("/Subtype")] = NameObject("/Form")
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, DictionaryObject):
        xobjects = DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
    xobjects[NameObject(name)] = reference
    return f"q {sx:.6f} 0 0 {sy:.6f} {rx0 - left * sx:.6f} {ry0 - bottom * sy:.6f} cm {name} Do Q\n".encode()


def _clean_annotation(annotation: DictionaryObject) -> DictionaryObject | None:
    """The annotation with only what draws it (and a safe link), a bare field to flatten, or None to drop."""
    subtype = annotation.get("/Subtype")
    if subtype == "/Widget":
        appearance = _appearance(annotation)
        if appearance is None or "/Rect" not in annotation:
            return None
        # Only where the field sits and how it looks: not its field tree, value, scripts or actions.
        return DictionaryObject(
            {
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/Rect"): annotation["/Rect"],
                NameObject("/F"): annotation.get("/F", NumberObject(0)),
                NameObject("/AP"): DictionaryObject({NameObject("/N"): appearance}),
            }
        )
    if subtype not in KEPT_ANNOTATIONS:
        return None
    for key in list(annotation.keys()):
        if key not in ANNOTATION_KEYS:
            del annotation[key]  # /AA, /Popup, /IRT, /Parent … and anything that reaches beyond the page
    if "/A" in annotation and not (subtype == "/Link" and _safe_action(annotation["/A"])):
        del annotation["/A"]
    if subtype == "/Link" and "/A" not in annotation and "/Dest" not in annotation:
        return None  # a link that went nowhere safe
    return annotation


def _clean_source_page(page) -> None:
    """Strip ``page`` (in the reader) before it is copied, so nothing unsafe is ever reached from it."""
    for key in list(page.keys()):
        if key not in PAGE_KEYS:
            del page[key]
    annotations = page.get("/Annots")
    if annotations is None:
        return
    annotations = annotations.get_object()
    kept = ArrayObject()
    for reference in annotations if isinstance(annotations, ArrayObject) else []:
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        cleaned = _clean_annotation(annotation)
        if cleaned is annotation:
            kept.append(reference)
        elif cleaned is not None:
            kept.append(cleaned)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]


def _flatten_fields(page, number: int) -> None:
    """Draw each bare form field (left by ``_clean_source_page``) onto the copied page and drop it."""
    annotations = page.get("/Annots")
    if annotations is None:
        return
    annotations = annotations.get_object()
    if not any(a.get_object().get("/Subtype") == "/Widget" for a in annotations):
        return
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject):
        resources = DictionaryObject()
        page[NameObject("/Resources")] = resources
    drawing = b""
    kept = ArrayObject()
    for index, annotation in enumerate(annotations):
        if annotation.get_object().get("/Subtype") == "/Widget":
            drawing += _flattened(annotation.get_object(), resources, f"/RabtaField{number}x{index}")
        else:
            kept.append(annotation)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]
    if drawing:
        contents = page.get_contents()
        # The page's own drawing is wrapped in q … Q so that whatever state it leaves cannot move the fields.
        stream = DecodedStreamObject()
        stream.set_data(b"q\n" + (contents.get_data() if contents is not None else b"") + b"\nQ\n" + drawing)
        page.replace_contents(stream)


def pdf_clean_writer(reader: PdfReader) -> PdfWriter:
    """A new document with ``reader``'s pages and nothing active (see the module's docstring).

    The reader's pages are stripped first (in memory), then copied: a copy takes only what a page
    still refers to, so a script, an embedded file or a form's field tree is never copied at all.
    The document around the pages (catalogue, names, outline, form) is never copied either.
    """
    writer = PdfWriter()
    try:
        for page in reader.pages:
            _clean_source_page(page)
        for number, page in enumerate(reader.pages, start=1):
            _flatten_fields(writer.add_page(page), number)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as error:
        raise _unreadable() from error
    return writer


def pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_clean(data: bytes, limits: PdfLimits) -> bytes:
    """Read, bound and rewrite an uploaded PDF; return the file to store. Raise ``PdfRefusedError``.

    The rewritten file must also open in pdfium (which draws the deal room's slides) with the same
    number of pages, so a file one library accepts and the other cannot read is refused here rather
    than shown as broken later.
    """
    reader = pdf_read(data)
    pdf_check(reader, limits)
    cleaned = pdf_bytes(pdf_clean_writer(reader))
    try:
        document = pypdfium2.PdfDocument(cleaned)
        try:
            same = len(document) == len(reader.pages)
        finally:
            document.close()
    except pypdfium2.PdfiumError as error:
        raise _unreadable() from error
    if not same:
        raise _unreadable()
    return cleaned
