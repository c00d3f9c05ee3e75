"""Signal routes: Alertmanager's webhook receiver, and the alerts it brought in."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.common.error_handlers import errors
from app.core.dependencies import DbSession, Run
from app.signal import service
from app.signal.dependencies import Policy, SignalIncident, SignalReader, SignalWriter
from app.signal.schemas import (
    AlertGroupRead,
    AlertmanagerNotification,
    AlertRead,
    IncidentSignals,
    SignalListParams,
    SignalOutcome,
    SignalPage,
    SignalPageParams,
)

router = APIRouter(prefix="/api/signals", tags=["signals"])
incident_signals_router = APIRouter(prefix="/api/incidents", tags=["incidents"])


@router.post(
    "/alertmanager",
    summary="Receive an Alertmanager notification",
    response_model=SignalOutcome,
    responses=errors(401, 403, 413, 415, 422),
)
def receive_alertmanager(
    notification: AlertmanagerNotification, reporter: SignalWriter, db: DbSession, policy: Policy
) -> SignalOutcome:
    """Alertmanager's webhook receiver: a group's first firing notification opens an incident,
    later ones record what changed; sending the same notification again changes nothing."""
    # Plain `def`: a notification of hundreds of alerts is long work, kept off the event loop.
    return service.ingest(db, notification, reporter=reporter, policy=policy)


@router.get(
    "",
    summary="List alerts",
    response_model=SignalPage,
    responses=errors(401, 403, 422),
)
async def list_signals(
    reader: SignalReader, db: DbSession, run: Run, params: Annotated[SignalListParams, Query()]
) -> SignalPage:
    """Alerts of the incidents you may see, newest first, filtered."""
    alerts, next_cursor = await run(service.list_page, db, reader, params)
    return SignalPage(items=[AlertRead.model_validate(a) for a in alerts], next_cursor=next_cursor)


@incident_signals_router.get(
    "/{incident_id}/signals",
    summary="Read an incident's alerts",
    response_model=IncidentSignals,
    responses=errors(401, 403, 404, 422),
)
async def read_signals(
    incident: SignalIncident,
    reader: SignalReader,
    db: DbSession,
    run: Run,
    params: Annotated[SignalPageParams, Query()],
) -> IncidentSignals:
    """The alerts of one incident, newest first, and the Alertmanager group(s) they came from."""
    groups, alerts, next_cursor = await run(service.for_incident, db, reader, incident, params)
    return IncidentSignals(
        groups=[AlertGroupRead.model_validate(g) for g in groups],
        items=[AlertRead.model_validate(a) for a in alerts],
        next_cursor=next_cursor,
    )
