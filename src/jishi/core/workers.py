"""Serving processes: the garbage collector tuned for a long-lived server, and several worker
processes on one port, each accepting its own connections.

*Collector.* Once started, a server holds some 350 000 objects for good (the modules, the
jieba and pinyin tables); each full collection walked them all, and under load the requests in
flight kept promoting young objects, so full collections came every few seconds and stalled
every request of the process for 0.1–0.3 s. After start-up everything is frozen out of the
collector's sight (``gc.freeze``), and the young generation is collected only every 50 000 net
allocations: request objects die by reference counting long before that, so few survive to be
promoted, and full collections become rare and short.

*Workers.* With one listening socket shared by every worker (uvicorn's ``--workers``), whichever
worker wakes first accepts every connection waiting at that moment: a burst of new keep-alive
clients can land 85/15 on two workers, and one process then serves most of the traffic while
the other idles. Here each worker binds its own socket with ``SO_REUSEPORT`` and the kernel
spreads new connections over them by a hash of the client address.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import socket
import threading
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

STOP_SECONDS = 30.0
COLLECTOR_THRESHOLDS = (10_000, 10, 100)


class Server(uvicorn.Server):
    """A uvicorn server that freezes what start-up loaded out of the garbage collector's sight."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        gc.freeze()


def serve(app: str, *, host: str, port: int, options: dict[str, Any]) -> None:
    """Serve ``app`` from this process."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    Server(uvicorn.Config(app, host=host, port=port, **options)).run()


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def run(app: str, *, host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Serve ``app`` from ``workers`` processes until SIGINT or SIGTERM, or until one worker
    stops (then the others are stopped too, for a supervisor to restart the service).
    Returns the exit code."""
    _refuse_taken_port(host, port)
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=_serve_worker, args=(app, host, port, options), name=f"jishi-worker-{n}")
        for n in range(workers)
    ]
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    for process in processes:
        process.start()
    while not stop.wait(0.5):
        if any(not process.is_alive() for process in processes):
            break
    return _stop_all(processes)


def _refuse_taken_port(host: str, port: int) -> None:
    """Fail at once when the port is in use: without this check, a second server started by
    mistake would quietly share the port with the first (same user, SO_REUSEPORT)."""
    with socket.socket(_family(host)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _stop_all(processes: Sequence[BaseProcess]) -> int:
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
    for process in processes:
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
    return max((abs(process.exitcode or 0) for process in processes), default=0)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _serve_worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    listener = socket.socket(_family(host))
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[listener])
