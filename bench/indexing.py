"""How soon a merchant's edit is searchable, in embedded mode (the index follows the outbox).

    .venv/bin/python bench/indexing.py [--edits 50] [--database-url ...]

Starts `jishi serve` (one worker, jobs in process) on a demo catalog, then, as a demo shop
owner, renames products to titles carrying a unique word and polls GET /products?q=<word>
until each appears. Prints p50/p95/max of edit → searchable, and, as the same-run baseline,
the latency of the edit request itself. Target: an edit is searchable within a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import JISHI, free_port, wait_ready

OWNER = ("huawei.store@jishi.example", "jishi-demo-2026")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="jishi-bench-indexing-"))
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["JISHI_DATABASE_URL"] = args.database_url
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [JISHI, "demo", "--products", str(args.products)], env=env, check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [JISHI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        edit_ms, searchable_ms = measure(base, args.edits)
    finally:
        server.terminate()
        server.wait(timeout=20)
    where = args.database_url or "sqlite"
    print(f"{args.edits} edits; jishi serve (1 worker, outbox in process); database {where}")
    print(f"{'':<34}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, values in (("baseline: the edit request", edit_ms), ("edit → searchable", searchable_ms)):
        print(f"{name:<34}{_pct(values, 50):>9.1f}{_pct(values, 95):>9.1f}{max(values):>9.1f}")
    print(
        f"edit → searchable p95 = {_pct(searchable_ms, 95) / _pct(edit_ms, 95):.1f} × the edit request's p95"
    )


def measure(base: str, edits: int) -> tuple[list[float], list[float]]:
    with httpx.Client(base_url=base, timeout=30) as client:
        login = client.post("/api/v1/auth/login", json={"login": OWNER[0], "password": OWNER[1]})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        shop_id = client.get("/api/v1/me/shops", headers=headers).json()["items"][0]["id"]
        products = client.get(
            f"/api/v1/shops/{shop_id}/products", headers=headers, params={"status": "on_sale", "limit": 100}
        ).json()["items"]
        edit_ms: list[float] = []
        searchable_ms: list[float] = []
        for n in range(edits):
            word = f"bench{n:04d}edit{time.monotonic_ns() % 100000}"
            product = products[n % len(products)]
            started = time.perf_counter()
            client.patch(
                f"/api/v1/shops/{shop_id}/products/{product['id']}",
                headers=headers,
                json={"title": f"{word} 测试"},
            ).raise_for_status()
            edit_ms.append((time.perf_counter() - started) * 1000)
            while not client.get("/api/v1/products", params={"q": word}).json()["items"]:
                if time.perf_counter() - started > 30:
                    raise SystemExit(f"edit {n} was not searchable after 30 s")
                time.sleep(0.005)
            searchable_ms.append((time.perf_counter() - started) * 1000)
    return edit_ms, searchable_ms


def _pct(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100)[pct - 1] if len(values) > 1 else values[0]


if __name__ == "__main__":
    main()
