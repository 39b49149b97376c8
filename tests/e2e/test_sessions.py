"""End to end in headless Chromium: papers kept for offline reading expire on the tablet, and an
administrator's wipe closes the tablet's live connection at once and deletes its offline copies on
its next contact."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import PASSWORD, open_meeting_tablet, sign_in

pytestmark = pytest.mark.browser

MEETING = "Phiên họp UBND Thành phố thường kỳ tháng 12 năm 2026"

COUNT_COPIES_JS = """async () => {
  let copies = 0;
  for (const name of await caches.keys()) {
    if (!name.startsWith("offline-u")) continue;
    copies += (await (await caches.open(name)).keys()).length;
  }
  return copies;
}"""

# Make one stored paper file look downloaded nine hours ago; returns its path.
AGE_ONE_PAPER_JS = """async () => {
  for (const name of await caches.keys()) {
    if (!name.startsWith("offline-u")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (!/^\\/papers\\/\\d+\\/v\\d+\\/file\\/$/.test(path)) continue;
      const kept = await cache.match(request);
      const headers = new Headers(kept.headers);
      headers.set("X-Offline-Stored-At", String(Date.now() - 9 * 3600 * 1000));
      await cache.put(request, new Response(await kept.blob(), { status: 200, headers }));
      return path;
    }
  }
  return null;
}"""

FETCH_STATUS_JS = """async (url) => {
  try { return (await fetch(url)).status; } catch (error) { return String(error); }
}"""


def save_offline(page: Page) -> int:
    expect(page.locator('#room[data-ready="true"]')).to_be_attached()
    page.get_by_role("button", name="Tải về để đọc khi mất mạng").click()
    expect(page.locator("#offline-status")).to_contain_text(
        re.compile(r"Đã tải \d+ tài liệu"), timeout=60000
    )
    copies = page.evaluate(COUNT_COPIES_JS)
    assert copies > 0
    return int(copies)


def test_an_offline_copy_older_than_its_lifetime_is_refused_and_deleted(
    live_system: str, tablet: Page
) -> None:
    base, page = live_system, tablet
    sign_in(page, base, "gd.noivu")
    page.get_by_role("link", name=MEETING).first.click()
    save_offline(page)
    aged = page.evaluate(AGE_ONE_PAPER_JS)
    assert aged
    others = page.evaluate(
        """async (aged) => {
          for (const name of await caches.keys()) {
            if (!name.startsWith("offline-u")) continue;
            for (const r of await (await caches.open(name)).keys()) {
              const path = new URL(r.url).pathname;
              if (path !== aged && /\\/file\\/$/.test(path)) return path;
            }
          }
          return null;
        }""",
        aged,
    )
    page.context.set_offline(True)
    try:
        # A fresh copy is served without the network; the old one is refused and deleted.
        if others:
            assert page.evaluate(FETCH_STATUS_JS, others) == 200
        assert page.evaluate(FETCH_STATUS_JS, aged) == 503
        still = page.evaluate(
            """async (aged) => {
              for (const name of await caches.keys())
                if (await (await caches.open(name)).match(aged)) return true;
              return false;
            }""",
            aged,
        )
        assert not still
    finally:
        page.context.set_offline(False)
    # Online and signed in, the server answers again.
    assert page.evaluate(FETCH_STATUS_JS, aged) == 200


def test_a_wipe_closes_the_tablets_connection_and_purges_its_offline_copies(
    live_system: str, browser: Browser, artifacts: Path
) -> None:
    base = live_system
    errors: list[str] = []
    member = open_meeting_tablet(browser, base, "gd.xaydung", MEETING, errors)
    save_offline(member)

    admin_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    admin = admin_context.new_page()
    try:
        sign_in_admin(admin, base)
        admin.goto(f"{base}/admin/cabinet/user/?q=gd.xaydung")
        admin.locator('input[name="_selected_action"]').first.check()
        admin.locator('select[name="action"]').select_option("wipe_devices")
        started = time.monotonic()
        admin.locator('button[name="index"]').click()
        expect(admin.locator(".messagelist")).to_contain_text("thiết bị")

        expect(member.locator("#conn-state")).to_have_attribute(
            "data-state", "signedout", timeout=5000
        )
        assert time.monotonic() - started <= 5
        member.screenshot(path=str(artifacts / "wiped-tablet-signed-out.png"))

        # The tablet's next contact: it is sent to sign in, and its offline copies are gone.
        member.reload()
        expect(member.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        expect(member.locator(".messages")).to_contain_text("chấm dứt")
        deadline = time.monotonic() + 10
        while member.evaluate(COUNT_COPIES_JS) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert member.evaluate(COUNT_COPIES_JS) == 0
        member.screenshot(path=str(artifacts / "wiped-tablet-login.png"))
    finally:
        admin_context.close()
        member.context.close()
    assert not errors, errors


def sign_in_admin(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator('input[type="submit"], button[type="submit"]').last.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
