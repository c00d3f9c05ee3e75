"""Request and response bodies of the incident domain."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.common.pagination import Page
from app.common.schemas import ORMModel
from app.incident.models import Severity, Status

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(examples=["Checkout API returns 502 for 30% of requests"]),
]
Description = Annotated[
    str,
    StringConstraints(max_length=10_000),
    Field(examples=["Started 14:02 UTC after deploy 2026.12.03-1; EU region only."]),
]


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    severity: Severity = Severity.medium


class IncidentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    severity: Severity | None = None
    status: Status | None = None


class IncidentRead(ORMModel):
    id: int
    title: str
    description: str
    status: Status
    severity: Severity
    reporter_id: int
    created_at: datetime
    updated_at: datetime


IncidentPage = Page[IncidentRead]
