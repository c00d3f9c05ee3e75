"""SQL the dialects spell differently, behind one SQLAlchemy construct each."""

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction


class json_array_agg(GenericFunction[list[Any]]):  # noqa: N801 - SQL functions are lower case
    """The grouped values as a JSON array, in no set order; NULL over no rows on PostgreSQL."""

    type = JSON()
    inherit_cache = True


@compiles(json_array_agg, "sqlite")
def _json_group_array(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(json_array_agg, "postgresql")
def _json_agg(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"
