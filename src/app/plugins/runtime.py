"""The plugins of one API process: loaded at start-up and, when `DISPATCHER_ENABLED`, delivered to
by an in-process dispatcher. `main.py` registers it; the core lifespan starts and stops it."""

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.datastructures import State

from app.core.config import Settings
from app.core.db import Database
from app.core.dependencies import run_queued_with_requests
from app.plugins.dispatcher import Dispatcher, DispatcherConfig, DispatcherThread, Transact
from app.plugins.loader import PluginRegistry, load_plugins, plugin_options

T = TypeVar("T")


def load_configured_plugins(settings: Settings) -> PluginRegistry:
    return load_plugins(settings.PLUGINS_ENABLED, partial(plugin_options, settings))


class PluginRuntime:
    def __init__(self, state: State) -> None:
        self.state = state
        self.registry = PluginRegistry({})
        self._dispatcher: DispatcherThread | None = None

    async def start(self) -> None:
        settings: Settings = self.state.settings
        database: Database = self.state.database
        self.registry = load_configured_plugins(settings)
        if settings.DISPATCHER_ENABLED:
            config = DispatcherConfig.from_settings(settings)
            transact = self._queued_with_requests() if database.is_sqlite else None
            dispatcher = Dispatcher(database, self.registry, config, transact=transact)
            self._dispatcher = DispatcherThread(dispatcher)
            self._dispatcher.start()

    async def stop(self) -> None:
        if self._dispatcher is not None:
            await to_thread.run_sync(self._dispatcher.stop)
            self._dispatcher = None

    def _queued_with_requests(self) -> Transact:
        """The dispatcher's transactions, sent from its thread to the server's event loop to
        take their turn with the requests' SQLite writes (see `run_queued_with_requests`)."""
        server_loop = asyncio.get_running_loop()

        def transact(work: Callable[[Session], T]) -> Awaitable[T]:
            future = asyncio.run_coroutine_threadsafe(
                run_queued_with_requests(self.state, work), server_loop
            )
            return asyncio.wrap_future(future)

        return transact
