"""What changed between two versions: their texts compared as a whole, layout aside
(cabinet.papers.lib.compare), and the comparison page."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.papers.lib.compare import (
    Change,
    Comparison,
    Op,
    Segment,
    compare_texts,
    document_words,
)
from tests.factories import Room, add_version, attach
from tests.factories.papers import text_pdf_upload

P1 = "Điều 1. Phê duyệt kế hoạch chuyển đổi số năm 2026 của thành phố."
P2 = "Điều 2. Kinh phí thực hiện là 120 tỷ đồng từ ngân sách thành phố."
P3 = "Điều 3. Giao Sở Khoa học và Công nghệ chủ trì, phối hợp các sở ngành."
P4 = "Điều 4. Quyết định có hiệu lực kể từ ngày ký ban hành."
INSERTED = "Phụ lục. Danh mục các dự án ưu tiên đầu tư trong giai đoạn tới gồm nhiều hạng mục."


def compare(old: list[str], new: list[str]) -> Comparison:
    return compare_texts(old, new)


def one(comparison: Comparison) -> Change:
    assert len(comparison.changes) == 1, comparison.changes
    return comparison.changes[0]


def test_the_same_words_with_other_line_and_page_breaks_are_no_change() -> None:
    text = " ".join([P1, P2, P3, P4])
    cut = text.split()
    old = [" ".join(cut[:20]), " ".join(cut[20:])]
    new = [
        "\n".join(cut[:7]),
        "  ".join(cut[7:31]) + "\n",
        " ".join(cut[31:40]).replace(" ", "\n", 3),
        " ".join(cut[40:]),
    ]
    comparison = compare(old, new)
    assert comparison.identical
    assert (comparison.old_page_count, comparison.new_page_count) == (2, 4)


def test_page_numbers_printed_at_the_top_or_foot_are_not_text() -> None:
    old = [f"{P1}\n{P2}\n1", f"{P3}\n2", f"{P4}\n3"]
    new = [f"{P1}\n- 1 -", f"Trang 2\n{P2}\n{P3}", f"{P4}\n3/3"]
    assert compare(old, new).identical
    # A number that is part of the text is kept.
    assert not compare([f"{P1}\n1"], [f"{P1}\n7"]).identical


def test_a_word_hyphenated_at_a_line_or_page_end_is_the_whole_word() -> None:
    old = ["Phê duyệt kế hoạch chuyển đổi số của thành phố trong năm nay"]
    new = ["Phê duyệt kế hoạch chuyển đổi số của thành ph-\nố trong năm nay"]
    assert compare(old, new).identical
    assert compare(
        old, ["Phê duyệt kế hoạch chuyển đổi số của thành ph-\n1", "2\nố trong năm nay"]
    ).identical
    # A hyphen that is part of the word stays, wherever the line breaks.
    assert compare(["số ca COVID-19 giảm"], ["số ca COVID-\n19 giảm"]).identical
    assert compare(["kinh tế-xã hội"], ["kinh tế-\nxã hội"]).identical
    words = document_words(["số ca COVID-\n19 giảm, kinh tế -\nxã hội"])
    assert words.shown == ["số", "ca", "COVID-19", "giảm,", "kinh", "tế", "-", "xã", "hội"]


def test_an_edit_is_one_change_with_context_and_the_pages_it_is_on_in_each_version() -> None:
    old = [P1, P2 + " " + P3, P4]
    # A new first page pushes the edited sentence from page 2 to page 3.
    new = [P1, INSERTED, P2.replace("120 tỷ", "150 tỷ") + "\n" + P3, P4]
    comparison = compare(old, new)
    assert len(comparison.changes) == 2
    added, edited = comparison.changes
    assert added.kind == "insert"
    assert added.segments == (Segment(Op.INSERT, INSERTED),)
    assert (added.new_pages, added.old_pages) == ((2,), (2,))
    assert edited.kind == "replace"
    assert edited.segments == (Segment(Op.DELETE, "120"), Segment(Op.INSERT, "150"))
    assert edited.before == "mục. Điều 2. Kinh phí thực hiện là"
    assert edited.after == "tỷ đồng từ ngân sách thành phố. Điều"
    assert (edited.before_cut, edited.after_cut) == (True, True)
    assert (edited.new_pages, edited.old_pages) == ((3,), (2,))
    assert edited.highlight == "150 tỷ đồng từ ngân sách thành phố."
    assert (comparison.inserted_words, comparison.deleted_words) == (
        len(INSERTED.split()) + 1,
        1,
    )


def test_a_change_over_a_page_break_names_both_pages() -> None:
    change = one(compare([f"{P1} {P2}"], [f"{P1} Phụ lục\nmột", f"hai {P2}"]))
    assert change.segments == (Segment(Op.INSERT, "Phụ lục một hai"),)
    assert (change.new_pages, change.new_span, change.old_span) == ((1, 2), "1–2", "1")


def test_text_removed_at_the_end_is_placed_on_the_last_page() -> None:
    change = one(compare([P1, P2, P3], [P1, P2]))
    assert change.kind == "delete"
    assert change.segments == (Segment(Op.DELETE, P3),)
    assert (change.old_pages, change.new_pages) == ((3,), (2,))
    assert change.after == ""
    assert not change.after_cut


def test_edits_a_few_words_apart_are_one_change_far_apart_are_two() -> None:
    change = one(compare([P3], [P3.replace("Sở Khoa học và Công nghệ", "Sở Nội vụ")]))
    assert change.segments == (
        Segment(Op.DELETE, "Khoa học và Công nghệ"),
        Segment(Op.INSERT, "Nội vụ"),
    )
    near = one(compare([P2], [P2.replace("hiện là 120", "hiện dự kiến là 150")]))
    assert near.segments == (
        Segment(Op.INSERT, "dự kiến"),
        Segment(Op.EQUAL, "là"),
        Segment(Op.DELETE, "120"),
        Segment(Op.INSERT, "150"),
    )
    far = compare(
        [P1, P2, P3], [P1.replace("2026", "2027"), P2, P3.replace("sở ngành", "sở, ngành")]
    )
    assert len(far.changes) == 2


def test_case_changes_count_as_changes() -> None:
    change = one(compare(["Ủy ban nhân dân"], ["ỦY BAN NHÂN DÂN"]))
    assert change.kind == "replace"


def test_a_version_without_text_is_not_called_identical() -> None:
    comparison = compare(["", ""], [P1])
    assert comparison.without_text
    assert compare([P1], [P1]).identical
    assert not compare([P1], [P1]).without_text


def test_a_long_paper_that_repeats_itself_is_compared_quickly_and_exactly() -> None:
    # 150 pages where every sentence recurs many times (the worst case for difflib alone: it
    # took minutes), thirty small edits, and every page break moved.
    sentences = [P1, P2, P3, P4] * 600
    edited = list(sentences)
    for n in range(0, len(edited), 80):
        edited[n] = edited[n].replace("chuyển đổi số", "chuyển đổi số và kinh tế số")
    old = [" ".join(sentences[n : n + 16]) for n in range(0, len(sentences), 16)]
    new = [" ".join(edited[n : n + 17]) for n in range(0, len(edited), 17)]
    started = time.perf_counter()
    comparison = compare(old, new)
    assert time.perf_counter() - started < 20
    assert len(comparison.changes) == 30
    # Each is "và kinh tế số" inserted (or, as well, "số và kinh tế" one word earlier).
    assert {(c.inserted_words, c.deleted_words) for c in comparison.changes} == {(4, 0)}
    last = max(range(0, len(edited), 80))  # the last edited sentence: 17 a page now, 16 before
    assert comparison.changes[-1].new_pages == (last // 17 + 1,) == (137,)
    assert comparison.changes[-1].old_pages == (last // 16 + 1,) == (146,)


# The page, end to end (real PDFs, real extraction).


@pytest.fixture
def room() -> Room:
    return Room()


@pytest.mark.django_db
def test_compare_page_shows_the_summary_and_the_inline_changes(room: Room, client: Client) -> None:
    paper = attach(room.meeting, room.public_item, upload=text_pdf_upload([P1, P2, P3]))
    add_version(paper, upload=text_pdf_upload([P1, P2.replace("120 tỷ", "150 tỷ"), INSERTED, P3]))
    client.force_login(room.member.user)
    response = client.get(reverse("cabinet:paper_compare", args=[paper.pk, 1, 2]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 thay đổi" in html
    assert "<del>120</del> <ins>150</ins>" in html
    assert f"<ins>{INSERTED}</ins>" in html
    assert reverse("cabinet:paper_view", args=[paper.pk, 1]) in html
    assert reverse("cabinet:paper_view", args=[paper.pk, 2]) in html
    assert reverse("cabinet:meeting", args=[room.meeting.pk]) in html
    # Unchanged pages are only counted.
    assert P1 not in html


@pytest.mark.django_db
def test_compare_needs_two_readable_ready_versions(room: Room, client: Client) -> None:
    paper = attach(room.meeting, room.restricted_item, upload=text_pdf_upload([P1]))
    add_version(paper, upload=text_pdf_upload([P2]))
    url = reverse("cabinet:paper_compare", args=[paper.pk, 1, 2])
    client.force_login(room.member.user)  # not on the restricted item's audience
    assert client.get(url).status_code == 404
    client.force_login(room.listed_member.user)
    assert client.get(url).status_code == 200
    assert client.get(reverse("cabinet:paper_compare", args=[paper.pk, 1, 3])).status_code == 404
    client.force_login(room.outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
