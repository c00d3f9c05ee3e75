"""Timestamps come back timezone-aware in UTC, whatever text SQLite holds for them."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, bindparam, create_engine, text

from app.core.db_base import UTCDateTime

RIGHT_TIME = datetime(2026, 12, 4, 21, 38, 5, 123456, tzinfo=UTC)


@pytest.fixture
def sqlite() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-12-04 21:38:05.123456", RIGHT_TIME),  # as SQLAlchemy writes it
        ("2026-12-04 21:38:05", RIGHT_TIME.replace(microsecond=0)),  # SQLite's CURRENT_TIMESTAMP
        ("2026-12-04T23:38:05.123456+02:00", RIGHT_TIME),  # text with an offset of its own
        ("2026-12-04 21:38:05.123456+00:00", RIGHT_TIME),
        ("2026-12-04", datetime(2026, 12, 4, tzinfo=UTC)),  # a date alone
        (None, None),
    ],
)
def test_sqlite_text_is_read_as_an_aware_utc_datetime(
    sqlite: Engine, stored: str | None, expected: datetime | None
) -> None:
    query = text("SELECT :stored AS at").columns(at=UTCDateTime())
    with sqlite.connect() as connection:
        value = connection.execute(query, {"stored": stored}).scalar_one()
    assert value == expected
    if value is not None:
        assert value.tzinfo is UTC  # equal instants compare equal across zones: check the zone


def test_a_timestamp_is_written_to_sqlite_as_utc_text_and_read_back_unchanged(
    sqlite: Engine,
) -> None:
    in_paris = RIGHT_TIME.astimezone(timezone(timedelta(hours=1)))
    written = bindparam("at", in_paris, type_=UTCDateTime())
    with sqlite.connect() as connection:
        stored = connection.execute(text("SELECT :at AS at").bindparams(written)).scalar_one()
        read = text("SELECT :at AS at").bindparams(written).columns(at=UTCDateTime())
        assert connection.execute(read).scalar_one() == RIGHT_TIME
    assert stored == "2026-12-04 21:38:05.123456"
