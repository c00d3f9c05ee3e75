from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.main import create_app
from app.plugins.loader import plugin_options
from app.plugins.runtime import load_configured_plugins
from tests.conftest import make_settings
from tests.factories import assert_error

BROKEN = {
    "raising": "tests.sample_plugins:RaisingPlugin",
    "no_start": "tests.sample_plugins:FailsToStart",
    "broken": "tests.broken_plugin:Plugin",
}


def test_built_in_plugins_are_discovered_as_entry_points_of_the_project(
    settings: Settings,
) -> None:
    plugins = load_configured_plugins(settings).plugins
    assert {"log", "webhook", "slack"} <= set(plugins)
    log = plugins["log"]
    assert (log.distribution, log.enabled, log.error) == ("fastapi-app", True, None)
    assert "incident.created" in log.hooks
    assert plugins["webhook"].enabled is False
    assert plugins["webhook"].instance is None


def test_plugins_that_fail_to_import_or_start_are_reported_and_skipped(
    install_plugins: Callable[..., None], database_url: str, database: Database, tmp_path: Path
) -> None:
    install_plugins(**BROKEN)
    settings = make_settings(
        database_url, tmp_path, PLUGINS_ENABLED=["log", "raising", "no_start", "broken", "gone"]
    )
    registry = load_configured_plugins(settings)
    plugins = registry.plugins
    assert plugins["broken"].error is not None
    assert "ModuleNotFoundError" in plugins["broken"].error
    assert plugins["no_start"].error == "ValueError: API_KEY is not set"
    assert plugins["no_start"].hooks == ("incident.created",)
    assert plugins["gone"].error == "not installed"
    assert set(registry.active()) == {"log", "raising"}
    # Events still owed to a plugin that did not load wait for it instead of being dropped.
    assert set(registry.targets("incident.created")) == {
        "log",
        "raising",
        "no_start",
        "broken",
        "gone",
    }
    assert "no_start" not in registry.targets("incident.updated")


def test_the_api_starts_and_shows_plugin_errors_to_admins(
    install_plugins: Callable[..., None],
    database_url: str,
    database: Database,
    tmp_path: Path,
    admin_headers: dict[str, str],
    member_headers: dict[str, str],
) -> None:
    install_plugins(**BROKEN)
    settings = make_settings(database_url, tmp_path, PLUGINS_ENABLED=["log", "broken", "no_start"])
    with TestClient(create_app(settings, database)) as client:
        assert client.get("/healthz").status_code == 200
        plugins = {p["name"]: p for p in client.get("/api/plugins", headers=admin_headers).json()}
        assert_error(client.get("/api/plugins", headers=member_headers), 403)
    assert plugins["log"]["error"] is None
    assert plugins["log"]["distribution"] == "fastapi-app"
    assert plugins["broken"]["enabled"] is True
    assert plugins["broken"]["error"].startswith("ModuleNotFoundError")
    assert plugins["no_start"]["error"] == "ValueError: API_KEY is not set"
    assert plugins["raising"]["enabled"] is False


def test_plugins_list_shows_name_distribution_enabled_hooks_and_errors(
    install_plugins: Callable[..., None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    install_plugins(**BROKEN)
    monkeypatch.setenv("PLUGINS_ENABLED", "log,broken,no_start")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["plugins", "list"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    assert rows["log"][1].startswith("fastapi-app ")
    assert rows["log"][2] == "yes"
    assert "incident.created" in rows["log"][3]
    assert rows["webhook"][2] == "no"
    assert rows["broken"][4].startswith("ModuleNotFoundError")
    assert rows["no_start"][4] == "ValueError: API_KEY is not set"


def test_a_plugin_gets_its_prefixed_settings_and_environment_as_options(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXAMPLE_TARGET_DIR", "/srv/out")
    configured = settings.model_copy(
        update={"WEBHOOK_SECRET": "s3cret", "WEBHOOK_URLS": ["http://127.0.0.1:9/a"]}
    )
    assert plugin_options(configured, "example") == {"target_dir": "/srv/out"}
    webhook = plugin_options(configured, "webhook")
    assert webhook["secret"] == "s3cret"
    assert webhook["urls"] == ["http://127.0.0.1:9/a"]


def test_the_webhook_plugin_refuses_to_start_without_a_secret(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url, tmp_path, PLUGINS_ENABLED="webhook", WEBHOOK_URLS="http://127.0.0.1:9/h"
    )
    webhook = load_configured_plugins(settings).plugins["webhook"]
    assert webhook.error is not None
    assert "WEBHOOK_SECRET" in webhook.error


def test_plugin_lists_in_settings_take_commas_or_json() -> None:
    by_commas = Settings(_env_file=None, PLUGINS_ENABLED="log, webhook")  # type: ignore[call-arg]
    by_json = Settings(_env_file=None, PLUGINS_ENABLED='["log","webhook"]')  # type: ignore[call-arg]
    assert by_commas.PLUGINS_ENABLED == by_json.PLUGINS_ENABLED == ["log", "webhook"]
