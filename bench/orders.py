"""Cart, checkout and orders under load, and a rush on one hot SKU.

    .venv/bin/python bench/orders.py [--database-url postgresql://postgres@127.0.0.1:5432/bench]
        [--workers 2] [--clients 100] [--seconds 15] [--buyers 500] [--rush-units 1000]
        [--rush-attempts 20000]

Needs wrk (apt-get install wrk). Builds a demo catalog, signs up --buyers buyers with an
address each (through the service, past the sign-up rate limit), gives 1 000 SKUs ample
stock, starts `jishi serve --workers N`, then measures in one run: the baseline (a
trivial JSON endpoint), add-to-cart, checkout preview and order submit spread over the
1 000 SKUs, each with requests/s, p50/p95/p99 and the ratio to the baseline. Last, the
rush: --rush-attempts orders of one unit of a SKU with --rush-units in stock, from
--clients concurrent connections; it prints attempts/s and checks that exactly
--rush-units orders were placed and nothing was oversold.
Targets (PostgreSQL, 2 workers): submit ≥ 300 orders/s with p95 ≤ 100 ms; the rush ends
with exactly --rush-units orders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Call, Scenario, report, require_wrk, run_scenario

from accounts import JISHI, free_port, wait_ready

AMPLE_STOCK = 10_000_000


@dataclass(frozen=True)
class Buyer:
    token: str
    address_id: str


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--rush-units", type=int, default=1000)
    parser.add_argument("--rush-attempts", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    require_wrk()

    var = Path(tempfile.mkdtemp(prefix="jishi-bench-orders-"))
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["JISHI_DATABASE_URL"] = args.database_url
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [JISHI, "demo", "--products", str(args.products)], env=env, check=True, capture_output=True
    )
    buyers, skus, hot_sku = asyncio.run(prepare(env, args.buyers, args.rush_units))
    port = free_port()
    server = subprocess.Popen(
        [JISHI, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        rng = random.Random(11)
        scenarios = [
            Scenario("baseline GET /healthz", "/healthz"),
            Scenario("add to cart", "/", calls=[_add_to_cart(rng, buyers, skus) for _ in range(5000)]),
            Scenario(
                "checkout preview",
                "/",
                calls=[_checkout(rng, buyers, skus, preview=True) for _ in range(5000)],
            ),
            Scenario(
                "order submit (1 000 SKUs)", "/", calls=[_checkout(rng, buyers, skus) for _ in range(5000)]
            ),
        ]
        where = args.database_url or "sqlite"
        print(
            f"jishi serve --workers {args.workers}; database {where}; {args.buyers} buyers; "
            f"{args.clients} clients × {args.seconds:.0f} s each after {args.warmup:.0f} s of warm-up"
        )
        results = [
            run_scenario(base, s, clients=args.clients, seconds=args.seconds, warmup=args.warmup)
            for s in scenarios
        ]
        report(results, baseline="baseline GET /healthz")
        placed, seconds, codes = asyncio.run(rush(base, buyers, hot_sku, args.rush_attempts, args.clients))
        held = asyncio.run(reserved_units(env, hot_sku))
        print(
            f"rush: {args.rush_attempts} attempts on one SKU with {args.rush_units} units in "
            f"{seconds:.1f} s = {args.rush_attempts / seconds:.0f} attempts/s; answers {dict(codes)}; "
            f"{placed} orders placed, {held} units reserved"
        )
        if placed != args.rush_units or held != args.rush_units:
            raise SystemExit("rush: the number of orders or reserved units is wrong")
        print("rush: exactly as many orders as units, no oversell")
    finally:
        server.terminate()
        server.wait(timeout=20)


def _add_to_cart(rng: random.Random, buyers: list[Buyer], skus: list[str]) -> Call:
    buyer = rng.choice(buyers)
    return Call(
        "POST", "/api/v1/cart/items", buyer.token, json.dumps({"sku_id": rng.choice(skus), "quantity": 1})
    )


def _checkout(rng: random.Random, buyers: list[Buyer], skus: list[str], *, preview: bool = False) -> Call:
    buyer = rng.choice(buyers)
    items = [
        {"sku_id": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, 1 if not preview else 2)
    ]
    path = "/api/v1/checkout/preview" if preview else "/api/v1/orders"
    return Call("POST", path, buyer.token, json.dumps({"address_id": buyer.address_id, "items": items}))


async def prepare(env: dict[str, str], count: int, rush_units: int) -> tuple[list[Buyer], list[str], str]:
    """Buyers with addresses; 1 000 sellable SKUs with ample stock; one hot SKU with ``rush_units``."""
    os.environ.update(env)
    from sqlalchemy import func, select, update

    from jishi.accounts import service as accounts
    from jishi.catalog.models import Product, Sku
    from jishi.core.context import AppContext
    from jishi.settings import Settings
    from jishi.shops.models import Shop

    ctx = AppContext.build(Settings())
    buyers: list[Buyer] = []
    try:
        for n in range(count):
            async with ctx.database.uow() as uow:
                tokens = await accounts.register(
                    uow,
                    ctx,
                    email=f"bench-buyer-{n}@jishi.example",
                    password="load-test-2026",
                    nickname=None,
                    user_agent="bench",
                    client="api",
                )
            async with ctx.database.uow() as uow:
                address = await accounts.add_address(
                    uow,
                    ctx,
                    tokens.user.id,
                    accounts.AddressFields(
                        recipient="压测",
                        phone="13800138000",
                        province="浙江省",
                        city="杭州市",
                        district="西湖区",
                        detail=f"文三路 {n} 号",
                        is_default=True,
                    ),
                )
            buyers.append(Buyer(tokens.access_token, address.id))
        async with ctx.database.uow() as uow:
            sellable = (
                select(Sku.id)
                .join(Product, Product.id == Sku.product_id)
                .join(Shop, Shop.id == Product.shop_id)
                .where(Product.status == "on_sale", Shop.status == "active", Sku.is_enabled.is_(True))
                .order_by(func.random())
                .limit(1001)
            )
            ids = list(await uow.session.scalars(sellable))
            hot, skus = ids[0], ids[1:]
            await uow.session.execute(update(Sku).where(Sku.id.in_(skus)).values(stock=AMPLE_STOCK))
            await uow.session.execute(update(Sku).where(Sku.id == hot).values(stock=rush_units, reserved=0))
            product_ids = select(Sku.product_id).where(Sku.id.in_(ids)).scalar_subquery()
            await uow.session.execute(
                update(Product).where(Product.id.in_(product_ids)).values(stock_total=AMPLE_STOCK)
            )
            await uow.commit()
    finally:
        await ctx.close()
    return buyers, skus, hot


async def rush(
    base: str, buyers: list[Buyer], sku: str, attempts: int, clients: int
) -> tuple[int, float, Counter[int]]:
    """``attempts`` single-unit orders of one SKU from ``clients`` connections at once."""
    codes: Counter[int] = Counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(attempts):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                buyer = buyers[n % len(buyers)]
                body = {"address_id": buyer.address_id, "items": [{"sku_id": sku, "quantity": 1}]}
                answer = await client.post(
                    "/api/v1/orders", json=body, headers={"Authorization": f"Bearer {buyer.token}"}
                )
                codes[answer.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - started
    return codes[201], seconds, codes


async def reserved_units(env: dict[str, str], sku_id: str) -> int:
    os.environ.update(env)
    from jishi.catalog.models import Sku
    from jishi.core.context import AppContext
    from jishi.settings import Settings

    ctx = AppContext.build(Settings())
    try:
        async with ctx.database.uow() as uow:
            sku = await uow.session.get(Sku, sku_id)
            assert sku is not None
            if sku.reserved > sku.stock:
                raise SystemExit("oversold")
            return sku.reserved
    finally:
        await ctx.close()


if __name__ == "__main__":
    main()
