"""End to end in headless Chromium: an official switches on two-factor sign-in (QR code page,
code from the real key), signs in again with a code, opens the meeting live, reads a paper and
asks the assistant; no page breaks the Content-Security-Policy."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import ROOT
from tests.e2e.helpers import PASSWORD

pytestmark = pytest.mark.browser

USERNAME = "kiemthu.baomat"

# A member of the published meeting (three days ahead), made in the running system.
MAKE_MEMBER = f"""
from cabinet.models import Meeting, User
from cabinet.meetings.services import meetings as m
meeting = Meeting.objects.filter(status="published").order_by("pk").first()
user = User.objects.create_user(
    username="{USERNAME}", password="{PASSWORD}", full_name="Trần Thị Kiểm Thử",
    position="Chuyên viên",
)
secretary = meeting.participants.get(role="secretary").user
m.invite_participant(actor=secretary, meeting=meeting, user=user, role="member", can_vote=False)
print(meeting.title)
"""


def code(secret: str, *, later: int = 0) -> str:
    """The authenticator's code now (or `later` steps of 30 s ahead), from the key on the page."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=-later * 30, digits=6):06d}"


def watch_policy(page: Page, violations: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))


def test_two_factor_sign_in_and_no_policy_violation_anywhere(
    browser: Browser, live_system: str, live_env: dict[str, str]
) -> None:
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_MEMBER],
        cwd=ROOT,
        env=live_env,
        capture_output=True,
        text=True,
        check=True,
    )
    meeting = made.stdout.strip().splitlines()[-1]
    base = live_system
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    violations: list[str] = []
    watch_policy(page, violations)

    # Password only (the demo runs without enforcement); she switches it on herself.
    page.goto(f"{base}/login/")
    page.get_by_label("Tên đăng nhập").fill(USERNAME)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()
    page.get_by_role("link", name="Trần Thị Kiểm Thử").click()
    expect(page.get_by_role("heading", name="Bảo mật tài khoản")).to_be_visible()
    page.get_by_role("link", name="Thiết lập xác thực hai lớp").click()
    expect(page.locator(".twofa-qr svg")).to_be_visible()
    page.get_by_text("Không quét được? Nhập khóa bằng tay").click()
    secret = page.locator("#twofa-secret").inner_text().strip()
    assert page.locator("#twofa-uri").inner_text().startswith("otpauth://totp/")
    page.get_by_label("Mã xác thực").fill(code(secret))
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.get_by_role("heading", name="Mã khôi phục")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("button", name="Đăng xuất").click()

    # Signing in again: the password, then a code (the next one: each code is accepted once).
    page.get_by_label("Tên đăng nhập").fill(USERNAME)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    page.goto(f"{base}/tasks/")  # nothing else is reachable before the code
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    page.get_by_label("Mã xác thực").fill("000000" if code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã xác thực không đúng")
    time.sleep(1.1)  # a wrong code makes the next attempt wait a second
    page.get_by_label("Mã xác thực").fill(code(secret, later=1))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", name="Nhiệm vụ")).to_be_visible()

    # The live meeting (its socket admits the verified session), a paper, the assistant.
    page.goto(f"{base}/")
    page.get_by_role("link", name=meeting).first.click()
    expect(page.get_by_role("heading", name=meeting)).to_be_visible()
    expect(page.locator("#conn-state")).to_have_text("Đã kết nối", timeout=15_000)
    page.locator('a[href^="/papers/"]').first.click()
    expect(page.locator(".vpage canvas").first).to_be_visible(timeout=15_000)
    expect(page.locator(".vpage .textLayer span").first).to_be_attached(timeout=15_000)
    page.goto(f"{base}/assistant/")
    expect(page.get_by_role("heading", name="Trợ lý văn bản")).to_be_visible()
    page.get_by_role("textbox", name="Câu hỏi", exact=True).fill("Thời hạn ban hành thông báo?")
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator("#answer .answer")).to_be_visible(timeout=90_000)
    context.close()
    assert violations == []
