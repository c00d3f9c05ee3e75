from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from app.core.config import Settings, SeverityName
from app.incident.models import Severity


def test_production_without_secret_key_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(_env_file=None, ENVIRONMENT="production", SECRET_KEY=None)  # type: ignore[arg-type]


def test_development_generates_a_signing_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = Settings(_env_file=None, VAR_DIR=tmp_path, SECRET_KEY=None)  # type: ignore[call-arg]
    second = Settings(_env_file=None, VAR_DIR=tmp_path, SECRET_KEY=None)  # type: ignore[call-arg]
    assert len(first.signing_key) >= 32
    assert first.signing_key == second.signing_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_severity_names_of_the_settings_are_the_incident_severities() -> None:
    assert set(get_args(SeverityName)) == {s.value for s in Severity}


def test_the_signals_severity_map_is_case_insensitive_and_checked() -> None:
    settings = Settings(_env_file=None, SIGNALS_SEVERITY_MAP={" P1 ": "critical"})  # type: ignore[call-arg]
    assert settings.SIGNALS_SEVERITY_MAP == {"p1": "critical"}
    with pytest.raises(ValidationError, match="SIGNALS_SEVERITY_MAP"):
        Settings(_env_file=None, SIGNALS_SEVERITY_MAP={"p1": "catastrophic"})  # type: ignore[call-arg]
