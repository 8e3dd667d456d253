"""Memory of the server under concurrent large image uploads.

    .venv/bin/python bench/uploads.py [--uploads 8] [--megapixels 39]

Builds a PNG of about --megapixels megapixels (under the 10 MB upload limit), then, for
each mode, starts `jishi serve` on a free port with a fresh SQLite database and the demo
shops, sends --uploads uploads of that PNG at once to one product, samples the server's
resident memory (the process and its children, every 50 ms) and prints it before, at
its peak and after (once every upload was answered and the server was idle for 3 s):

- bounded: the default settings (JISHI_IMAGE_DECODES_AT_ONCE=2, JISHI_IMAGE_MAX_PIXELS=40000000)
- unbounded baseline: the gate and the limit lifted by the same settings
  (decodes at once = --uploads, 50 megapixels)

then the ratios of the baseline to the bounded figures.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import JISHI, free_port, wait_ready

OWNER = {"login": "huawei.store@jishi.example", "password": "jishi-demo-2026"}
MIB = 1024 * 1024


@dataclass(frozen=True)
class Figures:
    before: int
    peak: int
    after: int
    answers: dict[int, int]
    seconds: float


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--megapixels", type=float, default=39)
    args = parser.parse_args()
    png = big_png(args.megapixels)
    print(
        f"{args.uploads} concurrent uploads of a {args.megapixels:g}-megapixel PNG ({len(png) / MIB:.1f} MB)"
    )
    modes = {
        "bounded (defaults)": {},
        "unbounded baseline": {
            "JISHI_IMAGE_DECODES_AT_ONCE": str(args.uploads),
            "JISHI_IMAGE_MAX_PIXELS": "50000000",
        },
    }
    results = {name: run_mode(env, png, args.uploads) for name, env in modes.items()}
    print(f"{'mode':<22} {'before':>10} {'peak':>10} {'after':>10} {'seconds':>8}  answers")
    for name, f in results.items():
        figures = f"{mib(f.before):>10} {mib(f.peak):>10} {mib(f.after):>10} {f.seconds:>8.1f}"
        print(f"{name:<22} {figures}  {f.answers}")
    bounded, baseline = results.values()
    growth = (baseline.peak - baseline.before) / max(1, bounded.peak - bounded.before)
    print(
        f"baseline / bounded: peak × {baseline.peak / bounded.peak:.2f}, "
        f"after × {baseline.after / bounded.after:.2f}, growth (peak − before) × {growth:.2f}"
    )


def mib(size: int) -> str:
    return f"{size / MIB:.0f} MiB"


def big_png(megapixels: float) -> bytes:
    """An RGB PNG of the given size that compresses well (a soft gradient)."""
    from PIL import Image

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = int(megapixels * 1_000_000 / width)
    gradient = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM), gradient))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def run_mode(extra_env: dict[str, str], png: bytes, uploads: int) -> Figures:
    var = Path(tempfile.mkdtemp(prefix="jishi-bench-uploads-"))
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING", **extra_env}
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([JISHI, "demo", "--products", "0"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [JISHI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        return measure(base, server.pid, png, uploads)
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(base: str, pid: int, png: bytes, uploads: int) -> Figures:
    with httpx.Client(base_url=base, timeout=600) as http:
        token = http.post("/api/v1/auth/login", json=OWNER).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        shop_id = http.get("/api/v1/me/shops", headers=headers).json()["items"][0]["id"]
        product_id = make_product(http, headers, shop_id)
    url = f"{base}/api/v1/shops/{shop_id}/products/{product_id}/images"
    time.sleep(2)
    before = tree_rss(pid)
    sampler = Sampler(pid)
    sampler.start()
    started = time.monotonic()

    def upload(_: int) -> int:
        with httpx.Client(timeout=600) as http:
            files = {"file": ("big.png", png, "image/png")}
            return http.post(url, files=files, headers=headers).status_code

    with ThreadPoolExecutor(uploads) as pool:
        statuses = list(pool.map(upload, range(uploads)))
    seconds = time.monotonic() - started
    time.sleep(3)
    sampler.stop()
    answers: dict[int, int] = {}
    for status in statuses:
        answers[status] = answers.get(status, 0) + 1
    return Figures(before, sampler.peak, tree_rss(pid), answers, seconds)


def make_product(http: httpx.Client, headers: dict[str, str], shop_id: str) -> str:
    category = leaf(http.get("/api/v1/categories").json())
    body = {"title": "大图测试", "category_id": category, "skus": [{"price_fen": 100, "stock": 1}]}
    response = http.post(f"/api/v1/shops/{shop_id}/products", json=body, headers=headers)
    response.raise_for_status()
    return str(response.json()["id"])


def leaf(nodes: list[dict[str, object]]) -> str:
    node = nodes[0]
    while node.get("children"):
        node = node["children"][0]  # type: ignore[index]
    return str(node["id"])


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._done.wait(0.05)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


if __name__ == "__main__":
    main()
