"""End to end in headless Chromium: a vote in the demo meeting that is in session. The chair
creates and opens a poll from the console; two members vote on their tablets (one changes their
mind at the confirmation step, one reloads after voting); the chair watches the count and closes
the poll; every tablet shows the result. A member who had not checked in sees why they have no
ballot.

The demo may hold polls of its own: everything here is found by this test's question."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, WebSocketRoute, expect

from tests.e2e.helpers import open_meeting_tablet

pytestmark = pytest.mark.browser

MEETING = "Họp giao ban Thường trực UBND Thành phố tuần 47 năm 2026"
CURRENT_ITEM = "Kết quả chuyển đổi số năm 2026"
QUESTION = "Thông qua Báo cáo kết quả chuyển đổi số năm 2026 và các nhiệm vụ đến ngày 31/12/2026"
FIRST = ("gd.noivu", "Lê Thị Hồng Nhung")  # present in the demo
SECOND = ("gd.xaydung", "Tạ Văn Lộc")  # present in the demo
LATE = "gd.taichinh"  # not checked in in the demo
RECEIPT = re.compile(r"Đã ghi nhận phiếu — mã biên nhận: [0-9A-F]{16}")


def ballot(page: Page, question: str = QUESTION) -> Locator:
    return page.locator("#vote .poll-card", has_text=question)


def vote(page: Page, option: str, question: str = QUESTION) -> None:
    card = ballot(page, question)
    card.get_by_role("button", name=option, exact=True).click()
    expect(card).to_contain_text(f"Xác nhận biểu quyết: {option}?")
    card.get_by_role("button", name="Xác nhận", exact=True).click()


def show_votes(page: Page) -> None:
    """Scroll the "Biểu quyết" card to the top, below the sticky bar (for the screenshots)."""
    page.locator("#vote").evaluate("el => el.scrollIntoView({block: 'start'})")


def show_console_votes(chair: Page) -> None:
    """Scroll the console's middle column (not the page) to its "Biểu quyết" card."""
    chair.locator(".console-votes").evaluate(
        """el => {
            const column = el.closest(".console-middle");
            column.scrollTop += el.getBoundingClientRect().top - column.getBoundingClientRect().top;
        }"""
    )


def expect_voted(page: Page, question: str = QUESTION) -> str:
    """The receipt is shown and no option can be pressed again; returns the receipt line."""
    card = ballot(page, question)
    receipt = card.locator(".vote-receipt p").first
    expect(receipt).to_have_text(RECEIPT)
    for button in card.locator(".vote-option").all():
        expect(button).to_be_disabled()
    return receipt.inner_text()


def wait_until(page: Page, condition: Callable[[], bool], timeout_s: float = 15) -> None:
    """Let the browser run (route handlers included) until the condition holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def open_console(browser: Browser, base: str, errors: list[str]) -> Page:
    chair = open_meeting_tablet(browser, base, "chutich", MEETING, errors)
    chair.get_by_role("link", name="Bàn điều hành phiên họp").click()
    expect(chair.locator('#console[data-ready="true"]')).to_be_attached()
    expect(chair.locator("#c-item")).to_contain_text(CURRENT_ITEM)
    return chair


def entitled_of(poll: Locator) -> int:
    """N in the chair's "Đã biểu quyết: n/N" (members with a vote present when it opened)."""
    expect(poll.locator(".poll-count-text")).to_have_text(re.compile(r"^Đã biểu quyết: \d+/\d+$"))
    return int(poll.locator(".poll-count-text").inner_text().rsplit("/", 1)[1])


def test_chair_runs_a_vote_and_every_tablet_shows_the_result(
    live_system: str, browser: Browser, artifacts: Path
) -> None:
    base = live_system
    errors: list[str] = []
    chair = open_console(browser, base, errors)
    first = open_meeting_tablet(browser, base, FIRST[0], MEETING, errors)
    second = open_meeting_tablet(browser, base, SECOND[0], MEETING, errors, viewport=(800, 1280))
    late = open_meeting_tablet(browser, base, LATE, MEETING, errors)
    try:
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
        entitled = entitled_of(poll)
        expect(poll.get_by_role("button", name="Đặt lại")).to_be_visible()

        # Every tablet gets the ballot; the member who had not checked in is told why not.
        for page in (first, second):
            expect(ballot(page)).to_contain_text("Đang biểu quyết")
            expect(ballot(page)).to_contain_text("Công khai")
            expect(ballot(page).get_by_role("button", name="Tán thành", exact=True)).to_be_enabled()
        expect(ballot(late)).to_contain_text("chưa điểm danh")
        expect(ballot(late).locator(".vote-option")).to_have_count(0)
        for page in (first, second):
            box = ballot(page).get_by_role("button", name="Không tán thành").bounding_box()
            assert box is not None  # None only when the button is not visible
            height = box["height"]
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
        show_votes(second)
        second.screenshot(path=str(artifacts / "vote-member-receipt-800x1280.png"))
        assert before != receipt

        # The chair sees the count (never who or how) and closes the poll.
        expect(poll.locator(".poll-count-text")).to_have_text(f"Đã biểu quyết: 2/{entitled}")
        expect(poll.get_by_role("button", name="Đặt lại")).to_have_count(0)
        expect(ballot(late).locator(".poll-count-text")).to_have_text(
            f"Đã biểu quyết: 2/{entitled}"
        )
        show_console_votes(chair)
        chair.screenshot(path=str(artifacts / "vote-console-count.png"))
        poll.get_by_role("button", name="Kết thúc biểu quyết").click()  # confirmed (dialog)

        # Every tablet shows the result: 2 of 2 ballots for, more than half of those cast.
        expect(poll.locator(".poll-verdict")).to_have_text("Thông qua")
        for page in (first, second, late):
            result = ballot(page)
            expect(result.locator(".poll-verdict")).to_have_text("Thông qua")
            expect(result).to_contain_text("Điều kiện thông qua: Quá nửa số phiếu biểu quyết")
            first_row = result.locator(".poll-table tbody tr").first
            expect(first_row).to_have_text(re.compile(r"^Tán thành\s*2\s*100%$"))
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
        show_console_votes(chair)
        chair.screenshot(path=str(artifacts / "vote-console-result.png"))
        assert not errors, errors
    finally:
        for page in (chair, first, second, late):
            page.context.close()


