"""Run the dispatcher from a test, in the test's own thread, until the outbox is quiet."""

import asyncio
import time

from sqlalchemy import select

from app.core.config import Settings
from app.core.db import Database
from app.plugins.dispatcher import Dispatcher, DispatcherConfig
from app.plugins.models import FINISHED, PluginDelivery
from app.plugins.runtime import load_configured_plugins


def dispatcher_for(database: Database, settings: Settings) -> Dispatcher:
    config = DispatcherConfig.from_settings(settings)
    return Dispatcher(database, load_configured_plugins(settings), config)


def deliver(database: Database, settings: Settings) -> None:
    """One pass: everything due now is delivered (or fails and waits for its retry time)."""
    asyncio.run(dispatcher_for(database, settings).run_until_idle())


def deliver_until_settled(database: Database, settings: Settings, *, within: float = 10) -> None:
    """Keep delivering until every delivery is done or dead."""
    dispatcher = dispatcher_for(database, settings)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        asyncio.run(dispatcher.run_until_idle())
        if not open_deliveries(database):
            return
        time.sleep(0.02)
    raise AssertionError(f"deliveries still open after {within}s: {open_deliveries(database)}")


def open_deliveries(database: Database) -> list[tuple[str, str]]:
    with database.unit_of_work(write=False) as db:
        query = select(PluginDelivery.plugin, PluginDelivery.status).where(
            PluginDelivery.status.not_in(FINISHED)
        )
        return [(plugin, str(status)) for plugin, status in db.execute(query)]


def deliveries(database: Database) -> list[PluginDelivery]:
    with database.unit_of_work(write=False) as db:
        query = select(PluginDelivery).order_by(PluginDelivery.event_id, PluginDelivery.plugin)
        return list(db.scalars(query))
