"""The ASGI application: ``create_app()`` wires settings, packages and the web app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from jishi import __version__, bootstrap
from jishi.accounts.api import router as accounts_router
from jishi.cart.api import router as cart_router
from jishi.catalog.api import admin_router as catalog_admin_router
from jishi.catalog.api import router as catalog_router
from jishi.catalog.media_api import public_router as media_public_router
from jishi.catalog.media_api import router as media_router
from jishi.catalog.media_api import upload_allowances
from jishi.core.clock import Clock
from jishi.core.context import AppContext
from jishi.core.events import OutboxDispatcher
from jishi.core.headers import SecurityHeadersMiddleware
from jishi.core.http import Ctx, install_error_handlers
from jishi.core.jobs import PeriodicRunner
from jishi.core.limits import InputGuardMiddleware
from jishi.core.logging import RequestContextMiddleware, configure_logging
from jishi.core.openapi import install_openapi
from jishi.core.schemas import PROBLEM_RESPONSES
from jishi.core.web import mount_web_app
from jishi.inventory.api import router as inventory_router
from jishi.orders.api import router as orders_router
from jishi.payments import sandbox_gateway
from jishi.payments.api import router as payments_router
from jishi.privacy.api import admin_router as privacy_admin_router
from jishi.privacy.api import router as privacy_router
from jishi.search import text as search_text
from jishi.search.api import admin_router as search_admin_router
from jishi.search.api import router as search_router
from jishi.settings import Settings, get_settings
from jishi.shops.api import admin_router as shops_admin_router
from jishi.shops.api import router as shops_router

API_PREFIX = "/api/v1"
MAX_JSON_BODY = 1 * 1024 * 1024


# Buyer-facing routers first: routes are matched in order, and browsing is most of the traffic.
PACKAGE_ROUTERS: tuple[APIRouter, ...] = (
    catalog_router,
    search_router,
    cart_router,
    orders_router,
    payments_router,
    accounts_router,
    shops_router,
    media_router,
    inventory_router,
    privacy_router,
    shops_admin_router,
    catalog_admin_router,
    search_admin_router,
    privacy_admin_router,
)


def include_api(app: FastAPI) -> None:
    """Mount every package's routes under /api/v1, one level deep (nesting routers costs
    a match per level on every request)."""
    for package_router in PACKAGE_ROUTERS:
        app.include_router(package_router, prefix=API_PREFIX, responses=PROBLEM_RESPONSES)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production_safety()
    bootstrap.wire()
    configure_logging(json_logs=settings.log_json, level=settings.log_level)
    ctx = AppContext.build(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher, jobs = None, None
        await search_text.ready()  # load the segmenter before the first search, not during it
        if settings.run_jobs_in_process:
            dispatcher = OutboxDispatcher(ctx, poll_seconds=settings.outbox_poll_seconds)
            dispatcher.start()
            jobs = PeriodicRunner(ctx)
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                await jobs.stop()
            if dispatcher is not None:
                await dispatcher.stop()
            await ctx.close()

    app = FastAPI(
        title="Jishi 集市 API",
        version=__version__,
        description="Multi-merchant marketplace: storefront, merchant console and platform console.",
        lifespan=lifespan,
        debug=settings.debug,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    app.add_middleware(
        InputGuardMiddleware, max_bytes=MAX_JSON_BODY, allowances=upload_allowances(API_PREFIX)
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    include_api(app)
    app.include_router(media_public_router)  # before the web app's catch-all route
    if settings.payments_sandbox:  # a stand-in for an outside gateway, at the site root
        app.include_router(sandbox_gateway.router)
    _add_probes(app)
    mount_web_app(app, settings.web_dist)
    install_openapi(app)
    return app


def _add_probes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        response_model=None,
        responses={503: {"description": "Unavailable: `{status, error}` names what failed"}},
    )
    async def readyz(ctx: Ctx) -> JSONResponse | dict[str, str]:
        """Readiness: the database (and the cache, when it is Redis) can be reached."""
        try:
            await ctx.database.ping()
            await ctx.cache.ping()
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, status_code=503)
        return {"status": "ok", "database": ctx.database.dialect}
