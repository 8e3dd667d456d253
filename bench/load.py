"""Drive load with wrk (Debian package ``wrk``) and report figures against a baseline.

wrk is a C load generator: on a two-core machine a Python client would be the
bottleneck and measure itself. Each scenario prints requests/s, p50/p95/p99
latency, and its throughput as a ratio of the baseline scenario measured in
the same run, so figures from a noisy shared machine can still be compared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORT_SCRIPT = HERE / "report.lua"
PATHS_SCRIPT = HERE / "paths.lua"
REQUESTS_SCRIPT = HERE / "requests.lua"


@dataclass(frozen=True)
class Call:
    """One prepared request: method, path, bearer token, JSON body."""

    method: str
    path: str
    token: str = ""
    body: str = ""

    def line(self) -> str:
        auth = f"Bearer {self.token}" if self.token else ""
        return "\t".join((self.method, self.path, auth, self.body))


@dataclass
class Scenario:
    """One load pattern: a single path, many GET paths cycled through (``paths``),
    or prepared requests with tokens and bodies cycled through (``calls``)."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    return wrk


def run_scenario(
    base_url: str, scenario: Scenario, *, clients: int, seconds: float, threads: int = 2, warmup: float = 0
) -> Result:
    """Measure one scenario; with ``warmup``, run it that long first, unmeasured, so the
    figures describe the steady state rather than the first cold requests."""
    if warmup > 0:
        _run_wrk(base_url, scenario, clients=clients, seconds=warmup, threads=threads)
    return _run_wrk(base_url, scenario, clients=clients, seconds=seconds, threads=threads)


def _run_wrk(base_url: str, scenario: Scenario, *, clients: int, seconds: float, threads: int) -> Result:
    script: list[str] = ["-s", str(REPORT_SCRIPT)]
    trailing: list[str] = []
    if scenario.paths:
        with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
            listing.write("\n".join(scenario.paths) + "\n")
        script, trailing = ["-s", str(PATHS_SCRIPT)], ["--", listing.name]
    elif scenario.calls:
        with tempfile.NamedTemporaryFile("w", suffix=".calls", delete=False) as listing:
            listing.write("\n".join(c.line() for c in scenario.calls) + "\n")
        script, trailing = ["-s", str(REQUESTS_SCRIPT)], ["--", listing.name]
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        *script,
    ]
    for name, value in scenario.headers.items():
        command += ["-H", f"{name}: {value}"]
    completed = subprocess.run(
        [*command, base_url + scenario.path, *trailing], capture_output=True, text=True, check=True
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("JISHI_RESULT "))
    figures = json.loads(line.removeprefix("JISHI_RESULT "))
    return Result(
        scenario.name,
        figures["requests"],
        figures["errors"],
        figures["seconds"],
        figures["p50"],
        figures["p95"],
        figures["p99"],
    )


def report(results: list[Result], baseline: str, out: Callable[[str], None] = print) -> None:
    base = next(r for r in results if r.name == baseline)
    out(f"{'scenario':<30}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'× baseline':>12}")
    for r in results:
        ratio = r.rps / base.rps if base.rps else float("nan")
        out(
            f"{r.name:<30}{r.rps:>9.0f}{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}{r.p99_ms:>9.1f}{r.errors:>8}"
            f"{ratio:>12.2f}"
        )
    if any(r.errors for r in results):
        out("some requests failed or answered non-2xx/3xx: see the errors column")
