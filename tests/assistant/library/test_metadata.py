"""Header metadata: the real Decree 30/2020/NĐ-CP (PDF, DOCX, DOCX → PDF) and made-up headers."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from assistant.library.metadata import DOC_TYPES, DirectiveMeta, doc_type_from_number, parse_header

DIRECTIVES = Path(__file__).resolve().parents[4] / "shared" / "data" / "directives"
DECREE_PDF = DIRECTIVES / "nd-30-2020-cong-tac-van-thu.pdf"
DECREE_DOCX = DIRECTIVES / "nd-30-2020-cong-tac-van-thu.docx"
needs_decree = pytest.mark.skipif(
    not (DECREE_PDF.is_file() and DECREE_DOCX.is_file()), reason="needs ../shared/data"
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pdf_header(path: Path) -> str:
    pages = PdfReader(path).pages
    return "\n".join(nfc(page.extract_text()) for page in pages[:2])


def assert_decree(meta: DirectiveMeta) -> None:
    assert meta.number == "30/2020/NĐ-CP"
    assert meta.issued_on == date(2020, 3, 5)
    assert meta.place == "Hà Nội"
    assert meta.issuer == "CHÍNH PHỦ"
    assert meta.parent == ""
    assert meta.doc_type == "nghi_dinh"
    assert meta.summary == "Về công tác văn thư"
    assert meta.title == "Nghị định về công tác văn thư"


@needs_decree
def test_real_decree_pdf() -> None:
    text = pdf_header(DECREE_PDF)
    assert "Số: 30/2020/NĐ-CP" in text
    assert "Hà Nội, ngày 05 tháng 3 năm 2020" in text
    assert_decree(parse_header(text))


@needs_decree
def test_real_decree_docx_paragraphs() -> None:
    """python-docx paragraphs skip tables, and the header (issuer, number, date) is a table: from
    the paragraphs alone only the type and the summary are there to find."""
    document = docx.Document(str(DECREE_DOCX))
    text = nfc("\n".join(p.text for p in document.paragraphs))
    assert "Số:" not in text
    assert "CHÍNH PHỦ" not in text
    meta = parse_header(text)
    assert (meta.number, meta.issued_on, meta.place, meta.issuer) == ("", None, "", "")
    assert meta.doc_type == "nghi_dinh"
    assert meta.summary == "Về công tác văn thư"
    assert meta.title == "Nghị định về công tác văn thư"
    # With the header table's cells first, as the document reads, everything is found.
    cells = [nfc(cell.text) for row in document.tables[0].rows for cell in row.cells]
    assert_decree(parse_header("\n".join([*cells, text])))


@needs_decree
def test_real_decree_docx_converted_by_libreoffice(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice is not installed")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(DECREE_DOCX)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert_decree(parse_header(pdf_header(tmp_path / f"{DECREE_DOCX.stem}.pdf")))


CHI_THI = """ỦY BAN NHÂN DÂN
THÀNH PHỐ HÀ NỘI
_______
Số: 05/CT-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
________________
Hà Nội, ngày 12 tháng 4 năm 2026
CHỈ THỊ
Về đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính
nhà nước trên địa bàn Thành phố
______
Thời gian qua, công tác chuyển đổi số đạt nhiều kết quả.
1. Các sở, ban, ngành quán triệt chủ trương chuyển đổi số."""

INTERLEAVED = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THÀNH PHỐ HÀ NỘI Độc lập - Tự do - Hạnh phúc
Số: 05/CT-UBND Hà Nội, ngày 12 tháng 4 năm 2026
CHỈ THỊ
Về đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính
nhà nước trên địa bàn Thành phố
Thời gian qua, công tác chuyển đổi số đạt nhiều kết quả."""


