import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.core.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_json_lines_carry_the_request_id_and_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "app.test", "levelname": "INFO", "msg": "hello %s", "args": ("world",)}
    )
    record.__dict__["status"] = 201
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-42"
    assert line["status"] == 201
    assert line["time"].endswith("+00:00")


def test_each_request_logs_one_access_line_with_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-me"})
    lines = [r for r in caplog.records if r.name == "app.access"]
    assert len(lines) == 1
    assert lines[0].getMessage().startswith("GET /healthz 200")
    assert lines[0].__dict__["request_id"] == "trace-me"
