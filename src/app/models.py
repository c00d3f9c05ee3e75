"""The registry of every domain's models: import this to see the whole schema (Alembic does)."""

from app.auth.models import LoginFailure, User
from app.core.db_base import Base
from app.incident.models import Incident

__all__ = ["Base", "Incident", "LoginFailure", "User"]
