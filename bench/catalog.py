"""Catalog and search under load: product detail, category listing, keyword and filtered search.

    .venv/bin/python bench/catalog.py [--products 100000] [--workers 2] [--clients 100] [--seconds 15]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench] [--var-dir DIR]

Needs wrk (apt-get install wrk). Builds (or reuses, with --var-dir) a demo catalog of
--products products, starts `jishi serve --workers N` on a free port, and measures,
in one run, a trivial JSON endpoint of the same app as the baseline and then each
scenario, printing requests/s, p50/p95/p99 and the ratio to the baseline.
Targets: product detail ≥ 0.6 × baseline requests/s; keyword search p95 ≤ 50 ms at 100 clients.
On PostgreSQL the tables are vacuumed and analysed after loading, as autovacuum would do in
service (bulk-loaded tables have no statistics and no visibility map).
The events the demo left in the outbox (shop approvals re-index whole shops) are handled
before the server starts, so that work does not run inside a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Scenario, report, require_wrk, run_scenario

from accounts import JISHI, free_port, wait_ready

if TYPE_CHECKING:
    from jishi.core.context import AppContext

KEYWORDS = [
    "手机",
    "华为手机",
    "连衣裙",
    "岩茶",
    "shouji",
    "sj",
    "坚果",
    "笔记本电脑",
    "空调",
    "耳机 降噪",
    "大红袍",
    "运动鞋",
    "积木",
    "面霜",
    "帐篷",
    "绘本",
    "小米",
    "机械键盘",
    "四件套",
    "纸尿裤",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3, help="Unmeasured seconds before each scenario")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--var-dir", default="")
    args = parser.parse_args()
    require_wrk()

    var = Path(args.var_dir or tempfile.mkdtemp(prefix="jishi-bench-"))
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["JISHI_DATABASE_URL"] = args.database_url
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [JISHI, "demo", "--products", str(args.products)], env=env, check=True, capture_output=True
    )
    product_ids, category_ids, brand_ids = asyncio.run(sample_ids(env))
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
        rng = random.Random(7)
        hot = product_ids[:100]
        scenarios = [
            Scenario("baseline GET /healthz", "/healthz"),
            Scenario("product detail (uniform)", "/", paths=[f"/api/v1/products/{i}" for i in product_ids]),
            Scenario("product detail (hot 100)", "/", paths=[f"/api/v1/products/{i}" for i in hot]),
            Scenario(
                "category listing",
                "/",
                paths=[
                    "/api/v1/products?" + urlencode({"category_id": c, "sort": "sales", "limit": 20})
                    for c in category_ids
                ],
            ),
            Scenario(
                "keyword search", "/", paths=[f"/api/v1/products?q={quote(k)}&limit=20" for k in KEYWORDS]
            ),
            Scenario(
                "filtered search",
                "/",
                paths=[
                    "/api/v1/products?"
                    + urlencode(
                        {
                            "q": rng.choice(KEYWORDS),
                            "price_min_fen": 1000,
                            "price_max_fen": rng.choice([50000, 500000]),
                            "in_stock": "true",
                            "sort": rng.choice(["sales", "price_asc", "newest"]),
                            "facets": "true",
                            **({"brand_id": rng.choice(brand_ids)} if rng.random() < 0.5 else {}),
                        }
                    )
                    for _ in range(200)
                ],
            ),
        ]
        where = args.database_url or "sqlite"
        print(
            f"{args.products} products; jishi serve --workers {args.workers}; database {where}; "
            f"{args.clients} clients × {args.seconds:.0f} s each after {args.warmup:.0f} s of warm-up"
        )
        results = [
            run_scenario(base, s, clients=args.clients, seconds=args.seconds, warmup=args.warmup)
            for s in scenarios
        ]
        report(results, baseline="baseline GET /healthz")
    finally:
        server.terminate()
        server.wait(timeout=20)


async def sample_ids(env: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """Random on-sale product ids, category ids and brand ids to cycle through. On PostgreSQL,
    first runs VACUUM ANALYZE: a bulk load leaves no statistics, without which the planner
    picks bad plans for search, and no visibility map, without which index-only scans read
    the table too, until autovacuum (when it runs at all) gets to the tables."""
    os.environ.update(env)
    from sqlalchemy import func, select, text

    from jishi import bootstrap
    from jishi.catalog.models import Brand, Category, Product
    from jishi.core.context import AppContext
    from jishi.settings import Settings

    bootstrap.wire()  # the demo's events reach their handlers, as in a worker
    ctx = AppContext.build(Settings())
    try:
        await drain_outbox(ctx)
        if ctx.database.dialect == "postgresql":
            async with ctx.database.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
        async with ctx.database.uow() as uow:
            products = list(
                await uow.session.scalars(
                    select(Product.id).where(Product.status == "on_sale").order_by(func.random()).limit(5000)
                )
            )
            categories = list(await uow.session.scalars(select(Category.id)))
            brands = list(await uow.session.scalars(select(Brand.id)))
    finally:
        await ctx.close()
    return products, categories, brands


async def drain_outbox(ctx: AppContext) -> None:
    """Deliver every pending event, waiting out leases a stopped server left behind."""
    from sqlalchemy import func, select

    import jishi.search.handlers  # noqa: F401 (registers the indexing handlers)
    from jishi.core.events import LEASE, OutboxDispatcher, OutboxMessage

    dispatcher = OutboxDispatcher(ctx)
    deadline = time.monotonic() + LEASE.total_seconds() + 10
    while time.monotonic() < deadline:
        if await dispatcher.dispatch_pending():
            continue
        async with ctx.database.uow() as uow:
            pending = await uow.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        if not pending:
            return
        await asyncio.sleep(1)


if __name__ == "__main__":
    main()
