"""The application factory: routers, middleware and error handlers, nothing else."""

from fastapi import FastAPI

from app import __version__
from app.auth.router import router as auth_router
from app.auth.router import tokens_router
from app.common import openapi
from app.common.error_handlers import install_error_handlers
from app.core.body_limit import BodySizeLimitMiddleware
from app.core.config import Settings, get_settings
from app.core.cors import CORS
from app.core.db import Database
from app.core.health import router as health_router
from app.core.lifespan import lifespan
from app.core.logging import configure_logging
from app.core.request_log import RequestLogMiddleware
from app.core.security_headers import SecurityHeadersMiddleware
from app.incident.router import router as incident_router
from app.plugins.router import router as plugins_router
from app.plugins.runtime import PluginRuntime
from app.signal.router import incident_signals_router
from app.signal.router import router as signal_router

TAGS = [
    {"name": "health", "description": "Probes for load balancers and orchestrators."},
    {"name": "auth", "description": "Log in, your own account, and user administration."},
    {
        "name": "tokens",
        "description": "API tokens with scopes, for machines such as Alertmanager (admin only).",
    },
    {
        "name": "incidents",
        "description": "Report, run and close incidents, with their participants, timeline and "
        "alerts.",
    },
    {
        "name": "signals",
        "description": "Alerts in: Alertmanager's webhook, and the alerts it sent.",
    },
    {
        "name": "plugins",
        "description": "The installed plugins that react to incidents (admin only).",
    },
    {
        "name": "events",
        "description": "Outbox events and their delivery to plugins; retry failures (admin only).",
    },
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    app = FastAPI(
        title="fastapi-app",
        version=__version__,
        summary="Incident management: report, run and close incidents; plugins react.",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_tags=TAGS,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.database = database or Database.from_url(
        settings.DATABASE_URL, echo=settings.DATABASE_ECHO, pool_size=settings.DATABASE_POOL_SIZE
    )
    app.state.plugins = PluginRuntime(app.state)
    app.state.background = [app.state.plugins]
    install_error_handlers(app)
    openapi.install(app)
    # Added innermost first: a request passes RequestLog, SecurityHeaders, CORS, BodySizeLimit,
    # so even a 413 or a refused preflight is logged, tagged and carries the headers.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.MAX_BODY_BYTES,
        # Alertmanager batches alerts, so its webhook has a limit of its own.
        path_limits={"/api/signals/": settings.SIGNALS_MAX_BODY_BYTES},
    )
    if settings.CORS_ORIGINS:
        app.add_middleware(CORS, origins=settings.CORS_ORIGINS)
    docs_paths = tuple(path for path in (app.docs_url, app.redoc_url) if path)
    app.add_middleware(
        SecurityHeadersMiddleware,
        docs_paths=docs_paths,
        hsts_max_age=settings.HSTS_MAX_AGE_SECONDS,
    )
    app.add_middleware(RequestLogMiddleware)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(tokens_router)
    app.include_router(incident_router)
    app.include_router(plugins_router)
    app.include_router(incident_signals_router)
    app.include_router(signal_router)
    return app
