"""`jishi serve --workers N`: one SO_REUSEPORT socket per worker."""

from __future__ import annotations

import socket

import pytest

from jishi.core import workers


def test_a_taken_port_is_refused_before_any_worker_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match="cannot listen"):
            workers.run("jishi.app:create_app", host="127.0.0.1", port=port, workers=2, options={})
