"""Register → apply for a shop → an admin approves → the owner sees the merchant console.

Runs in headless Chromium against a real server, at desktop and phone widths,
and saves screenshots under test-output/e2e/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}
OWNER_EMAIL, OWNER_PASSWORD = "owner@e2e.example", "tea-garden-pass-77"
SHOP_NAME = "端到端测试茶庄"


def _login(page: Any, server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    _fill(page, "login-email", email)
    _fill(page, "login-password", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def _fill(page: Any, testid: str, value: str) -> None:
    target = page.get_by_test_id(testid)
    inner = target.locator("input, textarea")
    (inner.first if inner.count() else target).fill(value)


def test_register_apply_approve_and_open_the_console(
    browser: Any, live_server: LiveServer, screenshots: Path
) -> None:
    owner = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = owner.new_page()
    page.goto(f"{live_server.url}/register")
    _fill(page, "register-email", OWNER_EMAIL)
    _fill(page, "register-nickname", "茶庄老板")
    _fill(page, "register-password", OWNER_PASSWORD)
    page.get_by_test_id("register-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/register).*$"))
    page.screenshot(path=screenshots / "01-desktop-home-after-register.png", full_page=True)

    page.goto(f"{live_server.url}/merchant/apply")
    _fill(page, "apply-name", SHOP_NAME)
    _fill(page, "apply-description", "武夷岩茶，产地直发。")
    page.get_by_test_id("apply-submit").click()
    page.get_by_text(re.compile("审核|review", re.IGNORECASE)).first.wait_for()
    page.screenshot(path=screenshots / "02-desktop-application-pending.png", full_page=True)

    admin = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    admin_page = admin.new_page()
    _login(admin_page, live_server, live_server.admin_email, live_server.admin_password)
    admin_page.goto(f"{live_server.url}/admin")
    row = admin_page.locator(f"[data-testid=shop-row][data-shop-name='{SHOP_NAME}']")
    row.wait_for()
    admin_page.screenshot(path=screenshots / "03-desktop-admin-applications.png", full_page=True)
    row.get_by_test_id("approve-shop").click()
    confirm = admin_page.locator(".el-message-box__btns .el-button--primary")
    if confirm.count():
        confirm.click()
    row.wait_for(state="detached")

    page.goto(f"{live_server.url}/merchant")
    dashboard = page.get_by_test_id("merchant-dashboard")
    dashboard.wait_for()
    assert SHOP_NAME in dashboard.inner_text()
    page.screenshot(path=screenshots / "04-desktop-merchant-console.png", full_page=True)

    state = owner.storage_state()
    phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", storage_state=state, is_mobile=True, has_touch=True
    )
    phone_page = phone.new_page()
    phone_page.goto(f"{live_server.url}/merchant")
    phone_page.get_by_test_id("merchant-dashboard").wait_for()
    assert SHOP_NAME in phone_page.get_by_test_id("merchant-dashboard").inner_text()
    assert _no_horizontal_overflow(phone_page)
    phone_page.screenshot(path=screenshots / "05-phone-merchant-console.png", full_page=True)
    phone_page.goto(live_server.url)
    phone_page.get_by_text(SHOP_NAME).first.wait_for()
    assert _no_horizontal_overflow(phone_page)
    phone_page.screenshot(path=screenshots / "06-phone-storefront-home.png", full_page=True)

    admin_phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", storage_state=admin.storage_state(), is_mobile=True, has_touch=True
    )
    admin_phone_page = admin_phone.new_page()
    admin_phone_page.goto(f"{live_server.url}/admin")
    admin_phone_page.wait_for_load_state("networkidle")
    admin_phone_page.screenshot(path=screenshots / "07-phone-admin-applications.png", full_page=True)
    for context in (owner, admin, phone, admin_phone):
        context.close()


def _no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
