"""Path and query parameters shared by routers, bounded before any value reaches the database."""

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**31 - 1  # the range of an INTEGER primary key on PostgreSQL
MAX_PAGE_SIZE = 100

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="`next_cursor` of the previous page; omit for the first."),
]


def id_path(name: str) -> object:
    return Path(ge=1, le=MAX_ID, description=f"The {name}'s id.", examples=[1])
