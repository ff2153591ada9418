"""How records are laid out in SQLite: one table per object, composite fields flattened into one column per
sub-field, named as Twenty names its Postgres columns (``name`` + ``FirstName`` → ``nameFirstName``).

Encodings: text-like values as TEXT; numbers as NUMERIC; booleans as INTEGER 0/1; JSON values (RAW_JSON,
MULTI_SELECT, ARRAY, FILES, list sub-fields, the actor's ``context``) as JSON text. A MANY_TO_ONE relation is its join
column (``companyId``); ONE_TO_MANY relations have no column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from twenty_emulator._workspace import FieldMeta, ObjectMeta

__all__ = [
    "Column",
    "JSON_TYPES",
    "Layout",
    "NUMERIC_TYPES",
    "columns_of",
    "column_for",
    "decode",
    "encode",
    "quote",
]

JSON_TYPES = frozenset({"RAW_JSON", "MULTI_SELECT", "ARRAY", "FILES", "LIST", "JSON"})
NUMERIC_TYPES = frozenset({"NUMBER", "NUMERIC", "POSITION"})


class Column:
    """One SQLite column: the field it belongs to, the sub-field (composites) and the value type it stores."""

    __slots__ = ("field", "key", "name", "sub", "value_type")

    def __init__(self, field: FieldMeta, sub: str | None, value_type: str, name: str) -> None:
        self.field = field
        self.sub = sub
        self.value_type = value_type
        self.name = name
        # The key of a scalar column in an answer: the join column for relations, else the field's name.
        self.key = name if field.relation_type == "MANY_TO_ONE" else field.name

    def __repr__(self) -> str:
        return f"<Column {self.name} {self.value_type}>"

    @property
    def sql_type(self) -> str:
        if self.value_type in NUMERIC_TYPES:
            return "NUMERIC"
        if self.value_type == "BOOLEAN":
            return "INTEGER"
        return "TEXT"

    @property
    def sql(self) -> str:
        """The quoted column name, ready for SQL."""
        return quote(self.name)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sub_column_name(field_name: str, sub: str) -> str:
    return field_name + sub[0].upper() + sub[1:]


def column_for(field: FieldMeta, sub: str | None = None) -> Column:
    """The column of a scalar field, of one sub-field of a composite, or of a MANY_TO_ONE join."""
    if field.is_composite:
        if sub is None or sub not in field.subfields:
            raise KeyError(f"{field.name}.{sub}")
        return Column(field, sub, field.subfields[sub], _sub_column_name(field.name, sub))
    if field.relation_type == "MANY_TO_ONE":
        return Column(field, None, "UUID", field.join_column or f"{field.name}Id")
    return Column(field, None, field.type, field.name)


def columns_of(obj: ObjectMeta) -> Iterator[Column]:
    """Every column of the object's table, in field order."""
    for field in obj.data_fields():
        if field.is_composite:
            for sub in field.subfields:
                yield column_for(field, sub)
        else:
            yield column_for(field)


def encode(column: Column, value: Any) -> Any:
    """A Python value (already validated and normalised) → what SQLite stores."""
    if value is None:
        return None
    if column.value_type in JSON_TYPES:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if column.value_type == "BOOLEAN":
        return 1 if value else 0
    return value


def decode(column: Column, value: Any) -> Any:
    """What SQLite stores → the JSON value Twenty answers with."""
    if value is None:
        return None
    if column.value_type in JSON_TYPES:
        return json.loads(value)
    if column.value_type == "BOOLEAN":
        return bool(value)
    return value


class Layout:
    """Everything about one object's table that the records API needs on every request, computed once per metadata
    version: its columns, lookups by field name and join column, and the SELECT of a whole row."""

    def __init__(self, obj: ObjectMeta, table: str) -> None:
        self.obj = obj
        self.table = table
        self.columns: list[Column] = [c for c in columns_of(obj) if c.name != "id"]
        self.by_column: dict[str, Column] = {c.name: c for c in columns_of(obj)}
        self.fields: dict[str, FieldMeta] = {}
        for f in obj.fields:
            self.fields.setdefault(f.name, f)
        self.join_fields: dict[str, FieldMeta] = {f.join_column: f for f in obj.fields if f.join_column}
        self.scalar_column: dict[str, Column] = {f.name: column_for(f) for f in obj.data_fields() if not f.is_composite}
        self.sub_columns: dict[str, dict[str, Column]] = {
            f.name: {s: column_for(f, s) for s in f.subfields} for f in obj.data_fields() if f.is_composite
        }
        names = ", ".join(["id", *(c.sql for c in self.columns)])
        self.select = f"SELECT {names} FROM {quote(table)}"

    def has(self, field_name: str) -> bool:
        return field_name in self.fields
