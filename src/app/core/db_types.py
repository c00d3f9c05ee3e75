"""Column types shared by models."""

from enum import StrEnum
from typing import Generic, TypeVar

from sqlalchemy import Dialect, SmallInteger
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class RankedEnum(TypeDecorator[E], Generic[E]):
    """An enum stored as its rank (1, 2, ...) in the order the members are declared.

    Sorting and range filters then follow the domain's order (low < ... < critical) instead of
    the alphabet, and an index on the column serves them.
    """

    impl = SmallInteger
    cache_ok = True

    def __init__(self, enum: type[E]) -> None:
        super().__init__()
        self.enum = enum
        self._members = list(enum)

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return self._members.index(self.enum(value)) + 1

    def process_result_value(self, value: int | None, dialect: Dialect) -> E | None:
        return None if value is None else self._members[value - 1]
