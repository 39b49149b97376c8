"""Finding a highlighted passage again in a new version of a paper (cabinet.papers.lib.anchoring)."""

from __future__ import annotations

import time
import unicodedata

from cabinet.papers.lib.anchoring import (
    Anchor,
    Pages,
    collapse_whitespace,
    find_anchor,
    normalise,
)

BUDGET = (
    "Sở Tài chính đề nghị bổ sung dự toán ngân sách năm 2026 cho các đơn vị sự nghiệp công lập "
    "trên địa bàn thành phố."
)
FILLER = "Ủy ban nhân dân thành phố giao các sở, ngành theo dõi và báo cáo kết quả thực hiện. "
QUOTE = "bổ sung dự toán ngân sách năm 2026"


def located(pages: list[str], anchor: Anchor | None) -> str:
    assert anchor is not None
    return pages[anchor.page - 1][anchor.start : anchor.end]


def test_normalised_text_maps_back_to_original_offsets() -> None:
    text = "Sở  Tài\nchính"
    norm = normalise(text)
    assert norm.text == "sởtàichính"
    start = norm.text.index("tài")
    assert norm.original_span(start, start + len("tàichính")) == (4, len(text))


def test_normalising_composes_decomposed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết")
    assert normalise(decomposed).text == "nghịquyết"


def test_exact_quote_on_the_same_page_is_found_where_it_is() -> None:
    pages = [FILLER, FILLER + BUDGET, FILLER]
    anchor = find_anchor(pages, QUOTE, "Sở Tài chính đề nghị ", " cho các đơn vị", 2, 90)
    assert anchor is not None
    assert anchor.exact
    assert anchor.page == 2
    assert located(pages, anchor) == QUOTE


def test_quote_moved_to_another_page_is_found_there() -> None:
    pages = [FILLER * 3, FILLER * 3, FILLER + BUDGET + FILLER]
    anchor = find_anchor(pages, QUOTE, "đề nghị ", " cho các", page_hint=1, start_hint=10)
    assert anchor is not None
    assert anchor.page == 3
    assert located(pages, anchor) == QUOTE


def test_line_breaks_and_extra_spaces_do_not_hide_the_quote() -> None:
    pages = ["Kính gửi: Sở Tài\nchính  thành phố Hà   Nội.\nNội dung như sau."]
    anchor = find_anchor(pages, "Sở Tài chính thành phố Hà Nội", page_hint=1)
    assert anchor is not None
    assert anchor.exact
    assert located(pages, anchor) == "Sở Tài\nchính  thành phố Hà   Nội"


def test_quote_split_differently_by_the_browser_still_matches() -> None:
    # pdf.js may glue words that pypdf separates, and the other way round.
    pages = ["đề nghị bổ sung dự toán ngân sách"]
    anchor = find_anchor(pages, "bổ sungdự toán", page_hint=1)
    assert anchor is not None
    assert located(pages, anchor) == "bổ sung dự toán"


def test_duplicated_phrase_is_disambiguated_by_its_context() -> None:
    first = "Điều 3. Giao Sở Tài chính chủ trì thẩm định dự toán. "
    second = "Điều 7. Giao Sở Xây dựng chủ trì thẩm định dự toán. "
    pages = [first + FILLER + second]
    anchor = find_anchor(
        pages, "chủ trì thẩm định dự toán", prefix="Giao Sở Xây dựng ", suffix=". ", page_hint=1
    )
    assert anchor is not None
    assert anchor.start == pages[0].index(second) + second.index("chủ trì")

    anchor = find_anchor(
        pages, "chủ trì thẩm định dự toán", prefix="Giao Sở Tài chính ", suffix=". ", page_hint=1
    )
    assert anchor is not None
    assert anchor.start == first.index("chủ trì")


def test_context_wins_over_page_proximity() -> None:
    pages = [
        "Giao Sở Y tế thực hiện nhiệm vụ.",
        FILLER,
        FILLER,
        "Giao Sở Nội vụ thực hiện nhiệm vụ.",
    ]
    anchor = find_anchor(pages, "thực hiện nhiệm vụ", prefix="Giao Sở Nội vụ", page_hint=1)
    assert anchor is not None
    assert anchor.page == 4


def test_without_context_the_occurrence_nearest_the_hint_wins() -> None:
    pages = ["Kết luận của Chủ tịch.", FILLER, "Kết luận của Chủ tịch.", FILLER]
    assert find_anchor(pages, "Kết luận của Chủ tịch", page_hint=3).page == 3  # type: ignore[union-attr]
    assert find_anchor(pages, "Kết luận của Chủ tịch", page_hint=1).page == 1  # type: ignore[union-attr]


