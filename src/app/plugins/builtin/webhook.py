"""The `webhook` plugin: POST each event as JSON to every WEBHOOK_URLS entry, HMAC-signed.

Headers: `X-Event-Type`, `Idempotency-Key` (the event id, stable across retries),
`X-Signature-Timestamp` and `X-Signature: sha256=<hex of HMAC(secret, "<timestamp>." + body)>`.
Any non-2xx answer, or no answer, fails the delivery and it is retried — to every URL, so
receivers de-duplicate on `Idempotency-Key`.
"""

import time
from collections.abc import Mapping
from typing import Any

from app.plugins.builtin import http_delivery as http
from app.plugins.builtin.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from app.plugins.events import IncidentEvent


class WebhookPlugin:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.urls = http.url_list(options.get("urls"))
        if not self.urls:
            raise ValueError("WEBHOOK_URLS is empty: give at least one receiver URL")
        secret = options.get("secret")
        if not secret:
            raise ValueError("WEBHOOK_SECRET is not set: receivers could not verify deliveries")
        self.secret = str(secret)
        self.client = http.Client(timeout=http.option_seconds(options, "timeout_seconds", 10.0))

    async def send(self, event: IncidentEvent) -> None:
        body = event.model_dump_json().encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Event-Type": event.type,
            "Idempotency-Key": str(event.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        for url in self.urls:
            await http.post(self.client.get(), url, content=body, headers=headers)

    async def close(self) -> None:
        await self.client.close()

    on_incident_created = send
    on_incident_updated = send
    on_status_changed = send
    on_incident_closed = send
    on_note_added = send
