"""Stamp a PDF with a watermark naming its reader, on every page.

A pure function of files: `stamp_pdf(source, target, lines)`. The overlay (a footer line with all
of `lines`, and the first lines again in large faint letters across the page) is drawn once per
distinct displayed page size with fpdf2 and DejaVu Sans (Vietnamese coverage), turned into a Form
XObject, and every page only gets a reference to it: its original content streams are neither
decoded nor rewritten, so stamping 300 pages costs little more than copying the file, and the
output grows by one overlay per page size, not per page.

A copy never carries active content (scripts, automatic actions, embedded files: see
cabinet.papers.lib.pdf_active), even if the stored file does.

Each page's /Contents becomes [q, original..., Q, stamp] where q/Q isolate the original graphics
state (a page may leave a transformation or colour set) and the stamp is `q <cm> cm /Wm Do Q`. The
matrix maps the overlay, drawn upright in the page's displayed orientation, onto the page's visible
box (CropBox) in user space, so rotated pages (/Rotate 90/180/270) and odd sizes read correctly.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from cabinet.papers.lib.pdf_active import strip_active_content

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_FAMILY = "WmSans"
# Resource name for the overlay in each page's /XObject dictionary; unusual enough not to collide.
XOBJECT_NAME = "/PclWatermark"
FOOTER_SIZE = 7.0  # points: readable when printed, small enough to leave the page's content alone
FOOTER_MARGIN = 6.0
DIAGONAL_MAX_SIZE = 44.0
DIAGONAL_OPACITY = 0.16  # faint enough that text underneath stays legible
FOOTER_OPACITY = 0.8

Size = tuple[float, float]


class FontMissing(RuntimeError):
    pass


def stamp_pdf(source: Path, target: Path, lines: Sequence[str], *, diagonal_lines: int = 2) -> int:
    """Write `source` to `target` with `lines` on every page; return the number of pages.

    The footer joins all lines with " · "; the first `diagonal_lines` lines are also written large
    and faint across the page. Preconditions: `source` is a readable, unencrypted PDF (uploads are
    checked before a version becomes ready) and the DejaVu Sans font is installed.
    """
    if not FONT_PATH.exists():
        raise FontMissing(f"{FONT_PATH} not found; install the Debian package fonts-dejavu-core")
    texts = [unicodedata.normalize("NFC", line) for line in lines if line]
    footer = " · ".join(texts)
    diagonal = texts[:diagonal_lines]

    reader = PdfReader(source)
    writer = PdfWriter(clone_from=reader)
    # Processing stores papers without active content (cabinet.papers.lib.pdf_probe); this catches a file
    # stored before that existed, so that no copy handed out can run a script or open a file.
    strip_active_content(writer)
    push = _shared_stream(writer, b"q\n")
    pop = _shared_stream(writer, b"Q\n")
    overlays: dict[Size, IndirectObject] = {}
    stamps: dict[tuple[float, ...], IndirectObject] = {}
    for page in writer.pages:
        left, bottom, right, top = (float(v) for v in page.cropbox)
        rotation = page.rotation % 360 if page.rotation % 90 == 0 else 0
        width, height = right - left, top - bottom
        shown: Size = (height, width) if rotation in (90, 270) else (width, height)
        shown = (round(shown[0], 2), round(shown[1], 2))
        if shown not in overlays:
            overlays[shown] = _overlay_form(writer, shown, footer, diagonal)
        matrix = _display_to_user(rotation, left, bottom, right, top)
        if matrix not in stamps:
            cm = " ".join(_num(v) for v in matrix)
            stamps[matrix] = _shared_stream(
                writer, f"q {cm} cm {XOBJECT_NAME} Do Q\n".encode("ascii")
            )
        _attach(writer, page, overlays[shown], [push], [pop, stamps[matrix]])
    with target.open("wb") as out:
        writer.write(out)
    return len(writer.pages)


def _display_to_user(
    rotation: int, left: float, bottom: float, right: float, top: float
) -> tuple[float, ...]:
    """The `cm` matrix taking upright display coordinates (origin at the displayed bottom-left)
    to the page's user space. /Rotate turns the page clockwise when shown."""
    if rotation == 90:
        return (0, 1, -1, 0, right, bottom)
    if rotation == 180:
        return (-1, 0, 0, -1, right, top)
    if rotation == 270:
        return (0, -1, 1, 0, left, top)
    return (1, 0, 0, 1, left, bottom)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _shared_stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _attach(
    writer: PdfWriter,
    page: PageObject,
    overlay: IndirectObject,
    before: list[IndirectObject],
    after: list[IndirectObject],
) -> None:
    """Reference the overlay from the page without touching its content streams' bytes."""
    contents = ArrayObject(before)
    existing = page.get("/Contents")
    if existing is not None:
        resolved = existing.get_object()
        if isinstance(resolved, ArrayObject):
            contents.extend(resolved)
        elif isinstance(existing, IndirectObject):
            contents.append(existing)
        else:  # a direct stream is not allowed by the spec, but keep it if a writer did it
            contents.append(writer._add_object(resolved))
    contents.extend(after)
    page[NameObject("/Contents")] = contents

    # Resources may be shared between pages (or inherited): give the page its own shallow copy.
    resources = _dict_copy(page.get("/Resources"))
    xobjects = _dict_copy(resources.get("/XObject"))
    xobjects[NameObject(XOBJECT_NAME)] = overlay
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources


