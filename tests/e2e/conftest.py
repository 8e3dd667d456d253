"""A real ``jishi serve`` on a free port, with its own SQLite database, for browser journeys."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output" / "e2e"
ADMIN_EMAIL, ADMIN_PASSWORD = "ops@e2e.example", "ops-e2e-pass-2026"


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_email: str
    admin_password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _jishi() -> str:
    return str(Path(sys.executable).with_name("jishi"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is missing: build the web app first (make web)")
    var = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JISHI_VAR_DIR": str(var),
        "JISHI_WEB_DIST": str(ROOT / "web" / "dist"),
        "JISHI_ENV": "test",
        "JISHI_LOG_LEVEL": "WARNING",
        # The journeys sign up many accounts from one address.
        "JISHI_REGISTRATIONS_PER_IP": "10000",
        # Its own address: the sandbox payment gateway sends the browser back there.
        "JISHI_PUBLIC_BASE_URL": url,
    }
    for name in ("JISHI_DATABASE_URL", "JISHI_REDIS_URL", "JISHI_SECRET_KEY"):
        env.pop(name, None)
    subprocess.run([_jishi(), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [_jishi(), "admin", "create", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([_jishi(), "demo"], env=env, check=True, capture_output=True)  # a catalog to browse
    log = (var / "server.log").open("w")
    server = subprocess.Popen(
        [_jishi(), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_ready(url, server)
        yield LiveServer(url, ADMIN_EMAIL, ADMIN_PASSWORD)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("jishi serve exited during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("jishi serve did not become ready in 30 s")


@pytest.fixture(scope="session")
def demo_server(live_server: LiveServer) -> LiveServer:
    """The live server; it carries the demo catalog (shops, categories, 500 products)."""
    return live_server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("JISHI_E2E_REQUIRED") or os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser journeys")
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    OUTPUT.mkdir(parents=True)
    return OUTPUT
