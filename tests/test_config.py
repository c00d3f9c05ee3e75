from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_production_without_secret_key_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(_env_file=None, ENVIRONMENT="production", SECRET_KEY=None)  # type: ignore[arg-type]


def test_development_generates_a_signing_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = Settings(_env_file=None, VAR_DIR=tmp_path, SECRET_KEY=None)  # type: ignore[call-arg]
    second = Settings(_env_file=None, VAR_DIR=tmp_path, SECRET_KEY=None)  # type: ignore[call-arg]
    assert len(first.signing_key) >= 32
    assert first.signing_key == second.signing_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