SECRET_QUESTION = (
    "Bỏ phiếu kín: giao Sở Khoa học và Công nghệ chủ trì rà soát các hệ thống dùng chung"
)
VOTER = ("chanhvanphong", "Vũ Đăng Khoa")  # present in the demo


def test_a_ballot_sent_while_the_link_drops_is_retried_with_one_id_and_counted_once(
    live_system: str, browser: Browser, artifacts: Path
) -> None:
    """The socket dies each time the ballot goes out, HTTP fails too, and the member even reloads
    the page: the tablet keeps sending the same command id until the link comes back, and the
    server counts one ballot. A secret poll: no per-member record, no choice kept after a reload."""
    base = live_system
    errors: list[str] = []
    chair = open_console(browser, base, errors)
    member = open_meeting_tablet(browser, base, VOTER[0], MEETING, errors)
    dropping = True
    socket_ids: list[str] = []
    http_ids: list[str] = []

    def route_socket(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            data = json.loads(message)
            if data.get("name") == "vote.cast":
                socket_ids.append(data["id"])
                if dropping:  # the link goes down with the ballot in flight
                    ws.close()
                    server.close()
                    return
            server.send(message)

        ws.on_message(from_page)

    def route_http(route: Route) -> None:
        body = route.request.post_data_json
        assert body is not None  # the ballot is a JSON POST
        http_ids.append(body["client_id"])
        if dropping:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    try:
        member.route_web_socket(re.compile(r"/ws/meetings/\d+/$"), route_socket)
        member.route(re.compile(r"/polls/\d+/vote/$"), route_http)
        member.reload()  # the socket now goes through the route
        expect(member.locator('#room[data-ready="true"]')).to_be_attached()

        chair.get_by_text("+ Tạo biểu quyết").click()
        chair.get_by_label("Nội dung biểu quyết").fill(SECRET_QUESTION)
        chair.get_by_label("Bỏ phiếu kín").check()
        chair.locator("#c-poll-form").get_by_role("button", name="Tạo biểu quyết").click()
        poll = chair.locator("#c-polls .poll-card", has_text=SECRET_QUESTION)
        poll.get_by_role("button", name="Mở biểu quyết").click()
        entitled = entitled_of(poll)

        card = ballot(member, SECRET_QUESTION)
        expect(card).to_contain_text("Bỏ phiếu kín")
        vote(member, "Không tán thành", SECRET_QUESTION)
        expect(card).to_contain_text("Đang gửi…")
        # Sent over the socket at least twice (reconnects) and over HTTP once, all failing.
        wait_until(member, lambda: len(socket_ids) >= 2 and len(http_ids) >= 1)
        member.screenshot(path=str(artifacts / "vote-member-sending.png"))

        # A reload while it is still unsent: the same ballot goes out again by itself.
        sent_before_reload = len(socket_ids)
        member.reload()
        expect(ballot(member, SECRET_QUESTION)).to_contain_text("Đang gửi…")
        wait_until(member, lambda: len(socket_ids) > sent_before_reload)

        dropping = False  # the link is back
        receipt = expect_voted(member, SECRET_QUESTION)
        expect(ballot(member, SECRET_QUESTION)).not_to_contain_text("Đồng chí đã chọn")
        assert len(set(socket_ids) | set(http_ids)) == 1, (socket_ids, http_ids)
        expect(poll.locator(".poll-count-text")).to_have_text(f"Đã biểu quyết: 1/{entitled}")

        # After a reload the receipt stays; the secret choice is not kept on the tablet either.
        member.reload()
        assert expect_voted(member, SECRET_QUESTION) == receipt
        expect(ballot(member, SECRET_QUESTION)).not_to_contain_text("Đồng chí đã chọn")

        poll.get_by_role("button", name="Kết thúc biểu quyết").click()
        result = ballot(member, SECRET_QUESTION)
        expect(result.locator(".poll-verdict")).to_have_text("Không thông qua")
        against = result.locator(".poll-table tbody tr").nth(1)
        expect(against.locator("th")).to_have_text("Không tán thành")
        expect(against.locator("td").first).to_have_text("1")
        expect(result.get_by_role("button", name="Xem kết quả từng đại biểu")).to_have_count(0)
        expect(poll.get_by_role("button", name="Xem kết quả từng đại biểu")).to_have_count(0)
        assert not errors, errors
    finally:
        for page in (chair, member):
            page.context.close()
