"""End to end in headless Chromium, after the meeting: the secretary records a task by typing
its sentence, drafts the conclusion notice, the chair approves it, the secretary issues it, and
the demo meeting's issued notice is rendered to PDF and PNG for a look beside Decree 30's
appendix (test-artifacts/notice-demo-*.png)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.browser

TITLE = "Họp chuyên đề về chống ngập úng mùa mưa năm 2027"
PAST = (
    "Họp chuyên đề về cải cách hành chính, dịch vụ công trực tuyến và thực hiện Đề án 06 năm 2026"
)
SENTENCE = (
    "Giao Sở Xây dựng chủ trì, phối hợp với Sở Tài chính và Sở Nông nghiệp và Môi trường rà soát "
    "các điểm úng ngập, đề xuất giải pháp; báo cáo UBND Thành phố trước ngày 15/03/2027."
)


def choose_person(page: Page, select: str, name: str) -> None:
    value = page.locator(f"{select} option", has_text=name).first.get_attribute("value")
    page.select_option(select, value=value)


def _held_meeting(page: Page, base: str) -> str:
    """Create, staff, publish, start and end a meeting as the secretary; its page's URL."""
    page.get_by_role("link", name="+ Tạo cuộc họp").click()
    page.get_by_label("Tên cuộc họp").fill(TITLE)
    page.get_by_label("Địa điểm").fill("Phòng họp số 1, trụ sở UBND Thành phố")
    page.get_by_label("Bắt đầu").fill("2026-11-20T08:00")
    page.get_by_label("Dự kiến kết thúc").fill("2026-11-20T10:00")
    page.select_option("#id_organizer_unit", label="Văn phòng UBND Thành phố")
    page.get_by_role("button", name="Tạo cuộc họp").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    meeting_url = page.url
    page.get_by_role("link", name="Thành phần dự họp").click()
    choose_person(page, "#id_user", "Phạm Đức Toàn")
    page.select_option("#id_role", value="chair")
    page.get_by_role("button", name="Mời", exact=True).click()
    expect(page.get_by_text("Đã mời Phạm Đức Toàn")).to_be_visible()
    page.goto(meeting_url)
    page.get_by_role("link", name="Chương trình", exact=True).click()
    page.locator("#id_title").fill("Phương án chống ngập úng mùa mưa năm 2027")
    page.get_by_role("button", name="Thêm vào chương trình").click()
    page.goto(meeting_url)
    page.get_by_role("button", name="Gửi giấy mời").click()
    page.get_by_role("button", name="Bắt đầu cuộc họp").click()
    page.get_by_role("button", name="Kết thúc cuộc họp").click()
    expect(page.locator("#meeting-status")).to_have_text("Đã kết thúc")
    return meeting_url


def test_a_task_typed_as_a_sentence_ends_in_an_issued_notice(
    live_system: str, browser: Browser, artifacts: Path
) -> None:
    base = live_system
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "thuky")
    meeting_url = _held_meeting(page, base)
    expect(page.locator("#notice-due")).to_contain_text("hạn ban hành")

    # The record: a conclusion and a task typed as a sentence, the fields filled from it.
    page.get_by_role("link", name="Kết luận và nhiệm vụ").click()
    section = page.locator(".record-item", has_text="Phương án chống ngập úng")
    section.locator("textarea").fill("Thống nhất phương án của Sở Xây dựng.")
    # One save for the page's boxes (issue 19, point 4).
    section.get_by_role("button", name="Lưu các kết luận").click()
    expect(page.get_by_text("Đã lưu các kết luận.")).to_be_visible()
    page.locator(".record-item", has_text="Phương án chống ngập úng").get_by_role(
        "link", name="+ Thêm nhiệm vụ"
    ).click()
    page.get_by_label("Câu giao nhiệm vụ").fill(SENTENCE)
    page.get_by_role("button", name="Điền từ câu").click()
    expect(page.locator("#id_lead_unit option:checked")).to_have_text("Sở Xây dựng")
    expect(page.get_by_label("Sở Tài chính")).to_be_checked()
    expect(page.get_by_label("Sở Nông nghiệp và Môi trường")).to_be_checked()
    expect(page.get_by_label("Thời hạn")).to_have_value("2027-03-15")
    page.screenshot(path=str(artifacts / "task-form-filled.png"), full_page=True)
    page.get_by_role("button", name="Lưu nhiệm vụ").click()
    expect(page.get_by_text("Đã lưu nhiệm vụ.")).to_be_visible()
    expect(page.locator(".task-sentence")).to_contain_text("Sở Xây dựng")

    # The draft, saved with an edited assessment.
    page.get_by_role("link", name="Soạn thông báo kết luận").click()
    preview = page.locator(".paper-preview")
    expect(preview).to_contain_text("DỰ THẢO")
    # Coordinating units are listed by name.
    expect(preview).to_contain_text(
        "Giao Sở Xây dựng chủ trì, phối hợp với Sở Nông nghiệp và Môi trường và Sở Tài chính rà "
        "soát các điểm úng ngập"
    )
    page.get_by_label("I. Đánh giá chung").fill("Các đơn vị đã chuẩn bị chu đáo phương án.")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.get_by_text("Đã lưu dự thảo.")).to_be_visible()
    expect(preview).to_contain_text("Các đơn vị đã chuẩn bị chu đáo phương án.")
    page.screenshot(path=str(artifacts / "notice-draft.png"), full_page=False)
    notice_url = page.url

    # The chair approves on his own tablet.
    chair_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    chair = chair_context.new_page()
    sign_in(chair, base, "chutich")
    chair.goto(notice_url)
    chair.get_by_role("button", name="Duyệt dự thảo").click()
    expect(chair.get_by_text("Đã duyệt dự thảo thông báo kết luận.")).to_be_visible()
    chair_context.close()

    # The secretary issues it: number, date, read-only.
    page.goto(notice_url)
    page.get_by_role("button", name="Ban hành").click()
    expect(page.get_by_text(re.compile(r"Đã ban hành Thông báo số \d{2}/TB-UBND"))).to_be_visible()
    expect(page.get_by_role("button", name="Lưu dự thảo")).to_have_count(0)
    expect(page.locator(".paper-preview")).not_to_contain_text("DỰ THẢO")
    docx = page.request.get(notice_url.replace("/notice/", "/notice.docx"))
    assert docx.ok
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.body())).paragraphs)
    assert "Các đơn vị đã chuẩn bị chu đáo phương án." in text
    page.goto(meeting_url)
    expect(page.locator("#issued-notice")).to_contain_text("/TB-UBND")
    assert errors == []
    context.close()


