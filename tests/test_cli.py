import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.auth.models import User
from app.cli import app
from app.core.db import Database
from app.incident.models import Incident, Participant, TimelineEntry
from tests.factories import PASSWORD

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def migrated() -> None:
    code, output = run("db", "upgrade")
    assert code == 0, output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["dev"],
        ["serve"],
        ["openapi"],
        ["openapi", "print"],
        ["openapi", "export"],
        ["db"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["db", "current"],
        ["db", "history"],
        ["db", "revision"],
        ["db", "check"],
        ["user"],
        ["user", "create"],
        ["user", "list"],
        ["user", "set-role"],
        ["user", "deactivate"],
        ["worker"],
        ["plugins"],
        ["plugins", "list"],
        ["events"],
        ["events", "list"],
        ["events", "show"],
        ["events", "retry"],
        ["token"],
        ["token", "create"],
        ["token", "list"],
        ["token", "revoke"],
    ],
)
def test_every_command_explains_itself(command: list[str]) -> None:
    code, output = run(*command, "--help")
    assert code == 0
    assert "Usage:" in output


@pytest.mark.usefixtures("cli_env")
def test_db_upgrade_current_and_check_report_no_drift() -> None:
    migrated()
    code, output = run("db", "check")
    assert code == 0
    assert "no drift" in output
    assert run("db", "current")[0] == 0
    assert run("db", "history")[0] == 0


@pytest.mark.usefixtures("cli_env")
def test_db_check_fails_on_an_unmigrated_database() -> None:
    code, output = run("db", "check")
    assert code == 1
    assert "not up to date" in output


@pytest.mark.usefixtures("cli_env")
def test_db_downgrade_needs_a_target_and_goes_to_base() -> None:
    migrated()
    assert run("db", "downgrade")[0] == 2
    assert run("db", "downgrade", "base")[0] == 0
    assert run("db", "check")[0] == 1


@pytest.mark.usefixtures("cli_env")
def test_user_lifecycle_from_the_cli() -> None:
    migrated()
    create = ["user", "create", "--email", "Root@Example.com", "--full-name", "Root"]
    code, output = run(*create, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, output
    assert "created admin root@example.com" in output

    code, output = run(*create, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1
    assert "already exists" in output

    code, output = run(
        "user",
        "create",
        "--email",
        "m@example.com",
        "--full-name",
        "M",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, output

    assert run("user", "set-role", "m@example.com", "viewer")[0] == 0
    assert run("user", "deactivate", "M@EXAMPLE.COM")[0] == 0
    code, output = run("user", "list")
    assert "m@example.com\tviewer\tinactive" in output
    assert "root@example.com\tadmin\tactive" in output


@pytest.mark.usefixtures("cli_env")
def test_user_commands_reject_bad_arguments() -> None:
    migrated()
    bad_email = ["user", "create", "--email", "not-an-email", "--full-name", "X"]
    code, output = run(*bad_email, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2
    assert "email" in output
    short = ["user", "create", "--email", "a@example.com", "--full-name", "X", "--password-stdin"]
    assert run(*short, stdin="short\n")[0] == 2
    assert run("user", "set-role", "a@example.com", "emperor")[0] == 2
    code, output = run("user", "deactivate", "nobody@example.com")
    assert code == 1
    assert "no user" in output
    assert run("serve", "--port", "70000")[0] == 2


@pytest.mark.usefixtures("cli_env")
def test_openapi_prints_and_writes_the_spec(tmp_path: Path) -> None:
    code, output = run("openapi", "print")
    assert code == 0
    assert json.loads(output)["info"]["title"] == "fastapi-app"
    target = tmp_path / "spec.json"
    assert run("openapi", "export", "--output", str(target))[0] == 0
    assert "/api/incidents" in json.loads(target.read_text())["paths"]


@pytest.mark.usefixtures("cli_env")
def test_demo_data_adds_incidents_with_people_tags_and_timelines(scratch_url: str) -> None:
    migrated()
    code, output = run("demo-data", "--incidents", "250", "--users", "5", "--batch-size", "100")
    assert code == 0, output
    assert "added 250 incidents" in output
    assert run("demo-data", "--incidents", "10")[0] == 0  # a second run appends

    database = Database.from_url(scratch_url)
    with database.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Incident)) == 260
        commanders = select(func.count()).where(Participant.role == "commander")
        assert db.scalar(commanders) == 260
        assert db.scalar(select(func.count()).select_from(TimelineEntry)) >= 260
    with database.unit_of_work() as db:  # new incidents get fresh ids after the bulk load
        reporter = db.scalars(select(User)).first()
        assert reporter is not None
        incident = Incident(title="after", reporter_id=reporter.id, commander_id=reporter.id)
        db.add(incident)
        db.flush()
        assert incident.id == 261
    database.dispose()
    assert run("demo-data", "--incidents", "0")[0] == 2


def test_an_unreachable_database_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from app.cli import main
    from app.core.config import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["fastapi-app", "user", "list"])
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_:
            main()
    finally:
        get_settings.cache_clear()
    assert exit_.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("Error: cannot reach the database:")
    assert len(error.strip().splitlines()) == 1
