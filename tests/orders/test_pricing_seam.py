"""The pricing-rules seam end to end, with a contributor made for the test: a one-use voucher
(a fixed amount off the whole checkout) that is redeemed when the checkout is placed, comes
back when its order is cancelled, and gives back its exact share of refunded units.

It is what a coupons package would be, minus its tables: registering it is one line, and
checkout, cancel and refund reach it only through the seam."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import httpx
import pytest

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError, ErrorKind, register_errors
from jishi.inventory.service import check
from jishi.orders import service as orders
from jishi.pricing import BuyerContext, PricingRules, Stage
from jishi.pricing.contributors import (
    CONTRIBUTORS,
    CancelledOrder,
    Phase,
    PlacedCheckout,
    PricingRequest,
    RefundedLines,
)
from jishi.pricing.stages import PricingState
from tests.catalog.helpers import API
from tests.conftest import Account
from tests.shopping import Market, build_market, new_buyer, pay_in_sandbox, place_order

register_errors({"voucher_used": ErrorKind(409, "代金券已使用。", "The voucher has been used.")})


@dataclass(frozen=True)
class _VoucherOff:
    amount_fen: int
    name: ClassVar[str] = "voucher"

    def apply(self, state: PricingState, context: BuyerContext, rules: PricingRules) -> None:
        state.discount_order("voucher", "代金券", self.amount_fen)


@dataclass
class Voucher:
    """One voucher of ``amount_fen`` for one buyer, usable once at a time."""

    buyer_id: str
    amount_fen: int
    source: str = "voucher"
    used_by: str | None = None  # the payment it was redeemed for
    released: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)

    async def stages(self, uow: UnitOfWork, ctx: AppContext, request: PricingRequest) -> Sequence[Stage]:
        applies = request.buyer.user_id == self.buyer_id and self.used_by is None
        return [_VoucherOff(self.amount_fen)] if applies else []

    async def place(self, uow: UnitOfWork, ctx: AppContext, placed: PlacedCheckout) -> None:
        if not placed.discounted_by(self.source):
            return
        if self.used_by is not None:
            raise AppError("voucher_used")
        self.used_by = placed.payment_id

    async def release(self, uow: UnitOfWork, ctx: AppContext, order: CancelledOrder) -> None:
        given = sum(line.discounts.get(self.source, 0) for line in order.lines)
        if given:
            self.released.append(given)
            self.used_by = None

    async def refund(self, uow: UnitOfWork, ctx: AppContext, refund: RefundedLines) -> None:
        self.refunded.extend(line.discounts.get(self.source, 0) for line in refund.lines)


@pytest.fixture
async def market(client: httpx.AsyncClient, admin: Account) -> Market:
    return await build_market(client, admin)


@pytest.fixture
async def shopper(client: httpx.AsyncClient, app_ctx: AppContext) -> tuple[Account, str]:
    return await new_buyer(client, app_ctx)


@pytest.fixture
async def voucher(shopper: tuple[Account, str]) -> AsyncIterator[Voucher]:
    voucher = Voucher(buyer_id=shopper[0].id, amount_fen=1010)
    CONTRIBUTORS.register(Phase.COUPON, voucher)  # the one registration line
    yield voucher
    CONTRIBUTORS.unregister(voucher.source)


async def test_the_discount_is_priced_placed_released_and_refunded_exactly(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    market: Market,
    shopper: tuple[Account, str],
    voucher: Voucher,
) -> None:
    buyer, address = shopper
    items = [(market.a.sku_ids[0], 2), (market.b.sku_ids[0], 3), (market.a.sku_ids[1], 1)]
    body = {"address_id": address, "items": [{"sku_id": s, "quantity": q} for s, q in items]}

    preview = (await client.post(f"{API}/checkout/preview", headers=buyer.headers, json=body)).json()
    assert preview["discount_fen"] == 1010
    assert [d["source"] for d in preview["discounts"]] == ["voucher"]
    lines = [line for shop in preview["shops"] for line in shop["lines"]]
    assert sum(line["discount_fen"] for line in lines) == 1010
    # Spread over every line by what each still owes, the odd fen by largest remainder.
    subtotals = [549900 * 2, 599900, 399900 * 3]
    assert sorted(line["subtotal_fen"] for line in lines) == sorted(subtotals)
    assert {line["subtotal_fen"]: line["discount_fen"] for line in lines} == {
        1099800: 383,
        1199700: 418,
        599900: 209,
    }
    assert preview["total_fen"] == sum(subtotals) - 1010

    placed = await place_order(client, buyer, address, items)
    assert placed.status_code == 201, placed.text
    assert voucher.used_by == placed.json()["payment"]["id"]
    assert placed.json()["payment"]["amount_fen"] == sum(subtotals) - 1010
    orders_by_shop = {o["shop_id"]: o for o in placed.json()["orders"]}
    shop_b_order = orders_by_shop[market.b.shop_id]["id"]
    shop_a_order = orders_by_shop[market.a.shop_id]["id"]
    order_b = (await client.get(f"{API}/orders/{shop_b_order}", headers=buyer.headers)).json()
    assert order_b["discount_fen"] == 418 and order_b["total_fen"] == 1199700 - 418

    # Cancelling one of the checkout's orders gives back the voucher's share of that order.
    cancelled = await client.post(f"{API}/orders/{shop_a_order}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert voucher.released == [383 + 209] and voucher.used_by is None

    # The other order is paid; its three units are refunded one by one: every fen of the
    # voucher's 418 comes back, never one more.
    await pay_in_sandbox(client, app_ctx, buyer, placed.json()["payment"]["id"])
    for before in range(3):
        async with app_ctx.database.uow() as uow:
            await orders.refund_lines(uow, app_ctx, shop_b_order, {0: (before, 1)})
            await uow.commit()
    assert voucher.refunded == [139, 139, 140]
    assert sum(voucher.refunded) == 418


async def test_a_contributor_refusing_the_checkout_leaves_nothing_behind(
    client: httpx.AsyncClient,
    app_ctx: AppContext,
    market: Market,
    shopper: tuple[Account, str],
    voucher: Voucher,
) -> None:
    buyer, address = shopper
    voucher.used_by = "elsewhere"  # redeemed by a concurrent checkout after pricing read it

    async def still_offered(uow: UnitOfWork, ctx: AppContext, request: PricingRequest) -> Sequence[Stage]:
        return [_VoucherOff(voucher.amount_fen)]

    voucher.stages = still_offered  # type: ignore[method-assign]
    refused = await place_order(client, buyer, address, [(market.a.sku_ids[0], 1)])

    assert refused.status_code == 409 and refused.json()["code"] == "voucher_used"
    mine = await client.get(f"{API}/orders", headers=buyer.headers)
    assert mine.json()["items"] == []
    async with app_ctx.database.uow() as uow:
        assert await check(uow) == []
    sku = (await client.get(f"{API}/products/{market.a.product_id}")).json()["skus"][0]
    assert sku["available_stock"] == 10  # nothing stayed reserved
