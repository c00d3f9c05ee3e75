"""The plugins of one API process: loaded at start-up and, when `DISPATCHER_ENABLED`, delivered to
by an in-process dispatcher. `main.py` registers it; the core lifespan starts and stops it."""

from functools import partial

from anyio import to_thread

from app.core.config import Settings
from app.core.db import Database
from app.plugins.dispatcher import Dispatcher, DispatcherConfig, DispatcherThread
from app.plugins.loader import PluginRegistry, load_plugins, plugin_options


def load_configured_plugins(settings: Settings) -> PluginRegistry:
    return load_plugins(settings.PLUGINS_ENABLED, partial(plugin_options, settings))


class PluginRuntime:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.registry = PluginRegistry({})
        self._dispatcher: DispatcherThread | None = None

    async def start(self) -> None:
        self.registry = load_configured_plugins(self.settings)
        if self.settings.DISPATCHER_ENABLED:
            config = DispatcherConfig.from_settings(self.settings)
            self._dispatcher = DispatcherThread(Dispatcher(self.database, self.registry, config))
            self._dispatcher.start()

    async def stop(self) -> None:
        if self._dispatcher is not None:
            await to_thread.run_sync(self._dispatcher.stop)
            self._dispatcher = None
