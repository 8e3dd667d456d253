"""Properties of ``price`` that hold for any cart, rules and discount stages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from jishi.pricing import (
    Adjustment,
    Breakdown,
    BuyerContext,
    PriceLine,
    PricingRules,
    ShopBreakdown,
    ShopShipping,
    Stage,
    price,
)
from tests.pricing.helpers import OrderDiscount, PercentOffShop, PerUnitOff, line, with_discounts

SHOPS = ("s1", "s2", "s3")
BUYER = BuyerContext(user_id="u1", province="广东省")
MODERATE = settings(max_examples=200, deadline=None)


@st.composite
def carts(draw: st.DrawFn, shops: tuple[str, ...] = SHOPS) -> list[PriceLine]:
    return [
        line(
            f"l{i}",
            draw(st.sampled_from(shops)),
            draw(st.integers(0, 100_000)),
            draw(st.integers(1, 20)),
            category_id=draw(st.sampled_from(("c1", "c2"))),
        )
        for i in range(draw(st.integers(0, 8)))
    ]


shop_shipping = st.builds(
    ShopShipping, flat_fee_fen=st.integers(0, 3000), free_over_fen=st.none() | st.integers(0, 300_000)
)
rules_strategy = st.builds(
    PricingRules,
    shipping=st.dictionaries(st.sampled_from(SHOPS), shop_shipping, max_size=len(SHOPS)),
    default_shipping=shop_shipping,
)
discount_stages: st.SearchStrategy[list[Stage]] = st.lists(
    st.one_of(
        st.builds(PercentOffShop, st.sampled_from(SHOPS), st.integers(0, 100)),
        st.builds(OrderDiscount, st.integers(0, 5_000_000), st.sampled_from(("coupon", "points"))),
        st.builds(PerUnitOff, st.sampled_from(("c1", "c2")), st.integers(0, 20_000)),
    ),
    max_size=4,
)


def priced(cart: list[PriceLine], rules: PricingRules, discounts: Iterable[Stage] = ()) -> Breakdown:
    return price(cart, BUYER, rules, with_discounts(*discounts))


def per_source(adjustments: Iterable[Adjustment]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for adjustment in adjustments:
        totals[adjustment.source] += adjustment.amount_fen
    return totals


def assert_well_formed(adjustments: tuple[Adjustment, ...], discount_fen: int) -> None:
    assert len({a.source for a in adjustments}) == len(adjustments)
    assert all(a.amount_fen > 0 for a in adjustments)
    assert discount_fen == sum(a.amount_fen for a in adjustments)


def assert_shop_adds_up(shop: ShopBreakdown) -> None:
    assert_well_formed(shop.discounts, shop.discount_fen)
    assert shop.item_subtotal_fen == sum(x.subtotal_fen for x in shop.lines)
    assert per_source(shop.discounts) == per_source(a for x in shop.lines for a in x.discounts)
    assert shop.discount_fen == sum(x.discount_fen for x in shop.lines)
    assert shop.shipping_fen == sum(x.shipping_fen for x in shop.lines)
    assert shop.payable_fen == sum(x.payable_fen for x in shop.lines)


def assert_total_adds_up(result: Breakdown) -> None:
    assert_well_formed(result.discounts, result.discount_fen)
    assert result.item_subtotal_fen == sum(s.item_subtotal_fen for s in result.shops)
    assert per_source(result.discounts) == per_source(a for s in result.shops for a in s.discounts)
    assert result.discount_fen == sum(s.discount_fen for s in result.shops)
    assert result.shipping_fen == sum(s.shipping_fen for s in result.shops)
    assert result.payable_fen == sum(s.payable_fen for s in result.shops)


@MODERATE
@given(cart=carts(), rules=rules_strategy, discounts=discount_stages)
def test_payable_is_never_negative(
    cart: list[PriceLine], rules: PricingRules, discounts: list[Stage]
) -> None:
    result = priced(cart, rules, discounts)
    for item in result.lines():
        assert 0 <= item.discount_fen <= item.subtotal_fen
        assert item.payable_fen == item.subtotal_fen - item.discount_fen + item.shipping_fen >= 0
    assert all(shop.payable_fen >= 0 for shop in result.shops)
    assert result.payable_fen >= 0


@MODERATE
@given(cart=carts(), rules=rules_strategy, extra=st.integers(0, 10**7))
def test_a_discount_bigger_than_the_order_takes_exactly_the_goods(
    cart: list[PriceLine], rules: PricingRules, extra: int
) -> None:
    greedy = OrderDiscount(sum(x.subtotal_fen for x in cart) + extra)
    result = priced(cart, rules, [greedy, PercentOffShop("s1", 50)])
    assert result.discount_fen == result.item_subtotal_fen
    assert result.payable_fen == result.shipping_fen
    assert all(item.payable_fen == item.shipping_fen for item in result.lines())


@MODERATE
@given(cart=carts(), rules=rules_strategy, discounts=discount_stages)
def test_lines_add_up_to_shops_and_shops_to_the_total(
    cart: list[PriceLine], rules: PricingRules, discounts: list[Stage]
) -> None:
    result = priced(cart, rules, discounts)
    assert [x.line_id for x in result.lines()] == [x.line_id for x in cart]
    assert [s.shop_id for s in result.shops] == list(dict.fromkeys(x.shop_id for x in cart))
    for item, given_line in zip(result.lines(), cart, strict=True):
        assert item.subtotal_fen == given_line.unit_price_fen * given_line.quantity
        assert_well_formed(item.discounts, item.discount_fen)
    for shop in result.shops:
        assert_shop_adds_up(shop)
    assert_total_adds_up(result)


@MODERATE
@given(cart=carts(), rules=rules_strategy, discounts=discount_stages)
def test_same_input_same_output(cart: list[PriceLine], rules: PricingRules, discounts: list[Stage]) -> None:
    reordered = PricingRules(
        shipping=dict(reversed(list(rules.shipping.items()))), default_shipping=rules.default_shipping
    )
    first = priced(cart, rules, discounts)
    assert priced(list(cart), rules, list(discounts)) == first
    assert priced(cart, reordered, discounts) == first


@MODERATE
@given(cart=carts(), rules=rules_strategy, discounts=discount_stages)
def test_shipping_is_charged_once_per_shop_unless_free(
    cart: list[PriceLine], rules: PricingRules, discounts: list[Stage]
) -> None:
    result = priced(cart, rules, discounts)
    for shop in result.shops:
        goods = shop.item_subtotal_fen - shop.discount_fen
        terms = rules.shipping_for(shop.shop_id)
        free = terms.free_over_fen is not None and goods >= terms.free_over_fen
        assert shop.shipping_fen == (0 if free else terms.flat_fee_fen)


@MODERATE
@given(
    cart=carts(shops=("s1",)).filter(bool),
    fee=st.integers(1, 3000),
    offset=st.integers(-1000, 1000),
)
def test_free_shipping_starts_exactly_at_the_threshold(cart: list[PriceLine], fee: int, offset: int) -> None:
    subtotal = sum(x.subtotal_fen for x in cart)
    threshold = max(0, subtotal + offset)
    rules = PricingRules(shipping={"s1": ShopShipping(flat_fee_fen=fee, free_over_fen=threshold)})
    result = priced(cart, rules)
    assert result.shipping_fen == (0 if subtotal >= threshold else fee)
