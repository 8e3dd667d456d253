"""The ``jishi`` command: migrate, admin create, demo (idempotent), openapi."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jishi.cli import app

runner = CliRunner()


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JISHI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("JISHI_DATABASE_URL", raising=False)
    monkeypatch.delenv("JISHI_REDIS_URL", raising=False)
    monkeypatch.delenv("JISHI_SECRET_KEY", raising=False)
    return tmp_path / "var"


def test_migrate_admin_and_demo(embedded: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert (embedded / "jishi.db").exists() and (embedded / "secret_key").exists()

    weak = runner.invoke(app, ["admin", "create", "--email", "ops@example.com", "--password", "short"])
    assert weak.exit_code == 1
    made = runner.invoke(
        app, ["admin", "create", "--email", "ops@example.com", "--password", "ops-pass-2026"]
    )
    assert made.exit_code == 0 and "created" in made.output

    support = runner.invoke(
        app,
        [
            "admin",
            "create",
            "--email",
            "cs@example.com",
            "--password",
            "help-desk-2026",
            "--role",
            "customer_service",
        ],
    )
    assert support.exit_code == 0 and "customer_service" in support.output

    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@jishi.example" in first.output and "buyer@jishi.example" in first.output
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output

    with sqlite3.connect(embedded / "jishi.db") as db:
        products = db.execute("SELECT count(*), count(main_image_id) FROM products").fetchone()
        pictures = db.execute("SELECT count(*) FROM product_media").fetchone()[0]
    assert products == (500, 500) and pictures == 500  # the second run added nothing
    assert len(list((embedded / "media" / "images").iterdir())) == 500

    listed = runner.invoke(app, ["jobs"])
    assert listed.exit_code == 0, listed.output
    assert "orders.cancel_overdue" in listed.output and "never run" in listed.output


def test_openapi_command_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    result = runner.invoke(app, ["openapi", "--output", str(out)])
    assert result.exit_code == 0
    assert '"/api/v1/auth/login"' in out.read_text()
