"""Deliver outbox events to plugins: concurrently, each call bounded by a timeout, failures retried
with backoff, and a graceful stop that finishes in-flight deliveries or hands them back.

One dispatcher runs per process — in the API server (in its own thread and event loop, so a
misbehaving plugin cannot stall request handling) or as `fastapi-app worker`. Its transactions
run wherever `transact` says: a worker thread by default; the server's event loop for the API
server on SQLite (see `PluginRuntime`).
"""

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar
from uuid import uuid4

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import Database
from app.plugins import deliveries
from app.plugins.base import HOOKS, is_async
from app.plugins.deliveries import Leased, Outcome, RetryPolicy
from app.plugins.events import EVENT_ADAPTER
from app.plugins.loader import PluginRegistry

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Transact(Protocol):
    """Runs `work` in a unit of work of its own, committed when it returns, and returns its
    result."""

    def __call__(self, work: Callable[[Session], T], /) -> Awaitable[T]: ...


@dataclass(frozen=True)
class DispatcherConfig:
    concurrency: int
    poll_seconds: float
    timeout: float
    policy: RetryPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> "DispatcherConfig":
        return cls(
            concurrency=settings.DISPATCHER_CONCURRENCY,
            poll_seconds=settings.DISPATCHER_POLL_SECONDS,
            timeout=settings.DELIVERY_TIMEOUT_SECONDS,
            policy=RetryPolicy(
                max_attempts=settings.DELIVERY_MAX_ATTEMPTS,
                backoff_base=settings.DELIVERY_BACKOFF_BASE_SECONDS,
                backoff_max=settings.DELIVERY_BACKOFF_MAX_SECONDS,
            ),
        )

    @property
    def lease(self) -> timedelta:
        """How long a worker owns a delivery: twice the timeout plus room for clock skew, so only
        a dead worker's deliveries are ever taken over."""
        return timedelta(seconds=2 * self.timeout + 2)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _in_daemon_thread(function: Callable[[Any], object], argument: Any) -> None:
    """Run a sync hook in its own daemon thread: if it hangs past the timeout it is abandoned,
    without using up a shared pool or keeping the process from exiting."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def settle(exc: BaseException | None) -> None:
        if future.done():
            return
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)

    def target() -> None:
        outcome: BaseException | None = None
        try:
            function(argument)
        except BaseException as exc:
            outcome = exc
        with suppress(RuntimeError):  # the loop is gone: nobody waits for this call any more
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=target, daemon=True, name="plugin-hook").start()
    await future


class Dispatcher:
    def __init__(
        self,
        database: Database,
        registry: PluginRegistry,
        config: DispatcherConfig,
        *,
        owner: str | None = None,
        transact: Transact | None = None,
    ) -> None:
        self.database = database
        self._transact = transact or self._in_thread
        self.registry = registry
        self.config = config
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self._plugins = registry.active()
        self._inflight: dict[asyncio.Task[Outcome], Leased] = {}
        self._outcomes: list[Outcome] = []
        self._outcomes_since = 0.0
        self._next_housekeeping = 0.0
        self._stopping = asyncio.Event()
        self._hurry = asyncio.Event()

    def stop(self) -> None:
        """Stop leasing and finish what is in flight; a second call hands it back at once."""
        if self._stopping.is_set():
            self._hurry.set()
        self._stopping.set()

    async def run(self) -> None:
        """Deliver until `stop()`, then drain and close the plugins."""
        logger.info(
            "dispatcher %s started: plugins=%s concurrency=%d",
            self.owner,
            ",".join(self._plugins) or "none",
            self.config.concurrency,
        )
        try:
            while not self._stopping.is_set():
                try:
                    busy = await self._step()
                except Exception:
                    logger.exception("dispatcher step failed; trying again")
                    busy = False
                if not busy:
                    await self._sleep(self.config.poll_seconds)
            await self._drain()
        finally:
            await self._close_plugins()
            logger.info("dispatcher %s stopped", self.owner)

    async def run_until_idle(self) -> None:
        """Deliver everything that is due now, then return (for tests and one-off runs)."""
        while await self._step():
            pass
        await self._sync(lease=0)

    async def _step(self) -> bool:
        """Record finished deliveries and lease more, in one transaction; False when idle.

        Leasing waits until half the slots are free, and outcomes wait for it (or for one poll
        interval), so a busy dispatcher works in batches instead of paying a transaction per
        delivery.
        """
        self._collect_finished()
        free = self.config.concurrency - len(self._inflight)
        batch = max(1, self.config.concurrency // 2)
        lease = free if free >= batch or not self._inflight else 0
        overdue = (
            self._outcomes and time.monotonic() - self._outcomes_since > self.config.poll_seconds
        )
        leased = await self._sync(lease=lease) if lease or overdue else []
        for item in leased:
            self._inflight[asyncio.create_task(self._deliver(item))] = item
        if self._inflight:
            await asyncio.wait(
                self._inflight,
                timeout=self.config.poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        return bool(leased or self._inflight)

    def _collect_finished(self) -> None:
        for task in [task for task in self._inflight if task.done()]:
            del self._inflight[task]
            if not task.cancelled():
                if not self._outcomes:
                    self._outcomes_since = time.monotonic()
                self._outcomes.append(task.result())

    async def _sync(self, *, lease: int) -> list[Leased]:
        """Record the outcomes gathered so far, then fan out and lease up to `lease` more."""
        outcomes = list(self._outcomes)
        if not outcomes and lease < 1:
            return []
        leased = await self._transact(lambda db: self._record_and_lease(db, outcomes, lease))
        del self._outcomes[: len(outcomes)]  # kept for the next try if the transaction failed
        return leased

    async def _in_thread(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.database.unit_of_work() as db:
                return work(db)

        return await asyncio.to_thread(run)

    def _record_and_lease(self, db: Session, outcomes: list[Outcome], lease: int) -> list[Leased]:
        deliveries.record(db, outcomes, owner=self.owner, policy=self.config.policy)
        if lease < 1:
            return []
        self._housekeeping(db)
        return deliveries.lease(
            db,
            owner=self.owner,
            plugins=list(self._plugins),
            limit=lease,
            lease_for=self.config.lease,
        )

    def _housekeeping(self, db: Session) -> None:
        """Fan new events out and reclaim dead workers' leases — once per poll interval, or
        at once again while a backlog of events is still being fanned out."""
        now = time.monotonic()
        if now < self._next_housekeeping:
            return
        fanned_out = deliveries.fan_out(db, self.registry.targets)
        deliveries.reclaim_expired(db)
        backlog = fanned_out >= deliveries.FAN_OUT_BATCH
        self._next_housekeeping = now if backlog else now + self.config.poll_seconds

    async def _deliver(self, item: Leased) -> Outcome:
        try:
            event = EVENT_ADAPTER.validate_python(item.event)
            hook = getattr(self._plugins[item.plugin], HOOKS[event.type], None)
            if hook is not None:
                call = hook(event) if is_async(hook) else _in_daemon_thread(hook, event)
                await asyncio.wait_for(call, self.config.timeout)
        except TimeoutError:
            error = f"timed out after {self.config.timeout:g}s"
        except Exception as exc:
            error = _describe(exc)
        else:
            return Outcome(item.id, item.attempt)
        logger.warning(
            "delivery %d to %s failed (attempt %d): %s", item.id, item.plugin, item.attempt, error
        )
        return Outcome(item.id, item.attempt, error)

    async def _drain(self) -> None:
        """Give in-flight deliveries up to the timeout to finish; hand back the rest."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout + 1
        while self._inflight and not self._hurry.is_set() and loop.time() < deadline:
            await asyncio.wait(self._inflight, timeout=0.1)
            self._collect_finished()
        await self._sync(lease=0)
        if not self._inflight:
            return
        unfinished = list(self._inflight.values())
        for task in self._inflight:
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        self._inflight.clear()
        ids = [item.id for item in unfinished]
        await self._transact(lambda db: deliveries.release(db, ids, owner=self.owner))
        logger.info("dispatcher %s released %d unfinished deliveries", self.owner, len(ids))

    async def _sleep(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _close_plugins(self) -> None:
        for name, plugin in self._plugins.items():
            close = getattr(plugin, "close", None)
            if not callable(close):
                continue
            try:
                result = close()
                if isinstance(result, Awaitable):
                    await result
            except Exception:
                logger.exception("plugin %s failed to close", name)


class DispatcherThread:
    """Runs a dispatcher in a daemon thread with its own event loop (the in-process default)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        """Ask the dispatcher to stop and wait for it to drain (at most the delivery timeout)."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.dispatcher.stop)
        self._thread.join(self.dispatcher.config.timeout + 5)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        await self.dispatcher.run()
