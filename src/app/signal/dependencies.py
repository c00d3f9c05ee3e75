"""Who may send and read signals, the incident a signals route is about, and the policy."""

from typing import Annotated

from fastapi import Depends

from app.auth.dependencies import require_scope
from app.auth.models import Scope, User
from app.common.params import id_path
from app.core.dependencies import AppSettings, DbSession, Run
from app.incident import service as incidents
from app.incident.models import Incident
from app.signal.policy import SignalPolicy

# Alertmanager: an API token with `signals:write`; the token's owner reports what it opens.
SignalWriter = Annotated[User, Depends(require_scope(Scope.signals_write))]
# People (signed in) and machines (an API token with `signals:read`), seeing what they may see.
SignalReader = Annotated[User, Depends(require_scope(Scope.signals_read, users_too=True))]


async def get_signal_incident(
    reader: SignalReader,
    incident_id: Annotated[int, id_path("incident")],
    db: DbSession,
    run: Run,
) -> Incident:
    """The incident, if the reader may see it; 404 otherwise (authenticated first)."""
    return await run(incidents.get_visible, db, incident_id, reader)


async def get_policy(settings: AppSettings) -> SignalPolicy:
    return SignalPolicy.from_settings(settings)


SignalIncident = Annotated[Incident, Depends(get_signal_incident)]
Policy = Annotated[SignalPolicy, Depends(get_policy)]
