"""Start-up and shut-down of the API process."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    database: Database = app.state.database
    # A small pool: many threads fighting over the GIL serve fewer requests, not more.
    to_thread.current_default_thread_limiter().total_tokens = settings.THREADPOOL_SIZE
    # SQLite writers queue here, on the event loop, never in a worker thread (see get_db).
    app.state.sqlite_write_turn = anyio.Lock()
    with database.unit_of_work(write=False) as session:
        session.execute(text("SELECT 1"))
    logger.info(
        "started: environment=%s database=%s", settings.ENVIRONMENT, database.bind.dialect.name
    )
    try:
        yield
    finally:
        database.dispose()
        logger.info("stopped")
