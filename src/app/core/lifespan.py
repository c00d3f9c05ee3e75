"""Start-up and shut-down of the API process: check the database, then start the background
services the app registered on `app.state.background` (stopped in reverse order)."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Protocol

import anyio
from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database

logger = logging.getLogger(__name__)


class BackgroundService(Protocol):
    """Something that runs beside request handling (the plugin dispatcher, for one)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    database: Database = app.state.database
    services: list[BackgroundService] = getattr(app.state, "background", [])
    # A small pool: many threads fighting over the GIL serve fewer requests, not more.
    to_thread.current_default_thread_limiter().total_tokens = settings.THREADPOOL_SIZE
    # SQLite writers queue here, on the event loop, never in a worker thread (see get_db).
    app.state.sqlite_write_turn = anyio.Lock()
    # Requests wait here for a pooled connection, not in a worker thread (see get_db).
    app.state.database_slots = anyio.Semaphore(settings.request_connections)
    with database.unit_of_work(write=False) as session:
        session.execute(text("SELECT 1"))
    async with AsyncExitStack() as stack:
        stack.callback(database.dispose)
        for service in services:
            await service.start()
            stack.push_async_callback(service.stop)
        # What exists now (modules, models, routes, plugins) lives as long as the process; frozen,
        # the collector's full passes skip it. Each such pass stopped the event loop for 50-85 ms
        # while it walked them all (bench/README.md).
        gc.freeze()
        stack.callback(gc.unfreeze)
        logger.info(
            "started: environment=%s database=%s", settings.ENVIRONMENT, database.bind.dialect.name
        )
        yield
    logger.info("stopped")
