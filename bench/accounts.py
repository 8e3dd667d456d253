"""Identity and shop routes under load, against `jishi serve` with worker processes.

    .venv/bin/python bench/accounts.py [--workers 2] [--clients 50] [--seconds 10]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench]

Needs wrk (apt-get install wrk). Starts its own server on a free port with a fresh database under a temporary
folder (or the given PostgreSQL database, which it resets), loads the demo
data, and measures:

- baseline: GET /healthz (a trivial JSON endpoint of the same app)
- GET /api/v1/me with a bearer token (token lookup + roles)
- GET /api/v1/shops (a public paginated list)
- GET /api/v1/shops/{id} (a public shop page)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Scenario, report, require_wrk, run_scenario

JISHI = str(Path(sys.executable).with_name("jishi"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    require_wrk()

    var = Path(tempfile.mkdtemp(prefix="jishi-bench-"))
    env = {**os.environ, "JISHI_VAR_DIR": str(var), "JISHI_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["JISHI_DATABASE_URL"] = args.database_url
    subprocess.run([JISHI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([JISHI, "demo"], env=env, check=True, capture_output=True)
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
        measure(base, args.clients, args.seconds, args.workers, args.database_url or "sqlite")
    finally:
        server.terminate()
        server.wait(timeout=20)


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def measure(base: str, clients: int, seconds: float, workers: int, database: str) -> None:
    with httpx.Client(base_url=base) as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": "buyer@jishi.example", "password": "jishi-demo-2026"}
        )
        token = login.json()["access_token"]
        shop_id = (http.get("/api/v1/shops")).json()["items"][0]["id"]
    scenarios = [
        Scenario("baseline GET /healthz", "/healthz"),
        Scenario("GET /me (bearer)", "/api/v1/me", headers={"Authorization": f"Bearer {token}"}),
        Scenario("GET /shops", "/api/v1/shops"),
        Scenario("GET /shops/{id}", f"/api/v1/shops/{shop_id}"),
    ]
    print(f"jishi serve --workers {workers}; database {database}; {clients} clients × {seconds:.0f} s each")
    results = [run_scenario(base, s, clients=clients, seconds=seconds) for s in scenarios]
    report(results, baseline="baseline GET /healthz")


if __name__ == "__main__":
    main()
