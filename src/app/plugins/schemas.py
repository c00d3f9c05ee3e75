"""Response bodies of the plugin and delivery admin API."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from app.common.pagination import Page
from app.common.schemas import ORMModel
from app.plugins.models import DeliveryStatus


class PluginRead(ORMModel):
    name: str = Field(examples=["webhook"])
    distribution: str | None = Field(examples=["fastapi-app"])
    version: str | None = Field(examples=["0.1.0"])
    enabled: bool = Field(description="Listed in PLUGINS_ENABLED.", examples=[True])
    hooks: list[str] = Field(examples=[["incident.created", "incident.status_changed"]])
    error: str | None = Field(
        description="Why the plugin could not be loaded; null when it works.",
        examples=[None],
    )


class DeliveryRead(ORMModel):
    plugin: str = Field(examples=["webhook"])
    status: DeliveryStatus
    attempts: int = Field(examples=[2])
    next_attempt_at: datetime = Field(
        description="When a pending or failed delivery is tried.", examples=["2026-12-03T14:02:04Z"]
    )
    last_error: str | None = Field(examples=["ConnectError: connection refused"])
    delivered_at: datetime | None = Field(examples=[None])


class EventRead(ORMModel):
    id: int = Field(examples=[118])
    key: UUID = Field(
        description="The idempotency key receivers de-duplicate on.",
        examples=["6f1c0a8e-3b5d-4c2a-9e7f-1d2b3c4d5e6f"],
    )
    type: str = Field(examples=["incident.created"])
    incident_id: int | None = Field(examples=[42])
    status: DeliveryStatus = Field(
        description="The worst of its deliveries: dead, failed, pending (or not yet fanned out), "
        "else done."
    )
    created_at: datetime = Field(examples=["2026-12-03T14:02:00Z"])
    dispatched_at: datetime | None = Field(
        description="When its deliveries were created.", examples=["2026-12-03T14:02:01Z"]
    )
    deliveries: list[DeliveryRead]


class EventDetail(EventRead):
    payload: dict[str, Any] = Field(description="The event exactly as plugins receive it.")


EventPage = Page[EventRead]


class RetryResult(BaseModel):
    retried: int = Field(description="Deliveries put back to pending.", examples=[1])
    event: EventRead
