"""Administrative documents in the layout of Decree 30/2020/NĐ-CP, Appendix I.

A document is described as data (``AdminDocument``) by whoever knows its content (the conclusion
notice in assistant.notices.drafting, the minutes and the invitation in
cabinet.records.documents.meeting_records) and is written here to DOCX (python-docx) and to PDF (the
DOCX through LibreOffice, in the sandbox).

The layout rules are docs/domain.md's "Decree 30/2020/NĐ-CP layout": A4 portrait, margins top/bottom
20 mm, left 30 mm, right 15 mm, Times New Roman (Liberation Serif is metric-compatible and is what
LibreOffice uses where Times is absent), the two-column header, page numbers from page 2.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from cabinet.papers.lib.convert import ConversionUnavailable, convert_to_pdf

logger = logging.getLogger(__name__)

BlockKind = Literal["section", "item", "body", "centered", "plain"]


@dataclass(frozen=True)
class Run:
    """A piece of text with its emphasis, inside a block."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    """One paragraph of the body.

    - ``section``: "I. ĐÁNH GIÁ CHUNG" (upper case, bold, no indent);
    - ``item``: "1. Về ..." (bold, first-line indent);
    - ``body``: justified, first-line indent 1.27 cm;
    - ``centered``: centred (e.g. a sub-title);
    - ``plain``: justified, no indent (lists of names).
    """

    kind: BlockKind
    runs: tuple[Run, ...]

    @classmethod
    def of(cls, kind: BlockKind, text: str, *, bold: bool = False, italic: bool = False) -> Block:
        return cls(kind, (Run(text, bold=bold, italic=italic),))

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Signature:
    """A signing block: the authority lines (upper case, bold: "TL. CHỦ TỊCH", "CHÁNH VĂN
    PHÒNG"), room for the signature, then the signer's name (bold). An empty name leaves the
    space blank (a draft)."""

    authority: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class AdminDocument:
    """Everything a Decree 30 document shows, as text; the writer decides fonts and geometry.

    ``parent_body`` is the line above the issuing body ("UBND THÀNH PHỐ HÀ NỘI" over "VĂN
    PHÒNG"; empty when the committee itself issues). ``number`` is the whole line ("Số: 12/TB-UBND"
    or, for a draft, "Số:      /TB-UBND"); ``place_date`` likewise ("Hà Nội, ngày 05 tháng 01 năm
    2026"). ``recipients`` are the "Nơi nhận:" entries without the leading "- " (the last one is
    "Lưu: VT, TH."). With two signatures the first goes left and the second right (the minutes:
    the secretary left, the chair right); with one it goes right, beside "Nơi nhận:".
    ``draft`` prints "DỰ THẢO" above the header. An empty ``place_date`` leaves the line out
    (the minutes, form 1.9, have none). ``issuing_body`` and ``parent_body`` may hold "\n" to
    break a long name where it should break ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI").
    """

    issuing_body: str
    number: str
    place_date: str
    doc_type: str
    summary: str
    blocks: tuple[Block, ...]
    parent_body: str = ""
    recipients: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = ()
    draft: bool = False
    title: str = field(default="", compare=False)  # file metadata (DOCX core properties)


# ---------------------------------------------------------------------------------------------
# Dates


def date_phrase(day: dt.date) -> str:
    """ "ngày 05 tháng 01 năm 2026": days below 10 and the months 1 and 2 with a leading zero
    (Appendix I, II.4.b), other months as they are ("tháng 3", "tháng 12")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_date_line(place: str, day: dt.date) -> str:
    """The place and date line of the header: "Hà Nội, ngày 05 tháng 01 năm 2026"."""
    return f"{place.strip()}, {date_phrase(day)}"


# ---------------------------------------------------------------------------------------------
# DOCX

FONT = "Times New Roman"
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 20, 20, 30, 15
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 165
# The header's columns: the national title (12 pt bold, 88 mm in Times New Roman) fits on one
# line on the right; an issuing body longer than the left column wraps, as Appendix I allows.
HEADER_LEFT_MM, HEADER_RIGHT_MM = 72.0, TEXT_WIDTH_MM - 72.0
# The closing: "Nơi nhận:" on the left, the signature on the right, on the same line.
CLOSING_LEFT_MM, CLOSING_RIGHT_MM = 85.0, TEXT_WIDTH_MM - 85.0

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DRAFT_MARK = "DỰ THẢO"

SIZE_BODY = 14
SIZE_HEADER = 13  # parent body, issuing body, "Số:"
SIZE_NATIONAL = 12
SIZE_MOTTO = 13
SIZE_PLACE_DATE = 14
SIZE_TITLE = 14  # document type and summary
SIZE_SIGNATURE = 14
SIZE_RECIPIENTS_TITLE = 12
SIZE_RECIPIENTS = 11
SIZE_PAGE_NUMBER = 14
FIRST_LINE_INDENT_CM = 1.27
PARAGRAPH_SPACING_PT = 6
LINE_SPACING = 1.15  # between single and 1.5 lines
SIGNATURE_SPACE_PT = 72  # about 25 mm for the signature and the seal
RULE_THICKNESS = 6  # eighths of a point: 0.75 pt

# Where the metric-compatible fonts are, to measure the rules' lengths. Times New Roman itself
# when installed, else Liberation Serif (2.x covers Vietnamese; 1.x does not, so it comes last).
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/msttcorefonts"),
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
_FONT_FILES = {
    (False, False): ("Times_New_Roman.ttf", "LiberationSerif-Regular.ttf"),
    (True, False): ("Times_New_Roman_Bold.ttf", "LiberationSerif-Bold.ttf"),
    (False, True): ("Times_New_Roman_Italic.ttf", "LiberationSerif-Italic.ttf"),
    (True, True): ("Times_New_Roman_Bold_Italic.ttf", "LiberationSerif-BoldItalic.ttf"),
}
# Average advance of a Times glyph, in em, for text the installed fonts cannot measure.
_FALLBACK_EM = {False: 0.5, True: 0.55}


# Characters XML 1.0 forbids (python-docx refuses them): C0 controls other than tab and line
# breaks, lone surrogates, U+FFFE/U+FFFF. Text pasted from Word brings \x0b (a manual line break)
# and \x0c (a page break); they become line breaks, the rest is dropped.
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\r": ""})
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` NFC-normalised, with what a Word document cannot hold turned into line breaks or
    dropped. Used on every text written into a document, and by the services on what they store."""
    return _NOT_XML.sub("", unicodedata.normalize("NFC", text).translate(_BREAKS))


def _nfc(text: str) -> str:
    return printable(text)


@functools.cache
def _font_metrics(bold: bool, italic: bool) -> tuple[dict[int, int], float] | None:
    """(code point → advance in font units, units per em) of the first installed font."""
    try:
        from fontTools.ttLib import TTFont  # noqa: PLC0415 (optional: no metrics without it)
    except ImportError:  # pragma: no cover - fontTools comes with fpdf2
        return None
    for directory in _FONT_DIRS:
        for name in _FONT_FILES[(bold, italic)]:
            path = directory / name
            if not path.exists():
                continue
            try:
                font = TTFont(str(path), lazy=True)
                cmap = font.getBestCmap()
                hmtx = font["hmtx"]
                advances = {code: hmtx[glyph][0] for code, glyph in cmap.items()}
                return advances, float(font["head"].unitsPerEm)
            except Exception:  # a broken font file: try the next one
                logger.warning("cannot read font %s", path, exc_info=True)
    return None


def text_width_mm(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """The width of one line of text in Times New Roman (or its metric twin), in millimetres."""
    metrics = _font_metrics(bold, italic)
    em_mm = size * 25.4 / 72
    total = 0.0
    for char in _nfc(text):
        if metrics is not None and ord(char) in metrics[0]:
            total += metrics[0][ord(char)] / metrics[1]
        else:
            total += _FALLBACK_EM[bold]
    return total * em_mm


def _set_fonts(rpr: Any) -> None:
    """Times New Roman in every script slot, black. Theme fonts are removed: Word prefers a theme
    font over a named one, and LibreOffice maps the name to Liberation Serif where Times is absent."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    color = rpr.find(qn("w:color"))
    if color is None:
        color = OxmlElement("w:color")
        rpr.append(color)
    color.set(qn("w:val"), "000000")


def _style_run(run: Any, size: float, *, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    _set_fonts(run._element.get_or_add_rPr())


def _add_text(
    paragraph: Any, text: str, size: float, *, bold: bool = False, italic: bool = False
) -> None:
    """Runs for the text; a line break for each "\\n"."""
    for index, line in enumerate(_nfc(text).split("\n")):
        run = paragraph.add_run()
        if index:
            run.add_break()
        run.add_text(line)
        _style_run(run, size, bold=bold, italic=italic)


def _mark_size(paragraph: Any, size: float) -> None:
    """The paragraph mark's font (it sets the height of an empty paragraph)."""
    ppr = paragraph._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    _set_fonts(rpr)
    for tag in ("w:sz", "w:szCs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            rpr.append(element)
        element.set(qn("w:val"), str(round(size * 2)))


def _paragraph(
    container: Any,
    *,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
    line_spacing: float = 1.0,
    first_line_cm: float | None = None,
    reuse_first: bool = False,
) -> Any:
    if reuse_first and len(container.paragraphs) == 1 and not container.paragraphs[0].text:
        paragraph = container.paragraphs[0]
    else:
        paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = line_spacing
    if first_line_cm is not None:
        fmt.first_line_indent = Cm(first_line_cm)
    return paragraph


def _border(paragraph: Any, sides: tuple[str, ...], *, space: int = 1) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(RULE_THICKNESS))
        line.set(qn("w:space"), str(space))
        line.set(qn("w:color"), "000000")
        borders.append(line)
    # pBdr comes before spacing/ind/jc in CT_PPr's sequence.
    anchor = next(
        (
            child
            for child in ppr
            if child.tag
            in {qn("w:shd"), qn("w:tabs"), qn("w:spacing"), qn("w:ind"), qn("w:jc"), qn("w:rPr")}
        ),
        None,
    )
    if anchor is None:
        ppr.append(borders)
    else:
        anchor.addprevious(borders)


def _rule(container: Any, *, length_mm: float, box_mm: float, after: float = 0) -> Any:
    """A horizontal rule `length_mm` long, centred in a box `box_mm` wide: the bottom border of an
    empty 1 pt paragraph whose indents limit the border to the length. A paragraph border is
    plain DOCX that Word and LibreOffice draw alike (a drawn shape is anchored and floats, and
    moves when the text above it wraps differently)."""
    length = max(8.0, min(length_mm, box_mm))
    side = (box_mm - length) / 2
    paragraph = _paragraph(container, before=0, after=after)
    fmt = paragraph.paragraph_format
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.line_spacing = Pt(4)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    _mark_size(paragraph, 1)
    _border(paragraph, ("bottom",), space=0)
    return paragraph


def _no_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.append(margins)


def _table(document: Any, rows: int, widths_mm: tuple[float, ...]) -> Any:
    """A borderless fixed-layout table spanning the text width."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _header(document: Any, doc: AdminDocument) -> None:
    if doc.draft:
        width = text_width_mm(DRAFT_MARK, SIZE_HEADER, bold=True) + 6
        mark = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
        mark.paragraph_format.left_indent = Mm(0)
        mark.paragraph_format.right_indent = Mm(TEXT_WIDTH_MM - width)
        _add_text(mark, DRAFT_MARK, SIZE_HEADER, bold=True)
        _border(mark, ("top", "left", "bottom", "right"), space=2)

    table = _table(document, 2, (HEADER_LEFT_MM, HEADER_RIGHT_MM))
    left, right = table.rows[0].cells
    if doc.parent_body:
        _add_text(_paragraph(left, reuse_first=True), doc.parent_body.upper(), SIZE_HEADER)
    issuing = _paragraph(left, reuse_first=True)
    _add_text(issuing, doc.issuing_body.upper(), SIZE_HEADER, bold=True)
    longest = max(
        text_width_mm(line, SIZE_HEADER, bold=True) for line in doc.issuing_body.upper().split("\n")
    )
    _rule(left, length_mm=min(longest, HEADER_LEFT_MM) * 0.4, box_mm=HEADER_LEFT_MM)

    _add_text(_paragraph(right, reuse_first=True), NATIONAL_TITLE, SIZE_NATIONAL, bold=True)
    _add_text(_paragraph(right), MOTTO, SIZE_MOTTO, bold=True)
    _rule(right, length_mm=text_width_mm(MOTTO, SIZE_MOTTO, bold=True), box_mm=HEADER_RIGHT_MM)

    number_cell, date_cell = table.rows[1].cells
    _add_text(_paragraph(number_cell, before=6, reuse_first=True), doc.number, SIZE_HEADER)
    if doc.place_date:
        date = _paragraph(date_cell, before=6, reuse_first=True)
        _add_text(date, doc.place_date, SIZE_PLACE_DATE, italic=True)


def _title(document: Any, doc: AdminDocument) -> None:
    kind = _paragraph(document, before=18)
    kind.paragraph_format.keep_with_next = True
    _add_text(kind, doc.doc_type.upper(), SIZE_TITLE, bold=True)
    if doc.summary:
        summary = _paragraph(document)
        summary.paragraph_format.keep_with_next = True
        _add_text(summary, doc.summary, SIZE_TITLE, bold=True)
        longest = max(
            text_width_mm(line, SIZE_TITLE, bold=True) for line in doc.summary.split("\n")
        )
        _rule(document, length_mm=min(longest, TEXT_WIDTH_MM) / 3, box_mm=TEXT_WIDTH_MM)
    document.paragraphs[-1].paragraph_format.space_after = Pt(12)


_BLOCK_ALIGN = {
    "section": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "item": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "body": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "centered": WD_ALIGN_PARAGRAPH.CENTER,
    "plain": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _block(document: Any, block: Block) -> None:
    indent = FIRST_LINE_INDENT_CM if block.kind in ("item", "body") else 0.0
    paragraph = _paragraph(
        document,
        align=_BLOCK_ALIGN[block.kind],
        before=PARAGRAPH_SPACING_PT if block.kind == "section" else 0,
        after=PARAGRAPH_SPACING_PT,
        line_spacing=LINE_SPACING,
        first_line_cm=indent,
    )
    if block.kind in ("section", "item"):
        paragraph.paragraph_format.keep_with_next = True
    for run in block.runs:
        text = run.text.upper() if block.kind == "section" else run.text
        bold = run.bold or block.kind in ("section", "item")
        _add_text(paragraph, text, SIZE_BODY, bold=bold, italic=run.italic)


def _signature(cell: Any, signature: Signature) -> None:
    first = True
    for line in signature.authority:
        paragraph = _paragraph(cell, reuse_first=first)
        paragraph.paragraph_format.keep_with_next = True
        _add_text(paragraph, line.upper(), SIZE_SIGNATURE, bold=True)
        first = False
    name = _paragraph(cell, before=SIGNATURE_SPACE_PT, reuse_first=first)
    if signature.name:
        _add_text(name, signature.name, SIZE_SIGNATURE, bold=True)
    else:
        _mark_size(name, SIZE_SIGNATURE)


def _recipient_lines(recipients: tuple[str, ...]) -> list[str]:
    lines = []
    for index, entry in enumerate(recipients):
        text = entry.strip()
        text = text[2:] if text.startswith("- ") else text
        if index < len(recipients) - 1:
            text = text if text.endswith((";", ":")) else text.rstrip(".") + ";"
        elif not text.endswith("."):
            text += "."
        lines.append(f"- {text}")
    return lines


def _recipients(container: Any, recipients: tuple[str, ...], *, reuse_first: bool) -> None:
    heading = _paragraph(container, align=WD_ALIGN_PARAGRAPH.LEFT, reuse_first=reuse_first)
    _add_text(heading, "Nơi nhận:", SIZE_RECIPIENTS_TITLE, bold=True, italic=True)
    for line in _recipient_lines(recipients):
        _add_text(_paragraph(container, align=WD_ALIGN_PARAGRAPH.LEFT), line, SIZE_RECIPIENTS)


def _keep_rows_whole(table: Any) -> None:
    for row in table.rows:
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))


def _closing(document: Any, doc: AdminDocument) -> None:
    # The signature never stands alone on a page: the last paragraph goes with it.
    if document.paragraphs:
        document.paragraphs[-1].paragraph_format.keep_with_next = True
    spacer = _paragraph(document, after=0)
    spacer.paragraph_format.keep_with_next = True
    _mark_size(spacer, 6)
    if len(doc.signatures) >= 2:
        width = TEXT_WIDTH_MM / len(doc.signatures)
        table = _table(document, 1, tuple(width for _ in doc.signatures))
        _keep_rows_whole(table)
        cells = table.rows[0].cells
        for cell, signature in zip(cells, doc.signatures, strict=True):
            _signature(cell, signature)
        if doc.recipients:
            # "Nơi nhận:" under the first signature, in the same row: a row is never split
            # across pages (cantSplit), so the block cannot leave its list alone on the next
            # page, which LibreOffice does to a paragraph after a table whatever it is told.
            _paragraph(cells[0])  # a line between the signature and "Nơi nhận:"
            _recipients(cells[0], doc.recipients, reuse_first=False)
        return
    if doc.signatures:
        table = _table(document, 1, (CLOSING_LEFT_MM, CLOSING_RIGHT_MM))
        _keep_rows_whole(table)
        left, right = table.rows[0].cells
        if doc.recipients:
            _recipients(left, doc.recipients, reuse_first=True)
        _signature(right, doc.signatures[0])
    elif doc.recipients:
        _recipients(document, doc.recipients, reuse_first=False)


def _page_number_field(paragraph: Any) -> None:
    """PAGE as a complex field (begin, instruction, separate, result, end)."""

    def field_run(child: Any) -> None:
        run = paragraph.add_run()
        _style_run(run, SIZE_PAGE_NUMBER)
        run._element.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    field_run(begin)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    field_run(instruction)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    field_run(separate)
    result = paragraph.add_run("2")
    _style_run(result, SIZE_PAGE_NUMBER)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    field_run(end)


def _page_numbers(section: Any) -> None:
    """Numbers centred in the top margin from page 2 on: a different first-page header (empty)
    and a default header with a PAGE field."""
    section.different_first_page_header_footer = True
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    _page_number_field(paragraph)
    first = section.first_page_header
    first.is_linked_to_previous = False
    _mark_size(first.paragraphs[0], 1)


def _base_styles(document: Any) -> None:
    styles_element = document.styles.element
    defaults = styles_element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rpr in defaults.iter(qn("w:rPr")):
            _set_fonts(rpr)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(SIZE_BODY)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    language.set(qn("w:eastAsia"), "vi-VN")
    rpr.append(language)
    for name in ("Header", "Footer"):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        _set_fonts(style.element.get_or_add_rPr())


def _a4_document(*, landscape: bool) -> DocxDocument:
    """An empty A4 document with Decree 30's margins, fonts and page numbers (from page 2)."""
    document = Document()
    _base_styles(document)
    section = document.sections[0]
    width, height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.gutter = Mm(0)
    _page_numbers(section)
    return document


def render_docx(doc: AdminDocument) -> bytes:
    """The document as DOCX bytes in the layout of Decree 30/2020/NĐ-CP, Appendix I."""
    document = _a4_document(landscape=False)

    # The template's body starts with no paragraph; the header table comes first.
    _header(document, doc)
    _title(document, doc)
    for block in doc.blocks:
        _block(document, block)
    _closing(document, doc)

    return _save(
        document,
        title=doc.title or f"{doc.doc_type} {doc.summary}".strip(),
        subject=doc.summary,
        author=doc.issuing_body.replace("\n", " "),
        category=doc.doc_type,
    )


def _save(document: Any, *, title: str, subject: str, author: str, category: str) -> bytes:
    """The document's file properties (nothing of python-docx's template left), then its bytes."""
    properties = document.core_properties
    properties.title = _nfc(title)
    properties.subject = _nfc(subject)
    properties.author = _nfc(author)
    properties.last_modified_by = ""
    properties.comments = ""
    properties.keywords = ""
    properties.language = "vi-VN"
    properties.category = _nfc(category)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# A table in landscape: a summary the office issues (the comments on a draft paper)

# A table's text: 13 pt, the low end of the body's 13-14 pt, so that five columns fit.
SIZE_TABLE = 13
# Space after each line of the title block.
TABLE_TITLE_SPACING_PT = 3


@dataclass(frozen=True)
class Column:
    """A table column: its heading (bold, centred), its width and whether its cells are centred."""

    heading: str
    width_mm: float
    center: bool = False


@dataclass(frozen=True)
class TableDocument:
    """A landscape A4 document: a title block, then one table with a heading row.

    ``title`` lines are centred, bold, SIZE_TITLE; ``lines`` follow them centred at SIZE_TABLE,
    each a Run (its emphasis: the meeting line is italic). ``rows`` hold one text per column
    ("\n" breaks a line inside a cell). ``empty`` is the centred italic line written under the
    heading row when there are no rows. The columns' widths should add up to
    LANDSCAPE_TEXT_WIDTH_MM. ``category`` and ``title`` of the file properties come from
    ``title``."""

    title: tuple[str, ...]
    lines: tuple[Run, ...]
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = ""


LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 252


def _repeat_heading_row(row: Any) -> None:
    """The heading row printed again at the top of every page the table continues on."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def render_table_docx(doc: TableDocument) -> bytes:
    """The document as DOCX bytes: A4 landscape with Decree 30's margins, fonts and page numbers
    (from page 2), the title block centred above a grid table whose heading row repeats on each
    page."""
    document = _a4_document(landscape=True)

    # The template's body starts with no paragraph: the title block comes first.
    for line in doc.title:
        paragraph = _paragraph(document, after=TABLE_TITLE_SPACING_PT)
        paragraph.paragraph_format.keep_with_next = True
        _add_text(paragraph, line, SIZE_TITLE, bold=True)
    for run in doc.lines:
        paragraph = _paragraph(document, after=TABLE_TITLE_SPACING_PT)
        paragraph.paragraph_format.keep_with_next = True
        _add_text(paragraph, run.text, SIZE_TABLE, bold=run.bold, italic=run.italic)

    table = document.add_table(rows=1, cols=len(doc.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    heading = table.rows[0]
    _repeat_heading_row(heading)
    for cell, column in zip(heading.cells, doc.columns, strict=True):
        _add_text(_paragraph(cell, reuse_first=True), column.heading, SIZE_TABLE, bold=True)
    for values in doc.rows:
        cells = table.add_row().cells
        for cell, column, value in zip(cells, doc.columns, values, strict=True):
            align = WD_ALIGN_PARAGRAPH.CENTER if column.center else WD_ALIGN_PARAGRAPH.LEFT
            _add_text(_paragraph(cell, align=align, reuse_first=True), value, SIZE_TABLE)
    for index, column in enumerate(doc.columns):
        table.columns[index].width = Mm(column.width_mm)
        for cell in table.columns[index].cells:
            cell.width = Mm(column.width_mm)
    if not doc.rows and doc.empty:
        _add_text(
            _paragraph(document, before=TABLE_TITLE_SPACING_PT), doc.empty, SIZE_TABLE, italic=True
        )

    title = " ".join(doc.title)
    return _save(
        document, title=title, subject="", author="", category=doc.title[0] if doc.title else ""
    )


# ---------------------------------------------------------------------------------------------
# PDF


class DocumentError(RuntimeError):
    """A generated document could not be produced; ``str(error)`` is for the user (Vietnamese)."""


class PdfUnavailable(DocumentError):
    """LibreOffice is missing or failed: the PDF cannot be made (the DOCX still can)."""


def docx_to_pdf(data: bytes) -> bytes:
    """The DOCX converted to PDF by LibreOffice, in the sandbox, in a temporary directory.

    Raises PdfUnavailable when LibreOffice is not installed or the conversion fails."""
    with tempfile.TemporaryDirectory(prefix="decree30-") as tmp:
        workdir = Path(tmp)
        source = workdir / "source.docx"
        source.write_bytes(data)
        try:
            pdf, outcome = convert_to_pdf(source, suffix="docx", workdir=workdir)
        except ConversionUnavailable as exc:
            raise PdfUnavailable(
                _(
                    "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF. "
                    "Đồng chí vui lòng tải bản DOCX."
                )
            ) from exc
        if pdf is None:
            logger.warning(
                "DOCX → PDF failed (timed out: %s): %s", outcome.timed_out, outcome.stderr_tail
            )
            raise PdfUnavailable(
                _(
                    "Không chuyển được văn bản sang PDF. Đồng chí vui lòng tải bản DOCX hoặc thử lại sau."
                )
            )
        content = pdf.read_bytes()
    if not content.startswith(b"%PDF-"):
        raise PdfUnavailable(
            _("Không chuyển được văn bản sang PDF. Đồng chí vui lòng tải bản DOCX.")
        )
    return content