def test_the_demo_notice_renders_to_pdf_and_png(
    live_system: str, tablet: Page, artifacts: Path
) -> None:
    page = tablet
    sign_in(page, live_system, "thuky")
    page.get_by_role("link", name=PAST).first.click()
    # The worker makes the PDF: the link opens "Đang tạo bản PDF…", which follows it (htmx,
    # under the CSP) until the PDF's link appears; the file is fetched with the page's session.
    page.locator("#issued-notice a", has_text="PDF").click()
    expect(page.get_by_role("heading", name="Đang tạo bản PDF…")).to_be_visible()
    ready = page.get_by_role("link", name="Tải bản PDF")
    expect(ready).to_be_visible(timeout=120_000)
    href = ready.get_attribute("href")
    response = page.request.get(f"{live_system}{href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    pdf = artifacts / "notice-demo.pdf"
    pdf.write_bytes(response.body())
    flat = " ".join(
        " ".join(
            page_.extract_text() for page_ in PdfReader(io.BytesIO(response.body())).pages
        ).split()
    )
    assert "Số: 01/TB-UBND" in flat
    assert "THÔNG BÁO" in flat
    assert "Kết luận của đồng chí Nguyễn Thị Thu Hà" in flat
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: the test command installs Debian's poppler-utils")
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(pdf), str(artifacts / "notice-demo")], check=True
    )
    pages = sorted(artifacts.glob("notice-demo-*.png"))
    assert pages
    assert pages[0].stat().st_size > 10_000


def test_a_unit_reports_its_overdue_task_and_the_office_confirms_it(
    live_system: str, browser: Browser, tmp_path: Path
) -> None:
    """The demo's overdue task of the police: the police report it done with a PDF, the office
    confirms; the task leaves the overdue list and the police's reminder."""
    from cabinet.records.documents.paper_render import DocumentHeader, render_document

    base = live_system
    report = tmp_path / "bao-cao-lam-sach-du-lieu.pdf"
    report.write_bytes(
        render_document(
            DocumentHeader(
                "UBND THÀNH PHỐ HÀ NỘI",
                "Công an Thành phố",
                "91/BC-CATP",
                "Hà Nội",
                __import__("datetime").date(2026, 11, 28),
            ),
            "# BÁO CÁO\n\nĐã hoàn thành làm sạch dữ liệu dân cư tại 126/126 phường, xã.",
        )
    )
    police = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN").new_page()
    sign_in(police, base, "gd.congan")
    reminders = police.locator(".task-reminders")
    expect(reminders.locator(".overdue-title")).to_be_visible()
    expect(reminders).to_contain_text("làm sạch dữ liệu dân cư")
    police.get_by_role("link", name=re.compile("Nhiệm vụ")).first.click()
    police.get_by_role("link", name=re.compile("làm sạch dữ liệu dân cư")).first.click()
    police.get_by_label("Đã hoàn thành – đề nghị Văn phòng xác nhận").check()
    police.get_by_label("Nội dung báo cáo").fill("Đã làm sạch dữ liệu tại 126/126 phường, xã.")
    police.set_input_files("input[type=file]", str(report))
    police.get_by_role("button", name="Gửi báo cáo").click()
    expect(police.get_by_text("Chờ xác nhận").first).to_be_visible()
    attachment = police.locator("a.attachment", has_text="bao-cao-lam-sach-du-lieu.pdf")
    expect(attachment).to_have_count(1)
    assert (
        police.request.get(base + (attachment.get_attribute("href") or ""))
        .body()
        .startswith(b"%PDF-")
    )
    task_url = police.url
    police.context.close()

    office = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN").new_page()
    sign_in(office, base, "thuky")
    office.goto(task_url)
    office.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(office.get_by_text("Hoàn thành").first).to_be_visible()
    office.goto(f"{base}/tasks/?status=overdue")
    expect(office.get_by_text("làm sạch dữ liệu dân cư")).to_have_count(0)
    expect(office.get_by_text("xây dựng phương án hỗ trợ chứng thư chữ ký số")).to_have_count(1)
    office.context.close()
