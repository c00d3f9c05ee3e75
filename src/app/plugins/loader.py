"""Discover plugins through the entry-point group `app.incident_plugins`, once per process.

Every installed plugin is listed; only the enabled ones are constructed. A plugin that fails to
import or to construct is logged, reported with its error and skipped: the service still starts.
"""

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import BaseModel, SecretStr

from app.plugins.base import ENTRY_POINT_GROUP, hooks_of

logger = logging.getLogger(__name__)

OptionsFor = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    distribution: str | None
    version: str | None
    enabled: bool
    hooks: tuple[str, ...] = ()
    error: str | None = None
    instance: object | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PluginRegistry:
    """The plugins one process found, and which of them receive which events."""

    plugins: Mapping[str, LoadedPlugin]

    def active(self) -> dict[str, object]:
        """Enabled plugins that loaded: the ones this process delivers to."""
        return {p.name: p.instance for p in self.plugins.values() if p.instance is not None}

    def targets(self, event_type: str) -> list[str]:
        """Enabled plugins owed this event: those with the hook, and those whose hooks are
        unknown because they failed to import (their deliveries wait until they load)."""
        return [
            p.name
            for p in self.plugins.values()
            if p.enabled and (event_type in p.hooks or (p.error is not None and not p.hooks))
        ]


def plugin_options(settings: BaseModel, name: str) -> dict[str, Any]:
    """A plugin's options: settings and environment variables named `<NAME>_*`, prefix removed."""
    prefix = f"{name.upper()}_"
    options: dict[str, Any] = {
        key[len(prefix) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(prefix)
    }
    for key, value in settings:
        if key.startswith(prefix):
            options[key[len(prefix) :].lower()] = _plain(value)
    return options


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def discover() -> Iterable[EntryPoint]:
    return entry_points(group=ENTRY_POINT_GROUP)


def load_plugins(
    enabled: Sequence[str],
    options_for: OptionsFor,
    *,
    found: Iterable[EntryPoint] | None = None,
) -> PluginRegistry:
    """Import every plugin found, construct the enabled ones; never raise for a plugin's fault."""
    plugins: dict[str, LoadedPlugin] = {}
    for entry_point in discover() if found is None else found:
        if entry_point.name in plugins:
            logger.warning("plugin %s is installed twice; using the first", entry_point.name)
            continue
        plugins[entry_point.name] = _load(entry_point, entry_point.name in enabled, options_for)
    for name in enabled:
        if name not in plugins:
            logger.error("plugin %s is enabled but not installed", name)
            plugins[name] = LoadedPlugin(name, None, None, True, error="not installed")
    for plugin in plugins.values():
        if plugin.enabled and plugin.error is None:
            logger.info("plugin %s loaded: hooks=%s", plugin.name, ",".join(plugin.hooks))
    return PluginRegistry(plugins)


def _load(entry_point: EntryPoint, enabled: bool, options_for: OptionsFor) -> LoadedPlugin:
    name, dist = entry_point.name, entry_point.dist
    dist_name, version = (dist.name, dist.version) if dist else (None, None)
    try:
        factory = entry_point.load()
    except Exception as exc:
        logger.exception("plugin %s failed to import", name)
        return LoadedPlugin(name, dist_name, version, enabled, error=_describe(exc))
    hooks = hooks_of(factory)
    if not enabled:
        return LoadedPlugin(name, dist_name, version, False, hooks)
    try:
        instance = factory(options_for(name))
    except Exception as exc:
        logger.exception("plugin %s failed to start", name)
        return LoadedPlugin(name, dist_name, version, True, hooks, error=_describe(exc))
    return LoadedPlugin(name, dist_name, version, True, hooks_of(instance), instance=instance)
