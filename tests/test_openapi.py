"""The OpenAPI document is the contract: committed, reviewed as a diff, and readable."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.common.openapi import SPEC_PATH, operation_id, render
from app.core.config import Settings, get_settings
from app.main import create_app

READABLE_ID = re.compile(r"^[a-z]+(-[a-z]+)+$")
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app as `fastapi-app openapi export` sees it (the document needs no database)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL="sqlite://",
        SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",  # type: ignore[arg-type]
        VAR_DIR=tmp_path_factory.mktemp("var"),
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def document(api: FastAPI) -> dict[str, Any]:
    return api.openapi()


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_committed_openapi_json_matches_the_app(api: FastAPI) -> None:
    committed = SPEC_PATH.read_text(encoding="utf-8") if SPEC_PATH.exists() else ""
    assert render(api) == committed, (
        "openapi.json is out of date: run `fastapi-app openapi export`, review the diff and "
        "commit it with the change that caused it"
    )


def test_the_served_document_is_the_committed_one(api: FastAPI, document: dict[str, Any]) -> None:
    with TestClient(api) as client:
        assert client.get("/openapi.json").json() == document


def test_every_operation_has_a_readable_unique_id(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert [i for i in ids if not READABLE_ID.match(i)] == []
    assert len(ids) == len(set(ids))


def test_operation_ids_are_the_tag_then_the_action() -> None:
    class Route:
        def __init__(self, name: str, tag: str) -> None:
            self.name, self.tags = name, [tag]

    assert operation_id(Route("list_incidents", "incidents")) == "incidents-list"
    assert operation_id(Route("read_timeline", "incidents")) == "incidents-read-timeline"
    assert operation_id(Route("retry_event", "events")) == "events-retry"
    assert operation_id(Route("ingest_alertmanager", "signals")) == "signals-ingest-alertmanager"


def test_every_operation_has_a_tag_a_summary_and_a_description(
    api: FastAPI, document: dict[str, Any]
) -> None:
    declared_tags = {tag["name"] for tag in document["tags"]}
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        assert operation.get("tags"), f"{where} has no tag"
        assert set(operation["tags"]) <= declared_tags, f"{where}: describe its tag in main.TAGS"
        assert operation.get("description"), f"{where} needs a docstring"
        summary = operation.get("summary", "")
        generated = operation["operationId"].split("-", 1)[1].replace("-", " ").title()
        assert summary, f"{where} needs `summary=`"
        assert summary != generated, f"{where}: write a `summary=`, not FastAPI's default"


def test_every_error_response_has_the_shared_error_body(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                    f"{method} {path} {status}"
                )
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_routes_that_take_input_document_the_framework_errors(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        responses = set(operation["responses"])
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= responses, f"{method} {path}"
        elif operation.get("parameters"):
            assert "422" in responses, f"{method} {path}"


def test_throttled_and_unauthenticated_answers_document_their_headers(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, header in [("401", "WWW-Authenticate"), ("429", "Retry-After")]:
            if status in operation["responses"]:
                assert header in operation["responses"][status]["headers"], f"{method} {path}"


def _missing_examples(
    schema: dict[str, Any], components: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    """Places in `schema` that neither show an example nor are self-explanatory (enum, const)."""
    if any(key in schema for key in ("examples", "example", "default", "const", "enum")):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            yield from _missing_examples(components[name], components, name, seen | {name})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            if branch.get("type") != "null":
                yield from _missing_examples(branch, components, where, seen)
    if schema.get("type") == "array":
        yield from _missing_examples(schema["items"], components, f"{where}[]", seen)
    elif "properties" in schema:
        for name, prop in schema["properties"].items():
            yield from _missing_examples(prop, components, f"{where}.{name}", seen)
    elif schema.get("type") in {"string", "integer", "number", "boolean"}:
        yield where


def test_request_and_response_bodies_show_examples(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    missing = []
    for method, path, operation in operations(document):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(s, r) for s, r in operation["responses"].items() if s.startswith("2")]
        for label, body in bodies:
            for content in body.get("content", {}).values():
                where = f"{method} {path} {label}"
                missing += _missing_examples(content["schema"], components, where, set())
    assert missing == []


@pytest.fixture
def cli_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_settings")
def test_export_writes_the_committed_file_and_check_spots_drift(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "openapi.json"
    assert runner.invoke(cli, ["openapi", "export", "--check", "-o", str(target)]).exit_code == 1
    assert runner.invoke(cli, ["openapi", "export", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == SPEC_PATH.read_text(encoding="utf-8")
    assert runner.invoke(cli, ["openapi", "export", "--check", "-o", str(target)]).exit_code == 0
