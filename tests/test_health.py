import gc

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_liveness_answers_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readiness_reports_the_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["revision"] is not None


def test_what_exists_at_start_up_is_frozen_for_the_collector_until_shut_down(app: FastAPI) -> None:
    """The collector's full passes skip the objects that live as long as the process; a test
    process (many lifespans in one) gets them back at each shut-down."""
    assert gc.get_freeze_count() == 0
    with TestClient(app):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