INTERLEAVED_DATE = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THÀNH PHỐ HÀ NỘI Hà Nội, ngày 12 tháng 4 năm 2026
Số: 05/CT-UBND
CHỈ THỊ
Về đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính
nhà nước trên địa bàn Thành phố"""


@pytest.mark.parametrize(
    "text",
    [CHI_THI, INTERLEAVED, INTERLEAVED_DATE],
    ids=["columns", "interleaved", "interleaved-date"],
)
def test_ubnd_chi_thi(text: str) -> None:
    meta = parse_header(text)
    assert meta.number == "05/CT-UBND"
    assert meta.issued_on == date(2026, 4, 12)
    assert meta.place == "Hà Nội"
    assert meta.issuer == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    assert meta.doc_type == "chi_thi"
    summary = (
        "Về đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính nhà nước trên địa bàn "
        "Thành phố"
    )
    assert meta.summary == summary
    assert meta.title == "Chỉ thị về" + summary[2:]


THONG_BAO = """UBND THÀNH PHỐ HÀ NỘI
VĂN PHÒNG
_______
Số: 12/TB-VP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 5/1/2026
DỰ THẢO
THÔNG BÁO
Kết luận của đồng chí Nguyễn Văn A, Phó Chủ tịch UBND Thành phố tại cuộc
họp về tiến độ giải ngân vốn đầu tư công
____
Ngày 02/01/2026, tại trụ sở UBND Thành phố, đồng chí Nguyễn Văn A chủ trì cuộc họp."""


def test_thong_bao_ket_luan_issued_by_the_office() -> None:
    meta = parse_header(THONG_BAO)
    assert meta.number == "12/TB-VP"
    assert meta.issued_on == date(2026, 1, 5)
    assert meta.issuer == "VĂN PHÒNG"
    assert meta.parent == "UBND THÀNH PHỐ HÀ NỘI"
    assert meta.doc_type == "thong_bao"
    assert meta.summary == (
        "Kết luận của đồng chí Nguyễn Văn A, Phó Chủ tịch UBND Thành phố tại cuộc họp về tiến độ "
        "giải ngân vốn đầu tư công"
    )
    assert meta.title.startswith("Thông báo kết luận của đồng chí Nguyễn Văn A")


def test_cong_van_subject_line() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI\nSố: 1234/UBND-KT\nV/v triển khai chữ ký số\n"
        "Hà Nội, ngày 03 tháng 02 năm 2026\nKính gửi: Các sở, ban, ngành"
    )
    meta = parse_header(text)
    assert meta.doc_type == "cong_van"
    assert meta.summary == "V/v triển khai chữ ký số"
    assert meta.title == "Công văn về triển khai chữ ký số"
    assert meta.issued_on == date(2026, 2, 3)


def test_no_header_gives_empty_fields() -> None:
    for text in ("", "Cuộc họp bắt đầu lúc 8 giờ, ngày hôm qua.\nKhông có tiêu đề.", "\f\n  "):
        assert parse_header(text) == DirectiveMeta("", None, "", "", "", "", "")


def test_body_dates_are_not_the_issue_date() -> None:
    meta = parse_header("NGHỊ ĐỊNH\nVề x\nCăn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;")
    assert meta.issued_on is None
    assert meta.doc_type == "nghi_dinh"


def test_invalid_date_is_none() -> None:
    meta = parse_header("CHÍNH PHỦ\nSố: 01/2020/NĐ-CP\nHà Nội, ngày 31 tháng 2 năm 2020\nNGHỊ ĐỊNH")
    assert meta.issued_on is None
    assert meta.place == "Hà Nội"
    assert meta.number == "01/2020/NĐ-CP"
    assert meta.title == "Nghị định"


def test_odd_spacing_look_alike_đ_and_decomposed_marks() -> None:
    text = unicodedata.normalize(
        "NFD",
        "CHÍNH PHỦ\nSố :  30 / 2020 / N\u00d0-CP\nHà Nội, ngày 5/3/2020\nNGHỊ ĐỊNH\nVề công tác văn thư",
    )
    meta = parse_header(text)
    assert meta.number == "30/2020/NĐ-CP"
    assert meta.issued_on == date(2020, 3, 5)
    assert meta.issuer == "CHÍNH PHỦ"
    assert meta.summary == "Về công tác văn thư"
    assert parse_header("Số: 30/2020/ND-CP").doc_type == "nghi_dinh"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("30/2020/NĐ-CP", "nghi_dinh"),
        ("30/2020/ND-CP", "nghi_dinh"),
        ("05/CT-UBND", "chi_thi"),
        ("12/TB-UBND", "thong_bao"),
        ("12/TB-VP", "thong_bao"),
        ("07/KH-UBND", "ke_hoach"),
        ("15/QĐ-UBND", "quyet_dinh"),
        ("45/2018/QĐ-TTg", "quyet_dinh"),
        ("03/NQ-HĐND", "nghi_quyet"),
        ("01/2011/TT-BNV", "thong_tu"),
        ("20/TTr-UBND", "to_trinh"),
        ("88/BC-UBND", "bao_cao"),
        ("1234/UBND-KT", "cong_van"),
        ("10/HD-UBND", "khac"),
        ("59/2020/QH14", "khac"),
        ("", ""),
        ("30", ""),
    ],
)
def test_doc_type_from_number(number: str, expected: str) -> None:
    assert doc_type_from_number(number) == expected
    assert expected == "" or expected in DOC_TYPES
