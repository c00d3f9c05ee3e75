"""Settings read from the environment (and `.env`), with zero-config development defaults."""

import json
import secrets
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


# The incident severities (core imports no domain; a test keeps this in step with the enum).
SeverityName = Literal["low", "medium", "high", "critical"]
DEFAULT_SEVERITY_MAP: dict[str, SeverityName] = {
    "critical": "critical",
    "error": "high",
    "high": "high",
    "warning": "high",
    "medium": "medium",
    "info": "low",
    "low": "low",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    ENVIRONMENT: Environment = Environment.development
    VAR_DIR: Path = Path("var")
    DATABASE_URL: str = "sqlite:///./var/app.db"
    DATABASE_ECHO: bool = False
    DATABASE_POOL_SIZE: int = Field(default=10, ge=1, le=200)
    SECRET_KEY: SecretStr | None = None
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1, le=24 * 60)
    REGISTRATION_ENABLED: bool = False
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    LOG_FORMAT: Literal["console", "json"] = "console"
    CORS_ORIGINS: list[str] = []
    MAX_BODY_BYTES: int = Field(default=1024 * 1024, ge=1024, le=1024**3)
    HSTS_MAX_AGE_SECONDS: int = Field(default=0, ge=0, le=2 * 365 * 24 * 3600)
    THREADPOOL_SIZE: int = Field(default=2, ge=1, le=200)
    # Login throttling: this many failed logins within the window, for one account or from one
    # client address, and further attempts get 429 until the oldest failure leaves the window.
    LOGIN_FAILURES_PER_ACCOUNT: int = Field(default=5, ge=1, le=1000)
    LOGIN_FAILURES_PER_CLIENT: int = Field(default=20, ge=1, le=100_000)
    LOGIN_FAILURE_WINDOW_SECONDS: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    SIGNALS_SEVERITY_MAP: dict[str, SeverityName] = DEFAULT_SEVERITY_MAP
    SIGNALS_DEFAULT_SEVERITY: SeverityName = "medium"
    SIGNALS_AUTO_STABLE: bool = True
    SIGNALS_REOPEN_AS_NEW: bool = True
    SIGNALS_MAX_BODY_BYTES: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    @field_validator("SIGNALS_SEVERITY_MAP")
    @classmethod
    def _lower_case_labels(cls, mapping: dict[str, SeverityName]) -> dict[str, SeverityName]:
        """`severity` label values are matched case-insensitively."""
        return {label.strip().lower(): severity for label, severity in mapping.items()}

    # Plugins and the delivery of their events (see app.plugins).
    PLUGINS_ENABLED: Annotated[list[str], NoDecode] = ["log"]
    DISPATCHER_ENABLED: bool = True
    DISPATCHER_CONCURRENCY: int = Field(default=32, ge=1, le=256)
    DISPATCHER_POLL_SECONDS: float = Field(default=1.0, gt=0, le=60)
    DELIVERY_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=300)
    DELIVERY_MAX_ATTEMPTS: int = Field(default=10, ge=1, le=100)
    DELIVERY_BACKOFF_BASE_SECONDS: float = Field(default=2.0, gt=0, le=3600)
    DELIVERY_BACKOFF_MAX_SECONDS: float = Field(default=600.0, gt=0, le=86400)
    WEBHOOK_URLS: Annotated[list[AnyHttpUrl], NoDecode] = []
    WEBHOOK_SECRET: SecretStr | None = None
    SLACK_WEBHOOK_URL: AnyHttpUrl | None = None
    SLACK_INCIDENT_URL: str = "http://127.0.0.1:8000/api/incidents/{id}"

    @field_validator("PLUGINS_ENABLED", "WEBHOOK_URLS", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """Accept `a,b` as well as a JSON list, so `PLUGINS_ENABLED=log,webhook` just works."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> "Settings":
        if self.ENVIRONMENT is Environment.production and self.SECRET_KEY is None:
            raise ValueError(
                "SECRET_KEY must be set when ENVIRONMENT=production "
                '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def request_connections(self) -> int:
        """How many requests may hold a database connection at once: never more than threads.

        A request holding a connection may still need a worker thread to finish (its route, its
        commit). If more requests held connections than there are threads, the threads could all
        be waiting on row locks or unique keys held by requests that then have no thread left.
        """
        return min(self.DATABASE_POOL_SIZE, self.THREADPOOL_SIZE)

    @cached_property
    def signing_key(self) -> str:
        """The JWT key: SECRET_KEY, or outside production one generated once and kept in VAR_DIR."""
        if self.SECRET_KEY is not None:
            return self.SECRET_KEY.get_secret_value()
        key_file = self.VAR_DIR / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
