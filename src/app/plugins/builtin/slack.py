"""The `slack` plugin: a message to a Slack incoming webhook when an incident is created, changed
or moves status — title, severity, status and a link to the incident."""

import json
from collections.abc import Mapping
from typing import Any

from app.plugins.builtin import http_delivery as http
from app.plugins.events import (
    IncidentCreated,
    IncidentEvent,
    IncidentStatusChanged,
    IncidentUpdated,
)

DEFAULT_INCIDENT_URL = "http://127.0.0.1:8000/api/incidents/{id}"


def _escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackPlugin:
    def __init__(self, options: Mapping[str, Any]) -> None:
        url = options.get("webhook_url")
        if not url:
            raise ValueError("SLACK_WEBHOOK_URL is not set")
        self.webhook_url = str(url)
        self.incident_url = str(options.get("incident_url") or DEFAULT_INCIDENT_URL)
        self.client = http.Client(timeout=http.option_seconds(options, "timeout_seconds", 10.0))

    def message(self, event: IncidentEvent, headline: str) -> dict[str, Any]:
        """The Slack payload: a plain-text fallback and blocks for clients that show them."""
        incident = event.incident
        link = self.incident_url.format(id=incident.id)
        title = f"#{incident.id} {incident.title}"
        fields = [("Severity", incident.severity), ("Status", incident.status)]
        return {
            "text": f"{headline}: {title} [{incident.severity}, {incident.status}] {link}",
            "blocks": [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"*<{link}|{_escape(title)}>*\n{_escape(headline)}",
                    },
                },
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*{name}*\n{_escape(value)}"}
                        for name, value in fields
                    ],
                },
            ],
        }

    async def post(self, event: IncidentEvent, headline: str) -> None:
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(event.id)}
        body = json.dumps(self.message(event, headline)).encode()
        await http.post(self.client.get(), self.webhook_url, content=body, headers=headers)

    async def close(self) -> None:
        await self.client.close()

    async def on_incident_created(self, event: IncidentCreated) -> None:
        await self.post(event, "New incident")

    async def on_incident_updated(self, event: IncidentUpdated) -> None:
        changed = ", ".join(
            f"{c.field}: {c.before} → {c.after}" if c.field != "description" else c.field
            for c in event.changes
        )
        await self.post(event, f"Incident updated ({changed})")

    async def on_status_changed(self, event: IncidentStatusChanged) -> None:
        await self.post(event, f"Status {event.before} → {event.after}")
