"""`fastapi-app`: every operational action — server, workers, migrations, users, API tokens,
plugins and their events, the OpenAPI document.

Heavy modules are imported inside commands, so `--help` stays fast.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.config import Settings

app = typer.Typer(
    help="Run and operate fastapi-app. Settings come from the environment and `.env`.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
openapi_app = typer.Typer(
    help="The OpenAPI document: the API's contract, committed as openapi.json.",
    no_args_is_help=True,
)
plugins_app = typer.Typer(help="Installed plugins.", no_args_is_help=True)
events_app = typer.Typer(help="Outbox events and their delivery to plugins.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machines (e.g. Alertmanager).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(plugins_app, name="plugins")
app.add_typer(events_app, name="events")
app.add_typer(token_app, name="token")
app.add_typer(openapi_app, name="openapi")


class RoleName(StrEnum):
    admin = "admin"
    member = "member"
    viewer = "viewer"


class DeliveryState(StrEnum):
    pending = "pending"
    delivering = "delivering"
    done = "done"
    failed = "failed"
    dead = "dead"


class ScopeName(StrEnum):
    """The scopes of `app.auth.models.Scope`, repeated so `--help` needs no import of the app."""

    signals_write = "signals:write"
    signals_read = "signals:read"


def _settings() -> "Settings":
    from app.core.config import get_settings

    try:
        return get_settings()
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@contextmanager
def _unit_of_work() -> Iterator["Session"]:
    """One committed unit of work for a command; domain errors become a message and exit 1."""
    from app.common.errors import AppError
    from app.core.db import Database

    database = Database.from_url(_settings().DATABASE_URL)
    try:
        with database.unit_of_work() as session:
            yield session
    except AppError as exc:
        _fail(exc.message)
    finally:
        database.dispose()


# --- server -----------------------------------------------------------------------------------

Host = Annotated[str, typer.Option(help="Interface to bind.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")]


@app.command()
def dev(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Run the development server with auto-reload."""
    import uvicorn

    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, reload=True)


@app.command()
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Run the production server (no reload). Run `db upgrade` first."""
    import uvicorn

    _settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
    )


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Deliveries in flight (default DISPATCHER_CONCURRENCY)."),
    ] = None,
) -> None:
    """Deliver events to plugins until stopped (SIGTERM/Ctrl-C: finish in-flight, then exit)."""
    from app.core.logging import configure_logging
    from app.plugins.worker import run_worker

    settings = _settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    run_worker(settings, concurrency=concurrency)


# --- openapi ----------------------------------------------------------------------------------


def _openapi_document() -> str:
    from app.common.openapi import render
    from app.main import create_app

    return render(create_app(_settings()))


@openapi_app.command("print")
def openapi_print() -> None:
    """Print the OpenAPI document of the API."""
    sys.stdout.write(_openapi_document())


@openapi_app.command("export")
def openapi_export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of the committed openapi.json."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is out of date.")
    ] = False,
) -> None:
    """Write the OpenAPI document to openapi.json in the repository (commit and review the diff)."""
    from app.common.openapi import SPEC_PATH

    target = output or SPEC_PATH
    document = _openapi_document()
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if check:
        if current != document:
            _fail(f"{target} is out of date: run `fastapi-app openapi export` and commit it")
        typer.echo(f"{target} is up to date")
        return
    target.write_text(document, encoding="utf-8")
    typer.echo(f"wrote {target}" + (" (unchanged)" if current == document else ""))


# --- db ---------------------------------------------------------------------------------------


def _alembic(command_name: str, *args: object, **kwargs: object) -> None:
    """Run an Alembic command against DATABASE_URL; its errors become a message and exit 1."""
    from alembic import command
    from alembic.util import AutogenerateDiffsDetected, CommandError

    from app.core.migrations import alembic_config

    try:
        getattr(command, command_name)(alembic_config(_settings().DATABASE_URL), *args, **kwargs)
    except AutogenerateDiffsDetected as exc:
        _fail(f"drift between the models and the database:\n{exc}")
    except CommandError as exc:
        _fail(str(exc))


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up to a revision (default: the latest)."""
    _alembic("upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. `-1` or `base`.")],
) -> None:
    """Migrate the database down to a revision."""
    _alembic("downgrade", revision)


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    _alembic("current")


