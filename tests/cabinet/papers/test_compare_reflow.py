"""The "Xem thay đổi" page on real PDFs whose text flows across pages: an edit moves the line and
page breaks after it, and only the edits may be reported (issue 19, point 14)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from fpdf import FPDF
from pypdf import PdfReader

from cabinet.records.documents.paper_render import FONT_FILES, _font_path
from tests.factories import Room, add_version, attach
from tests.factories.papers import text_pdf_upload

SUBJECTS = [
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Khoa học và Công nghệ",
    "Sở Nội vụ",
    "Sở Thông tin và Truyền thông",
    "Ủy ban nhân dân các quận, huyện",
]
TASKS = [
    "rà soát danh mục dự án chuyển đổi số, đề xuất thứ tự ưu tiên đầu tư theo từng năm",
    "hướng dẫn các đơn vị lập dự toán kinh phí và tổng hợp báo cáo định kỳ hằng quý",
    "xây dựng quy chế phối hợp, chia sẻ dữ liệu giữa các cơ quan trong hệ thống chính quyền",
    "tổ chức tập huấn kỹ năng số cho cán bộ, công chức, viên chức ở cấp xã, phường",
    "kiểm tra, đôn đốc việc triển khai các nhiệm vụ được giao và báo cáo kết quả thực hiện",
]


def paragraphs() -> list[str]:
    """About eight A4 pages of varied decision text."""
    return [
        f"Điều {n}. Giao {SUBJECTS[n % len(SUBJECTS)]} chủ trì, phối hợp với các cơ quan liên quan "
        f"{TASKS[n % len(TASKS)]}; thời hạn hoàn thành trước ngày {n % 28 + 1} tháng {n % 12 + 1} "
        f"năm 2026. Kinh phí thực hiện nhiệm vụ số {n} là {n * 7 % 90 + 10} tỷ đồng từ ngân sách "
        f"thành phố, bảo đảm đúng quy định, tiết kiệm, hiệu quả và công khai, minh bạch."
        for n in range(1, 61)
    ]


def flowing_pdf(paras: list[str], *, size: float = 12) -> bytes:
    """An A4 PDF where the paragraphs flow from page to page, numbered at the foot of each page as
    a word processor lays out a document."""

    class Numbered(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Serif", "", 10)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Numbered(format="A4", unit="mm")
    pdf.add_font("Serif", "", str(_font_path(FONT_FILES[""])))
    pdf.set_margins(left=30, top=20, right=15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Serif", "", size)
    for para in paras:
        pdf.multi_cell(
            0, size / 2, unicodedata.normalize("NFC", para), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)
    return bytes(pdf.output())


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("quyet-dinh.pdf", data, content_type="application/pdf")


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def page_of(data: bytes, phrase: str) -> int:
    """The page of the PDF whose extracted text shows the phrase (spacing aside)."""
    want = "".join(phrase.split())
    found = [n for n, text in enumerate(page_texts(data), 1) if want in "".join(text.split())]
    assert len(found) == 1, (phrase, found)
    return found[0]


def edited(paras: list[str]) -> list[str]:
    """Three small edits: a phrase added early (every later line and page break moves), a figure
    changed mid-way, two words removed near the end."""
    paras = list(paras)
    paras[1] = paras[1].replace("chủ trì,", "chủ trì, cùng Văn phòng Ủy ban nhân dân thành phố,")
    paras[19] = paras[19].replace("là 60 tỷ đồng", "là 65 tỷ đồng")
    paras[35] = paras[35].replace("tiết kiệm, hiệu quả", "hiệu quả")
    return paras


def change_blocks(html: str) -> list[str]:
    return re.findall(r'<li class="compare-change.*?</li>', html, flags=re.DOTALL)


def struck(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<del>(.*?)</del>", html, re.DOTALL)
    ]


@pytest.fixture
def room() -> Room:
    return Room()


@pytest.mark.django_db
def test_three_small_edits_in_reflowed_text_are_three_changes_on_their_new_pages(
    room: Room, client: Client
) -> None:
    old_pdf = flowing_pdf(paragraphs())
    new_pdf = flowing_pdf(edited(paragraphs()))
    # The set-up is what the issue describes: the first edit pushed the text down, so most pages'
    # texts differ between the versions although only three places were edited.
    old_pages, new_pages = page_texts(old_pdf), page_texts(new_pdf)
    assert len(old_pages) >= 6
    differing = sum(1 for a, b in zip(old_pages, new_pages, strict=False) if a.split() != b.split())
    assert differing >= len(old_pages) - 1
    figure_page = page_of(new_pdf, "là 65 tỷ đồng")
    removal_page = page_of(new_pdf, "quy định, hiệu quả")
    assert 1 < figure_page < removal_page

    paper = attach(room.meeting, room.public_item, upload=upload(old_pdf))
    add_version(paper, upload=upload(new_pdf))
    client.force_login(room.member.user)
    response = client.get(reverse("cabinet:paper_compare", args=[paper.pk, 1, 2]))
    assert response.status_code == 200
    html = response.content.decode()

    assert "3 thay đổi" in html
    assert "trang thay đổi" not in html
    blocks = change_blocks(html)
    assert len(blocks) == 3
    added, figure, removal = blocks
    view = reverse("cabinet:paper_view", args=[paper.pk, 2])
    assert "<ins>cùng Văn phòng Ủy ban nhân dân thành phố,</ins>" in added
    assert f'href="{view}#page=1&amp;' in added
    assert "<del>60</del>" in figure
    assert "<ins>65</ins>" in figure
    assert f'href="{view}#page={figure_page}&amp;' in figure
    old_view = reverse("cabinet:paper_view", args=[paper.pk, 1])
    assert f'href="{old_view}#page={page_of(old_pdf, "là 60 tỷ đồng")}"' in figure
    assert "<del>tiết kiệm,</del>" in removal
    assert "<ins>" not in removal
    assert f'href="{view}#page={removal_page}&amp;' in removal
    # Nothing but the edited words is struck through: no whole paragraphs.
    assert struck(html) == ["60", "tiết kiệm,"]


@pytest.mark.django_db
def test_the_same_text_laid_out_again_reports_no_change(room: Room, client: Client) -> None:
    old_pdf = flowing_pdf(paragraphs(), size=12)
    new_pdf = flowing_pdf(paragraphs(), size=13)  # other line breaks, other page breaks
    assert len(page_texts(new_pdf)) > len(page_texts(old_pdf))
    paper = attach(room.meeting, room.public_item, upload=upload(old_pdf))
    add_version(paper, upload=upload(new_pdf))
    client.force_login(room.member.user)
    html = client.get(reverse("cabinet:paper_compare", args=[paper.pk, 1, 2])).content.decode()
    assert "Nội dung chữ của hai phiên bản giống nhau." in html
    assert change_blocks(html) == []
    assert "<del" not in html
    assert "<ins>" not in html


@pytest.mark.django_db
def test_text_moved_to_other_pages_by_hand_reports_no_change(room: Room, client: Client) -> None:
    # One page per string (the factory's layout): the same sentences split over other pages.
    text = " ".join(paragraphs()[:6])
    cut = text.split()
    old = [" ".join(cut[:90]), " ".join(cut[90:180]), " ".join(cut[180:])]
    new = [" ".join(cut[:60]), " ".join(cut[60:150]), " ".join(cut[150:250]), " ".join(cut[250:])]
    paper = attach(room.meeting, room.public_item, upload=text_pdf_upload(old))
    add_version(paper, upload=text_pdf_upload(new))
    client.force_login(room.member.user)
    html = client.get(reverse("cabinet:paper_compare", args=[paper.pk, 1, 2])).content.decode()
    assert "Nội dung chữ của hai phiên bản giống nhau." in html
    assert change_blocks(html) == []


@pytest.mark.django_db
def test_the_viewers_link_to_the_changes_opens_them(room: Room, client: Client) -> None:
    paper = attach(room.meeting, room.public_item, upload=upload(flowing_pdf(paragraphs())))
    add_version(paper, upload=upload(flowing_pdf(edited(paragraphs()))))
    client.force_login(room.member.user)
    viewer = client.get(reverse("cabinet:paper_view", args=[paper.pk, 1])).content.decode()
    compare_url = reverse("cabinet:paper_compare", args=[paper.pk, 1, 2])
    assert f'href="{compare_url}">Xem thay đổi</a>' in viewer
    html = client.get(compare_url).content.decode()
    assert "3 thay đổi" in html
    assert len(change_blocks(html)) == 3


@pytest.mark.django_db
def test_the_changes_read_in_english(room: Room, client: Client) -> None:
    paper = attach(room.meeting, room.public_item, upload=upload(flowing_pdf(paragraphs())))
    add_version(paper, upload=upload(flowing_pdf(edited(paragraphs()))))
    client.force_login(room.member.user)
    url = reverse("cabinet:paper_compare", args=[paper.pk, 1, 2])
    client.post(reverse("set_language"), {"language": "en", "next": url})
    html = client.get(url).content.decode()
    assert "3 changes" in html
    assert ">Page 1</a>" in html
    assert "(old version: <a href=" in html
    assert ">Added</span>" in html
    assert ">Removed</span>" in html
    assert ">Changed</span>" in html
    assert "line breaks, page breaks and page numbers do not count as changes" in html
