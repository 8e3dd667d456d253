"""Worked examples of pricing, readable as a specification."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jishi.pricing import Adjustment, Breakdown, BuyerContext, ListPrice, PricingRules, ShopShipping, price
from jishi.pricing.stages import PricingState
from tests.pricing.helpers import OrderDiscount, PercentOffShop, PerUnitOff, line, with_discounts

BUYER = BuyerContext(user_id="u1", province="浙江省")
RULES = PricingRules(
    shipping={
        "tea": ShopShipping(flat_fee_fen=1000),
        "silk": ShopShipping(flat_fee_fen=800, free_over_fen=9900),
    }
)
CART = [line("a1", "tea", 1999, 2), line("b1", "silk", 5000, 2), line("a2", "tea", 500)]


def test_two_shops_three_lines() -> None:
    result = price(CART, BUYER, RULES)

    tea = result.shop("tea")
    assert [x.line_id for x in tea.lines] == ["a1", "a2"]
    assert tea.item_subtotal_fen == 3998 + 500
    assert tea.shipping_fen == 1000
    # 1000 × 3998/4498 = 888.83…, 1000 × 500/4498 = 111.16…: the larger remainder takes the odd fen.
    assert [x.shipping_fen for x in tea.lines] == [889, 111]
    assert tea.payable_fen == 4498 + 1000

    silk = result.shop("silk")
    assert silk.item_subtotal_fen == 10000
    assert silk.shipping_fen == 0
    assert silk.payable_fen == 10000

    assert [s.shop_id for s in result.shops] == ["tea", "silk"]
    assert [x.line_id for x in result.lines()] == ["a1", "b1", "a2"]
    assert result.item_subtotal_fen == 14498
    assert result.shipping_fen == 1000
    assert result.discounts == ()
    assert result.discount_fen == 0
    assert result.payable_fen == 15498
    assert result.line("b1").payable_fen == 10000


def test_shipping_is_charged_below_the_threshold() -> None:
    result = price([line("b1", "silk", 9899)], BUYER, RULES)
    assert result.shipping_fen == 800
    assert result.payable_fen == 9899 + 800


def test_threshold_is_compared_after_discounts() -> None:
    result = price(CART, BUYER, RULES, with_discounts(PercentOffShop("silk", 10)))
    silk = result.shop("silk")
    assert silk.discounts == (Adjustment("promotion", "10% off", 1000),)
    assert silk.shipping_fen == 800
    assert silk.payable_fen == 10000 - 1000 + 800


def test_largest_remainder_decides_the_odd_fen() -> None:
    lines = [line("x", "s", 100), line("y", "s", 200), line("z", "s", 400)]
    result = price(lines, BUYER, PricingRules(), with_discounts(OrderDiscount(10)))
    # Exact shares 1.43, 2.86, 5.71: floors 1, 2, 5 leave 2 fen for the two largest remainders.
    assert [x.discount_fen for x in result.lines()] == [1, 3, 6]
    assert result.discount_fen == 10


def test_equal_remainders_go_to_the_earlier_line() -> None:
    lines = [line("x", "s", 500), line("y", "s", 500), line("z", "s", 500)]
    result = price(lines, BUYER, PricingRules(), with_discounts(OrderDiscount(100)))
    assert [x.discount_fen for x in result.lines()] == [34, 33, 33]


def test_a_plug_in_stage_needs_no_change_from_callers() -> None:
    stages = with_discounts(PerUnitOff("tea-leaves", 100), PercentOffShop("tea", 10), OrderDiscount(300))
    lines = [line("a1", "tea", 1999, 2, category_id="tea-leaves"), line("a2", "tea", 500)]
    result = price(lines, BUYER, RULES, stages)

    a1, a2 = result.lines()
    # Each discount is split by what is still payable: 10% of 4298 = 429 over 3798 : 500,
    # then 300 over 3419 : 450; the odd fen goes to the larger remainder each time.
    assert a1.discounts == (
        Adjustment("member_price", "member price", 200),
        Adjustment("promotion", "10% off", 379),
        Adjustment("coupon", "300 fen off", 265),
    )
    assert a2.discounts == (Adjustment("promotion", "10% off", 50), Adjustment("coupon", "300 fen off", 35))
    assert result.discounts == (
        Adjustment("member_price", "member price", 200),
        Adjustment("promotion", "10% off", 429),
        Adjustment("coupon", "300 fen off", 300),
    )
    assert result.discount_fen == 929
    assert result.payable_fen == 4498 - 929 + 1000


def test_empty_input_prices_to_zero() -> None:
    assert price([], BUYER, RULES) == Breakdown(
        shops=(), item_subtotal_fen=0, discounts=(), discount_fen=0, shipping_fen=0, payable_fen=0
    )


def test_missing_shop_uses_the_default_shipping() -> None:
    rules = PricingRules(default_shipping=ShopShipping(flat_fee_fen=600))
    assert price([line("x", "other", 100)], BUYER, rules).shipping_fen == 600
    assert price([line("x", "other", 100)], BUYER, PricingRules()).shipping_fen == 0


def test_free_lines_share_the_fee_by_quantity() -> None:
    lines = [line("x", "tea", 0, 1), line("y", "tea", 0, 3)]
    result = price(lines, BUYER, RULES)
    assert [x.shipping_fen for x in result.lines()] == [250, 750]


def test_a_discount_with_nothing_left_to_take_is_not_listed() -> None:
    stages = with_discounts(OrderDiscount(500), PercentOffShop("s", 50))
    result = price([line("x", "s", 100)], BUYER, PricingRules(), stages)
    assert result.discounts == (Adjustment("coupon", "500 fen off", 100),)
    assert result.payable_fen == 0


def test_discount_returns_what_was_taken_off() -> None:
    state = PricingState([line("x", "s", 300), line("y", "s", 100)])
    ListPrice().apply(state, BUYER, PricingRules())
    assert state.discount_line("x", "coupon", "c", 50) == 50
    assert state.discount_shop("s", "coupon", "c", 1000) == 350
    assert state.discount_lines(["x", "y"], "points", "p", 10) == 0
    assert list(state.labels) == ["coupon"]


def test_unknown_shop_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        price(CART, BUYER, RULES).shop("nowhere")


@pytest.mark.parametrize(
    "build",
    [
        lambda: line("x", "s", 100, 0),
        lambda: line("x", "s", -1),
        lambda: ShopShipping(flat_fee_fen=-1),
        lambda: ShopShipping(free_over_fen=-1),
        lambda: price([line("x", "s", 1), line("x", "s", 2)], BUYER, RULES),
        lambda: price([line("x", "s", 1)], BUYER, RULES, with_discounts(OrderDiscount(-1))),
        lambda: PricingState([line("x", "s", 1)]).discount_lines(["x", "x"], "coupon", "c", 1),
        lambda: PricingState([line("x", "s", 1)]).set_shop_shipping("s", -1),
    ],
    ids=[
        "zero quantity",
        "negative price",
        "negative fee",
        "negative threshold",
        "duplicate line",
        "negative discount",
        "line listed twice",
        "negative shipping",
    ],
)
def test_programming_errors_raise_value_error(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()
