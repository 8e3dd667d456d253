"""Cart, checkout and orders under load, and a rush on one hot SKU.

    .venv/bin/python bench/orders.py [--database-url postgresql://postgres@127.0.0.1:5432/bench]
        [--var-dir DIR] [--workers 2] [--clients 100] [--seconds 15] [--buyers 500]
        [--rush-units 1000] [--rush-attempts 20000] [--only add,preview,submit,rush]

Needs wrk (apt-get install wrk). Builds a demo catalog, signs up --buyers buyers with an
address each (through the service, past the sign-up rate limit) and picks 1 000 SKUs; with
--var-dir, a second run on the same directory and database reuses them. Every run gives
the 1 000 SKUs ample stock and a fresh hot SKU --rush-units units, starts `jishi serve
--workers N`, then measures in one run: the baseline (a trivial JSON endpoint), add-to-cart,
checkout preview and order submit spread over the 1 000 SKUs, each with requests/s,
p50/p95/p99 and the ratio to the baseline. Last, the rush: exactly --rush-attempts orders of
one unit of the hot SKU from --clients connections (wrk, so the client is not the
bottleneck); it prints attempts/s and checks that exactly --rush-units orders were placed
and nothing was oversold.
Submit also runs at --submit-clients clients: with 100 clients the server is saturated
and p95 is queueing, so the latency target is judged where the load is what the
throughput target asks. Targets (PostgreSQL, 2 workers): submit ≥ 300 orders/s with
p95 ≤ 100 ms; the rush ends with exactly --rush-units orders.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import HERE, Call, Result, Scenario, report, require_wrk, run_scenario

from accounts import JISHI, free_port, wait_ready

AMPLE_STOCK = 10_000_000
RUSH_SCRIPT = HERE / "rush.lua"


@dataclass(frozen=True)
class Buyer:
    token: str
    address_id: str


SCENARIOS = ("add", "preview", "submit", "rush")


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
    parser.add_argument(
        "--submit-clients",
        type=int,
        default=20,
        help="Also measure order submit at this many clients (the latency target's operating point)",
    )
    parser.add_argument("--rush-units", type=int, default=1000)
    parser.add_argument("--rush-attempts", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--var-dir", default="", help="Keep (and reuse) the prepared state here")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="Comma-separated: " + ",".join(SCENARIOS))
    args = parser.parse_args()
    require_wrk()
    only = set(args.only.split(","))
    if only - set(SCENARIOS):
        parser.error(f"--only takes {', '.join(SCENARIOS)}")

    var = Path(args.var_dir or tempfile.mkdtemp(prefix="jishi-bench-orders-"))
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["JISHI_DATABASE_URL"] = args.database_url
    buyers, skus = prepared(var, env, args.products, args.buyers)
    hot_sku = asyncio.run(restock(env, skus, args.rush_units))
    port = free_port()
    server_log = (var / "server.log").open("ab")
    server = subprocess.Popen(
        [JISHI, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=server_log,
        stderr=server_log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        rng = random.Random(11)
        scenarios = [Scenario("baseline GET /healthz", "/healthz")]
        if "add" in only:
            calls = [_add_to_cart(rng, buyers, skus) for _ in range(5000)]
            scenarios.append(Scenario("add to cart", "/", calls=calls))
        if "preview" in only:
            calls = [_checkout(rng, buyers, skus, preview=True) for _ in range(5000)]
            scenarios.append(Scenario("checkout preview", "/", calls=calls))
        if "submit" in only:
            calls = [_checkout(rng, buyers, skus) for _ in range(5000)]
            scenarios.append(Scenario("order submit (1 000 SKUs)", "/", calls=calls))
        where = args.database_url or "sqlite"
        print(
            f"jishi serve --workers {args.workers}; database {where}; {len(buyers)} buyers; "
            f"{args.clients} clients × {args.seconds:.0f} s each after {args.warmup:.0f} s of warm-up"
        )
        results = [
            run_scenario(base, s, clients=args.clients, seconds=args.seconds, warmup=args.warmup)
            for s in scenarios
        ]
        if "submit" in only and args.submit_clients:
            calls = [_checkout(rng, buyers, skus) for _ in range(5000)]
            name = f"submit, {args.submit_clients} clients"
            results.append(
                run_scenario(
                    base,
                    Scenario(name, "/", calls=calls),
                    clients=args.submit_clients,
                    seconds=args.seconds,
                    warmup=args.warmup,
                )
            )
        report(results, baseline="baseline GET /healthz")
        if "submit" in only:
            print_submit_target([r for r in results if "submit" in r.name])
        if "rush" in only:
            rush(base, env, buyers, hot_sku, args)
    finally:
        server.terminate()
        server.wait(timeout=20)


def print_submit_target(submits: list[Result]) -> None:
    """Whether any measured load met the target: ≥ 300 orders/s with p95 ≤ 100 ms."""
    met = [r for r in submits if r.rps >= 300 and r.p95_ms <= 100]
    best = max(submits, key=lambda r: (r.p95_ms <= 100, r.rps))
    verdict = "met" if met else "not met"
    print(f"submit target (≥ 300/s with p95 ≤ 100 ms): {verdict}; ", end="")
    print(f"best: {best.name}, {best.rps:.0f}/s, p95 {best.p95_ms:.1f} ms")


def prepared(var: Path, env: dict[str, str], products: int, count: int) -> tuple[list[Buyer], list[str]]:
    """Buyers and the 1 000 SKUs, from the state file of an earlier run when there is one."""
    state = var / "orders-bench.json"
    if state.exists():
        saved = json.loads(state.read_text())
        return [Buyer(**b) for b in saved["buyers"]], saved["skus"]
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([JISHI, "demo", "--products", str(products)], env=env, check=True, capture_output=True)
    buyers, skus = asyncio.run(prepare(env, count))
    state.write_text(json.dumps({"buyers": [b.__dict__ for b in buyers], "skus": skus}))
    return buyers, skus


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


async def prepare(env: dict[str, str], count: int) -> tuple[list[Buyer], list[str]]:
    """Buyers with an address each, signed up through the service (past the sign-up rate
    limit), and 1 000 sellable SKUs."""
    os.environ.update(env)
    from sqlalchemy import func

    from jishi.accounts import service as accounts
    from jishi.core.context import AppContext
    from jishi.settings import Settings

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
                    ip=None,
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
            skus = list(await uow.session.scalars(_sellable_skus().order_by(func.random()).limit(1000)))
    finally:
        await ctx.close()
    return buyers, skus


def _sellable_skus() -> Any:
    """SKUs a buyer can order: enabled, of a product on sale, in an active shop."""
    from sqlalchemy import select

    from jishi.catalog.models import Product, Sku
    from jishi.shops.models import Shop

    return (
        select(Sku.id)
        .join(Product, Product.id == Sku.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Product.status == "on_sale", Shop.status == "active", Sku.is_enabled.is_(True))
    )


async def restock(env: dict[str, str], skus: list[str], rush_units: int) -> str:
    """Ample stock on the 1 000 SKUs; a hot SKU no earlier run used gets ``rush_units``."""
    os.environ.update(env)
    from sqlalchemy import func, select, update

    from jishi.catalog.models import Product, Sku
    from jishi.core.context import AppContext
    from jishi.settings import Settings

    ctx = AppContext.build(Settings())
    try:
        async with ctx.database.uow() as uow:
            fresh = (
                _sellable_skus()
                .where(Sku.reserved == 0, Sku.id.not_in(skus))
                .order_by(func.random())
                .limit(1)
            )
            hot = await uow.session.scalar(fresh)
            assert hot is not None, "no unused SKU left for the rush"
            await uow.session.execute(
                update(Sku).where(Sku.id.in_(skus)).values(stock=Sku.reserved + AMPLE_STOCK)
            )
            await uow.session.execute(update(Sku).where(Sku.id == hot).values(stock=rush_units))
            product_ids = select(Sku.product_id).where(Sku.id.in_([*skus, hot])).scalar_subquery()
            await uow.session.execute(
                update(Product).where(Product.id.in_(product_ids)).values(stock_total=AMPLE_STOCK)
            )
            await uow.commit()
    finally:
        await ctx.close()
    return hot


def rush(base: str, env: dict[str, str], buyers: list[Buyer], sku: str, args: argparse.Namespace) -> None:
    """Exactly ``--rush-attempts`` single-unit orders of one SKU from ``--clients`` connections."""
    calls = [
        Call(
            "POST",
            "/api/v1/orders",
            buyer.token,
            json.dumps({"address_id": buyer.address_id, "items": [{"sku_id": sku, "quantity": 1}]}),
        )
        for buyer in buyers
    ]
    threads = 2
    with tempfile.TemporaryDirectory(prefix="jishi-rush-") as out:
        listing = Path(out) / "requests"
        listing.write_text("\n".join(c.line() for c in calls) + "\n")
        script = [
            str(RUSH_SCRIPT),
            base + "/",
            "--",
            str(listing),
            str(args.rush_attempts),
            str(threads),
            out,
        ]
        wrk = subprocess.Popen(
            [require_wrk(), f"-t{threads}", f"-c{args.clients}", "-d600s", "--timeout", "30s", "-s", *script],
            stdout=subprocess.DEVNULL,
        )
        try:
            while len(list(Path(out).glob("thread-*.json"))) < threads:
                if wrk.poll() is not None:
                    raise SystemExit("rush: wrk stopped before every attempt was answered")
                time.sleep(0.05)
        finally:
            wrk.kill()
            wrk.wait()
        tallies = [json.loads(p.read_text()) for p in Path(out).glob("thread-*.json")]
    seconds = max(t["finished"] for t in tallies) - min(t["started"] for t in tallies)
    codes: Counter[int] = Counter()
    for tally in tallies:
        codes.update({int(code): n for code, n in tally["statuses"].items()})
    placed, held = asyncio.run(rush_outcome(env, sku))
    attempts = sum(codes.values())
    print(
        f"rush: {attempts} attempts on one SKU with {args.rush_units} units in {seconds:.1f} s = "
        f"{attempts / seconds:.0f} attempts/s; answers {dict(sorted(codes.items()))}; "
        f"{placed} orders placed, {held} units reserved"
    )
    if placed != args.rush_units or held != args.rush_units or codes[201] != args.rush_units:
        raise SystemExit("rush: the number of orders or reserved units is wrong")
    print("rush: exactly as many orders as units, no oversell")


async def rush_outcome(env: dict[str, str], sku_id: str) -> tuple[int, int]:
    """How many orders hold the hot SKU, and how many of its units are reserved."""
    os.environ.update(env)
    from sqlalchemy import func, select

    from jishi.catalog.models import Sku
    from jishi.core.context import AppContext
    from jishi.orders.models import OrderLine
    from jishi.settings import Settings

    ctx = AppContext.build(Settings())
    try:
        async with ctx.database.uow() as uow:
            sku = await uow.session.get(Sku, sku_id)
            assert sku is not None
            if sku.reserved > sku.stock:
                raise SystemExit("oversold")
            orders = await uow.session.scalar(
                select(func.count(func.distinct(OrderLine.order_id))).where(OrderLine.sku_id == sku_id)
            )
            return int(orders or 0), sku.reserved
    finally:
        await ctx.close()


if __name__ == "__main__":
    main()
