"""End to end in headless Chromium: the chair asks the assistant a question that Decree 30/2020/NĐ-CP
answers, sees the quoted sentences with their citation, opens the citation and lands in the
directive viewer on the cited page with the quote highlighted; the same answer upright (800×1280)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Page, expect

from cabinet.records.documents.paper_render import DocumentHeader, render_document
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.browser

QUESTION = "Ai có thẩm quyền ký văn bản?"
DECREE = "30/2020/NĐ-CP"
# Used only when the demo library does not hold Decree 30 yet: its articles 12–14 (excerpt).
DECREE_EXCERPT = """# NGHỊ ĐỊNH

Về công tác văn thư

## Điều 12. Ban hành văn bản

Cơ quan, tổ chức ban hành văn bản bằng văn bản giấy hoặc văn bản điện tử theo quy định.

## Điều 13. Thẩm quyền ký văn bản

1. Đối với cơ quan, tổ chức làm việc theo chế độ thủ trưởng: người đứng đầu cơ quan, tổ chức có \
thẩm quyền ký tất cả văn bản do cơ quan, tổ chức ban hành; có thể giao cấp phó ký thay các văn bản \
thuộc lĩnh vực được phân công phụ trách và một số văn bản thuộc thẩm quyền của người đứng đầu.

2. Đối với cơ quan, tổ chức làm việc theo chế độ tập thể: người đứng đầu cơ quan, tổ chức thay mặt \
tập thể lãnh đạo ký các văn bản của cơ quan, tổ chức.

3. Trong trường hợp đặc biệt, người đứng đầu cơ quan, tổ chức có thể ủy quyền cho người đứng đầu \
một cơ quan, tổ chức, đơn vị trong cơ quan, tổ chức ký thừa ủy quyền một số văn bản mà mình phải ký.

## Điều 14. Bản sao văn bản

Bản sao y, bản sao lục và bản trích sao được thực hiện từ bản chính hoặc bản gốc văn bản.
"""


def tablet(browser: Browser, errors: list[str], size: tuple[int, int] = (1280, 800)) -> Page:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def ensure_decree(browser: Browser, base: str, tmp_path: Path) -> None:
    """seed_demo puts Decree 30 in the library; until it does, the administrator uploads an
    excerpt through the library's upload page (which this also exercises) and waits for it."""
    errors: list[str] = []
    page = tablet(browser, errors)
    sign_in(page, base, "admin")
    page.goto(f"{base}/assistant/library/?q=30/2020")
    if page.locator(".directive").count() == 0:
        header = DocumentHeader("", "CHÍNH PHỦ", DECREE, "Hà Nội", dt.date(2020, 3, 5))
        path = tmp_path / "nghi-dinh-30-2020.pdf"
        path.write_bytes(render_document(header, DECREE_EXCERPT, title=DECREE))
        page.goto(f"{base}/assistant/library/upload/")
        page.locator('input[type="file"]').set_input_files(path)
        page.get_by_label("Số ký hiệu").fill(DECREE)
        page.get_by_label("Loại văn bản").select_option("nghi_dinh")
        page.get_by_label("Trích yếu").fill("Về công tác văn thư")
        page.get_by_label("Cơ quan ban hành").fill("Chính phủ")
        page.get_by_role("button", name="Tải lên", exact=True).click()
        expect(page.get_by_role("heading", name="Thư viện văn bản")).to_be_visible()
    # The row polls its status every 2 s until the worker has indexed it.
    row = page.locator(".directive", has_text=DECREE).first
    expect(row.locator(".state-ready")).to_be_visible(timeout=180_000)
    page.goto(f"{base}/assistant/library/")
    page.screenshot(path=str(ARTIFACTS / "assistant-library-1280x800.png"))
    page.context.close()
    assert not errors


def ask(page: Page, base: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Trợ lý", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Trợ lý văn bản")).to_be_visible()
    page.get_by_role("textbox", name="Câu hỏi", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator("#answer .answer")).to_be_visible(timeout=90_000)


