"""Cursors: base64 of ``JSON.stringify`` of the order-by values (composites nested, only the ordered sub-fields)
plus ``id``, and the keyset condition built from the cursor's own keys. NULL order values get SQL semantics there:
``x > NULL`` is never true, so cursor paging over an order key with NULLs skips them (the known upstream bug).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from twenty_emulator._columns import column_for, quote
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._js import (
    PROTOTYPE_KEYS,
    UNDEFINED,
    js_entries,
    js_json_parse,
    js_key_order,
    json_stringify,
    node_base64_decode,
)
from twenty_emulator._query._filter import Cond, Conj, Const, Node, null_kind, subfield_type
from twenty_emulator._query._order import OrderKey
from twenty_emulator._query._shared import DIRECTIONS, js_error, runner_error, table_name
from twenty_emulator._query._sql import Compiler
from twenty_emulator._workspace import FieldMeta, ObjectMeta

__all__ = [
    "cursor_condition",
    "cursor_mentions_deleted_at",
    "decode_cursor",
    "encode_cursor",
]


def _cursor_data(record: Mapping[str, Any], keys: Sequence[OrderKey]) -> dict[str, Any]:
    """The order-by values Twenty puts in a cursor: per ordered field, its value (for a composite, the ordered
    sub-fields only), then ``id``. A key written as a join column is left out (Twenty looks fields up by name)."""
    values: dict[str, Any] = {}
    for key in keys:
        name = key.path[0]
        if key.kind == "composite":
            current = values.get(name)
            container: dict[str, Any] = current if isinstance(current, dict) else {}
            composite = record.get(name)
            sub = key.path[1]
            container[sub] = composite.get(sub, UNDEFINED) if isinstance(composite, Mapping) else UNDEFINED
            values[name] = container
        elif key.kind == "scalar" and key.by_join_column:
            continue
        else:
            values[name] = record.get(name, UNDEFINED)
    values["id"] = record.get("id", UNDEFINED)
    return values


def encode_cursor(record: Mapping[str, Any], keys: Sequence[OrderKey]) -> str:
    """A record (as answered: composites nested) → its cursor, byte for byte as Twenty encodes it: base64 of
    ``JSON.stringify`` of the order-by values plus ``id``, e.g. ``{"name":{"firstName":"Ada"},"id":"…"}``."""
    text = json_stringify(_cursor_data(record, keys)) or "{}"
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_cursor(text: str, keys: Sequence[OrderKey] | None = None) -> dict[str, Any]:
    """A ``starting_after``/``ending_before`` value → the cursor's entries in JavaScript's key order (``{}`` when it
    carries none). Base64 is decoded the lenient Node way; what is not JSON raises ``Invalid cursor: <text>``."""
    del keys  # the cursor stands on its own; it is checked against the order in cursor_condition
    try:
        data = js_json_parse(node_base64_decode(text).decode("utf-8", errors="replace"))
    except ValueError:
        raise bad_request(f"Invalid cursor: {text}") from None
    except RecursionError:
        raise js_error("RangeError", "Maximum call stack size exceeded") from None
    if isinstance(data, dict):
        return js_key_order(data)
    if isinstance(data, list | str) and data:
        return dict(js_entries(data))
    return {}


def cursor_mentions_deleted_at(values: Mapping[str, Any]) -> bool:
    """Twenty decides ``withDeleted`` on the filter *with* the cursor condition: a cursor on ``deletedAt`` lists
    soft-deleted rows on the pages after the first (``totalCount`` still leaves them out)."""
    return "deletedAt" in values


def _invalid_cursor(message: str = "Invalid cursor") -> ApiError:
    return runner_error(message, "INVALID_CURSOR")


class _CursorBuilder:
    """``computeCursorArgFilter``: for each cursor entry i, (entries before i equal) AND (entry i past the cursor)."""

    def __init__(self, keys: Sequence[OrderKey], before: bool) -> None:
        self.obj = keys[0].obj
        self.before = before
        # The order-by entries as Twenty holds them: one {name: direction | {sub: direction}} per key.
        self.entries: list[tuple[str, Any]] = []
        for key in keys:
            if key.kind == "composite":
                self.entries.append((key.path[0], {key.path[1]: key.direction}))
            elif key.kind == "relation":
                nested: Any = key.direction
                for name in reversed(key.path[1:]):
                    nested = {name: nested}
                self.entries.append((key.path[0], nested))
            else:
                self.entries.append((key.path[0], key.direction))

    def order_of(self, name: str) -> Any:
        for entry_name, value in self.entries:
            if entry_name == name:
                return value
        raise _invalid_cursor()

    def operator(self, direction: str) -> str:
        ascending = direction.startswith("Asc")
        return ("lt" if self.before else "gt") if ascending else ("gt" if self.before else "lt")

    def field(self, name: str) -> FieldMeta:
        field = None if name in PROTOTYPE_KEYS else self.obj.field(name) or self.obj.field_by_join_column(name)
        if field is None:
            raise _invalid_cursor(f"Field metadata not found for key: {name}")
        return field

    def condition(self, name: str, value: Any, *, equality: bool) -> Node:
        field = self.field(name)
        if field.is_composite:
            return self.composite(field, name, value, equality=equality)
        field_type = "RELATION" if field.is_relation else field.type
        column = column_for(field)
        if equality:
            return Cond(column, "eq", value, field_type, null_kind(field, None))
        direction = self.order_of(name)
        if direction not in DIRECTIONS:
            raise _invalid_cursor("Expected non-composite field order by")
        return Cond(column, self.operator(direction), value, field_type, null_kind(field, None))

    def composite(self, field: FieldMeta, name: str, value: Any, *, equality: bool) -> Node:
        order = self.order_of(name)
        if not isinstance(order, dict) or not all(d in DIRECTIONS for d in order.values()):
            raise _invalid_cursor("Expected composite field order by")
        subs = [s for s in field.subfields if subfield_type(field, s) != "RAW_JSON"]
        if value is None and subs:
            raise js_error("TypeError", f"Cannot read properties of null (reading '{subs[0]}')")
        present = [(s, value[s]) for s in subs if isinstance(value, dict) and s in value]
        if not present:
            return Const(True)

        def cond(sub: str, sub_value: Any, op: str) -> Cond:
            return Cond(column_for(field, sub), op, sub_value, subfield_type(field, sub), null_kind(field, sub))

        if equality:
            conds = tuple(cond(s, v, "eq") for s, v in present)
            return conds[0] if len(conds) == 1 else Conj("and", conds)
        branches: list[Node] = []
        for i, (sub, sub_value) in enumerate(present):
            direction = order.get(sub)
            if direction is None:
                raise _invalid_cursor()
            parts: list[Node] = [cond(s, v, "eq") for s, v in present[:i]]
            parts.append(cond(sub, sub_value, self.operator(direction)))
            branches.append(parts[0] if len(parts) == 1 else Conj("and", tuple(parts)))
        return branches[0] if len(branches) == 1 else Conj("or", tuple(branches))

    def build(self, values: Mapping[str, Any]) -> Node:
        entries = [(k, v) for k, v in values.items() if v is not UNDEFINED]
        if not entries:
            return Const(True)
        branches: list[Node] = []
        equalities: list[Node] = []
        for i, (name, value) in enumerate(entries):
            if i > 0:
                previous_name, previous_value = entries[i - 1]
                equalities.append(self.condition(previous_name, previous_value, equality=True))
            main = self.condition(name, value, equality=False)
            branches.append(Conj("and", (*equalities, main)) if equalities else main)
        return branches[0] if len(branches) == 1 else Conj("or", tuple(branches))


def cursor_condition(
    keys: Sequence[OrderKey],
    cursor_values: Mapping[str, Any],
    *,
    before: bool,
    table: str | None = None,
    table_of: Callable[[ObjectMeta], str] = table_name,
) -> tuple[str, list[Any]]:
    """The keyset condition of a page after (``starting_after``) or before (``ending_before``) a decoded cursor, as
    Twenty 2.21 builds it from the cursor's own keys: a key the order does not have raises ``Invalid cursor``; NULL
    values compare as SQL does (nothing is greater than NULL), so NULL rows are skipped by cursor paging."""
    if not keys:
        return "1", []
    node = _CursorBuilder(keys, before).build(cursor_values)
    compiler = Compiler(table_of, True, [])
    sql = compiler.node(node, quote(table if table is not None else table_of(keys[0].obj)))
    return sql, compiler.params
