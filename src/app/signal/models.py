"""Alert groups (one per Alertmanager group, pointing at its current incident) and the alerts in
them, kept per incident so an old incident still shows the alerts that opened it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db_base import Base, TimestampMixin


class AlertStatus(StrEnum):
    firing = "firing"
    resolved = "resolved"


def _status() -> Enum:
    return Enum(AlertStatus, native_enum=False, length=16, validate_strings=True)


class AlertGroup(TimestampMixin, Base):
    """What Alertmanager calls a group: alerts routed and grouped together, notified together."""

    __tablename__ = "signal_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of receiver and group key: the identity of a group, unique so that two concurrent
    # first notifications of one group can only ever insert one row (and open one incident).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    group_key: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str] = mapped_column(String(200))
    group_labels: Mapped[dict[str, str]] = mapped_column(JSON)
    external_url: Mapped[str] = mapped_column(Text)
    status: Mapped[AlertStatus] = mapped_column(_status())
    # The incident the group's alerts go to now, and the one before it (closed, then re-fired).
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    previous_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL")
    )


class Alert(TimestampMixin, Base):
    """One alert (Alertmanager fingerprint) of a group, as it stood for one incident."""

    __tablename__ = "signal_alerts"
    __table_args__ = (
        UniqueConstraint(
            "incident_id", "fingerprint", name="uq_signal_alerts_incident_id_fingerprint"
        ),
        # The signals list, newest first, filtered by status or by alert name.
        Index("ix_signal_alerts_status_id", "status", "id"),
        Index("ix_signal_alerts_alertname_id", "alertname", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("signal_groups.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    alertname: Mapped[str] = mapped_column(String(200))
    status: Mapped[AlertStatus] = mapped_column(_status())
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    generator_url: Mapped[str] = mapped_column(Text)
