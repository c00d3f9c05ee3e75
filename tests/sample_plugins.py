"""Plugins the tests install as entry points: well-behaved, raising, hanging, and broken ones."""

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import Any

from app.plugins.events import IncidentCreated, IncidentEvent, IncidentUpdated

received: list[tuple[str, IncidentEvent]] = []
_lock = threading.Lock()


class RecordingPlugin:
    """Keeps every event it gets, by plugin name, in `received`."""

    name = "recording"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    def on_incident_created(self, event: IncidentCreated) -> None:
        with _lock:
            received.append((self.name, event))

    def on_incident_updated(self, event: IncidentUpdated) -> None:
        with _lock:
            received.append((self.name, event))


class AsyncRecordingPlugin(RecordingPlugin):
    name = "async_recording"

    async def on_incident_created(self, event: IncidentCreated) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        with _lock:
            received.append((self.name, event))


class RaisingPlugin:
    def __init__(self, options: Mapping[str, Any]) -> None:
        pass

    def on_incident_created(self, event: IncidentCreated) -> None:
        raise RuntimeError("the plugin's backend is down")


class HangingPlugin:
    """Sync: sleeps past any sensible timeout (the dispatcher abandons the thread)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.seconds = float(options.get("seconds", 5))

    def on_incident_created(self, event: IncidentCreated) -> None:
        time.sleep(self.seconds)


class AsyncHangingPlugin:
    def __init__(self, options: Mapping[str, Any]) -> None:
        pass

    async def on_incident_created(self, event: IncidentCreated) -> None:
        await asyncio.sleep(3600)


class FailsToStart:
    def __init__(self, options: Mapping[str, Any]) -> None:
        raise ValueError("API_KEY is not set")

    def on_incident_created(self, event: IncidentCreated) -> None:
        pass


class FlakyPlugin(RecordingPlugin):
    """Fails its first `failures` calls (tests set the class attribute), then records."""

    name = "flaky"
    failures = 0

    def on_incident_created(self, event: IncidentCreated) -> None:
        self._maybe_fail()
        super().on_incident_created(event)

    def on_incident_updated(self, event: IncidentUpdated) -> None:
        self._maybe_fail()
        super().on_incident_updated(event)

    def _maybe_fail(self) -> None:
        if FlakyPlugin.failures > 0:
            FlakyPlugin.failures -= 1
            raise ConnectionError("receiver unavailable")


class SlowPlugin:
    """Async, takes `seconds` (default 0.3) per event: long enough to be caught in flight."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.seconds = float(options.get("seconds", 0.3))

    async def on_incident_created(self, event: IncidentCreated) -> None:
        await asyncio.sleep(self.seconds)
        with _lock:
            received.append(("slow", event))
