"""Incidents, their tags and participants, and the timeline of everything that happened."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db_base import Base, TimestampMixin, utcnow
from app.core.db_types import RankedEnum


class Status(StrEnum):
    """Declared in lifecycle order, which is also the sort order."""

    active = "active"
    stable = "stable"
    closed = "closed"


class Severity(StrEnum):
    """Declared from least to most severe, which is also the sort order."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Visibility(StrEnum):
    open = "open"
    restricted = "restricted"


class ParticipantRole(StrEnum):
    commander = "commander"
    scribe = "scribe"
    liaison = "liaison"
    observer = "observer"


class EntryKind(StrEnum):
    created = "created"
    updated = "updated"
    status_changed = "status_changed"
    participant_added = "participant_added"
    participant_changed = "participant_changed"
    participant_removed = "participant_removed"
    note = "note"
    signal = "signal"  # what the alerts did (app.signal)


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class Incident(TimestampMixin, Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # One index per sort the list offers; the id makes each key unique for keyset paging.
        Index("ix_incidents_created_at_id", "created_at", "id"),
        Index("ix_incidents_updated_at_id", "updated_at", "id"),
        Index("ix_incidents_severity_id", "severity", "id"),
        Index("ix_incidents_status_id", "status", "id"),
        Index("ix_incidents_title_id", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(RankedEnum(Status), default=Status.active)
    severity: Mapped[Severity] = mapped_column(RankedEnum(Severity), default=Severity.medium)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.open)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    commander_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    resolution: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    stable_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    tags: Mapped[list["IncidentTag"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="IncidentTag.name"
    )
    participants: Mapped[list["Participant"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="incident"
    )

    # Every UPDATE checks and bumps the version, so a concurrent writer can't overwrite silently.
    __mapper_args__ = {"version_id_col": version}

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]


class IncidentTag(Base):
    __tablename__ = "incident_tags"
    __table_args__ = (Index("ix_incident_tags_name_incident_id", "name", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(50), primary_key=True)


class Participant(Base):
    __tablename__ = "incident_participants"
    __table_args__ = (Index("ix_incident_participants_user_id", "user_id", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    role: Mapped[ParticipantRole] = mapped_column(_enum(ParticipantRole))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(lazy="raise", back_populates="participants")
    user: Mapped[User] = relationship(lazy="raise")


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    text: Mapped[str] = mapped_column(Text, default="")
    # [{"field": ..., "before": ..., "after": ...}, ...] for changes; [] for notes.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
