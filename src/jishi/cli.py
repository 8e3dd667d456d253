"""The ``jishi`` command."""

from __future__ import annotations

import asyncio
import enum
import json
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from jishi.settings import get_settings


class PlatformRole(enum.StrEnum):
    platform_admin = "platform_admin"
    customer_service = "customer_service"


app = typer.Typer(
    help="Jishi 集市: a multi-merchant online marketplace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
admin_app = typer.Typer(help="Platform administrators.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
search_app = typer.Typer(help="The product search index.", no_args_is_help=True)
app.add_typer(search_app, name="search")
inventory_app = typer.Typer(help="Stock on hand, reservations and the ledger.", no_args_is_help=True)
app.add_typer(inventory_app, name="inventory")
console = Console()


@app.callback()
def wire() -> None:
    """Every command runs on the wired application: error codes, events, jobs (``jishi.bootstrap``)."""
    from jishi import bootstrap

    bootstrap.wire()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
) -> None:
    """Serve the API and the web app."""
    import uvicorn

    from jishi.core import workers as worker_processes

    settings = get_settings()
    settings.check_production_safety()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _ = settings.secret  # create the secret once, before workers race to do it
    options: dict[str, Any] = {
        "factory": True,
        "access_log": False,
        "proxy_headers": True,
        "log_level": "warning",
    }
    if reload:
        uvicorn.run(APP_FACTORY, host=host, port=port, reload=True, **options)
    elif workers == 1:
        worker_processes.serve(APP_FACTORY, host=host, port=port, options=options)
    elif worker_processes.supported():
        raise typer.Exit(
            worker_processes.run(APP_FACTORY, host=host, port=port, workers=workers, options=options)
        )
    else:
        uvicorn.run(APP_FACTORY, host=host, port=port, workers=workers, **options)


APP_FACTORY = "jishi.app:create_app"


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from jishi.core.migrate import upgrade

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _ = settings.secret  # generated into var/ on first run when none is configured
    upgrade(settings.database_url)
    console.print("[green]database is up to date[/green]")


@app.command()
def demo(
    products: Annotated[
        int,
        typer.Option(
            min=0, max=1_000_000, help="Demo products to have in the catalog (e.g. 100000 for benchmarks)"
        ),
    ] = 500,
) -> None:
    """Load demo data (idempotent) and print the demo logins."""
    from jishi.core.context import AppContext
    from jishi.demo import demo_steps, load_demo, load_demo_catalog

    async def run() -> None:
        ctx = AppContext.build(get_settings())
        try:
            with Progress(console=console) as progress:
                people = progress.add_task("accounts and shops", total=demo_steps())
                logins = await load_demo(ctx, lambda what: progress.advance(people))
                catalog = progress.add_task("products", total=products)
                index = progress.add_task("search index", total=None)
                added = await load_demo_catalog(
                    ctx,
                    products,
                    advance=lambda n: progress.advance(catalog, n),
                    indexed=lambda n: progress.advance(index, n),
                )
                progress.update(catalog, completed=products)
                progress.update(index, total=added, completed=added)
        finally:
            await ctx.close()
        table = Table(title="Demo logins 演示账号")
        for column in ("role 角色", "email 邮箱", "password 密码"):
            table.add_column(column)
        for login in logins:
            table.add_row(login.role, login.email, login.password)
        console.print(table)
        console.print(f"demo catalog: {added} products added")

    asyncio.run(run())


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="Admin email")],
    password: Annotated[str, typer.Option(help="Admin password", prompt=True, hide_input=True)],
    role: Annotated[
        PlatformRole, typer.Option(help="platform_admin, or customer_service for support staff")
    ] = PlatformRole.platform_admin,
) -> None:
    """Create a platform admin or customer-service account (or grant the role to an existing one)."""
    from jishi.accounts import service as accounts
    from jishi.core.context import AppContext
    from jishi.core.errors import AppError

    async def run() -> tuple[str, bool]:
        ctx = AppContext.build(get_settings())
        try:
            async with ctx.database.uow() as uow:
                return await accounts.ensure_admin(uow, ctx, email=email, password=password, role=role.value)
        finally:
            await ctx.close()

    try:
        user_id, created = asyncio.run(run())
    except AppError as exc:
        messages = "; ".join(fe.message_en for fe in exc.field_errors) or exc.detail("en")
        console.print(f"[red]{messages}[/red]")
        raise typer.Exit(1) from exc
    action = "created" if created else "granted the role to"
    console.print(f"[green]{action} {email} ({user_id}) as {role.value}[/green]")


