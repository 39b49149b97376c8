"""What the browser tests share: the demo password and signing in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "phonghop2026"  # the demo accounts' password (seed_demo / demo_accounts)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()
