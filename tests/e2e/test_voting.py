"""End to end in headless Chromium: a vote in the demo meeting that is in session. The chair
creates and opens a poll from the console; two members vote on their tablets (one changes their
mind at the confirmation step, one reloads after voting); the chair watches the count and closes
the poll; every tablet shows the result. A member who had not checked in sees why they have no
ballot.

The demo may hold polls of its own: everything here is found by this test's question."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import open_meeting_tablet

pytestmark = pytest.mark.browser

MEETING = "Họp giao ban Thường trực UBND Thành phố tuần 47 năm 2026"
CURRENT_ITEM = "Kết quả chuyển đổi số năm 2026"
QUESTION = "Thông qua Báo cáo kết quả chuyển đổi số năm 2026 và các nhiệm vụ đến ngày 31/12/2026"
FIRST = ("gd.noivu", "Lê Thị Hồng Nhung")  # present in the demo
SECOND = ("gd.xaydung", "Tạ Văn Lộc")  # present in the demo
LATE = "gd.taichinh"  # not checked in in the demo
RECEIPT = re.compile(r"Đã ghi nhận phiếu — mã biên nhận: [0-9A-F]{16}")


def ballot(page: Page) -> Locator:
    return page.locator("#vote .poll-card", has_text=QUESTION)


def vote(page: Page, option: str) -> None:
    card = ballot(page)
    card.get_by_role("button", name=option, exact=True).click()
    expect(card).to_contain_text(f"Xác nhận biểu quyết: {option}?")
    card.get_by_role("button", name="Xác nhận", exact=True).click()


def show_votes(page: Page) -> None:
    """Scroll the "Biểu quyết" card to the top, below the sticky bar (for the screenshots)."""
    page.locator("#vote").evaluate("el => el.scrollIntoView({block: 'start'})")


def expect_voted(page: Page) -> str:
    """The receipt is shown and no option can be pressed again; returns the receipt line."""
    card = ballot(page)
    receipt = card.locator(".vote-receipt p").first
    expect(receipt).to_have_text(RECEIPT)
    for button in card.locator(".vote-option").all():
        expect(button).to_be_disabled()
    return receipt.inner_text()


def test_chair_runs_a_vote_and_every_tablet_shows_the_result(live_system, browser, artifacts):
    base = live_system
    errors: list[str] = []
    chair = open_meeting_tablet(browser, base, "chutich", MEETING, errors)
    first = open_meeting_tablet(browser, base, FIRST[0], MEETING, errors)
    second = open_meeting_tablet(browser, base, SECOND[0], MEETING, errors, viewport=(800, 1280))
    late = open_meeting_tablet(browser, base, LATE, MEETING, errors)
    try:
        chair.get_by_role("link", name="Bàn điều hành phiên họp").click()
        expect(chair.locator('#console[data-ready="true"]')).to_be_attached()
        expect(chair.locator("#c-item")).to_contain_text(CURRENT_ITEM)

        # The form starts from the current item; a secret ballot cannot allow changes.
        chair.get_by_text("+ Tạo biểu quyết").click()
        question = chair.get_by_label("Nội dung biểu quyết")
        expect(question).to_have_value(f"Thông qua: {CURRENT_ITEM}")
        allow_change = chair.get_by_label("Cho phép thay đổi phiếu khi đang biểu quyết")
        chair.get_by_label("Bỏ phiếu kín").check()
        expect(allow_change).to_be_disabled()
        chair.get_by_label("Công khai").check()
        expect(allow_change).to_be_enabled()
        expect(chair.get_by_label("Phương án (mỗi dòng một phương án)")).to_have_value(
            "Tán thành\nKhông tán thành\nKhông biểu quyết"
        )
        question.fill(QUESTION)
        chair.get_by_label("Điều kiện thông qua").select_option("cast_majority")
        chair.locator("#c-poll-form").get_by_role("button", name="Tạo biểu quyết").click()

        poll = chair.locator("#c-polls .poll-card", has_text=QUESTION)
        expect(poll).to_contain_text("Chuẩn bị")
        expect(ballot(first)).to_have_count(0)  # a prepared poll is not on the tablets yet
        poll.get_by_role("button", name="Mở biểu quyết").click()
        expect(poll).to_contain_text("Đang biểu quyết")
        expect(poll.locator(".poll-count-text")).to_have_text(re.compile(r"^Đã biểu quyết: 0/\d+$"))
        entitled = int(poll.locator(".poll-count-text").inner_text().rsplit("/", 1)[1])
        expect(poll.get_by_role("button", name="Đặt lại")).to_be_visible()

        # Every tablet gets the ballot; the member who had not checked in is told why not.
        for page in (first, second):
            expect(ballot(page)).to_contain_text("Đang biểu quyết")
            expect(ballot(page)).to_contain_text("Công khai")
            expect(ballot(page).get_by_role("button", name="Tán thành", exact=True)).to_be_enabled()
        expect(ballot(late)).to_contain_text("chưa điểm danh")
        expect(ballot(late).locator(".vote-option")).to_have_count(0)
        for page in (first, second):
            height = (
                ballot(page).get_by_role("button", name="Không tán thành").bounding_box()["height"]
            )
            assert height >= 56, height
        show_votes(first)
        first.screenshot(path=str(artifacts / "vote-member-ballot-1280x800.png"))
        show_votes(second)
        second.screenshot(path=str(artifacts / "vote-member-ballot-800x1280.png"))

        # The first member votes straight away.
        vote(first, "Tán thành")
        receipt = expect_voted(first)
        expect(ballot(first)).to_contain_text("Đồng chí đã chọn: Tán thành")

        # The second changes their mind at the confirmation step, then votes and reloads.
        card = ballot(second)
        card.get_by_role("button", name="Không tán thành", exact=True).click()
        expect(card).to_contain_text("Xác nhận biểu quyết: Không tán thành?")
        card.get_by_role("button", name="Chọn lại").click()
        expect(card.get_by_role("button", name="Tán thành", exact=True)).to_be_enabled()
        vote(second, "Tán thành")
        before = expect_voted(second)
        second.reload()
        expect(second.locator('#room[data-ready="true"]')).to_be_attached()
        assert expect_voted(second) == before
        assert before != receipt

        # The chair sees the count (never who or how) and closes the poll.
        expect(poll.locator(".poll-count-text")).to_have_text(f"Đã biểu quyết: 2/{entitled}")
        expect(poll.get_by_role("button", name="Đặt lại")).to_have_count(0)
        expect(ballot(late).locator(".poll-count-text")).to_have_text(
            f"Đã biểu quyết: 2/{entitled}"
        )
        chair.locator(".console-votes").evaluate("el => el.scrollIntoView({block: 'start'})")
        chair.screenshot(path=str(artifacts / "vote-console-count.png"))
        poll.get_by_role("button", name="Kết thúc biểu quyết").click()  # confirmed (dialog)

        # Every tablet shows the result: 2 of 2 ballots for, more than half of those cast.
        expect(poll.locator(".poll-verdict")).to_have_text("Thông qua")
        for page in (first, second, late):
            result = ballot(page)
            expect(result.locator(".poll-verdict")).to_have_text("Thông qua")
            expect(result).to_contain_text("Điều kiện thông qua: Quá nửa số phiếu biểu quyết")
            row = result.locator(".poll-table tbody tr", has_text="Tán thành").first
            expect(row).to_contain_text("2")
            expect(row).to_contain_text("100%")
        expect(ballot(first)).to_contain_text(receipt)

        # A named poll's record, member by member.
        ballot(first).get_by_role("button", name="Xem kết quả từng đại biểu").click()
        record = ballot(first).locator(".poll-record")
        expect(record).to_contain_text(FIRST[1])
        expect(record).to_contain_text(SECOND[1])
        expect(record.locator("li")).to_have_count(2)
        show_votes(first)
        first.screenshot(path=str(artifacts / "vote-member-result-1280x800.png"))
        show_votes(second)
        second.screenshot(path=str(artifacts / "vote-member-result-800x1280.png"))

        poll.get_by_role("button", name="Công bố kết quả").click()
        expect(ballot(first)).to_contain_text("Đã công bố")
        chair.locator(".console-votes").evaluate("el => el.scrollIntoView({block: 'start'})")
        chair.screenshot(path=str(artifacts / "vote-console-result.png"))
        assert not errors, errors
    finally:
        for page in (chair, first, second, late):
            page.context.close()