@app.command()
def worker() -> None:
    """Run background work: deliver outbox events and run the periodic sweeps."""
    from jishi.core.context import AppContext
    from jishi.core.events import OutboxDispatcher
    from jishi.core.jobs import PeriodicRunner
    from jishi.core.logging import configure_logging

    settings = get_settings()
    configure_logging(json_logs=settings.log_json, level=settings.log_level)

    async def run() -> None:
        ctx = AppContext.build(settings)
        dispatcher = OutboxDispatcher(ctx, poll_seconds=settings.outbox_poll_seconds)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        jobs = PeriodicRunner(ctx)
        dispatcher.start()
        jobs.start()
        console.print("worker running; Ctrl-C to stop")
        try:
            await stop.wait()
        finally:
            await jobs.stop()
            await dispatcher.stop()
            await ctx.close()

    asyncio.run(run())


@search_app.command("reindex")
def search_reindex(
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Products per transaction")] = 500,
    changed_only: Annotated[
        bool, typer.Option(help="Skip documents whose content is unchanged (faster, repairs less)")
    ] = False,
) -> None:
    """Rebuild the product search index from the catalog."""
    from jishi.core.context import AppContext
    from jishi.search.indexer import reindex_all

    async def run() -> None:
        ctx = AppContext.build(get_settings())
        try:
            with Progress(console=console) as progress:
                task = progress.add_task("indexing products", total=None)
                report = await reindex_all(
                    ctx.database,
                    batch_size=batch_size,
                    force=not changed_only,
                    on_total=lambda total: progress.update(task, total=total),
                    on_batch=lambda done: progress.advance(task, done),
                )
        finally:
            await ctx.close()
        console.print(
            f"[green]{report.products} products, {report.changed} documents updated, "
            f"{report.removed_stale} stale documents removed[/green]"
        )

    asyncio.run(run())


@inventory_app.command("check")
def inventory_check() -> None:
    """Verify the stock counters: every SKU's reserved units equal what its open reservations
    hold, and every product's available total equals what its enabled SKUs have available."""
    from jishi.core.context import AppContext
    from jishi.inventory.service import check

    async def run() -> list[Any]:
        ctx = AppContext.build(get_settings())
        try:
            async with ctx.database.uow() as uow:
                return list(await check(uow))
        finally:
            await ctx.close()

    discrepancies = asyncio.run(run())
    for d in discrepancies:
        console.print(f"[red]{d.describe()}[/red]")
    if discrepancies:
        raise typer.Exit(code=1)
    console.print("[green]reserved and available stock agree with reservations and SKUs[/green]")


@app.command()
def jobs() -> None:
    """The periodic jobs: how often each runs, and when, where and how its last run ended."""
    from jishi.core.context import AppContext
    from jishi.core.jobs import last_runs

    async def run() -> list[Any]:
        ctx = AppContext.build(get_settings())
        try:
            return await last_runs(ctx)
        finally:
            await ctx.close()

    for job, last in asyncio.run(run()):
        console.print(f"{job.name}  every {job.every_seconds:g} s  {_last_run(last)}", soft_wrap=True)


def _last_run(last: Any) -> str:
    if last is None:
        return "never run"
    if last.finished_at is None:
        return f"running since {last.started_at:%Y-%m-%d %H:%M:%S} on {last.holder}"
    said = f"last run {last.started_at:%Y-%m-%d %H:%M:%S}: {last.outcome}, {last.handled or 0} handled"
    return f"{said}, on {last.holder}" + (f": {last.error}" if last.error else "")


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document")] = Path(
        "web/src/api/openapi.json"
    ),
) -> None:
    """Write the OpenAPI document (the web app's typed client is generated from it)."""
    from jishi.app import create_app
    from jishi.settings import Settings

    document = create_app(Settings(database_url="sqlite+aiosqlite://", secret_key="x" * 32)).openapi()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    console.print(f"wrote {output}")


if __name__ == "__main__":
    app()