@db_app.command("history")
def db_history() -> None:
    """List all revisions, newest first."""
    _alembic("history")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision changes.")],
    autogenerate: Annotated[
        bool, typer.Option(help="Diff the models against the database to draft the revision.")
    ] = False,
) -> None:
    """Create a new revision file in alembic/versions (read and edit it before committing)."""
    _alembic("revision", message=message, autogenerate=autogenerate)


@db_app.command("check")
def db_check() -> None:
    """Exit non-zero if the database is behind the migrations or differs from the models."""
    _alembic("check")
    typer.echo("no drift: the database matches the models")


# --- users ------------------------------------------------------------------------------------


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login email (unique, case-insensitive).")],
    full_name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[RoleName, typer.Option(help="admin, member or viewer.")] = RoleName.member,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (the first admin is made this way). Prompts for the password."""
    from pydantic import ValidationError

    from app.auth import service
    from app.auth.schemas import UserCreate

    try:
        data = UserCreate(
            email=email,
            full_name=full_name,
            role=role.value,
            password=_read_password(password_stdin),
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        _fail(problems, code=2)
    with _unit_of_work() as db:
        user = service.create(db, data)
        typer.echo(f"created {user.role} {user.email} (id {user.id})")


@user_app.command("list")
def user_list() -> None:
    """List all users."""
    from sqlalchemy import select

    from app.auth.models import User

    with _unit_of_work() as db:
        for user in db.scalars(select(User).order_by(User.id)):
            state = "active" if user.is_active else "inactive"
            typer.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.full_name}")


def _update_user(email: str, **changes: object) -> None:
    from app.auth import service
    from app.auth.schemas import UserUpdate

    with _unit_of_work() as db:
        user = service.get_by_email(db, email)
        if user is None:
            _fail(f"no user with email {email}")
        service.update(db, user, UserUpdate.model_validate(changes))
        typer.echo(f"updated {user.email}: role={user.role} active={user.is_active}")


@user_app.command("set-role")
def user_set_role(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    role: Annotated[RoleName, typer.Argument(help="admin, member or viewer.")],
) -> None:
    """Change a user's role."""
    _update_user(email, role=role.value)


