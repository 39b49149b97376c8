"""Structure-aware chunking on the real Decree 30/2020/NĐ-CP PDF and on made-up directives."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.search.chunking import (
    PAGE_BREAK,
    Chunk,
    approx_tokens,
    chunk_document,
    document_text,
    page_of,
)

DECREE = Path(__file__).resolve().parents[4] / "shared" / "data" / "directives"
DECREE_PDF = DECREE / "nd-30-2020-cong-tac-van-thu.pdf"
needs_decree = pytest.mark.skipif(not DECREE_PDF.is_file(), reason="needs ../shared/data")


@pytest.fixture(scope="module")
def pages() -> list[str]:
    reader = PdfReader(DECREE_PDF)
    return [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]


def assert_invariants(
    chunks: list[Chunk],
    text: str,
    *,
    count_tokens: Callable[[str], int] = approx_tokens,
    max_tokens: int = 480,
) -> None:
    """Exact slices, in order, no overlap, only whitespace left out, every chunk within budget."""
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    position = 0
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text
        assert chunk.text == chunk.text.strip()
        assert chunk.start >= position, "chunks overlap or are out of order"
        assert text[position : chunk.start].strip() == "", "text left out between chunks"
        assert chunk.page_start == page_of(chunk.start, text)
        assert chunk.page_end == page_of(chunk.end - 1, text) >= chunk.page_start
        assert count_tokens(chunk.context + "\n" + chunk.text) <= max_tokens, chunk.heading
        position = chunk.end
    assert text[position:].strip() == ""


def page_containing(pages: list[str], needle: str) -> int:
    found = [i for i, page in enumerate(pages, 1) if needle in page]
    assert len(found) == 1, found
    return found[0]


# --- The real decree -------------------------------------------------------------------------


@needs_decree
def test_article_8_clause_2_is_one_chunk_with_its_true_place(pages: list[str]) -> None:
    text = document_text(pages)
    # The truth, read from the text: Điều 8 is under "Chương II" and its "Mục 1".
    before = text[: text.index("Điều 8. Thể thức văn bản")]
    assert re.findall(r"^Chương [IVX]+$", before, re.M)[-1] == "Chương II"
    assert re.findall(r"^Mục \d+$", before, re.M)[-1] == "Mục 1"
    assert before.rindex("Chương II") < before.rindex("Mục 1")
    opening = "2. Thể thức văn bản hành chính bao gồm các thành phần chính"
    page = page_containing(pages, opening)
    assert page == 5

    chunks = chunk_document(pages)
    matching = [c for c in chunks if c.article == "Điều 8" and c.clause == "2"]
    assert len(matching) == 1
    chunk = matching[0]
    assert chunk.heading == "Chương II › Mục 1 › Điều 8 › khoản 2"
    assert chunk.point == ""
    assert chunk.text.startswith(opening)
    assert "i) Nơi nhận." in chunk.text
    assert "3. Ngoài các thành phần" not in chunk.text
    assert chunk.page_start == chunk.page_end == page
    assert chunk.context == "Điều 8. Thể thức văn bản"


@needs_decree
def test_decree_invariants_and_structure(pages: list[str]) -> None:
    text = document_text(pages)
    chunks = chunk_document(pages)
    assert_invariants(chunks, text)
    # Every article of the decree, once each as an article, in order (1..38 in the text).
    in_text = [int(n) for n in re.findall(r"^Điều (\d+)\. [A-ZĐ]", text, re.M)]
    assert in_text == list(range(1, 39))
    articles = list(dict.fromkeys(c.article for c in chunks if c.article))
    assert articles == [f"Điều {n}" for n in in_text]
    chapters = list(dict.fromkeys(c.heading.split(" › ")[0] for c in chunks if c.article))
    assert chapters == [f"Chương {n}" for n in ("I", "II", "III", "IV", "V", "VI", "VII")]
    # Preamble and closing.
    assert chunks[0].heading == "Phần mở đầu"
    assert "Căn cứ Luật Tổ chức Chính phủ" in chunks[0].text
    assert chunks[-1].heading == "Nơi nhận"
    assert chunks[-1].text.startswith("Nơi nhận:")
    # A wrapped article title is whole in the context.
    article_6 = next(c for c in chunks if c.article == "Điều 6")
    assert article_6.context.endswith("đối với công tác văn thư")
    # Clauses of Điều 3 are 1..17, one chunk each.
    assert [c.clause for c in chunks if c.article == "Điều 3"] == [str(n) for n in range(1, 18)]
    # Điều 6 has clauses 1, 2, 3 and nothing else.
    assert [c.clause for c in chunks if c.article == "Điều 6"] == ["1", "2", "3"]


@needs_decree
def test_decree_splits_at_points_under_a_small_budget(pages: list[str]) -> None:
    text = document_text(pages)
    chunks = chunk_document(pages, max_tokens=120)
    assert_invariants(chunks, text, max_tokens=120)
    clause = [c for c in chunks if c.article == "Điều 8" and c.clause == "2"]
    assert len(clause) >= 2
    assert clause[0].heading == "Chương II › Mục 1 › Điều 8 › khoản 2"
    assert clause[0].text.startswith("2. Thể thức văn bản hành chính")
    later = clause[1:]
    assert all(c.heading.startswith("Chương II › Mục 1 › Điều 8 › khoản 2 › điểm ") for c in later)
    assert all(c.point and c.text.startswith(c.point[0] + ")") for c in later)
    assert all("2. Thể thức văn bản hành chính" in c.context for c in later)
    assert "i) Nơi nhận." in clause[-1].text


@needs_decree
def test_decree_within_the_real_model_budget(pages: list[str]) -> None:
    """With the multilingual-e5 tokenizer (when built), as the indexer counts."""
    from django.conf import settings

    tokenizer_file = Path(settings.EMBEDDING_MODEL_DIR) / "tokenizer.json"
    if not tokenizer_file.is_file():
        pytest.skip("the embedding model is not built")
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))

    def count(text: str) -> int:
        return len(tokenizer.encode("passage: " + text, add_special_tokens=False).ids)

    text = document_text(pages)
    for budget in (510, 96):
        chunks = chunk_document(pages, count_tokens=count, max_tokens=budget)
        assert_invariants(chunks, text, count_tokens=count, max_tokens=budget)
    # approx_tokens over-estimates the model's count, so its chunks fit the model too.
    for chunk in chunk_document(pages):
        assert count(chunk.context + "\n" + chunk.text) <= approx_tokens(
            chunk.context + "\n" + chunk.text
        )


def test_document_text_is_nfc_with_page_breaks() -> None:
    decomposed = unicodedata.normalize("NFD", "Điều 1. Phạm vi")
    text = document_text([decomposed, "trang hai\r\nhết", "ba\fbốn"])
    assert text == "Điều 1. Phạm vi" + PAGE_BREAK + "trang hai\nhết" + PAGE_BREAK + "ba\nbốn"
    assert page_of(0, text) == 1
    assert page_of(text.index("trang"), text) == 2
    assert page_of(text.index("bốn"), text) == 3


# --- Made-up texts ---------------------------------------------------------------------------

CHI_THI = """ỦY BAN NHÂN DÂN
THÀNH PHỐ HÀ NỘI
Số: 05/CT-UBND
Hà Nội, ngày 12 tháng 4 năm 2026
CHỈ THỊ
Về đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính
Thời gian qua, công tác chuyển đổi số của Thành phố đạt nhiều kết quả. Tuy nhiên, việc số hóa
hồ sơ còn chậm. Chủ tịch Ủy ban nhân dân Thành phố yêu cầu:
I. NHIỆM VỤ CHUNG
1. Các sở, ban, ngành quán triệt chủ trương chuyển đổi số, coi đây là nhiệm vụ trọng tâm
trong năm 2026.
2. Người đứng đầu chịu trách nhiệm trực tiếp về kết quả chuyển đổi số của đơn vị.
II. NHIỆM VỤ CỤ THỂ
1. Sở Khoa học và Công nghệ
a) Chủ trì xây dựng kế hoạch số hóa hồ sơ, hoàn thành trước ngày 30/6/2026.
b) Hướng dẫn các đơn vị sử dụng chữ ký số trong toàn bộ quy trình xử lý văn bản.
2. Văn phòng UBND Thành phố theo dõi, đôn đốc việc thực hiện Chỉ thị này; báo cáo trước
ngày 15/12/2026.
Nơi nhận:
- Như trên;
- Lưu: VT.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH"""


def test_chi_thi_with_roman_parts_is_chunked_by_direction() -> None:
    chunks = chunk_document([CHI_THI])
    assert_invariants(chunks, document_text([CHI_THI]))
    assert [c.heading for c in chunks] == [
        "Phần mở đầu",
        "Mục I › 1",
        "Mục I › 2",
        "Mục II › 1",
        "Mục II › 2",
        "Nơi nhận",
    ]
    assert chunks[1].text.startswith("I. NHIỆM VỤ CHUNG\n1. Các sở")
    assert chunks[3].clause == "1"
    assert chunks[3].article == ""
    assert chunks[3].point == ""
    assert chunks[3].context == "II. NHIỆM VỤ CỤ THỂ"
    assert "b) Hướng dẫn" in chunks[3].text
    assert chunks[4].text.endswith("ngày 15/12/2026.")


def test_chi_thi_points_get_their_own_chunks_when_a_direction_is_too_long() -> None:
    budget = 70
    chunks = chunk_document([CHI_THI], max_tokens=budget)
    assert_invariants(chunks, document_text([CHI_THI]), max_tokens=budget)
    headings = [c.heading for c in chunks]
    assert "Mục II › 1 › a" in headings
    assert "Mục II › 1 › b" in headings
    point_b = chunks[headings.index("Mục II › 1 › b")]
    assert point_b.text.startswith("b) Hướng dẫn")
    assert point_b.point == "b"
    assert point_b.clause == "1"


def test_directions_without_parts() -> None:
    text = (
        "Để triển khai hiệu quả, Ủy ban nhân dân Thành phố yêu cầu:\n"
        "1. Sở Tài chính chủ trì, phối hợp với các sở, ngành rà soát nguồn vốn.\n"
        "a) Báo cáo UBND Thành phố trước ngày 15/5/2026.\n"
        "b) Đề xuất phương án điều chuyển vốn.\n"
        "2. Sở Nội vụ hướng dẫn việc sắp xếp bộ máy.\n"
    )
    chunks = chunk_document([text])
    assert_invariants(chunks, document_text([text]))
    assert [c.heading for c in chunks] == ["Phần mở đầu", "1", "2"]
    small = chunk_document([text], max_tokens=32)
    assert_invariants(small, document_text([text]), max_tokens=32)
    assert [c.heading for c in small if c.clause == "1"][1:] == ["1 › a", "1 › b"]


def _paragraph(topic: str) -> str:
    sentence = f"Nội dung về {topic} được các đại biểu thảo luận kỹ lưỡng tại cuộc họp. "
    return (sentence * 6).strip()


def test_plain_text_is_split_into_paragraphs() -> None:
    text = "\n".join(_paragraph(t) for t in ("ngân sách", "đầu tư công", "chuyển đổi số"))
    chunks = chunk_document([text])
    assert_invariants(chunks, document_text([text]))
    assert [c.heading for c in chunks] == ["", "", ""]
    assert [c.context for c in chunks] == ["", "", ""]
    assert [c.text for c in chunks] == text.split("\n")


def test_a_long_clause_is_split_at_sentences_never_mid_word() -> None:
    sentence = "Cơ quan chủ trì phải báo cáo kết quả thực hiện nhiệm vụ được giao đúng thời hạn."
    long_clause = "2. " + "\n".join([sentence] * 40)
    text = f"Điều 1. Chế độ báo cáo\n1. Báo cáo định kỳ hằng tháng.\n{long_clause}\n"
    budget = 200
    chunks = chunk_document([text], max_tokens=budget)
    assert_invariants(chunks, document_text([text]), max_tokens=budget)
    clause = [c for c in chunks if c.clause == "2"]
    assert len(clause) >= 3
    assert all(c.heading == "Điều 1 › khoản 2" for c in clause)
    assert clause[0].text.startswith("2. Cơ quan")
    for chunk in clause:
        assert chunk.text.endswith("đúng thời hạn.")  # cut at sentence ends
        assert chunk.start == 0 or text[chunk.start - 1].isspace()
    assert all(c.context == "Điều 1. Chế độ báo cáo" for c in clause[:1])
    assert all("2. Cơ quan chủ trì" in c.context for c in clause[1:])


def test_a_run_without_spaces_longer_than_the_budget_is_still_within_it() -> None:
    text = "Điều 1. Mã\n" + "x" * 3000
    chunks = chunk_document([text], max_tokens=60)
    assert_invariants(chunks, document_text([text]), max_tokens=60)
    assert len(chunks) > 1


LEGAL_WITH_TRAPS = """Điều 5. Chế độ báo cáo
1. Báo cáo định kỳ gửi Ủy ban nhân dân Thành phố.
2. Báo cáo đột xuất theo yêu cầu.
3. Báo cáo chuyên đề theo kế hoạch.
4. Báo cáo tổng hợp hằng năm.
5. Số liệu báo cáo được tổng hợp theo Mẫu số
2. Các đơn vị gửi báo cáo theo quy định tại
Điều 8 của Luật Thống kê, chậm nhất ngày 15 tháng
6. hằng năm.
6. Cơ quan nhận báo cáo kiểm tra số liệu.
a) Đối chiếu với kỳ trước.
c) Ghi chú: không phải điểm vì thiếu điểm b.
b) Báo cáo sai lệch.
Điều 6. Hiệu lực thi hành
Quy định này có hiệu lực từ ngày ký.
"""


def test_wrapped_lines_are_not_new_clauses_or_articles() -> None:
    chunks = chunk_document([LEGAL_WITH_TRAPS])
    assert_invariants(chunks, document_text([LEGAL_WITH_TRAPS]))
    assert [(c.article, c.clause) for c in chunks] == [
        ("Điều 5", "1"),
        ("Điều 5", "2"),
        ("Điều 5", "3"),
        ("Điều 5", "4"),
        ("Điều 5", "5"),
        ("Điều 5", "6"),
        ("Điều 6", ""),
    ]
    clause_5 = chunks[4]
    assert clause_5.heading == "Điều 5 › khoản 5"
    assert "\n2. Các đơn vị gửi" in clause_5.text  # "2." after clause 5: out of sequence
    assert "Điều 8 của Luật Thống kê" in clause_5.text  # no "Điều N." with a title
    assert clause_5.text.endswith("6. hằng năm.")  # "6." continuing a sentence in lower case
    assert chunks[5].text.startswith("6. Cơ quan nhận báo cáo")


def test_points_follow_vietnamese_order_when_splitting() -> None:
    chunks = chunk_document([LEGAL_WITH_TRAPS], max_tokens=40)
    assert_invariants(chunks, document_text([LEGAL_WITH_TRAPS]), max_tokens=40)
    points = [c.point for c in chunks if c.clause == "6" and c.point]
    # "c)" before "b)" is text of point a; "b)" then follows "a)".
    assert points[0] == "a"
    assert points[-1] == "b"
    point_a = next(c for c in chunks if c.clause == "6" and c.point == "a")
    assert "c) Ghi chú" in point_a.text


def test_points_include_đ_in_sequence() -> None:
    body = "\n".join(
        f"{letter}) Nội dung thứ {i} của khoản này được quy định chi tiết ở đây."
        for i, letter in enumerate("abcdđeg", 1)
    )
    text = f"Điều 1. Phạm vi\n1. Các nội dung gồm:\n{body}\n"
    chunks = chunk_document([text], max_tokens=40)
    assert_invariants(chunks, document_text([text]), max_tokens=40)
    assert [c.point for c in chunks if c.point] == list("abcdđeg")
    assert "Điều 1 › khoản 1 › điểm đ" in [c.heading for c in chunks]


def test_points_may_skip_đ() -> None:
    body = "\n".join(
        f"{letter}) Nội dung {letter} được quy định chi tiết ở đây." for letter in "abcde"
    )
    text = f"Điều 1. Phạm vi\n1. Các nội dung gồm:\n{body}\n"
    chunks = chunk_document([text], max_tokens=30)
    assert_invariants(chunks, document_text([text]), max_tokens=30)
    assert [c.point for c in chunks if c.point] == list("abcde")


def test_empty_document() -> None:
    assert chunk_document([]) == []
    assert chunk_document(["", "  \n "]) == []


def test_approx_tokens_counts_syllables_and_punctuation() -> None:
    assert approx_tokens("") == 0
    assert approx_tokens("Điều 8") == 4  # ceil(1.6 × 2)
    assert approx_tokens("Hà Nội, ngày") == 6  # ceil(1.6 × 3) + 1
    assert approx_tokens("x" * 12) == 4  # two units of six characters


def test_a_decision_that_issues_a_regulation_numbers_the_regulation_apart() -> None:
    text = """QUYẾT ĐỊNH
Ban hành Quy chế làm việc
Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Điều 3. Chánh Văn phòng chịu trách nhiệm thi hành Quyết định này.
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
QUY CHẾ
Làm việc của Ủy ban nhân dân Thành phố
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
1. Quy chế này quy định lề lối làm việc.
2. Quy chế này áp dụng đối với các thành viên.
Điều 2. Thông báo kết luận
1. Thông báo kết luận được ban hành chậm nhất 05 ngày làm việc.
"""
    chunks = chunk_document([text])
    headings = [c.heading for c in chunks]

    assert "Điều 3" in headings
    assert "Quy chế › Chương I › Điều 1 › khoản 2" in headings
    assert headings[-1] == "Quy chế › Chương I › Điều 2 › khoản 1"
    decision_end = next(c for c in chunks if c.heading == "Điều 3")
    assert "Nơi nhận" not in decision_end.text  # the signature block is its own piece
