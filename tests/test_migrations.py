from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.core.db import create_db_engine
from app.core.migrations import alembic_config
from app.models import Base


def _drift(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_upgrade_match_the_models_and_downgrade_cleanly(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    assert _drift(scratch_url) == []
    assert _tables(scratch_url) == set(Base.metadata.tables)

    command.downgrade(config, "base")
    assert _tables(scratch_url) == set()

    command.upgrade(config, "head")
    assert _drift(scratch_url) == []
