"""The `log` plugin: one structured audit line per event on the `app.audit` logger."""

import logging
from collections.abc import Mapping
from typing import Any

from app.plugins.events import IncidentEvent

audit = logging.getLogger("app.audit")


class LogPlugin:
    """Needs no options. With LOG_FORMAT=json each line is one object a log shipper can index."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    async def write(self, event: IncidentEvent) -> None:
        """Async so the dispatcher calls it on its loop: a log line needs no thread of its own."""
        fields: dict[str, Any] = {
            "event_id": str(event.id),
            "event_type": event.type,
            "incident_id": event.incident.id,
            "severity": event.incident.severity,
            "status": event.incident.status,
            "actor_id": event.actor.id if event.actor else None,
        }
        changes = getattr(event, "changes", None)
        if changes:
            fields["changes"] = [change.model_dump(mode="json") for change in changes]
        audit.info(
            "%s incident=%d actor=%s",
            event.type,
            event.incident.id,
            fields["actor_id"] or "system",
            extra=fields,
        )

    on_incident_created = write
    on_incident_updated = write
    on_status_changed = write
    on_incident_closed = write
    on_note_added = write
