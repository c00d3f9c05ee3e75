"""The OpenAPI document as a product: readable operation ids, the error responses the framework
itself gives documented on every route that takes input, and one stable text committed to the repo.
"""

import json
from collections.abc import Callable
from typing import Any, Protocol

from fastapi import FastAPI

from app.common.error_handlers import errors
from app.common.schemas import ErrorBody
from app.core.migrations import PROJECT_ROOT

# Where `fastapi-app openapi export` writes the document; a test fails when it is out of date.
SPEC_PATH = PROJECT_ROOT / "openapi.json"

# Any route that reads a body can answer these before its own code runs: a body that is not
# text (400), too large (413), not JSON (415) or not valid (422).
BODY_ERRORS = (400, 413, 415, 422)
_DEFAULT_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


class _NamedRoute(Protocol):
    name: str
    tags: list[Any]


def operation_id(route: _NamedRoute) -> str:
    """`<tag>-<action>`: the route's first tag, then its function name without the tag's word.

    `list_incidents` tagged `incidents` becomes `incidents-list`, `read_timeline` becomes
    `incidents-read-timeline`; name the function well and the id reads well.
    """
    tag = str(route.tags[0]).lower().replace(" ", "-") if route.tags else "api"
    tag_words = {tag, tag.removesuffix("s")}
    action = [word for word in route.name.lower().split("_") if word and word not in tag_words]
    return "-".join([tag, *action])


def document_framework_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Give every operation that takes input the shared error body for the framework's own errors.

    FastAPI documents its default validation body for 422, but this app answers with the shared
    error body everywhere; and body parsing can also fail with 400, 413 and 415. Idempotent.
    """
    shared = {str(code): response for code, response in errors(*BODY_ERRORS).items()}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in schemas:
        error_body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(error_body.pop("$defs", {}), ErrorBody=error_body)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            codes: tuple[int, ...] = BODY_ERRORS if "requestBody" in operation else ()
            if operation.get("parameters") and not codes:
                codes = (422,)
            for code in map(str, codes):
                if _is_default_validation_error(responses.get(code)):
                    del responses[code]
                responses.setdefault(code, _render_response(shared[code]))
    if not _references(document.get("paths", {}), "HTTPValidationError"):
        for name in _DEFAULT_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return document


def _is_default_validation_error(response: dict[str, Any] | None) -> bool:
    return response is not None and _references(response, "HTTPValidationError")


def _references(value: Any, schema_name: str) -> bool:
    return f'"#/components/schemas/{schema_name}"' in json.dumps(value)


def _render_response(response: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "description": response["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if "headers" in response:
        rendered["headers"] = response["headers"]
    return rendered


def install(app: FastAPI) -> None:
    """Serve the document with the framework's errors documented (`/openapi.json`, `/docs`)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return document_framework_errors(generate())

    app.openapi = openapi  # type: ignore[method-assign]


def render(app: FastAPI) -> str:
    """The document as committed: stable key order (the code's), two-space indent, final newline."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