def test_the_chair_asks_and_the_citation_opens_the_decree_at_the_quote(
    browser: Browser, live_system: str, artifacts: Path, tmp_path: Path
) -> None:
    ensure_decree(browser, live_system, tmp_path)
    errors: list[str] = []
    page = tablet(browser, errors)
    sign_in(page, live_system, "chutich")
    ask(page, live_system)

    answer = page.locator("#answer .answer")
    expect(answer).to_have_class(re.compile(r"\banswer-found\b"))
    expect(answer).to_contain_text(re.compile(r"Độ tin cậy: \d+%"))
    quote = answer.locator(".quote").filter(has=page.locator("a.cite", has_text=DECREE)).first
    expect(quote.locator("blockquote")).to_be_visible()
    expect(quote.locator("blockquote")).to_contain_text("ký")
    # The question is now the first of the chair's history.
    expect(page.locator("#history li").first).to_contain_text(QUESTION)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "assistant-answer-1280x800.png"), full_page=True)

    cite = quote.locator("a.cite")
    href = cite.get_attribute("href") or ""
    wanted_page = int(re.search(r"#page=(\d+)", href).group(1))  # type: ignore[union-attr]
    highlight = unquote(href.split("&hl=", 1)[1])
    cite.click()
    expect(page).to_have_url(re.compile(r"/assistant/directives/\d+/#page="))
    viewer = page.locator("#viewer")
    expect(viewer).to_have_attribute("data-highlight", "shown", timeout=30_000)
    expect(page.locator("#page-input")).to_have_value(str(wanted_page))
    box = page.locator(f'.vpage[data-page="{wanted_page}"] .dhl, mark.dhl').first
    expect(box).to_be_in_viewport()
    # The text layer under the highlight is the quoted text (real Vietnamese, not mojibake).
    layer = page.locator(f'.vpage[data-page="{wanted_page}"] .textLayer')
    if layer.count():
        text = " ".join(layer.inner_text().split())
        assert highlight.split()[0] in text
    page.screenshot(path=str(artifacts / "assistant-viewer-1280x800.png"))

    # Upright tablet: the same answer from the history, full width.
    upright = tablet(browser, errors, (800, 1280))
    sign_in(upright, live_system, "chutich")
    ask(upright, live_system)
    expect(upright.locator("#answer .quote").first).to_be_visible()
    upright.evaluate("window.scrollTo(0, 0)")
    upright.screenshot(path=str(artifacts / "assistant-answer-800x1280.png"), full_page=True)
    upright.locator("#answer a.cite", has_text=DECREE).first.click()
    expect(upright.locator("#viewer")).to_have_attribute("data-highlight", "shown", timeout=30_000)
    upright.screenshot(path=str(artifacts / "assistant-viewer-800x1280.png"))

    # The meeting page offers the assistant on that meeting's papers, folded away until opened.
    page.goto(live_system)
    page.locator(".meeting-card").first.click()
    expect(page.locator("#conn-state")).to_have_text("Đã kết nối", timeout=15_000)
    panel = page.locator("#assistant-panel")
    expect(panel.get_by_role("textbox")).to_be_hidden()
    panel.locator("summary").click()
    panel.get_by_role("textbox").fill("Tổng vốn đầu tư công năm 2027 là bao nhiêu?")
    panel.get_by_role("button", name="Hỏi trợ lý").click()
    expect(panel.locator("#meeting-answer .answer")).to_be_visible(timeout=60_000)
    panel.screenshot(path=str(artifacts / "assistant-meeting-panel-1280x800.png"))
    # A paper's citation opens the meeting's paper viewer on that page, the quote highlighted.
    paper_cite = panel.locator(".quote a.cite").first
    if paper_cite.count():
        href = paper_cite.get_attribute("href") or ""
        assert re.search(r"/papers/\d+/v\d+/#page=\d+&hl=", href), href
        paper_cite.click()
        expect(page.locator(".vhl-search").first).to_be_in_viewport(timeout=30_000)
        page.screenshot(path=str(artifacts / "assistant-paper-viewer-1280x800.png"))
    assert not errors
