"""``json_has(column, text)``: a JSON array column holds the string ``text``, on every database.

Tags, a port's security groups and a subnet's DNS servers are JSON arrays of strings; filtering
on them must happen in SQL, and each database spells "the array contains this string" its own
way. Comparing elements (rather than searching the JSON text) keeps quotes, backslashes and
non-ASCII characters exact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class json_has(FunctionElement[bool]):  # noqa: N801 - named like the SQL functions it stands for
    """True where the JSON array in the first argument has the second as an element."""

    type = Boolean()
    inherit_cache = True
    name = "json_has"

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any], text: str) -> None:
        super().__init__(column, literal(text))


def _parts(element: json_has, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, text = list(element.clauses)
    return compiler.process(column, **kw), compiler.process(text, **kw)


@compiles(json_has)
def _sqlite(element: json_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, text = _parts(element, compiler, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {text})"


@compiles(json_has, "postgresql")
def _postgresql(element: json_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, text = _parts(element, compiler, **kw)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({text} AS TEXT)))"


@compiles(json_has, "mysql")
@compiles(json_has, "mariadb")
def _mysql(element: json_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, text = _parts(element, compiler, **kw)
    return f"JSON_CONTAINS({column}, JSON_QUOTE({text}))"
