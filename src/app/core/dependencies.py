"""Request-scoped dependencies every domain uses: settings and the request's unit of work."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import Database

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    """The app's database, for the rare route that needs its own units of work (login)."""
    database: Database = request.app.state.database
    return database


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed before the response is sent, or rolled back.

    Used with `scope="function"`, so a failed commit becomes an error response, never a 2xx.
    """
    database: Database = request.app.state.database
    with database.unit_of_work(write=request.method not in _READ_ONLY_METHODS) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
AppDatabase = Annotated[Database, Depends(get_database)]