def test_same_page_duplicates_are_told_apart_by_offset() -> None:
    line = "Tổng hợp ý kiến. "
    pages = [line + FILLER + line]
    second = len(line + FILLER)
    anchor = find_anchor(pages, "Tổng hợp ý kiến", page_hint=1, start_hint=second + 3)
    assert anchor is not None
    assert anchor.start == second


def test_context_is_read_across_page_boundaries() -> None:
    pages = [
        FILLER + "Mục tiêu:",
        "tăng trưởng 8%. " + FILLER,
        FILLER + "Mục tiêu: tăng trưởng 8%.",
    ]
    anchor = find_anchor(
        pages, "tăng trưởng 8%", prefix="Mục tiêu:", suffix=". Ủy ban", page_hint=3
    )
    assert anchor is not None
    assert anchor.page == 2


def test_quote_running_over_a_page_break_is_found() -> None:
    pages = [FILLER + "Giao Sở Kế hoạch và", "Đầu tư chủ trì. " + FILLER]
    anchor = find_anchor(pages, "Sở Kế hoạch và Đầu tư chủ trì", page_hint=1)
    assert anchor is not None
    assert (anchor.page, anchor.end_page) == (1, 2)
    assert pages[0][anchor.start :] == "Sở Kế hoạch và"
    assert pages[1][: anchor.end] == "Đầu tư chủ trì"


def test_a_few_changed_characters_still_match_fuzzily() -> None:
    old = "Phấn đấu tốc độ tăng trưởng kinh tế (GRDP) đạt từ 7,5% đến 8% so với năm trước."
    new_text = (
        FILLER + "Phấn đấu tốc độ tăng trưởng kinh tế (GRDP) đạt từ 7,8% đến 8% so với năm trước."
    )
    pages = [FILLER, new_text]
    anchor = find_anchor(pages, old, page_hint=1)
    assert anchor is not None
    assert not anchor.exact
    assert anchor.similarity >= 0.9
    assert anchor.page == 2
    assert located(pages, anchor).startswith("Phấn đấu")
    assert located(pages, anchor).endswith("năm trước.")


def test_rewritten_passage_is_not_matched() -> None:
    pages = [FILLER, "Phấn đấu tăng trưởng kinh tế cao hơn năm trước, khoảng 10%."]
    quote = "Phấn đấu tốc độ tăng trưởng kinh tế (GRDP) đạt từ 7,5% đến 8% so với năm trước."
    assert find_anchor(pages, quote, page_hint=2) is None


def test_text_gone_returns_none() -> None:
    pages = [FILLER, FILLER]
    assert find_anchor(pages, "Điều 9. Hiệu lực thi hành", page_hint=1) is None


def test_empty_quote_or_document_returns_none() -> None:
    assert find_anchor([FILLER], "   ") is None
    assert find_anchor([], "Điều 1") is None


def test_prepared_pages_can_be_reused_for_many_quotes() -> None:
    pages = Pages([FILLER, BUDGET])
    assert find_anchor(pages, QUOTE).page == 2  # type: ignore[union-attr]
    assert find_anchor(pages, "theo dõi và báo cáo").page == 1  # type: ignore[union-attr]


def test_collapse_whitespace_is_for_display() -> None:
    assert collapse_whitespace(" Sở Tài\n chính\t ") == "Sở Tài chính"


def test_search_stays_fast_on_a_300_page_paper() -> None:
    words = [f"mục{n} nội dung số {n * 7 % 1013} của đề án" for n in range(300 * 40)]
    pages = [" ".join(words[i * 40 : (i + 1) * 40]) for i in range(300)]
    prepared = Pages(pages)
    quote_page = pages[250]
    quote = quote_page[40:400].replace("nội dung", "nội-dung", 1)  # a small change: fuzzy path
    long_quote = " ".join(pages[120:122])[:2000]
    long_quote = long_quote[:900] + "được bổ sung" + long_quote[910:]
    started = time.perf_counter()
    anchor = find_anchor(prepared, quote, page_hint=10)
    long_anchor = find_anchor(prepared, long_quote, page_hint=1)
    missing = find_anchor(prepared, "một đoạn văn không hề có trong tài liệu này " * 4, page_hint=3)
    elapsed = time.perf_counter() - started
    assert anchor is not None
    assert anchor.page == 251
    assert long_anchor is not None
    assert (long_anchor.page, long_anchor.start) == (121, 0)
    assert missing is None
    assert elapsed < 2.0
