"""The Decree 30/2020/NĐ-CP writer: the DOCX read back with python-docx, the PDF with pypdf."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun
from pypdf import PageObject, PdfReader
from pytest_django.fixtures import Settings

from cabinet.papers.lib.convert import conversion_available
from cabinet.papers.lib.sandbox import Outcome
from cabinet.records.documents import decree30
from cabinet.records.documents.decree30 import (
    AdminDocument,
    Block,
    Column,
    PdfUnavailable,
    Run,
    Signature,
    TableDocument,
    docx_to_pdf,
    place_date_line,
    render_docx,
    render_table_docx,
    text_width_mm,
)

needs_libreoffice = pytest.mark.skipif(
    not conversion_available(), reason="LibreOffice is not installed"
)

PLACE_DATE = "Hà Nội, ngày 05 tháng 01 năm 2026"
SUMMARY = "Kết luận của đồng chí Phạm Đức Toàn, Chủ tịch UBND Thành phố tại cuộc họp về Đề án 06"
TASK = (
    "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát, tổng hợp nhu cầu kinh phí thực "
    "hiện Đề án 06 năm 2026; báo cáo UBND Thành phố trước ngày 15/02/2026."
)


def notice(*, items: int = 3, draft: bool = False, **fields: Any) -> AdminDocument:
    blocks = [
        Block.of(
            "body",
            "Ngày 05 tháng 01 năm 2026, tại trụ sở UBND Thành phố, đồng chí Phạm Đức Toàn chủ trì.",
        ),
        Block.of("section", "I. Đánh giá chung"),
    ]
    for n in range(1, items + 1):
        blocks.append(Block.of("item", f"{n}. Về nhiệm vụ thứ {n}"))
        blocks.append(Block("body", (Run("Giao Sở Tài chính ", bold=True), Run(TASK[17:]))))
    blocks.append(Block.of("plain", "- Đồng chí Nguyễn Thị Hằng, Giám đốc Sở Nội vụ."))
    blocks.append(Block.of("centered", "Phụ lục kèm theo"))
    data: dict[str, Any] = {
        "parent_body": "UBND thành phố Hà Nội",
        "issuing_body": "Văn phòng",
        "number": "Số: 05/TB-VP",
        "place_date": PLACE_DATE,
        "doc_type": "Thông báo",
        "summary": SUMMARY,
        "blocks": tuple(blocks),
        "recipients": ("Chủ tịch UBND Thành phố (để b/c)", "Các Sở: TC, NV", "Lưu: VT, TH."),
        "signatures": (Signature(("TL. Chủ tịch", "Chánh Văn phòng"), "Nguyễn Văn An"),),
        "draft": draft,
        "title": "Thông báo kết luận về Đề án 06",
    }
    return AdminDocument(**(data | fields))


def read(doc: AdminDocument) -> DocxDocument:
    return Document(io.BytesIO(render_docx(doc)))


def runs_of(paragraphs: Iterable[Paragraph]) -> list[DocxRun]:
    return [run for paragraph in paragraphs for run in paragraph.runs if run.text.strip()]


def paragraph_with(container: DocxDocument | _Cell, text: str) -> Paragraph:
    found = [p for p in container.paragraphs if text in p.text]
    assert found, f"no paragraph with {text!r}"
    return found[0]


def rule_paragraphs(cell: _Cell) -> list[Paragraph]:
    return [p for p in cell.paragraphs if p._p.find(qn("w:pPr") + "/" + qn("w:pBdr")) is not None]


def rule_length_mm(paragraph: Paragraph, box_mm: float) -> float:
    fmt = paragraph.paragraph_format
    length: float = box_mm - fmt.left_indent.mm - fmt.right_indent.mm
    return length


def mm(length: Length | None) -> float:
    """A length the document sets (python-docx reads one it does not set as None)."""
    assert length is not None
    millimetres: float = length.mm  # python-docx leaves the property unannotated
    return millimetres


def pt(length: Length | None) -> float:
    """A length the document sets, in points (see mm)."""
    assert length is not None
    points: float = length.pt
    return points


@pytest.fixture(scope="module")
def document() -> DocxDocument:
    return read(notice())


# --------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "Hà Nội, ngày 09 tháng 3 năm 2026"),
        (dt.date(2025, 12, 31), "Hà Nội, ngày 31 tháng 12 năm 2025"),
    ],
)
def test_place_date_line_pads_days_below_ten_and_the_first_two_months(
    day: dt.date, expected: str
) -> None:
    assert place_date_line("Hà Nội", day) == expected


# --------------------------------------------------------------------------------------------
# Geometry and fonts


def test_the_page_is_a4_portrait_with_the_decree_margins(document: DocxDocument) -> None:
    section = document.sections[0]
    assert mm(section.page_width) == pytest.approx(210, abs=0.1)
    assert mm(section.page_height) == pytest.approx(297, abs=0.1)
    assert mm(section.top_margin) == pytest.approx(20, abs=0.1)
    assert mm(section.bottom_margin) == pytest.approx(20, abs=0.1)
    assert mm(section.left_margin) == pytest.approx(30, abs=0.1)
    assert mm(section.right_margin) == pytest.approx(15, abs=0.1)


def test_every_run_is_times_new_roman_in_every_script_slot_and_black(
    document: DocxDocument,
) -> None:
    body = document.element.body
    runs = body.findall(".//" + qn("w:r"))
    assert len(runs) > 20
    for run in runs:
        fonts = run.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None
        for slot in ("ascii", "hAnsi", "cs", "eastAsia"):
            assert fonts.get(qn(f"w:{slot}")) == "Times New Roman"
        assert fonts.get(qn("w:asciiTheme")) is None
        color = run.find(qn("w:rPr") + "/" + qn("w:color"))
        assert color is not None
        assert color.get(qn("w:val")) == "000000"
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14


def test_the_core_title_is_the_documents_title(document: DocxDocument) -> None:
    assert document.core_properties.title == "Thông báo kết luận về Đề án 06"


# --------------------------------------------------------------------------------------------
# Header


def test_the_header_is_a_borderless_two_column_table(document: DocxDocument) -> None:
    table = document.tables[0]
    assert len(table.columns) == 2
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    assert {child.get(qn("w:val")) for child in borders} == {"nil"}
    assert not table._tbl.findall(".//" + qn("w:tcBorders"))
    widths = [column.width.mm for column in table.columns]
    assert sum(widths) == pytest.approx(165, abs=0.5)  # the text width: 210 − 30 − 15


def test_the_left_column_holds_the_parent_and_issuing_bodies_and_the_number(
    document: DocxDocument,
) -> None:
    table = document.tables[0]
    left = table.rows[0].cells[0]
    parent = paragraph_with(left, "UBND THÀNH PHỐ HÀ NỘI")
    assert [(r.bold, pt(r.font.size)) for r in parent.runs] == [(False, 13)]
    issuing = paragraph_with(left, "VĂN PHÒNG")
    assert issuing.text == "VĂN PHÒNG"  # upper-cased from "Văn phòng"
    assert all(r.bold and pt(r.font.size) == 13 for r in issuing.runs)
    assert issuing.alignment == WD_ALIGN_PARAGRAPH.CENTER
    number = paragraph_with(table.rows[1].cells[0], "Số: 05/TB-VP")
    assert all(not r.bold and pt(r.font.size) == 13 for r in number.runs)


def test_the_rule_under_the_issuing_body_is_a_third_to_a_half_of_its_width(
    document: DocxDocument,
) -> None:
    left = document.tables[0].rows[0].cells[0]
    (rule,) = rule_paragraphs(left)
    elements = [p._p for p in left.paragraphs]
    assert elements.index(rule._p) == elements.index(paragraph_with(left, "VĂN PHÒNG")._p) + 1
    length = rule_length_mm(rule, decree30.HEADER_LEFT_MM)
    text = text_width_mm("VĂN PHÒNG", 13, bold=True)
    assert text / 3 <= length <= text / 2


def test_the_right_column_holds_the_national_title_motto_rule_and_place_date(
    document: DocxDocument,
) -> None:
    table = document.tables[0]
    right = table.rows[0].cells[1]
    title = paragraph_with(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert all(r.bold and 12 <= pt(r.font.size) <= 13 for r in title.runs)
    motto = paragraph_with(right, "Độc lập - Tự do - Hạnh phúc")
    assert all(r.bold and 13 <= pt(r.font.size) <= 14 for r in motto.runs)
    (rule,) = rule_paragraphs(right)
    length = rule_length_mm(rule, decree30.HEADER_RIGHT_MM)
    motto_width = text_width_mm(motto.text, pt(motto.runs[0].font.size), bold=True)
    assert length == pytest.approx(motto_width, abs=0.2)  # indents are whole twips
    date = paragraph_with(table.rows[1].cells[1], PLACE_DATE)
    assert all(r.italic and not r.bold and 13 <= pt(r.font.size) <= 14 for r in date.runs)


def test_the_document_type_and_summary_are_bold_centred_with_a_short_rule(
    document: DocxDocument,
) -> None:
    kind = paragraph_with(document, "THÔNG BÁO")
    assert kind.text == "THÔNG BÁO"
    assert kind.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.bold and pt(r.font.size) == 14 for r in kind.runs)
    summary = paragraph_with(document, SUMMARY)
    assert summary.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.bold and pt(r.font.size) == 14 for r in summary.runs)
    paragraphs = document.paragraphs
    elements = [p._p for p in paragraphs]
    rule = paragraphs[elements.index(summary._p) + 1]
    assert rule._p.find(qn("w:pPr") + "/" + qn("w:pBdr") + "/" + qn("w:bottom")) is not None
    length = rule_length_mm(rule, decree30.TEXT_WIDTH_MM)
    line = min(text_width_mm(SUMMARY, 14, bold=True), decree30.TEXT_WIDTH_MM)
    assert line / 3 - 0.5 <= length <= line / 2


# --------------------------------------------------------------------------------------------
# Body


def test_body_paragraphs_are_justified_indented_spaced_and_14_point(document: DocxDocument) -> None:
    body = [
        p for p in document.paragraphs if p.text.startswith("Sở Tài chính") or "rà soát" in p.text
    ]
    assert len(body) == 3
    for paragraph in body:
        fmt = paragraph.paragraph_format
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert fmt.first_line_indent.cm == pytest.approx(1.27, abs=0.01)
        assert pt(fmt.space_after) >= 6
        assert 1.0 <= fmt.line_spacing <= 1.5
        assert all(pt(r.font.size) == 14 for r in paragraph.runs)
    # Emphasis inside a block is kept: "Giao Sở Tài chính" bold, the rest regular.
    first = body[0]
    assert [r.bold for r in first.runs] == [True, False]


def test_block_kinds_follow_their_layout(document: DocxDocument) -> None:
    section = paragraph_with(document, "I. ĐÁNH GIÁ CHUNG")
    assert all(r.bold for r in section.runs)
    assert not section.paragraph_format.first_line_indent
    item = paragraph_with(document, "1. Về nhiệm vụ thứ 1")
    assert all(r.bold for r in item.runs)
    assert item.paragraph_format.first_line_indent.cm == pytest.approx(1.27, abs=0.01)
    plain = paragraph_with(document, "- Đồng chí Nguyễn Thị Hằng")
    assert not plain.paragraph_format.first_line_indent
    assert plain.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    centered = paragraph_with(document, "Phụ lục kèm theo")
    assert centered.alignment == WD_ALIGN_PARAGRAPH.CENTER


# --------------------------------------------------------------------------------------------
# Closing


def test_recipients_left_and_the_signature_right_on_one_row(document: DocxDocument) -> None:
    table = document.tables[-1]
    left, right = table.rows[0].cells
    heading = left.paragraphs[0]
    assert heading.text == "Nơi nhận:"
    assert all(r.bold and r.italic and pt(r.font.size) == 12 for r in heading.runs)
    entries = [p.text for p in left.paragraphs[1:]]
    assert entries == [
        "- Chủ tịch UBND Thành phố (để b/c);",
        "- Các Sở: TC, NV;",
        "- Lưu: VT, TH.",
    ]
    assert all(pt(r.font.size) == 11 and not r.bold for r in runs_of(left.paragraphs[1:]))
    authority = [p for p in right.paragraphs if p.text]
    assert [p.text for p in authority] == ["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "Nguyễn Văn An"]
    assert all(r.bold and pt(r.font.size) == 14 for r in runs_of(authority))
    # Room for the signature and the seal above the name.
    assert authority[-1].paragraph_format.space_before.pt >= 48
    # The signature does not stand alone on a page: the row stays whole and the last body
    # paragraph goes with it.
    row_properties = table.rows[0]._tr.trPr
    assert row_properties is not None
    assert row_properties.find(qn("w:cantSplit")) is not None
    assert paragraph_with(document, "Phụ lục kèm theo").paragraph_format.keep_with_next


def test_two_signatures_go_left_and_right_and_the_recipients_below() -> None:
    doc = notice(
        signatures=(
            Signature(("Thư ký",), "Lê Thu Trang"),
            Signature(("Chủ tọa",), "Phạm Đức Toàn"),
        ),
        recipients=("Lưu: VT, Hồ sơ.",),
    )
    document = read(doc)
    table = document.tables[-1]
    left, right = table.rows[0].cells
    # "Nơi nhận:" below the first signature, in the same unsplittable row (issue 19: after the
    # table, LibreOffice let it fall alone on the next page).
    assert [p.text for p in left.paragraphs if p.text] == [
        "THƯ KÝ",
        "Lê Thu Trang",
        "Nơi nhận:",
        "- Lưu: VT, Hồ sơ.",
    ]
    assert [p.text for p in right.paragraphs if p.text] == ["CHỦ TỌA", "Phạm Đức Toàn"]
    assert pt(left.paragraphs[-1].runs[0].font.size) == 11


def test_a_place_date_may_be_left_out() -> None:
    document = read(notice(place_date=""))
    assert "ngày" not in document.tables[0].rows[1].cells[1].text


# --------------------------------------------------------------------------------------------
# Page numbers and the draft mark


def test_page_numbers_are_a_page_field_in_the_header_except_on_page_one(
    document: DocxDocument,
) -> None:
    section = document.sections[0]
    assert section.different_first_page_header_footer
    header = section.header._element
    instructions = [i.text for i in header.iter(qn("w:instrText"))]
    assert any(text.strip() == "PAGE" for text in instructions)
    (paragraph,) = section.header.paragraphs
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert not list(first._element.iter(qn("w:instrText")))
    assert not first._element.findall(".//" + qn("w:fldSimple"))
    assert not "".join(p.text for p in first.paragraphs).strip()


def test_a_draft_carries_a_boxed_bold_mark_above_the_header() -> None:
    document = read(notice(draft=True))
    body = document.element.body
    mark = paragraph_with(document, "DỰ THẢO")
    assert body.index(mark._p) < body.index(document.tables[0]._tbl)
    assert all(r.bold for r in mark.runs)
    sides = mark._p.find(qn("w:pPr") + "/" + qn("w:pBdr"))
    assert {child.tag.split("}")[1] for child in sides} == {"top", "left", "bottom", "right"}


def test_a_final_document_has_no_draft_mark(document: DocxDocument) -> None:
    assert not [p for p in document.paragraphs if "DỰ THẢO" in p.text]


# --------------------------------------------------------------------------------------------
# PDF


@pytest.fixture(scope="module")
def long_pdf() -> PdfReader:
    return PdfReader(io.BytesIO(docx_to_pdf(render_docx(notice(items=14)))))


def lines(page: PageObject) -> list[str]:
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


@needs_libreoffice
def test_the_pdf_is_a4_with_the_header_texts_and_diacritics(long_pdf: PdfReader) -> None:
    assert len(long_pdf.pages) >= 2
    first = long_pdf.pages[0]
    assert float(first.mediabox.width) == pytest.approx(595.3, abs=1)
    assert float(first.mediabox.height) == pytest.approx(841.9, abs=1)
    text = first.extract_text()
    for expected in (
        "UBND THÀNH PHỐ HÀ NỘI",
        "VĂN PHÒNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        PLACE_DATE,
        "THÔNG BÁO",
        "Số: 05/TB-VP",
    ):
        assert expected in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for font in first["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert fonts
    assert all("Times" in f or "LiberationSerif" in f for f in fonts), fonts


@needs_libreoffice
def test_page_two_starts_with_its_number_and_page_one_has_none(long_pdf: PdfReader) -> None:
    first, second = lines(long_pdf.pages[0]), lines(long_pdf.pages[1])
    assert second[0] == "2"
    assert "1" not in first
    assert not first[0].isdigit()
    last = lines(long_pdf.pages[-1])
    assert "Nơi nhận:" in last
    assert "Nguyễn Văn An" in last


def test_a_missing_libreoffice_is_a_clear_error(settings: Settings) -> None:
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    with pytest.raises(PdfUnavailable, match="LibreOffice"):
        docx_to_pdf(render_docx(notice(items=1)))


def test_a_failed_conversion_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decree30, "convert_to_pdf", lambda *a, **k: (None, Outcome(returncode=1)))
    with pytest.raises(PdfUnavailable, match="PDF"):
        docx_to_pdf(b"not a document")


def test_text_pasted_from_word_with_control_characters_still_makes_a_document() -> None:
    pasted = "Thống nhất\x0bbáo cáo\x01 của Sở Nội vụ\x0c."
    assert decree30.printable(pasted) == "Thống nhất\nbáo cáo của Sở Nội vụ\n."
    data = render_docx(notice(items=1, summary=pasted, title=pasted))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "báo cáo của Sở Nội vụ" in text


# --------------------------------------------------------------------------------------------
# A table in landscape (render_table_docx: the comments' summary)

COLUMNS = (
    Column("STT", 15, center=True),
    Column("Đại biểu", 50),
    Column("Trang / đoạn trích", 64),
    Column("Nội dung góp ý", 85),
    Column("Thời gian", 38),
)


def table_document(rows: int = 3) -> TableDocument:
    return TableDocument(
        title=("TỔNG HỢP Ý KIẾN GÓP Ý", "Dự thảo Quy chế phối hợp"),
        lines=(Run("Cuộc họp: Phiên họp tháng 12, ngày 03/12/2026", italic=True), Run("Số ý kiến")),
        columns=COLUMNS,
        rows=tuple(
            (str(n), "Nguyễn Văn An\nSở Tài chính", "Trang 1", TASK, "09:05 28/11/2026")
            for n in range(1, rows + 1)
        ),
        empty="Chưa có ý kiến góp ý.",
    )


def test_a_table_document_is_a4_landscape_with_the_decree_margins_fonts_and_page_numbers() -> None:
    document = Document(io.BytesIO(render_table_docx(table_document())))
    section = document.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == pytest.approx((297, 210), abs=0.1)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [mm(m) for m in margins] == pytest.approx([20, 20, 30, 15], abs=0.1)
    assert sum(c.width_mm for c in COLUMNS) == decree30.LANDSCAPE_TEXT_WIDTH_MM
    header = section.header._element
    assert any(i.text.strip() == "PAGE" for i in header.iter(qn("w:instrText")))
    assert section.different_first_page_header_footer
    title = paragraph_with(document, "TỔNG HỢP Ý KIẾN GÓP Ý")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.bold and pt(r.font.size) == 14 for r in title.runs)
    assert all(r.italic for r in paragraph_with(document, "Cuộc họp:").runs)
    for run in document.element.body.iter(qn("w:r")):
        fonts = run.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None
        assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    cell_runs = runs_of(document.tables[0].rows[1].cells[3].paragraphs)
    assert cell_runs
    assert all(pt(r.font.size) == 13 for r in cell_runs)


def test_a_table_documents_columns_keep_their_widths_and_its_heading_row_repeats() -> None:
    document = Document(io.BytesIO(render_table_docx(table_document())))
    table = document.tables[0]
    grid = [col.width.mm for col in table.columns]  # LibreOffice lays the table out by this grid
    assert grid == pytest.approx([c.width_mm for c in COLUMNS], abs=0.1)
    layout = table._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None
    assert layout.get(qn("w:type")) == "fixed"
    heading = table.rows[0]._tr.trPr
    assert heading is not None
    assert heading.find(qn("w:tblHeader")) is not None
    assert [c.text for c in table.rows[0].cells] == [c.heading for c in COLUMNS]
    assert table.rows[1].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert table.rows[1].cells[1].text == "Nguyễn Văn An\nSở Tài chính"


def test_an_empty_table_document_says_so_under_the_heading_row() -> None:
    document = Document(io.BytesIO(render_table_docx(table_document(rows=0))))
    assert len(document.tables[0].rows) == 1
    assert all(r.italic for r in paragraph_with(document, "Chưa có ý kiến góp ý.").runs)


@needs_libreoffice
def test_a_long_table_continues_on_numbered_pages_under_its_heading_row() -> None:
    reader = PdfReader(io.BytesIO(docx_to_pdf(render_table_docx(table_document(rows=30)))))
    assert len(reader.pages) >= 2
    first, second = lines(reader.pages[0]), lines(reader.pages[1])
    assert float(reader.pages[0].mediabox.width) == pytest.approx(841.9, abs=1)
    assert first[0] == "TỔNG HỢP Ý KIẾN GÓP Ý"
    assert second[0] == "2"
    assert second[1].startswith("STT")
