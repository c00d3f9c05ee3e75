"""Request-scoped dependencies every domain uses: settings and the request's unit of work.

Dependencies and routes are `async def`: FastAPI runs a plain `def` one in a worker thread (a
route's response validation in a second one), and each such trip costs more than the work
itself. Their database work goes through `Run`: inline
on SQLite, whose queries read a local file faster than a thread hand-off, and in a worker thread
on PostgreSQL, whose round trips the event loop never waits for. Routes whose work is long CPU
work (hashing a password, a big alert batch) stay plain `def`, so it runs in a worker thread.
"""

import functools
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Annotated, ParamSpec, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.datastructures import State

from app.core.config import Settings
from app.core.db import Database

T = TypeVar("T")
P = ParamSpec("P")

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def write_turn(state: State, *, write: bool) -> AbstractAsyncContextManager[object]:
    """Wait here, on the event loop, for this process's turn to write to SQLite.

    `Database` lets one SQLite writer in at a time. A writer waiting for that lock inside a
    worker thread holds the thread while it waits; with as many waiting writers as threads, the
    writer holding the lock has no thread left to finish in, and every request hangs.
    """
    database: Database = state.database
    if write and database.is_sqlite:
        turn: anyio.Lock = state.sqlite_write_turn
        return turn
    return nullcontext()


@asynccontextmanager
async def unit_of_work(state: State, *, write: bool) -> AsyncIterator[Session]:
    """A unit of work opened from the event loop, committed when the block ends or rolled back.

    It takes one of `Settings.request_connections` slots first, on the event loop: waiting for
    a pooled connection or a row lock inside a worker thread holds the thread, and with every
    thread waiting, the units of work holding connections could never finish. The session opens
    without touching the database; the code that uses it goes through `run_sync`.
    """
    database: Database = state.database
    slots: anyio.Semaphore = state.database_slots
    async with write_turn(state, write=write), slots, _holding(database.write_lock(write=write)):
        session = database.session(write=write)
        try:
            yield session
            await run_sync(database, session.commit)
        except BaseException:
            await run_sync(database, session.rollback)
            raise
        finally:
            session.close()  # no I/O: the commit or rollback gave the connection back


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed before the response is sent, or rolled back.

    Used with `scope="function"`, so a failed commit becomes an error response, never a 2xx.
    """
    write = request.method not in _READ_ONLY_METHODS
    async with unit_of_work(request.app.state, write=write) as session:
        yield session


@asynccontextmanager
async def _holding(lock: "threading.Lock | None") -> AsyncIterator[None]:
    """Hold `lock` (SQLite's in-process writer lock) without blocking the event loop: only the
    plugin dispatcher's short transactions compete for it once a request has its write turn."""
    if lock is not None and not lock.acquire(blocking=False):
        await run_in_threadpool(lock.acquire)
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


async def run_sync(database: Database, work: Callable[[], T]) -> T:
    """Run sync database work from async code: inline on SQLite, whose queries and commits read
    and write a local file in less time than a trip to a worker thread takes; in a worker thread
    on a network database, whose round trips the event loop never waits for."""
    if database.is_sqlite:
        return work()
    return await run_in_threadpool(work)


async def run_in_unit_of_work(request: Request, work: Callable[[Session], T]) -> T:
    """Run `work` in a write unit of work of its own, committed when it returns: from a task
    after the response, or in a route whose work must be kept even when it answers an error
    (a failed login is counted, then 401). `work` runs in a worker thread: it may hash a
    password."""
    async with unit_of_work(request.app.state, write=True) as session:
        return await run_in_threadpool(work, session)


async def run_queued_with_requests(state: State, work: Callable[[Session], T]) -> T:
    """Run `work` in a write unit of work of its own, on the event loop that serves requests,
    queued with their writes and run the way theirs are: for the server's background work.

    On SQLite, a writer in another thread holds the write lock while it waits for the GIL after
    each query, and every request queued behind it waits too (create p99 130 ms instead of 55).
    """
    async with unit_of_work(state, write=True) as session:
        return await run_sync(state.database, functools.partial(work, session))


class Runner:
    """Runs the sync database work of a route or a dependency (`await run(service.get, db, id)`):
    inline on SQLite, in a worker thread otherwise (see `run_sync`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await run_sync(self.database, functools.partial(work, *args, **kwargs))


async def get_runner(request: Request) -> Runner:
    return Runner(request.app.state.database)


DbSession = Annotated[Session, Depends(get_db, scope="function")]
Run = Annotated[Runner, Depends(get_runner)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
