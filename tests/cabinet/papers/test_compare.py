"""What changed between two versions: page alignment and word diffs (cabinet.papers.lib.compare), and the
comparison page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.papers.lib.compare import Comparison, Op, Segment, compare_pages, diff_words
from tests.factories import Room, add_version, attach
from tests.factories.papers import text_pdf_upload

P1 = "Điều 1. Phê duyệt kế hoạch chuyển đổi số năm 2026 của thành phố."
P2 = "Điều 2. Kinh phí thực hiện là 120 tỷ đồng từ ngân sách thành phố."
P3 = "Điều 3. Giao Sở Khoa học và Công nghệ chủ trì, phối hợp các sở ngành."
P4 = "Điều 4. Quyết định có hiệu lực kể từ ngày ký ban hành."
INSERTED = "Phụ lục. Danh mục các dự án ưu tiên đầu tư trong giai đoạn tới gồm nhiều hạng mục."


def statuses(comparison: Comparison) -> list[tuple[str, int | None, int | None]]:
    return [(p.status.value, p.old_number, p.new_number) for p in comparison.pages]


def test_identical_versions_have_no_differences_even_with_different_line_breaks() -> None:
    old = [P1, P2]
    new = [P1.replace(" ", "\n", 3), P2 + "  "]
    comparison = compare_pages(old, new)
    assert comparison.identical
    assert (comparison.unchanged, comparison.changed) == (2, 0)


def test_an_inserted_page_does_not_mark_the_following_pages_changed() -> None:
    comparison = compare_pages([P1, P2, P3, P4], [P1, INSERTED, P2, P3, P4])
    assert statuses(comparison) == [
        ("unchanged", 1, 1),
        ("added", None, 2),
        ("unchanged", 2, 3),
        ("unchanged", 3, 4),
        ("unchanged", 4, 5),
    ]
    assert (comparison.added, comparison.changed, comparison.removed) == (1, 0, 0)


def test_a_removed_page_is_reported_with_its_old_number() -> None:
    comparison = compare_pages([P1, P2, P3], [P1, P3])
    assert ("removed", 2, None) in statuses(comparison)
    assert comparison.removed == 1
    assert comparison.changed == 0


def test_an_edited_page_is_changed_with_a_word_diff() -> None:
    edited = P2.replace("120 tỷ", "150 tỷ")
    comparison = compare_pages([P1, P2, P3], [P1, edited, P3])
    assert statuses(comparison) == [
        ("unchanged", 1, 1),
        ("changed", 2, 2),
        ("unchanged", 3, 3),
    ]
    page = comparison.differences[0]
    assert Segment(Op.DELETE, "120") in page.segments
    assert Segment(Op.INSERT, "150") in page.segments
    assert (page.inserted_words, page.deleted_words) == (1, 1)


def test_edited_page_next_to_an_inserted_one_is_paired_with_its_old_self() -> None:
    edited = P3.replace("chủ trì", "chủ trì thực hiện")
    comparison = compare_pages([P1, P2, P3, P4], [P1, P2, INSERTED, edited, P4])
    assert statuses(comparison) == [
        ("unchanged", 1, 1),
        ("unchanged", 2, 2),
        ("added", None, 3),
        ("changed", 3, 4),
        ("unchanged", 4, 5),
    ]


def test_word_diff_keeps_order_and_replaces_as_delete_then_insert() -> None:
    segments = diff_words("giao Sở Tài chính chủ trì".split(), "giao Sở Nội vụ chủ trì".split())
    assert segments == [
        Segment(Op.EQUAL, "giao Sở"),
        Segment(Op.DELETE, "Tài chính"),
        Segment(Op.INSERT, "Nội vụ"),
        Segment(Op.EQUAL, "chủ trì"),
    ]


def test_long_unchanged_stretches_are_elided_around_changes() -> None:
    old = [f"w{n}" for n in range(100)]
    new = [*old[:50], "mới", *old[50:]]
    segments = diff_words(old, new, context=3)
    ops = [s.op for s in segments]
    assert ops == [Op.SKIP, Op.EQUAL, Op.INSERT, Op.EQUAL, Op.SKIP]
    assert segments[1].text == "w47 w48 w49"
    assert segments[3].text == "w50 w51 w52"


def test_case_changes_count_as_changes() -> None:
    comparison = compare_pages(["Ủy ban nhân dân"], ["ỦY BAN NHÂN DÂN"])
    assert comparison.changed == 1


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
    assert "1 trang thay đổi, 1 trang thêm, 0 trang bỏ" in html
    assert "<del" in html
    assert ">120</del>" in html
    assert ">150</ins>" in html
    assert "Phụ lục" in html
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
