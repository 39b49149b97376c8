"""Render a plain-text administrative document to PDF in the Decree 30/2020/NĐ-CP look.

Used to produce the demo's meeting papers and the demo directive library (seed_demo,
seed_library), and by tests that need real PDFs. Body markup: "# " centred bold heading, "## "
bold section heading, "- " bullet, anything else a justified paragraph with a first-line indent;
blank lines separate blocks.

Why this is not decree30's DOCX → PDF path: these PDFs stand for papers the units upload, not
documents this system issues, and they must be made where LibreOffice is absent (setup.sh
installs it only where it may; without it the demo, its seeding and the tests still need real
PDFs), in-process and fast (a fraction of a second against about 2 s per LibreOffice conversion
in the sandbox). The page geometry, the header's texts, the date line and the sizes the two
share come from decree30; the smaller sizes below are this renderer's own: DejaVu Serif
Condensed sets wider than Times New Roman at the same size.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from cabinet.records.documents.decree30 import (
    LINE_SPACING,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    MOTTO,
    NATIONAL_TITLE,
    SIZE_MOTTO,
    SIZE_NATIONAL,
    SIZE_TITLE,
    place_date_line,
)

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
FONT_FILES = {
    "": "DejaVuSerifCondensed.ttf",
    "B": "DejaVuSerifCondensed-Bold.ttf",
    "I": "DejaVuSerifCondensed-Italic.ttf",
    "BI": "DejaVuSerifCondensed-BoldItalic.ttf",
}
FAMILY = "Serif"
# This renderer's own sizes (decree30's are 13-14 pt for Times New Roman; see the docstring).
SIZE_BODY = 13  # paragraphs, bullets, "## " headings, the place and date line
SIZE_HEADER = 12  # the parent and issuing bodies, the page number
SIZE_NUMBER = 12.5  # "Số: ..."
HEADER_LEFT_MM = 70.0  # the header's left column (the issuing body, the number)
PAGE_NUMBER_Y_MM = 10  # the page number's top, in the top margin


class FontMissing(RuntimeError):
    pass


def _font_path(name: str) -> Path:
    for directory in FONT_DIRS:
        if (directory / name).exists():
            return directory / name
    raise FontMissing(
        f"Font {name} not found in {FONT_DIRS}; install the Debian package fonts-dejavu-core"
    )


@dataclass(frozen=True)
class DocumentHeader:
    parent_body: str  # e.g. "UBND THÀNH PHỐ HÀ NỘI" (empty for the committee itself)
    issuing_body: str  # e.g. "SỞ TÀI CHÍNH"
    number: str  # e.g. "245/BC-STC"
    place: str  # e.g. "Hà Nội"
    date: dt.date


class _Document(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:  # Decree 30: page numbers centred in the top margin, not on page 1
            self.set_font(FAMILY, "", SIZE_HEADER)
            self.set_y(PAGE_NUMBER_Y_MM)
            self.cell(0, 6, str(self.page_no()), align=Align.C)
            self.set_y(self.t_margin)


def render_document(header: DocumentHeader, body: str, *, title: str = "") -> bytes:
    """Return the PDF bytes of one document."""
    pdf = _Document(format="A4", unit="mm")
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(_font_path(name)))
    pdf.set_margins(left=MARGIN_LEFT_MM, top=MARGIN_TOP_MM, right=MARGIN_RIGHT_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM_MM)
    pdf.set_title(title or header.number)
    pdf.set_creator("Phòng họp không giấy")
    pdf.add_page()
    _write_header(pdf, header)
    _write_body(pdf, unicodedata.normalize("NFC", body))
    return bytes(pdf.output())


def _write_header(pdf: FPDF, header: DocumentHeader) -> None:
    left_w, right_w = HEADER_LEFT_MM, pdf.epw - HEADER_LEFT_MM
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_xy(x0, y0)
    if header.parent_body:
        pdf.set_font(FAMILY, "", SIZE_HEADER)
        pdf.cell(
            left_w, 5.5, header.parent_body.upper(), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT
        )
    pdf.set_font(FAMILY, "B", SIZE_HEADER)
    pdf.multi_cell(
        left_w, 5.5, header.issuing_body.upper(), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    rule_y = pdf.get_y() + 0.8
    pdf.line(x0 + left_w / 3, rule_y, x0 + 2 * left_w / 3, rule_y)
    pdf.set_y(rule_y + 2)
    pdf.set_font(FAMILY, "", SIZE_NUMBER)
    pdf.cell(left_w, 6, f"Số: {header.number}", align=Align.C)
    left_bottom = pdf.get_y() + 6

    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font(FAMILY, "B", SIZE_NATIONAL)
    pdf.cell(
        right_w,
        5.5,
        NATIONAL_TITLE,
        align=Align.C,
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FAMILY, "B", SIZE_MOTTO)
    pdf.cell(right_w, 6, MOTTO, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    width = pdf.get_string_width(MOTTO)
    centre = x0 + left_w + right_w / 2
    pdf.line(centre - width / 2, pdf.get_y() + 0.5, centre + width / 2, pdf.get_y() + 0.5)
    pdf.set_y(pdf.get_y() + 2.5)
    pdf.set_x(x0 + left_w)
    pdf.set_font(FAMILY, "I", SIZE_BODY)
    pdf.cell(right_w, 6, place_date_line(header.place, header.date), align=Align.C)
    pdf.set_xy(x0, max(left_bottom, pdf.get_y() + 6) + 6)


def _write_body(pdf: FPDF, body: str) -> None:
    for block in (b.strip() for b in body.split("\n\n")):
        if not block:
            continue
        for line in block.split("\n"):
            line = line.strip()
            if not line:
                continue
            if line.startswith("# "):
                pdf.set_font(FAMILY, "B", SIZE_TITLE)
                pdf.multi_cell(0, 7, line[2:], align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1.5)
            elif line.startswith("## "):
                pdf.set_font(FAMILY, "B", SIZE_BODY)
                pdf.ln(1.5)
                pdf.multi_cell(0, 6.5, line[3:], align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
            elif line.startswith("- "):
                pdf.set_font(FAMILY, "", SIZE_BODY)
                pdf.set_x(pdf.l_margin + 10)
                pdf.multi_cell(
                    0, 6.5, "- " + line[2:], align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
                pdf.ln(1)
            else:
                pdf.set_font(FAMILY, "", SIZE_BODY)
                with (
                    pdf.text_columns(
                        text_align=Align.J, ncols=1, line_height=LINE_SPACING
                    ) as column,
                    column.paragraph(first_line_indent=10, bottom_margin=2) as paragraph,
                ):
                    paragraph.write(line)
