"""An example fastapi-app plugin: one JSON line per incident event it cares about, in a file."""

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for type checkers: the app hands us these objects at run time
    from app.plugins.events import IncidentClosed, IncidentCreated, IncidentStatusChanged

__version__ = "0.1.0"


class ExamplePlugin:
    """Constructed once at start-up with its options (`EXAMPLE_PATH` → `options["path"]`)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.path = Path(options.get("path") or "example-plugin-events.jsonl")
        self._lock = threading.Lock()

    def _append(self, kind: str, event: Any) -> None:
        line = {
            "kind": kind,
            "event_id": str(event.id),  # the idempotency key: the same on every retry
            "incident_id": event.incident.id,
            "title": event.incident.title,
            "status": event.incident.status,
        }
        with self._lock, self.path.open("a") as out:
            out.write(json.dumps(line) + "\n")

    # Sync hooks run in a thread of their own; an `async def` hook would run on the event loop.
    def on_incident_created(self, event: "IncidentCreated") -> None:
        self._append("created", event)

    def on_status_changed(self, event: "IncidentStatusChanged") -> None:
        self._append(f"status {event.before} -> {event.after}", event)

    def on_incident_closed(self, event: "IncidentClosed") -> None:
        self._append("closed", event)
