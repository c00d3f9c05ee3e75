"""Incidents."""

from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db_base import Base, TimestampMixin


class Status(StrEnum):
    active = "active"
    stable = "stable"
    closed = "closed"


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, validate_strings=True)


class Incident(TimestampMixin, Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.active)
    severity: Mapped[Severity] = mapped_column(_enum(Severity), default=Severity.medium)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    reporter: Mapped[User] = relationship(lazy="raise")
