"""``order_by``: Twenty's REST syntax (``field[Direction]``), checked against the object's fields
(``FIELD_NOT_FOUND``), and its SQL, with SELECT and RATING fields ordered by option position as PostgreSQL enums are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from twenty_emulator._columns import Column, column_for, quote
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._js import PROTOTYPE_KEYS
from twenty_emulator._query._filter import subfield_type
from twenty_emulator._query._shared import DEFAULT_DIRECTION, DIRECTIONS, runner_error, table_name
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace

__all__ = [
    "OrderKey",
    "enum_rank_sql",
    "option_ranks",
    "order_sql",
    "parse_order_by",
    "parse_order_by_syntax",
    "validate_order_by",
]

_DIRECTION_REQUIRED: Final = "requires a direction value (AscNullsFirst, AscNullsLast, DescNullsFirst, DescNullsLast)"
_DIRECTIONS_HINT: Final = (
    "Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. "
    "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
)


def parse_order_by_syntax(text: str | None) -> list[dict[str, Any]]:
    """The REST layer's parse of ``order_by``: one ``{field: direction}`` (nested for dotted paths) per item, then
    ``{"id": "AscNullsFirst"}`` unless an item is on ``id``. Without ``order_by``: ``[{"id": "AscNullsFirst"}]``."""
    if not isinstance(text, str):
        return [{"id": DEFAULT_DIRECTION}]
    result: list[dict[str, Any]] = []
    for item in text.split(","):
        if "[" in item and "]" in item:
            pieces = item.split("[")
            fields, direction = pieces[0], pieces[1].replace("]", "", 1)
            # `direction in OrderByDirection`: the enum's names, and whatever every object inherits.
            if direction not in DIRECTIONS and direction not in PROTOTYPE_KEYS:
                raise bad_request(f"'order_by' direction '{direction}' invalid. {_DIRECTIONS_HINT}")
        else:
            fields, direction = item, DEFAULT_DIRECTION
        path = fields.split(".")
        node: dict[str, Any] = {path[-1]: direction}
        for name in reversed(path[:-1]):
            node = {name: node}
        result.append(node)
    if not any("id" in entry for entry in result):
        result.append({"id": DEFAULT_DIRECTION})
    return result


@dataclass(frozen=True, eq=False)
class OrderKey:
    """One ORDER BY term: a column of the object (``kind`` scalar or composite) or, through a MANY_TO_ONE relation,
    of the record it points to (``kind`` relation)."""

    obj: ObjectMeta
    path: tuple[str, ...]  # ("updatedAt",) / ("name", "firstName") / ("company", "name")
    direction: str
    kind: Literal["scalar", "composite", "relation"]
    column: Column
    relation: FieldMeta | None = None
    target: ObjectMeta | None = None
    by_join_column: bool = False  # a scalar key written as a join column (``companyId``)

    @property
    def ascending(self) -> bool:
        return self.direction.startswith("Asc")

    @property
    def nulls_first(self) -> bool:
        return self.direction.endswith("NullsFirst")

    @property
    def value_type(self) -> str:
        """The Twenty type of the ordered value."""
        field = self.column.field
        if self.column.sub is not None:
            return subfield_type(field, self.column.sub)
        return field.type


def _flatten_order(value: dict[str, Any]) -> list[tuple[list[str], str]]:
    out: list[tuple[list[str], str]] = []
    for key, item in value.items():
        if isinstance(item, dict):
            out += [([key, *path], direction) for path, direction in _flatten_order(item)]
        elif item in DIRECTIONS:
            out.append(([key], item))
    return out


def _invalid_order(message: str) -> ApiError:
    return runner_error(message, "INVALID_QUERY_INPUT")


class _OrderChecker:
    def __init__(self, obj: ObjectMeta, workspace: Workspace | None) -> None:
        self.obj = obj
        self.workspace = workspace
        self.keys: list[OrderKey] = []
        self.seen: set[tuple[str, ...]] = set()

    def push(self, key: OrderKey) -> None:
        if key.path not in self.seen:
            self.seen.add(key.path)
            self.keys.append(key)

    def entry(self, name: str, value: Any) -> None:
        by_name = self.obj.field(name) if name not in PROTOTYPE_KEYS else None
        field = by_name or self.obj.field_by_join_column(name)
        if field is None:
            raise runner_error(f'Field "{name}" does not exist or is not sortable', "FIELD_NOT_FOUND")
        if by_name is not None and field.is_relation:
            nested = _flatten_order(value) if isinstance(value, dict) else []
            if not nested:
                raise _invalid_order(
                    f'Relation field "{name}" requires nested field ordering '
                    f"(e.g., {{ {name}: {{ fieldName: 'AscNullsFirst' }} }})"
                )
            for path, direction in nested:
                self.relation(field, [name, *path], direction)
            return
        if by_name is not None and field.is_composite:
            if not isinstance(value, dict):
                raise _invalid_order(
                    f'Composite field "{name}" requires subfield ordering '
                    f"(e.g., {{ {name}: {{ subFieldName: 'AscNullsFirst' }} }})"
                )
            for sub, direction in value.items():
                if sub not in field.subfields:
                    raise _invalid_order(f'Sub field "{sub}" not found for composite field "{name}"')
                if direction not in DIRECTIONS:
                    raise _invalid_order(f'Composite sub field "{name}.{sub}" {_DIRECTION_REQUIRED}')
                self.push(OrderKey(self.obj, (name, sub), direction, "composite", column_for(field, sub)))
            return
        if value not in DIRECTIONS:
            raise _invalid_order(f'Scalar field "{name}" {_DIRECTION_REQUIRED}')
        self.push(OrderKey(self.obj, (name,), value, "scalar", column_for(field), by_join_column=by_name is None))

    def relation(self, field: FieldMeta, path: list[str], direction: str) -> None:
        target = self.workspace.target_object(field) if self.workspace is not None else None
        if target is None:
            return  # an unresolved relation orders nothing
        if field.relation_type != "MANY_TO_ONE":
            raise bad_request(f"Cannot filter or order through {field.name}: only to-one relations are supported")
        _, target_name, *rest = path
        target_field = target.field(target_name) if target_name not in PROTOTYPE_KEYS else None
        if target_field is None:
            raise runner_error(
                f'Nested field "{target_name}" not found in target object "{target.name_singular}"', "FIELD_NOT_FOUND"
            )
        if target_field.is_composite:
            if len(rest) != 1 or rest[0] not in target_field.subfields:
                raise _invalid_order(
                    f'Composite field "{path[0]}.{target_name}" requires one of its sub fields to be ordered'
                )
            column = column_for(target_field, rest[0])
        elif rest:
            raise _invalid_order(f'Field "{path[0]}.{target_name}" does not support nested ordering')
        elif target_field.is_relation and target_field.relation_type != "MANY_TO_ONE":
            return
        else:
            column = column_for(target_field)
        self.push(OrderKey(self.obj, tuple(path), direction, "relation", column, relation=field, target=target))


def validate_order_by(
    entries: Sequence[Mapping[str, Any]], obj: ObjectMeta, workspace: Workspace | None = None
) -> list[OrderKey]:
    """Check a parsed ``order_by`` (:func:`parse_order_by_syntax`) against the object's fields, as the query runner
    does (unknown field → ``FIELD_NOT_FOUND``; composite without sub-field and the like → ``INVALID_QUERY_INPUT``), and
    end it with ``id`` ascending unless ``id`` is already ordered. A ``workspace`` is needed to order through a
    relation (``company.name``)."""
    checker = _OrderChecker(obj, workspace)
    for entry in [*entries, {"id": DEFAULT_DIRECTION}]:
        for name, value in entry.items():
            checker.entry(name, value)
    return checker.keys


def parse_order_by(text: str | None, obj: ObjectMeta, *, workspace: Workspace | None = None) -> list[OrderKey]:
    """An ``order_by`` query parameter → the ORDER BY keys, ``id`` last. ``field[Direction]`` with a direction among
    :data:`DIRECTIONS` (default ``AscNullsFirst``), dotted sub-fields (``name.firstName``); a composite field needs a
    sub-field. Without ``order_by``: ``id`` ascending."""
    return validate_order_by(parse_order_by_syntax(text), obj, workspace)


_NULLS_SUPPORTED: Final = sqlite3.sqlite_version_info >= (3, 30, 0)


def option_ranks(field: FieldMeta) -> dict[str, int]:
    """A SELECT field's option values → their place in the PostgreSQL enum (the options' order by position)."""
    options = [o for o in field.options if isinstance(o, dict) and o.get("value") is not None]
    options.sort(key=lambda o: o.get("position", 0))
    return {str(o["value"]): rank for rank, o in enumerate(options)}


def enum_rank_sql(field: FieldMeta, expr: str) -> str:
    """``expr`` (a SELECT column) as its option's rank, so that SQLite orders and compares it as PostgreSQL does an
    enum (recorded: p07); NULL stays NULL."""
    ranks = option_ranks(field)
    if not ranks:
        return expr
    whens = " ".join(f"WHEN '{value.replace(chr(39), chr(39) * 2)}' THEN {rank}" for value, rank in ranks.items())
    return f"(CASE {expr} {whens} END)"


def _key_expression(key: OrderKey, qual: str, table_of: Callable[[ObjectMeta], str]) -> str:
    if key.kind != "relation" or key.relation is None or key.target is None:
        expr = f"{qual}.{key.column.sql}"
    else:
        alias = quote("_o")
        live = f' AND {alias}."deletedAt" IS NULL' if key.target.field("deletedAt") is not None else ""
        expr = (
            f"(SELECT {alias}.{key.column.sql} FROM {quote(table_of(key.target))} AS {alias} "
            f'WHERE {alias}."id" = {qual}.{column_for(key.relation).sql}{live})'
        )
    if key.column.sub is None and key.column.field.type == "SELECT":
        return enum_rank_sql(key.column.field, expr)
    return expr


def order_sql(
    keys: Sequence[OrderKey],
    *,
    reverse: bool = False,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> str:
    """The ORDER BY clause (without the keywords). ``reverse`` scans backwards for ``ending_before``: each direction
    flips, NULLs keep their place (as Twenty 2.21 does)."""
    if not keys:
        return "1"
    qual = quote(table if table is not None else table_of(keys[0].obj))
    terms = []
    for key in keys:
        expr = _key_expression(key, qual, table_of)
        ascending = key.ascending != reverse
        order = "ASC" if ascending else "DESC"
        if _NULLS_SUPPORTED:
            terms.append(f"{expr} {order} NULLS {'FIRST' if key.nulls_first else 'LAST'}")
        else:  # pragma: no cover - SQLite before 3.30
            terms.append(f"({expr} IS NULL) {'DESC' if key.nulls_first else 'ASC'}, {expr} {order}")
    return ", ".join(terms)
