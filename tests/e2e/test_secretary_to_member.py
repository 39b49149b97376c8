"""End to end in headless Chromium: the secretary prepares and publishes a meeting with a paper;
a member signs in on a tablet and finds it, with the paper readable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cabinet.records.documents.paper_render import DocumentHeader, render_document
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.browser

TITLE = "Họp chuyên đề về phòng cháy chữa cháy nhà ở nhiều tầng"


def choose_person(page: Page, select: str, name: str) -> None:
    value = page.locator(f"{select} option", has_text=name).first.get_attribute("value")
    page.select_option(select, value=value)


def test_secretary_publishes_and_member_sees_it(
    live_system: str, tablet: Page, artifacts: Path, tmp_path: Path
) -> None:
    base, page = live_system, tablet
    page.on("dialog", lambda dialog: dialog.accept())

    # The secretary creates the meeting.
    sign_in(page, base, "thuky")
    page.get_by_role("link", name="+ Tạo cuộc họp").click()
    page.get_by_label("Tên cuộc họp").fill(TITLE)
    page.get_by_label("Địa điểm").fill("Phòng họp số 2, trụ sở UBND Thành phố")
    page.get_by_label("Bắt đầu").fill("2027-01-15T08:00")
    page.get_by_label("Dự kiến kết thúc").fill("2027-01-15T11:00")
    page.select_option("#id_organizer_unit", label="Văn phòng UBND Thành phố")
    page.get_by_role("button", name="Tạo cuộc họp").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # Participants: a chair and a member.
    page.get_by_role("link", name="Thành phần dự họp").click()
    choose_person(page, "#id_user", "Phạm Đức Toàn")
    page.select_option("#id_role", value="chair")
    page.get_by_role("button", name="Mời", exact=True).click()
    expect(page.get_by_text("Đã mời Phạm Đức Toàn")).to_be_visible()
    choose_person(page, "#id_user", "Trịnh Quang Vinh")
    page.select_option("#id_role", value="member")
    page.get_by_role("button", name="Mời", exact=True).click()
    expect(page.get_by_text("Đã mời Trịnh Quang Vinh")).to_be_visible()

    # Agenda: two items.
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Chương trình", exact=True).click()
    for title in ("Báo cáo kết quả kiểm tra an toàn PCCC năm 2026", "Dự thảo kế hoạch năm 2027"):
        page.locator("#id_title").fill(title)
        page.get_by_role("button", name="Thêm vào chương trình").click()
        expect(page.locator(".editor-title", has_text=title)).to_be_visible()

    # A paper on the first item, as a real PDF file chosen in the file picker.
    pdf = tmp_path / "bao-cao-pccc.pdf"
    pdf.write_bytes(
        render_document(
            DocumentHeader(
                "UBND THÀNH PHỐ HÀ NỘI",
                "Công an Thành phố",
                "88/BC-CATP",
                "Hà Nội",
                dt.date(2027, 1, 5),
            ),
            "# BÁO CÁO\n\nKết quả kiểm tra an toàn phòng cháy chữa cháy nhà ở nhiều tầng năm 2026.",
        )
    )
    page.locator(".editor-item", has_text="Báo cáo kết quả kiểm tra").get_by_role(
        "link", name="+ Tài liệu"
    ).click()
    page.get_by_label("Tên tài liệu").fill("Báo cáo kiểm tra PCCC")
    page.select_option("#id_kind", value="report")
    page.set_input_files("#id_file", str(pdf))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_text("Đã tải lên tài liệu")).to_be_visible()
    # The upload returned at once; the worker checks and extracts it while the page shows progress.
    # When it is ready, either the progress fragment says so or the page has already reloaded on
    # the paper.added event and lists the paper as openable.
    ready = page.locator(".version-status.ready").or_(
        page.locator("a.paper-open", has_text="Báo cáo kiểm tra PCCC")
    )
    expect(ready.first).to_be_visible(timeout=30_000)

    # Publish.
    page.get_by_role("button", name="Gửi giấy mời").click()
    expect(page.locator("#meeting-status")).to_have_text("Đã gửi giấy mời")
    page.get_by_role("button", name="Đăng xuất").click()

    # The member signs in and finds the meeting with its agenda and paper.
    sign_in(page, base, "gd.taichinh")
    page.get_by_role("link", name=TITLE).click()
    expect(
        page.get_by_role("heading", name="Báo cáo kết quả kiểm tra an toàn PCCC năm 2026")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Dự thảo kế hoạch năm 2027")).to_be_visible()
    expect(page.locator("#conn-state")).to_have_text("Đã kết nối")  # the socket through Daphne
    paper_link = page.get_by_role("link", name="Báo cáo kiểm tra PCCC")
    expect(paper_link).to_be_visible()
    page.screenshot(path=str(artifacts / "member-meeting-1280x800.png"), full_page=True)

    paper_href = paper_link.get_attribute("href")
    assert paper_href is not None
    viewer_url = base + paper_href  # /papers/<id>/v1/, the viewer
    response = page.request.get(viewer_url + "file/")
    assert response.status == 200
    assert response.body()[:5] == b"%PDF-"

    # A secretary's screen stays closed to the member.
    assert page.request.get(page.url + "agenda/").status == 403
