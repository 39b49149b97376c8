"""What the browser tests share: the demo password and signing in."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

PASSWORD = "phonghop2026"  # the demo accounts' password (seed_demo / demo_accounts)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()


def open_meeting_tablet(
    browser: Browser,
    base: str,
    username: str,
    meeting: str,
    errors: list[str],
    viewport: tuple[int, int] = (1280, 800),
) -> Page:
    """A signed-in tablet in its own browser context, on the meeting page, connected live.
    Script errors are collected in `errors`; confirmation dialogs are accepted."""
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, username)
    page.get_by_role("link", name=meeting).first.click()
    expect(page.get_by_role("heading", name=meeting)).to_be_visible()
    # Generous: several tablets connect at once while the task worker may hold SQLite's lock.
    expect(page.locator("#conn-state")).to_have_text("Đã kết nối", timeout=15_000)
    return page
