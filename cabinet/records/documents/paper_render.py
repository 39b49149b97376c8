"""Render a plain-text administrative document to PDF in the Decree 30/2020/NĐ-CP look.

Used to produce the demo's meeting papers (and by tests that need real PDFs). Body markup:
"# " centred bold heading, "## " bold section heading, "- " bullet, anything else a justified
paragraph with a first-line indent; blank lines separate blocks.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
FONT_FILES = {
    "": "DejaVuSerifCondensed.ttf",
    "B": "DejaVuSerifCondensed-Bold.ttf",
    "I": "DejaVuSerifCondensed-Italic.ttf",
    "BI": "DejaVuSerifCondensed-BoldItalic.ttf",
}
FAMILY = "Serif"


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


def format_vn_date(place: str, date: dt.date) -> str:
    """ "Hà Nội, ngày 05 tháng 01 năm 2026": leading zeros for days < 10 and months 1 and 2."""
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


class _Document(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:  # Decree 30: page numbers centred in the top margin, not on page 1
            self.set_font(FAMILY, "", 12)
            self.set_y(10)
            self.cell(0, 6, str(self.page_no()), align=Align.C)
            self.set_y(self.t_margin)


def render_document(header: DocumentHeader, body: str, *, title: str = "") -> bytes:
    """Return the PDF bytes of one document."""
    pdf = _Document(format="A4", unit="mm")
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(_font_path(name)))
    pdf.set_margins(left=30, top=20, right=15)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(title or header.number)
    pdf.set_creator("Phòng họp không giấy")
    pdf.add_page()
    _write_header(pdf, header)
    _write_body(pdf, unicodedata.normalize("NFC", body))
    return bytes(pdf.output())


def _write_header(pdf: FPDF, header: DocumentHeader) -> None:
    left_w, right_w = 70.0, pdf.epw - 70.0
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_xy(x0, y0)
    if header.parent_body:
        pdf.set_font(FAMILY, "", 12)
        pdf.cell(
            left_w, 5.5, header.parent_body.upper(), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT
        )
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(
        left_w, 5.5, header.issuing_body.upper(), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    rule_y = pdf.get_y() + 0.8
    pdf.line(x0 + left_w / 3, rule_y, x0 + 2 * left_w / 3, rule_y)
    pdf.set_y(rule_y + 2)
    pdf.set_font(FAMILY, "", 12.5)
    pdf.cell(left_w, 6, f"Số: {header.number}", align=Align.C)
    left_bottom = pdf.get_y() + 6

    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(
        right_w,
        5.5,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        align=Align.C,
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FAMILY, "B", 13)
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.cell(right_w, 6, motto, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    width = pdf.get_string_width(motto)
    centre = x0 + left_w + right_w / 2
    pdf.line(centre - width / 2, pdf.get_y() + 0.5, centre + width / 2, pdf.get_y() + 0.5)
    pdf.set_y(pdf.get_y() + 2.5)
    pdf.set_x(x0 + left_w)
    pdf.set_font(FAMILY, "I", 13)
    pdf.cell(right_w, 6, format_vn_date(header.place, header.date), align=Align.C)
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
                pdf.set_font(FAMILY, "B", 14)
                pdf.multi_cell(0, 7, line[2:], align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1.5)
            elif line.startswith("## "):
                pdf.set_font(FAMILY, "B", 13)
                pdf.ln(1.5)
                pdf.multi_cell(0, 6.5, line[3:], align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
            elif line.startswith("- "):
                pdf.set_font(FAMILY, "", 13)
                pdf.set_x(pdf.l_margin + 10)
                pdf.multi_cell(
                    0, 6.5, "- " + line[2:], align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
                pdf.ln(1)
            else:
                pdf.set_font(FAMILY, "", 13)
                with (
                    pdf.text_columns(text_align=Align.J, ncols=1, line_height=1.15) as column,
                    column.paragraph(first_line_indent=10, bottom_margin=2) as paragraph,
                ):
                    paragraph.write(line)