def _dict_copy(value: object) -> DictionaryObject:
    resolved = value.get_object() if isinstance(value, IndirectObject) else value
    copy = DictionaryObject()
    if isinstance(resolved, DictionaryObject):
        copy.update(resolved)
    return copy


def _overlay_form(
    writer: PdfWriter, size: Size, footer: str, diagonal: Sequence[str]
) -> IndirectObject:
    """Draw the overlay for one displayed page size and add it to `writer` as a Form XObject."""
    page = PdfReader(io.BytesIO(_render_overlay(size, footer, diagonal))).pages[0]
    content = page.get_contents()  # a ContentStream: a dict, falsy when it has no keys
    form = DecodedStreamObject()
    form.set_data(content.get_data() if content is not None else b"")
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(
        [NumberObject(0), NumberObject(0), FloatObject(size[0]), FloatObject(size[1])]
    )
    form[NameObject("/Resources")] = _dict_copy(page.get("/Resources")).clone(writer)
    return writer._add_object(form.flate_encode())


def _render_overlay(size: Size, footer: str, diagonal: Sequence[str]) -> bytes:
    width, height = size
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.add_font(FONT_FAMILY, "", str(FONT_PATH))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    if diagonal:
        _draw_diagonal(pdf, width, height, diagonal)
    if footer:
        _draw_footer(pdf, width, height, footer)
    return bytes(pdf.output())


def _draw_diagonal(pdf: FPDF, width: float, height: float, lines: Sequence[str]) -> None:
    # Across the page from bottom-left to top-right, at most 70% of the diagonal long.
    angle = math.degrees(math.atan2(height, width))
    span = 0.7 * math.hypot(width, height)
    pdf.set_font(FONT_FAMILY, size=10)
    widest = max(pdf.get_string_width(line) for line in lines)
    size = min(DIAGONAL_MAX_SIZE, 10 * span / widest) if widest else DIAGONAL_MAX_SIZE
    leading = size * 1.25
    cx, cy = width / 2, height / 2
    with pdf.local_context(fill_opacity=DIAGONAL_OPACITY, text_color=(110, 110, 110)):
        pdf.set_font(FONT_FAMILY, size=size)
        with pdf.rotation(angle=angle, x=cx, y=cy):
            first_baseline = cy - leading * (len(lines) - 1) / 2 + size * 0.35
            for index, line in enumerate(lines):
                pdf.text(
                    x=cx - pdf.get_string_width(line) / 2,
                    y=first_baseline + index * leading,
                    text=line,
                )


def _draw_footer(pdf: FPDF, width: float, height: float, footer: str) -> None:
    margin = min(36.0, width * 0.06)
    line_height = FOOTER_SIZE * 1.25
    pdf.set_font(FONT_FAMILY, size=FOOTER_SIZE)
    rows: list[str] = pdf.multi_cell(  # type: ignore[assignment]
        w=width - 2 * margin, h=line_height, text=footer, align="C", dry_run=True, output="LINES"
    )
    top = height - FOOTER_MARGIN - line_height * len(rows)
    with pdf.local_context(fill_opacity=FOOTER_OPACITY, text_color=(70, 70, 70)):
        pdf.set_xy(margin, top)
        pdf.multi_cell(w=width - 2 * margin, h=line_height, text=footer, align="C")
