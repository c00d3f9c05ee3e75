"""The plugin contract: optional hooks, each receiving one immutable event.

A plugin is any object with some of the hook methods below, sync (`def`) or async (`async def`);
it implements only the hooks it wants. The entry point in the group `app.incident_plugins` names
a factory (usually the class) that is called once with the plugin's options: the settings whose
names start with the plugin's name, e.g. `WEBHOOK_URLS` → `{"urls": ...}` for `webhook`.
A hook returns nothing; raising (or timing out) makes the delivery fail and be retried.
The event's `id` is stable across retries, so a receiver can de-duplicate on it.
"""

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from app.plugins.events import (
    IncidentClosed,
    IncidentCreated,
    IncidentStatusChanged,
    IncidentUpdated,
    NoteAdded,
)

ENTRY_POINT_GROUP = "app.incident_plugins"

HookResult = Awaitable[None] | None
PluginFactory = Callable[[Mapping[str, Any]], object]

# Event type -> the method a plugin implements to receive it.
HOOKS: Mapping[str, str] = {
    "incident.created": "on_incident_created",
    "incident.updated": "on_incident_updated",
    "incident.status_changed": "on_status_changed",
    "incident.closed": "on_incident_closed",
    "incident.note_added": "on_note_added",
}


class OnIncidentCreated(Protocol):
    def on_incident_created(self, event: IncidentCreated) -> HookResult: ...


class OnIncidentUpdated(Protocol):
    def on_incident_updated(self, event: IncidentUpdated) -> HookResult: ...


class OnStatusChanged(Protocol):
    def on_status_changed(self, event: IncidentStatusChanged) -> HookResult: ...


class OnIncidentClosed(Protocol):
    def on_incident_closed(self, event: IncidentClosed) -> HookResult: ...


class OnNoteAdded(Protocol):
    def on_note_added(self, event: NoteAdded) -> HookResult: ...


class Closeable(Protocol):
    """Optional: called once when the process stops (close HTTP clients, flush buffers)."""

    def close(self) -> HookResult: ...


def hooks_of(plugin: object) -> tuple[str, ...]:
    """The event types a plugin (or its class) has a hook for, in contract order."""
    return tuple(
        event_type
        for event_type, method in HOOKS.items()
        if callable(getattr(plugin, method, None))
    )


def is_async(function: Callable[..., object]) -> bool:
    return inspect.iscoroutinefunction(function)
