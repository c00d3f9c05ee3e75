"""Plugin and delivery admin: what is installed, what was delivered, retry what failed."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import AdminUser
from app.common.error_handlers import errors
from app.common.params import Cursor, Limit, id_path
from app.common.validation import CleanText
from app.core.dependencies import DbSession, Run
from app.plugins import service
from app.plugins.dependencies import Plugins
from app.plugins.models import DeliveryStatus, OutboxEvent
from app.plugins.schemas import EventDetail, EventPage, EventRead, PluginRead, RetryResult

router = APIRouter(prefix="/api")

EventId = Annotated[int, id_path("event")]
PluginName = Annotated[CleanText | None, Query(max_length=100, description="Only this plugin.")]


@router.get(
    "/plugins",
    tags=["plugins"],
    summary="List installed plugins",
    response_model=list[PluginRead],
    responses=errors(401, 403),
)
async def list_plugins(_: AdminUser, plugins: Plugins) -> list[PluginRead]:
    """Installed plugins: version, enabled, hooks, and why a plugin failed to load."""
    return [PluginRead.model_validate(plugin) for plugin in plugins.plugins.values()]


@router.get(
    "/events",
    tags=["events"],
    summary="List events and their deliveries",
    response_model=EventPage,
    responses=errors(401, 403, 422),
)
async def list_events(
    _: AdminUser,
    db: DbSession,
    run: Run,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only events with a delivery in this state.")
    ] = None,
    plugin: PluginName = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EventPage:
    """Outbox events with their deliveries, newest first."""
    events, next_cursor = await run(
        service.list_events, db, status=status, plugin=plugin, limit=limit, cursor=cursor
    )
    return EventPage(items=[EventRead.model_validate(e) for e in events], next_cursor=next_cursor)


@router.get(
    "/events/{event_id}",
    tags=["events"],
    summary="Read an event",
    response_model=EventDetail,
    responses=errors(401, 403, 404),
)
async def read_event(event_id: EventId, _: AdminUser, db: DbSession, run: Run) -> OutboxEvent:
    """One event: its payload as plugins receive it, and every delivery's state."""
    return await run(service.get_event, db, event_id)


@router.post(
    "/events/{event_id}/retry",
    tags=["events"],
    summary="Retry an event's failed deliveries",
    response_model=RetryResult,
    responses=errors(401, 403, 404, 422),
)
async def retry_event(
    event_id: EventId, _: AdminUser, db: DbSession, run: Run, plugin: PluginName = None
) -> RetryResult:
    """Deliver a failed or dead event again, now, with a fresh attempt budget."""
    retried, event = await run(service.retry, db, event_id, plugin=plugin)
    return RetryResult(retried=retried, event=EventRead.model_validate(event))
