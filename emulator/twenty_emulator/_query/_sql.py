"""A checked :class:`~twenty_emulator._query._filter.Filter` compiled to SQLite, with the query runner's semantics
(``compute-where-condition-parts``): SQL NULL logic (``neq`` and ``not(eq)`` drop NULLs), Postgres ``LIKE``/``ILIKE``
wildcards, ``startsWith`` as a literal prefix, the "null equivalence" of text and list columns, relation traversal as a
left join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from twenty_emulator._columns import JSON_TYPES, column_for, quote
from twenty_emulator._dates import canonical_date, canonical_date_time
from twenty_emulator._js import UNDEFINED, json_stringify
from twenty_emulator._query._filter import (
    UUID_TYPES,
    Cond,
    Conj,
    Const,
    Filter,
    Neg,
    Node,
    NullKind,
    Through,
    mentions_deleted_at,
)
from twenty_emulator._query._order import enum_rank_sql, option_ranks
from twenty_emulator._query._shared import runner_error, table_name
from twenty_emulator._workspace import ObjectMeta

__all__ = ["Compiler", "compile_filter"]

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _glob_literal(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _like_to_glob(pattern: str) -> str:
    """A Postgres LIKE pattern (``%``, ``_``, ``\\`` escapes) → an SQLite GLOB pattern (case-sensitive whatever
    ``PRAGMA case_sensitive_like`` says)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(_glob_literal(pattern[i + 1] if i + 1 < len(pattern) else "\\"))
            i += 2
            continue
        out.append("*" if ch == "%" else "?" if ch == "_" else _glob_literal(ch))
        i += 1
    return "".join(out)


def _is_empty(value: Any) -> bool:
    """lodash ``isEmpty``."""
    if isinstance(value, str | list | dict):
        return len(value) == 0
    return True


def _null_equivalent(value: Any, kind: NullKind) -> str | None:
    if kind == "text" and (value is None or value in ("", "NULL")):
        return ""
    if kind == "list" and (value is None or value == "NULL" or _is_empty(value)):
        return "[]"
    return None


def _sql_value(value: Any, field_type: str) -> Any:
    """A filter or cursor value → the SQLite parameter compared with the stored value."""
    if value is None or value is UNDEFINED:
        return None
    if isinstance(value, bool):
        if field_type == "BOOLEAN":
            return 1 if value else 0
        return "true" if value else "false"
    if isinstance(value, str):
        if field_type in UUID_TYPES:
            return value.lower()
        if field_type == "DATE_TIME":
            return canonical_date_time(value) or value
        if field_type == "DATE":
            return canonical_date(value) or value
        return value
    if isinstance(value, int | float):
        return value
    return json_stringify(value)


@dataclass
class Compiler:
    table_of: Callable[[ObjectMeta], str]
    with_deleted: bool
    params: list[Any]
    aliases: int = 0

    def node(self, node: Node, qual: str) -> str:
        if isinstance(node, Const):
            return "1" if node.value else "0"
        if isinstance(node, Conj):
            if not node.children:
                return "1"
            joiner = " AND " if node.kind == "and" else " OR "
            return "(" + joiner.join(self.node(child, qual) for child in node.children) + ")"
        if isinstance(node, Neg):
            return f"(NOT {self.node(node.child, qual)})"
        if isinstance(node, Through):
            return self.through(node, qual)
        return self.cond(node, qual)

    def through(self, node: Through, qual: str) -> str:
        self.aliases += 1
        alias = quote(f"_r{self.aliases}")
        condition = self.node(node.child, alias)
        join = f'{alias}."id" = {qual}.{column_for(node.relation).sql}'
        if not self.with_deleted and node.target.field("deletedAt") is not None:
            join += f' AND {alias}."deletedAt" IS NULL'
        target = quote(self.table_of(node.target))
        return f"(SELECT {condition} FROM (SELECT 1) LEFT JOIN {target} AS {alias} ON {join})"

    def cond(self, c: Cond, qual: str) -> str:
        col = f"{qual}.{c.column.sql}"
        op, value = c.op, c.value
        if c.type == "SELECT" and op in ("gt", "gte", "lt", "lte") and c.column.sub is None:
            # a SELECT is a PostgreSQL enum: compared by the options' order, not alphabetically
            ranks = option_ranks(c.column.field)
            self.params.append(ranks.get(str(value)))
            sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"{enum_rank_sql(c.column.field, col)} {sign} ?"
        equivalent = _null_equivalent(value, c.null_kind)
        if op in ("eq", "neq", "gt", "gte", "lt", "lte"):
            self.params.append(_sql_value(value, c.type))
            sign = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            if equivalent is not None and op == "eq":
                return f"({col} = ? OR {col} IS NULL)"
            if equivalent is not None and op == "neq":
                return f"({col} != ? AND {col} IS NOT NULL)"
            return f"{col} {sign} ?"
        if op in ("in", "containsAny"):
            items = list(value) if isinstance(value, list) else []
            if not items:
                return "0"
            marks = ", ".join("?" * len(items))
            if op == "containsAny" and c.column.value_type in JSON_TYPES:
                self.params.extend(_sql_value(item, "TEXT") for item in items)
                return f'EXISTS (SELECT 1 FROM json_each({col}) AS "_j" WHERE "_j"."value" IN ({marks}))'
            self.params.extend(_sql_value(item, c.type) for item in items)
            return f"{col} IN ({marks})"
        if op == "is":
            base = f"{col} IS NULL" if value == "NULL" else f"{col} IS NOT NULL"
            if equivalent is None:
                return base
            self.params.append(equivalent)
            return f"({base} OR {col} = ?)"
        if op in ("like", "ilike"):
            pattern = _like_to_glob(str(value))
            target = col
            if op == "ilike":
                pattern, target = pattern.translate(_ASCII_LOWER), f"lower({col})"
            self.params.append(pattern)
            if equivalent is not None:
                return f"({target} GLOB ? OR {col} IS NULL)"
            return f"{target} GLOB ?"
        if op == "startsWith":
            self.params.append(_glob_literal(str(value)) + "*")
            return f"{col} GLOB ?"
        if op == "endsWith":
            self.params.append("*" + _glob_literal(str(value)))
            return f"{col} GLOB ?"
        if op == "containsIlike":
            self.params.append(_like_to_glob(str(value)).translate(_ASCII_LOWER))
            return f'EXISTS (SELECT 1 FROM json_each({col}) AS "_j" WHERE lower("_j"."value") GLOB ?)'
        if op == "isEmptyArray":
            return f"({col} = '[]' OR {col} IS NULL)" if equivalent is not None else f"{col} = '[]'"
        raise runner_error(f'Operator "{op}" is not supported', "UNSUPPORTED_OPERATOR")


def compile_filter(
    f: Filter,
    obj: ObjectMeta | None = None,
    *,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> tuple[str, list[Any]]:
    """A filter → an SQL boolean expression over the object's table (columns qualified with ``table``, by default
    ``table_of(obj)``) and its ``?`` parameters. Soft-deleted rows are not excluded here (see
    :func:`mentions_deleted_at`), except behind relations, which join live records only unless the filter names
    ``deletedAt``."""
    target = obj if obj is not None else f.obj
    compiler = Compiler(table_of, mentions_deleted_at(f), [])
    sql = compiler.node(f.node, quote(table if table is not None else table_of(target)))
    return sql, compiler.params
