"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import Database
from app.core.migrations import current_revision, head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(Health):
    database: str = Field(examples=["ok"])
    revision: str | None = Field(examples=["2026_12_03_0001"])


@router.get("/healthz", response_model=Health, summary="Liveness probe")
def liveness() -> Health:
    """The process is up (it checks nothing else)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness probe",
    responses={503: {"model": Readiness, "description": "Not ready, with the reason"}},
)
def readiness(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the migration head."""
    database: Database = request.app.state.database
    try:
        with database.unit_of_work(write=False) as session:
            revision = current_revision(session.connection())
    except SQLAlchemyError as exc:
        body = Readiness(status="unavailable", database=type(exc).__name__, revision=None)
        return JSONResponse(body.model_dump(), status_code=503)
    if revision != head_revision():
        body = Readiness(status="unavailable", database="not migrated", revision=revision)
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Readiness(status="ok", database="ok", revision=revision).model_dump())
