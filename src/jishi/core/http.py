"""HTTP plumbing shared by every package: dependencies and problem+json handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from jishi.core.context import AppContext
from jishi.core.db import UnitOfWork
from jishi.core.errors import PROBLEM_JSON, AppError, negotiate_locale, problem_body
from jishi.core.validation import validation_app_error
from jishi.core.web import API_PREFIXES, SPA_PATH

log = structlog.get_logger("jishi.errors")


# Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a
# thread pool, a thread hop per request for what is an attribute read.


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


async def get_context(request: Request) -> AppContext:
    return context_of(request)


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work. Its scope is the route *function*, answer included: the
    code after ``yield`` runs once the answer is built and before it is sent, so the held
    commit lands only for an answer that exists, and a failure while building it (or an
    error raised after the service committed) rolls everything back."""
    async with context_of(request).database.uow() as uow:
        uow.hold_commits()
        yield uow


async def get_locale(request: Request) -> str:
    return negotiate_locale(request.headers.get("accept-language"))


Ctx = Annotated[AppContext, Depends(get_context)]
Uow = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
Locale = Annotated[str, Depends(get_locale)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def problem_response(request: Request, error: AppError) -> JSONResponse:
    locale = negotiate_locale(request.headers.get("accept-language"))
    request_id = getattr(request.state, "request_id", None)
    body = problem_body(error, locale, instance=request.url.path, request_id=request_id)
    headers = {"Content-Language": locale, **error.headers}
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM_JSON, headers=headers)


_STATUS_CODES = {
    400: "malformed_json",
    401: "not_authenticated",
    403: "forbidden",
    404: "route_not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def allowed_methods(request: Request) -> list[str]:
    """The methods of every route whose path matches the request's. The web app's catch-all
    page route does not count under the API prefixes: there, no API route means no such path."""
    path = request.url.path
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if not route.methods or regex is None or not regex.match(path):
            continue
        if route.path == SPA_PATH and path.startswith(API_PREFIXES):
            continue
        methods |= route.methods
    return sorted(methods)


def _method_not_allowed(request: Request) -> JSONResponse:
    """405 with ``Allow`` listing what the path does answer (RFC 9110 §15.5.6); a path that
    answers no method at all is a 404."""
    methods = allowed_methods(request)
    if not methods:
        return problem_response(request, AppError("route_not_found"))
    return problem_response(request, AppError("method_not_allowed", headers={"Allow": ", ".join(methods)}))


def install_error_handlers(app: FastAPI) -> None:
    async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors: list[Any] = list(exc.errors())
        return problem_response(request, validation_app_error(errors))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            return _method_not_allowed(request)
        code = _STATUS_CODES.get(exc.status_code)
        if code is None:
            log.warning("http.unmapped_status", status=exc.status_code, detail=exc.detail)
            code = "internal_error" if exc.status_code >= 500 else "validation_error"
        return problem_response(request, AppError(code))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled", path=request.url.path)
        return problem_response(request, AppError("internal_error"))

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
