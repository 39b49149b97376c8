"""End to end in headless Chromium: a member reads a paper in the viewer (search, notes), the
secretary replaces it, the member's open viewer announces the new version, the notes follow the
text (or are flagged when it is gone), and the paper still opens with the network off."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from cabinet.records.documents.paper_render import DocumentHeader, render_document
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.browser

MEETING = "Phiên họp UBND Thành phố thường kỳ tháng 12 năm 2026"
PAPER = "Dự thảo Quyết định về việc giao chi tiết kế hoạch đầu tư công năm 2027"
BODY = Path(__file__).resolve().parents[2] / "cabinet/demo/papers/dtqd-dau-tu-cong-2027.txt"
KEPT = "Vốn chuẩn bị đầu tư, quy hoạch"  # still in version 2, one page further on
DROPPED = "trạm y tế, cải tạo trụ sở bộ phận một cửa"  # removed from version 2

# Selects `needle` in a page's text layer, ignoring whitespace between text items.
SELECT_JS = """([page, needle]) => {
  const layer = document.querySelector(`.vpage[data-page="${page}"] .textLayer`);
  const nodes = [...layer.querySelectorAll("span")].map((s) => s.firstChild)
    .filter((n) => n && n.nodeType === Node.TEXT_NODE);
  let text = "";
  const map = [];
  for (const node of nodes) {
    for (let i = 0; i < node.length; i++) {
      if (!/\\s/.test(node.data[i])) { text += node.data[i]; map.push([node, i]); }
    }
  }
  const at = text.indexOf(needle.replace(/\\s+/g, ""));
  if (at < 0) return false;
  const [n0, o0] = map[at];
  const [n1, o1] = map[at + needle.replace(/\\s+/g, "").length - 1];
  const range = document.createRange();
  range.setStart(n0, o0);
  range.setEnd(n1, o1 + 1);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return true;
}"""


def second_version(tmp_path: Path) -> Path:
    """Version 2: a new cover page first (so every passage moves one page on), and item 6 gone."""
    body = "\n".join(
        line for line in BODY.read_text(encoding="utf-8").splitlines() if DROPPED not in line
    )
    header = DocumentHeader(
        "", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "/QĐ-UBND", "Hà Nội", dt.date(2026, 11, 27)
    )
    cover = render_document(
        header,
        "# PHIẾU TRÌNH\n\nDự thảo lần 2, đã tiếp thu ý kiến của các sở, ngành tại phiên họp.",
    )
    writer = PdfWriter()
    for part in (cover, render_document(header, body)):
        writer.append(io.BytesIO(part))
    path = tmp_path / "du-thao-lan-2.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def page_rendered(page: Page, number: int) -> None:
    expect(page.locator(f'.vpage[data-page="{number}"] canvas')).to_be_visible(timeout=20000)
    expect(page.locator(f'.vpage[data-page="{number}"] .textLayer span').first).to_be_attached()


def add_note(page: Page, number: int, needle: str, body: str) -> None:
    page_rendered(page, number)
    page.locator(f'.vpage[data-page="{number}"]').scroll_into_view_if_needed()
    assert page.evaluate(SELECT_JS, [number, needle]), needle
    popup = page.locator("#selpop")
    expect(popup).to_be_visible()
    popup.get_by_role("button", name="Ghi chú").click()
    dialog = page.locator("#note-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#note-quote")).to_contain_text(needle.split(",")[0])
    dialog.get_by_label("Nội dung ghi chú").fill(body)
    dialog.get_by_role("button", name="Lưu ghi chú").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#notes .note", has_text=body)).to_be_visible()


def test_member_reads_notes_and_follows_a_new_version(
    live_system: str, tablet: Page, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    base, page = live_system, tablet
    page.on("dialog", lambda dialog: dialog.accept())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The member opens the paper from the meeting page; page 1 is drawn, with its text layer.
    sign_in(page, base, "gd.taichinh")
    page.get_by_role("link", name=MEETING).first.click()
    page.locator("a.paper-open", has_text=PAPER).click()
    expect(page).to_have_url(re.compile(r"/papers/\d+/v1/$"))
    viewer_url = page.url
    found = re.search(r"/papers/(\d+)/", viewer_url)
    assert found is not None
    paper_id = int(found.group(1))
    page_rendered(page, 1)
    expect(page.locator("#page-count")).to_have_text("2")
    expect(page.locator(".vwm").first).to_contain_text("Trịnh Quang Vinh")
    expect(page.locator(".vagenda a.is-current")).to_contain_text(PAPER)
    page.screenshot(path=str(artifacts / "viewer-1280x800.png"))

    # Upright, the panels fold away and the page takes the width.
    page.set_viewport_size({"width": 800, "height": 1280})
    expect(page.locator("#vleft")).to_be_hidden()
    page_rendered(page, 1)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "viewer-upright-800x1280.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    # Search without diacritics; the hit is on page 2 and the viewer jumps there.
    page.get_by_role("button", name="Tìm trong tài liệu").click()
    page.get_by_role("searchbox", name="Tìm trong tài liệu").fill("cap nhat day du, kip thoi")
    page.get_by_role("button", name="Tìm", exact=True).click()
    hit = page.locator("#search-hits .hit").first
    expect(hit).to_contain_text("Trang 2")
    expect(hit.locator("mark")).to_contain_text("Cập nhật đầy đủ")
    hit.click()
    expect(page.locator("#page-input")).to_have_value("2")
    expect(page.locator('.vpage[data-page="2"] .vhl-search').first).to_be_visible()
    page.keyboard.press("ArrowLeft")  # arrows turn pages
    expect(page.locator("#page-input")).to_have_value("1")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#page-input")).to_have_value("2")
    page.locator("#page-input").fill("1")  # "Trang x / N": type a number to jump
    page.locator("#page-input").press("Enter")
    expect(page.locator("#page-input")).to_have_value("1")

    # Two private notes: one on a passage that stays, one on a passage that will be dropped.
    page.get_by_role("button", name="Ghi chú", exact=False).first.click()  # open the notes panel
    add_note(page, 1, KEPT, "Hỏi Sở Tài chính về danh mục quy hoạch")
    add_note(page, 1, DROPPED, "Tách riêng vốn cho trạm y tế")
    expect(page.locator('.vpage[data-page="1"] .vhl-box').first).to_be_visible()
    notes = page.locator("#notes")
    expect(notes.locator(".notes-page h3")).to_have_text(["Trang 1"])
    page.screenshot(path=str(artifacts / "viewer-notes.png"))

    page.evaluate("window.__sameDocument = true")

    # The secretary replaces the paper, in another browser.
    secretary_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    secretary = secretary_context.new_page()
    sign_in(secretary, base, "thuky")
    secretary.get_by_role("link", name=MEETING).first.click()
    secretary.locator(f"#paper-{paper_id}").get_by_role("link", name="Thay tài liệu").click()
    secretary.set_input_files("#id_file", str(second_version(tmp_path)))
    secretary.get_by_role("button", name="Tải lên phiên bản mới").click()
    expect(secretary.locator(".messages")).to_contain_text("phiên bản 2")
    secretary_context.close()

    # The member's viewer did not reload: it shows a banner once version 2 is processed.
    banner = page.locator("#new-version")
    expect(banner).to_be_visible(timeout=90000)
    expect(banner).to_contain_text("Tài liệu đã có phiên bản mới (phiên bản 2)")
    expect(banner.get_by_role("link", name="Xem thay đổi")).to_have_attribute(
        "href", f"/papers/{paper_id}/compare/1/2/"
    )
    assert page.evaluate("window.__sameDocument") is True  # no reload: the reader keeps their place
    page.screenshot(path=str(artifacts / "viewer-new-version-banner.png"))

    # Version 2: the kept note moved with its passage to page 2; the other one is flagged.
    banner.get_by_role("link", name="Mở bản mới").click()
    expect(page).to_have_url(re.compile(rf"/papers/{paper_id}/v2/$"))
    page_rendered(page, 1)
    if page.locator("#vright").is_hidden():
        page.get_by_role("button", name="Ghi chú").first.click()
    kept = notes.locator(".notes-page .note", has_text="Hỏi Sở Tài chính")
    expect(kept).to_be_visible()
    expect(kept.locator(".note-page")).to_have_text("Trang 2")
    orphaned = notes.locator(".notes-orphaned")
    expect(orphaned).to_contain_text("Không còn trong bản mới")
    expect(orphaned.locator(".note", has_text="Tách riêng vốn cho trạm y tế")).to_be_visible()
    kept.locator(".note-page").click()
    page_rendered(page, 2)
    expect(page.locator('.vpage[data-page="2"] .vhl-box').first).to_be_visible()
    page.screenshot(path=str(artifacts / "viewer-notes-v2.png"))
    assert not errors, errors


def test_a_saved_meeting_opens_its_paper_offline(
    live_system: str, tablet: Page, artifacts: Path
) -> None:
    base, page = live_system, tablet
    sign_in(page, base, "gd.taichinh")
    page.get_by_role("link", name=MEETING).first.click()
    meeting_url = page.url
    paper_href = page.locator("a.paper-open", has_text=PAPER).get_attribute("href")
    assert paper_href is not None
    # The live room panel fills in from the socket and moves the page down: click after that.
    expect(page.locator('#room[data-ready="true"]')).to_be_attached()

    page.get_by_role("button", name="Tải về để đọc khi mất mạng").click()
    status = page.locator("#offline-status")
    expect(status).to_contain_text(re.compile(r"Đã tải \d+ tài liệu"), timeout=60000)
    page.screenshot(path=str(artifacts / "meeting-saved-offline.png"))

    page.context.set_offline(True)
    try:
        page.goto(base + paper_href)
        page_rendered(page, 1)
        expect(page.locator("#conn-state")).to_have_attribute("data-state", "offline")
        page.screenshot(path=str(artifacts / "viewer-offline.png"))
        page.goto(meeting_url)
        expect(page.get_by_role("heading", name=MEETING)).to_be_visible()
    finally:
        page.context.set_offline(False)
