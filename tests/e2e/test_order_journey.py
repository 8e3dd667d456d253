"""Cart → checkout → sandbox payment → two shops ship → the buyer confirms receipt.

The buyer puts products of two demo shops in the cart, checks out with a new address, pays on
the sandbox gateway's own page and comes back to the result page; each shop owner ships in the
merchant console; the buyer confirms receipt of both orders and reads the timeline. Runs in
headless Chromium against a real server, and saves a screenshot of every step under
test-output/e2e/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "jishi-demo-2026"
BUYER = "buyer@jishi.example"
#: Two demo shops and their owners (src/jishi/demo.py).
SELLERS = {"华为数码旗舰店": "huawei.store@jishi.example", "武夷山岩茶坊": "tea.house@jishi.example"}
ADDRESS = {
    "address-recipient": "王小明",
    "address-phone": "13800138000",
    "address-province": "浙江省",
    "address-city": "杭州市",
    "address-district": "西湖区",
    "address-detail": "文三路 398 号 5 幢 1201",
}


def _login(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    _fill(page, "login-email", email)
    _fill(page, "login-password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def _fill(page: Any, testid: str, value: str) -> None:
    target = page.get_by_test_id(testid)
    inner = target.locator("input, textarea")
    (inner.first if inner.count() else target).fill(value)


def _confirm_box(page: Any) -> None:
    """Press the primary button of an Element Plus confirmation box."""
    button = page.locator(".el-message-box__btns .el-button--primary")
    button.wait_for()
    button.click()


def _text(scope: Any, testid: str) -> str:
    return str(scope.get_by_test_id(testid).inner_text()).strip()


def _no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _product_in_stock(server: LiveServer, shop_name: str) -> str:
    shops = httpx.get(f"{server.url}/api/v1/shops", params={"limit": 50}).json()["items"]
    shop_id = next(s["id"] for s in shops if s["name"] == shop_name)
    hits = httpx.get(
        f"{server.url}/api/v1/products", params={"shop_id": shop_id, "sort": "sales", "limit": 20}
    )
    return str(next(p["id"] for p in hits.json()["items"] if p["in_stock"]))


def _choose_a_sku(page: Any) -> None:
    """Pick, spec by spec, the first value that still leads to a SKU for sale."""
    groups = page.locator("[data-testid=sku-selector] [role=group]")
    for index in range(groups.count()):
        group = groups.nth(index)
        if group.locator("[data-selected=true]").count():
            continue
        group.locator("[data-testid=sku-option][data-disabled=false]").first.click()


def _add_to_cart(page: Any, server: LiveServer, product_id: str, quantity: int) -> None:
    badge = page.get_by_test_id("cart-link")
    before = int(badge.get_attribute("data-count") or "0") if badge.count() else 0
    page.goto(f"{server.url}/p/{product_id}")
    page.get_by_test_id("product-title").wait_for()
    _choose_a_sku(page)
    add = page.get_by_test_id("add-to-cart")
    assert add.is_enabled()
    page.locator("[data-testid=buy-quantity] input").fill(str(quantity))
    page.locator("[data-testid=buy-quantity] input").press("Tab")
    add.click()
    page.locator(f"[data-testid=cart-link][data-count='{before + 1}']").wait_for()


def _ship_in_console(browser: Any, server: LiveServer, owner: str, order_no: str, screenshot: Path) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    _login(page, server, owner)
    page.goto(f"{server.url}/merchant")
    page.get_by_test_id("menu-merchant-orders").click()
    page.get_by_test_id("order-tab-paid").click()
    card = page.locator("[data-testid=order-card]", has=page.get_by_text(order_no))
    card.wait_for()
    card.get_by_test_id("order-view").click()
    page.get_by_test_id("order-detail").wait_for()
    page.get_by_test_id("ship-order").click()
    page.get_by_test_id("ship-carrier").click()
    page.locator("[data-testid=ship-carrier-option][data-code=SF]").click()
    _fill(page, "ship-tracking", f"SF{order_no[-10:]}")
    page.screenshot(path=screenshot.with_name(screenshot.stem + "-dialog.png"), full_page=False)
    page.get_by_test_id("ship-submit").click()
    page.locator("[data-testid=order-detail][data-status=shipped]").wait_for()
    assert page.get_by_test_id("order-tracking").inner_text() == f"SF{order_no[-10:]}"
    page.screenshot(path=screenshot, full_page=True)
    context.close()


def test_two_shop_order_from_cart_to_completed(
    browser: Any, demo_server: LiveServer, screenshots: Path
) -> None:
    server = demo_server
    buyer = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = buyer.new_page()
    _login(page, server, BUYER)

    # 1. Two products from two shops into the cart.
    for number, (shop_name, quantity) in enumerate(zip(SELLERS, (1, 2), strict=True), start=1):
        _add_to_cart(page, server, _product_in_stock(server, shop_name), quantity)
        page.screenshot(path=screenshots / f"30-desktop-product-added-{number}.png", full_page=False)

    # 2. The cart, grouped by shop, at both widths.
    page.get_by_test_id("cart-link").click()
    page.wait_for_url(re.compile(r"/cart$"))
    shops = page.get_by_test_id("cart-shop")
    shops.nth(1).wait_for()
    assert shops.count() == 2
    assert page.get_by_test_id("cart-line").count() == 2
    page.screenshot(path=screenshots / "31-desktop-cart.png", full_page=True)
    phone = browser.new_context(
        viewport=PHONE, locale="zh-CN", storage_state=buyer.storage_state(), is_mobile=True, has_touch=True
    )
    phone_page = phone.new_page()
    phone_page.goto(f"{server.url}/cart")
    phone_page.get_by_test_id("cart-shop").nth(1).wait_for()
    assert _no_horizontal_overflow(phone_page)
    phone_page.screenshot(path=screenshots / "32-phone-cart.png", full_page=True)

    # 3. Checkout with a new address (the buyer has none, so the form opens by itself).
    page.get_by_test_id("cart-checkout").click()
    page.wait_for_url(re.compile(r"/checkout\?from=cart"))
    page.get_by_test_id("address-recipient").wait_for()
    for testid, value in ADDRESS.items():
        _fill(page, testid, value)
    page.get_by_test_id("address-submit").click()
    page.locator("[data-testid=checkout-address][data-selected=true]").wait_for()
    page.get_by_test_id("checkout-shop").nth(1).wait_for()
    assert page.get_by_test_id("checkout-shop").count() == 2
    page.get_by_test_id("checkout-note").first.fill("工作日送货，谢谢")
    total_fen = int(page.get_by_test_id("checkout-total").get_attribute("data-total-fen") or "0")
    assert total_fen > 0
    page.screenshot(path=screenshots / "33-desktop-checkout.png", full_page=True)
    page.get_by_test_id("place-order").click()

    # 4. The cashier, then the sandbox gateway's own page.
    page.wait_for_url(re.compile(r"/pay/"))
    amount = page.get_by_test_id("pay-amount")
    amount.wait_for()
    assert int(amount.get_attribute("data-amount-fen") or "0") == total_fen
    page.locator("[data-testid=cart-link][data-count='0']").wait_for()  # the ordered lines left the cart
    page.screenshot(path=screenshots / "34-desktop-cashier.png", full_page=True)
    page.get_by_test_id("pay-now").click()
    page.wait_for_url(re.compile(r"/sandbox-gateway/trades/"))
    page.get_by_test_id("sandbox-confirm").wait_for()
    page.screenshot(path=screenshots / "35-desktop-sandbox-gateway.png", full_page=True)
    page.get_by_test_id("sandbox-confirm").click()

    # 5. Back in the app: 支付成功.
    page.wait_for_url(re.compile(r"/payments/[^/]+/result"))
    page.locator("[data-testid=payment-result][data-status=paid]").wait_for(timeout=20_000)
    assert "支付成功" in page.get_by_test_id("payment-result").inner_text()
    page.screenshot(path=screenshots / "36-desktop-payment-result.png", full_page=True)

    page.get_by_test_id("result-orders").click()
    page.wait_for_url(re.compile(r"/account/orders\?status=paid"))
    cards = page.locator("[data-testid=order-card][data-status=paid]")
    cards.nth(1).wait_for()
    assert cards.count() == 2
    orders = {_text(card, "order-shop"): _text(card, "order-no") for card in cards.all()}
    assert set(orders) == set(SELLERS)
    page.screenshot(path=screenshots / "37-desktop-orders-to-ship.png", full_page=True)

    # 6. Each shop ships its own order.
    for number, (shop_name, owner) in enumerate(SELLERS.items(), start=1):
        shot = screenshots / f"38-desktop-merchant-shipped-{number}.png"
        _ship_in_console(browser, server, owner, orders[shop_name], shot)

    # 7. The buyer confirms receipt of both and reads the timeline.
    page.goto(f"{server.url}/account/orders?status=shipped")
    shipped = page.locator("[data-testid=order-card][data-status=shipped]")
    shipped.nth(1).wait_for()
    assert page.get_by_test_id("order-tab-shipped").get_attribute("data-count") == "2"
    page.screenshot(path=screenshots / "39-desktop-orders-to-receive.png", full_page=True)
    for remaining in (1, 0):
        shipped.first.get_by_test_id("confirm-receipt").click()
        _confirm_box(page)
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=order-card][data-status=shipped]').length === n",
            arg=remaining,
        )

    page.get_by_test_id("order-tab-completed").click()
    done = page.locator("[data-testid=order-card][data-status=completed]")
    done.nth(1).wait_for()
    done.first.get_by_test_id("order-view").click()
    detail = page.locator("[data-testid=order-detail][data-status=completed]")
    detail.wait_for()
    assert "已完成" in detail.locator(".page-title").inner_text()
    steps = page.locator("[data-testid=order-timeline] [data-testid=timeline-entry]")
    assert [steps.nth(i).get_attribute("data-to-status") for i in range(steps.count())] == [
        "completed",
        "shipped",
        "paid",
        "pending_payment",
    ]
    page.screenshot(path=screenshots / "40-desktop-order-completed.png", full_page=True)

    phone_page.goto(page.url)
    phone_page.get_by_test_id("order-timeline").wait_for()
    assert _no_horizontal_overflow(phone_page)
    phone_page.screenshot(path=screenshots / "41-phone-order-completed.png", full_page=True)
    for context in (buyer, phone):
        context.close()
