"""The application factory: routers, middleware and error handlers, nothing else."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.auth.router import router as auth_router
from app.common.body_limit import BodyLimitMiddleware
from app.common.error_handlers import install_error_handlers
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.health import router as health_router
from app.core.lifespan import lifespan
from app.core.logging import configure_logging
from app.core.request_log import RequestLogMiddleware
from app.incident.router import router as incident_router
from app.plugins.router import router as plugins_router
from app.plugins.runtime import PluginRuntime
from app.signal.router import incident_signals_router
from app.signal.router import router as signal_router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    app = FastAPI(
        title="fastapi-app",
        version=__version__,
        summary="Incident management: report, run and close incidents; plugins react.",
        lifespan=lifespan,
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.database = database or Database.from_url(
        settings.DATABASE_URL, echo=settings.DATABASE_ECHO, pool_size=settings.DATABASE_POOL_SIZE
    )
    app.state.plugins = PluginRuntime(settings, app.state.database)
    app.state.background = [app.state.plugins]
    install_error_handlers(app)
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(
        BodyLimitMiddleware, path_prefix="/api/signals/", max_bytes=settings.SIGNALS_MAX_BODY_BYTES
    )
    app.add_middleware(RequestLogMiddleware)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(incident_router)
    app.include_router(plugins_router)
    app.include_router(incident_signals_router)
    app.include_router(signal_router)
    return app