@user_app.command("deactivate")
def user_deactivate(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Deactivate a user: their tokens stop working at once."""
    _update_user(email, is_active=False)


# --- API tokens -------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    owner: Annotated[str, typer.Option(help="Email of the user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. alertmanager-prod.")],
    scope: Annotated[list[ScopeName], typer.Option(help="A scope to grant; repeat for more.")],
) -> None:
    """Create an API token; its secret goes to standard output, this once only."""
    from pydantic import ValidationError

    from app.auth import api_tokens, service
    from app.auth.schemas import ApiTokenCreate

    try:
        data = ApiTokenCreate(name=name, scopes=[s.value for s in scope])
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        _fail(problems, code=2)
    with _unit_of_work() as db:
        user = service.get_by_email(db, owner)
        if user is None:
            _fail(f"no user with email {owner}")
        token, secret = api_tokens.create(db, data, default_owner=user)
        scopes = ",".join(token.scopes)
        typer.echo(f"created API token {token.id} for {user.email}: {scopes}", err=True)
    typer.echo(secret)


@token_app.command("list")
def token_list() -> None:
    """List API tokens, never their secrets: id, prefix, name, owner, scopes, last use, state."""
    from app.auth import api_tokens

    with _unit_of_work() as db:
        cursor: str | None = None
        while True:
            tokens, cursor = api_tokens.list_page(db, limit=100, cursor=cursor)
            for t in tokens:
                used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                fields = [t.id, f"{t.prefix}…", t.name, t.owner.email, ",".join(t.scopes), used]
                typer.echo("\t".join(map(str, [*fields, state])))
            if cursor is None:
                break


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(min=1, help="The token's id.")]) -> None:
    """Revoke an API token: it stops working at once."""
    from app.auth import api_tokens

    with _unit_of_work() as db:
        token = api_tokens.revoke(db, api_tokens.get(db, token_id))
        typer.echo(f"revoked API token {token.id} ({token.name})")


# --- data -------------------------------------------------------------------------------------


@app.command("demo-data")
def demo_data(
    incidents: Annotated[int, typer.Option(min=1, max=10_000_000, help="How many incidents.")],
    users: Annotated[
        int, typer.Option(min=1, max=10_000, help="Demo members (demo-N@example.com).")
    ] = 25,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    batch_size: Annotated[int, typer.Option(min=100, max=100_000, help="Rows per commit.")] = 5_000,
) -> None:
    """Add realistic demo incidents with participants, tags and timelines (for demos and bench).

    Demo users log in with the password `demo-password`. Run it while nobody else writes.
    """
    from app.core.db import Database
    from app.incident import demo

    database = Database.from_url(_settings().DATABASE_URL)
    try:
        with typer.progressbar(length=incidents, label="incidents") as bar:
            demo.seed(
                database,
                incidents=incidents,
                users=users,
                seed=seed,
                batch_size=batch_size,
                on_progress=bar.update,
            )
    finally:
        database.dispose()
    typer.echo(f"added {incidents} incidents")


# --- plugins and events -----------------------------------------------------------------------

PluginOption = Annotated[str | None, typer.Option("--plugin", help="Only this plugin.")]


@plugins_app.command("list")
def plugins_list() -> None:
    """List installed plugins: distribution and version, enabled, hooks, and any load error."""
    from app.plugins.runtime import load_configured_plugins

    registry = load_configured_plugins(_settings())
    typer.echo("NAME\tDISTRIBUTION\tENABLED\tHOOKS\tERROR")
    for plugin in registry.plugins.values():
        distribution = f"{plugin.distribution} {plugin.version}" if plugin.distribution else "-"
        enabled = "yes" if plugin.enabled else "no"
        hooks = ",".join(plugin.hooks) or "-"
        typer.echo(f"{plugin.name}\t{distribution}\t{enabled}\t{hooks}\t{plugin.error or ''}")


@events_app.command("list")
def events_list(
    status: Annotated[
        DeliveryState | None,
        typer.Option(help="Only events with a delivery in this state."),
    ] = None,
    plugin: PluginOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
) -> None:
    """List events, newest first, with each delivery as plugin:status/attempts."""
    from app.plugins import service
    from app.plugins.models import DeliveryStatus

    wanted = DeliveryStatus(status.value) if status else None
    with _unit_of_work() as db:
        events, _ = service.list_events(db, status=wanted, plugin=plugin, limit=limit)
        typer.echo("ID\tTYPE\tINCIDENT\tSTATUS\tCREATED\tDELIVERIES")
        for event in events:
            deliveries = " ".join(f"{d.plugin}:{d.status}/{d.attempts}" for d in event.deliveries)
            typer.echo(
                f"{event.id}\t{event.type}\t{event.incident_id}\t{event.status}\t"
                f"{event.created_at:%Y-%m-%d %H:%M:%S}\t{deliveries or '-'}"
            )


@events_app.command("show")
def events_show(event_id: Annotated[int, typer.Argument(help="The event's id.")]) -> None:
    """Show one event as JSON: its payload and every delivery's state and last error."""
    from app.plugins import service
    from app.plugins.schemas import EventDetail

    with _unit_of_work() as db:
        event = EventDetail.model_validate(service.get_event(db, event_id))
    typer.echo(event.model_dump_json(indent=2))


@events_app.command("retry")
def events_retry(
    event_id: Annotated[int | None, typer.Argument(help="The event to deliver again.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead delivery instead.")] = False,
    plugin: PluginOption = None,
) -> None:
    """Deliver failed or dead deliveries again with a fresh attempt budget."""
    from app.plugins import service

    if (event_id is None) == (not dead):
        _fail("give an event id or --dead (not both)", code=2)
    with _unit_of_work() as db:
        if event_id is not None:
            retried, _ = service.retry(db, event_id, plugin=plugin)
        else:
            retried = service.retry_dead(db, plugin=plugin)
    typer.echo(f"retried {retried} deliveries")


def main() -> None:
    try:
        app()
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        reason = str(exc.orig).strip().splitlines()[0]
        typer.echo(f"Error: cannot reach the database: {reason}", err=True)
        raise SystemExit(1) from None
