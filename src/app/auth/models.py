"""Users and their roles; API tokens with scopes for machines; failed logins the throttle counts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db_base import Base, TimestampMixin, utcnow


class Role(StrEnum):
    admin = "admin"
    member = "member"
    viewer = "viewer"


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    hashed_password: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, validate_strings=True), default=Role.member
    )
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class Scope(StrEnum):
    """What an API token may do; a route that accepts tokens names the scope it needs."""

    signals_write = "signals:write"
    signals_read = "signals:read"

    @property
    def writes(self) -> bool:
        return self.endswith(":write")


class ApiToken(Base):
    """A machine credential: only the SHA-256 of the secret is kept, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The start of the secret, so people can tell their tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name} {self.prefix}...>"


class LoginFailure(Base):
    """One failed login, kept for the throttle's window (see `auth.throttle`).

    `key` is a SHA-256 of "account:<email>" or "client:<address>": fixed length whatever was
    typed, and no log of who failed to log in.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(index=True)
