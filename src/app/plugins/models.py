"""The outbox: events saved with the change that caused them, and their delivery to each plugin."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db_base import Base, TimestampMixin, utcnow


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt (or released by a stopping worker)
    delivering = "delivering"  # leased by a worker until `lease_expires_at`
    done = "done"
    failed = "failed"  # the last attempt failed; retried at `next_attempt_at`
    dead = "dead"  # gave up after DELIVERY_MAX_ATTEMPTS; `events retry` revives it


FINISHED = (DeliveryStatus.done, DeliveryStatus.dead)


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_dispatched_at_id", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[UUID] = mapped_column(unique=True)
    type: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # Set when the event's deliveries were created, one per enabled plugin with the hook.
    dispatched_at: Mapped[datetime | None]

    deliveries: Mapped[list["PluginDelivery"]] = relationship(
        back_populates="event", lazy="raise", order_by="PluginDelivery.plugin"
    )

    @property
    def status(self) -> str:
        """One word for the event: the worst state among its deliveries."""
        states = {delivery.status for delivery in self.deliveries}
        for state in (DeliveryStatus.dead, DeliveryStatus.failed):
            if state in states:
                return state.value
        if self.dispatched_at is None or states - set(FINISHED):
            return DeliveryStatus.pending.value
        return DeliveryStatus.done.value


class PluginDelivery(TimestampMixin, Base):
    __tablename__ = "plugin_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "plugin"),
        Index("ix_plugin_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # Per-incident order: nothing is sent while an earlier event to the same plugin is open.
        Index("ix_plugin_deliveries_plugin_incident", "plugin", "incident_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(100))
    incident_id: Mapped[int | None]
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, validate_strings=True),
        default=DeliveryStatus.pending,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    event: Mapped[OutboxEvent] = relationship(back_populates="deliveries", lazy="raise")
