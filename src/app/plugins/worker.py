"""`fastapi-app worker`: a process that only delivers events, for scaling out (run several, on
several machines, against one PostgreSQL). SIGTERM or Ctrl-C stops it gracefully; a second one
hands in-flight deliveries back at once."""

import asyncio
import logging
import signal
from dataclasses import replace

from app.core.config import Settings
from app.core.db import Database
from app.plugins.dispatcher import Dispatcher, DispatcherConfig
from app.plugins.runtime import load_configured_plugins

logger = logging.getLogger(__name__)


def run_worker(settings: Settings, *, concurrency: int | None = None) -> None:
    config = DispatcherConfig.from_settings(settings)
    if concurrency is not None:
        config = replace(config, concurrency=concurrency)
    database = Database.from_url(settings.DATABASE_URL, echo=settings.DATABASE_ECHO)
    registry = load_configured_plugins(settings)
    if not registry.active():
        logger.warning("no plugin is enabled and loaded: this worker only fans events out")
    dispatcher = Dispatcher(database, registry, config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, dispatcher.stop)
        await dispatcher.run()

    try:
        asyncio.run(main())
    finally:
        database.dispose()
