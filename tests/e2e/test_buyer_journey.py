"""A buyer searches in Chinese, opens a product and picks a SKU, at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_search_open_a_product_and_choose_a_sku(
    browser: Any, demo_server: LiveServer, screenshots: Path, label: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=label == "phone")
    page = context.new_page()
    page.goto(demo_server.url)
    page.get_by_test_id("product-card").first.wait_for()
    page.screenshot(path=screenshots / f"10-{label}-home-with-catalog.png", full_page=False)

    page.get_by_test_id("search-input").fill("手机")
    page.get_by_test_id("search-input").press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    cards = page.get_by_test_id("product-card")
    cards.first.wait_for()
    assert cards.count() > 0
    assert "手机" in cards.first.inner_text()
    page.screenshot(path=screenshots / f"11-{label}-search-results.png", full_page=False)

    cards.first.click()
    page.wait_for_url(re.compile(r"/p/"))
    title = page.get_by_test_id("product-title")
    title.wait_for()
    assert title.inner_text().strip()
    options = page.locator("[data-testid=sku-option][data-disabled=false]")
    if options.count():
        options.first.click()
    assert re.search(r"¥\s?\d", page.get_by_test_id("product-price").inner_text())
    assert bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
    page.screenshot(path=screenshots / f"12-{label}-product-page.png", full_page=True)
    context.close()
