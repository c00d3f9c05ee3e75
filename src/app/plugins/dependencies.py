"""The plugins this API process loaded at start-up."""

from typing import Annotated

from fastapi import Depends, Request

from app.plugins.loader import PluginRegistry
from app.plugins.runtime import PluginRuntime


def get_registry(request: Request) -> PluginRegistry:
    runtime: PluginRuntime = request.app.state.plugins
    return runtime.registry


Plugins = Annotated[PluginRegistry, Depends(get_registry)]
