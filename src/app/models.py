"""The registry of every domain's models: import this to see the whole schema (Alembic does)."""

from app.auth.models import ApiToken, LoginFailure, User
from app.core.db_base import Base
from app.incident.models import Incident
from app.plugins.models import OutboxEvent, PluginDelivery
from app.signal.models import Alert, AlertGroup

__all__ = [
    "Alert",
    "AlertGroup",
    "ApiToken",
    "Base",
    "Incident",
    "LoginFailure",
    "OutboxEvent",
    "PluginDelivery",
    "User",
]
