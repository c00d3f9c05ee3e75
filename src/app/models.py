"""The registry of every domain's models: import this to see the whole schema (Alembic does)."""

from app.auth.models import User
from app.core.db_base import Base
from app.incident.models import Incident
from app.plugins.models import OutboxEvent, PluginDelivery

__all__ = ["Base", "Incident", "OutboxEvent", "PluginDelivery", "User"]
