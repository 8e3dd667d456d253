"""The OpenAPI document, post-processed so that it says what the server does.

FastAPI's generated document declares errors as ``application/json`` with its own
``HTTPValidationError`` shape and every route using the bearer scheme as signed-in only.
The server answers every error as ``application/problem+json`` (``core.errors``), refuses NUL
characters in every string it reads (``core.schemas.StrictBody``, ``core.limits``), and lets
guests use some routes. Clients are generated from this document, so it is corrected here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from jishi.core.errors import PROBLEM_JSON
from jishi.core.schemas import ProblemDetails

PROBLEM_SCHEMA = "ProblemDetails"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}
# What ``StrictBody`` and ``InputGuardMiddleware`` refuse in any string: a NUL character.
NO_NUL_PATTERN = r"^[^\u0000]*$"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

F = TypeVar("F", bound=Callable[..., Any])
_SIGN_IN_DEPENDENCIES: set[Callable[..., Any]] = set()


def requires_sign_in(dependency: F) -> F:
    """Mark a dependency that refuses guests: a route that reaches the bearer scheme only
    through optional dependencies is declared as open to guests too (``security: [{}, …]``)."""
    _SIGN_IN_DEPENDENCIES.add(dependency)
    return dependency


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) answer the corrected document."""

    generate = app.openapi
    completed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI's, cached until the routes change
        if not any(done is document for done in completed):
            completed[:] = [complete_document(document, app)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def complete_document(document: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_problem_schemas())
    for operation in _operations(document):
        _declare_problems(operation)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    _refuse_nul_in_inputs(document)
    _declare_guest_access(document, app)
    return document


def _problem_schemas() -> dict[str, Any]:
    generated = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = generated.pop("$defs", {})
    return {**definitions, PROBLEM_SCHEMA: generated}


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        for method in _METHODS:
            if method in item:
                yield item[method]


def _declare_problems(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    problem = {"schema": PROBLEM_REF}
    for status, response in responses.items():
        # A route that declares its own error media type (a gateway's callback) keeps it.
        if status.startswith("4") and set(response.get("content", {})) <= {"application/json"}:
            response["content"] = {PROBLEM_JSON: problem}
    if operation.get("parameters") or operation.get("requestBody"):
        responses["422"] = {
            "description": "Invalid input: `errors` names each field (code `validation_error`)",
            "content": {PROBLEM_JSON: problem},
        }


def _refuse_nul_in_inputs(document: dict[str, Any]) -> None:
    """Every string a client sends (parameters, and the body schemas they reach) refuses NUL."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    body_refs: set[str] = set()
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            _forbid_nul(parameter.get("schema", {}), schemas, body_refs)
        for media in operation.get("requestBody", {}).get("content", {}).values():
            _forbid_nul(media.get("schema", {}), schemas, body_refs)


def _forbid_nul(schema: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    if isinstance(schema, list):
        for item in schema:
            _forbid_nul(item, schemas, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in schemas:
            seen.add(name)
            _forbid_nul(schemas[name], schemas, seen)
        return
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & schema.keys():
        schema["pattern"] = NO_NUL_PATTERN
    for key in ("properties", "$defs"):
        for child in schema.get(key, {}).values():
            _forbid_nul(child, schemas, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"):
        _forbid_nul(schema.get(key), schemas, seen)


def _declare_guest_access(document: dict[str, Any], app: FastAPI) -> None:
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if not isinstance(dependant, Dependant) or not route.include_in_schema or _needs_sign_in(dependant):
            continue
        item = document.get("paths", {}).get(route.path_format or "", {})
        for method in route.methods or ():
            operation = item.get(method.lower())
            security = operation.get("security") if operation else None
            if operation is not None and security and {} not in security:
                operation["security"] = [{}, *security]


def _needs_sign_in(dependant: Dependant) -> bool:
    return any(sub.call in _SIGN_IN_DEPENDENCIES or _needs_sign_in(sub) for sub in dependant.dependencies)
