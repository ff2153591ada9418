"""A parsed filter checked against the object's fields, as Twenty's ``FilterArgProcessorService`` does: unknown
fields, the operators each field type allows, value coercion (with Node's ``util.inspect`` in the messages); the result
is a :class:`Filter`, a tree of conditions on columns (also what a cursor's keyset condition is built from).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from twenty_emulator._columns import Column, column_for
from twenty_emulator._dates import DATE_TIME_TOKENS, DATE_TOKENS, parse_any
from twenty_emulator._errors import bad_request
from twenty_emulator._js import PROTOTYPE_KEYS, js_entries, js_inspect, js_parse_float, js_typeof
from twenty_emulator._query._filter_syntax import parse_filter_syntax
from twenty_emulator._query._shared import js_error
from twenty_emulator._workspace import COMPOSITE_TYPES, FieldMeta, ObjectMeta, Workspace

__all__ = [
    "Cond",
    "Conj",
    "Const",
    "Filter",
    "Neg",
    "Node",
    "NullKind",
    "Through",
    "UUID_TYPES",
    "mentions_deleted_at",
    "null_kind",
    "parse_filter",
    "subfield_type",
    "validate_filter",
]

_STRING_OPS: Final = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is", "like", "ilike", "startsWith", "endsWith")
_NUMBER_OPS: Final = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is")
_OPERATORS_BY_TYPE: Final[dict[str, tuple[str, ...]]] = {
    "TEXT": _STRING_OPS,
    "NUMBER": _NUMBER_OPS,
    "NUMERIC": _NUMBER_OPS,
    "POSITION": _NUMBER_OPS,
    "BOOLEAN": ("eq", "is"),
    "DATE": _NUMBER_OPS,
    "DATE_TIME": _NUMBER_OPS,
    "UUID": _NUMBER_OPS,
    "RELATION": _NUMBER_OPS,
    "MORPH_RELATION": _NUMBER_OPS,
    "ARRAY": ("containsIlike", "is", "isEmptyArray"),
    "MULTI_SELECT": ("containsAny", "is", "isEmptyArray"),
    "SELECT": ("eq", "neq", "in", "containsAny", "is", "isEmptyArray"),
    "RATING": ("eq", "neq", "in", "containsAny", "is", "isEmptyArray"),
    "RAW_JSON": ("is", "like"),
    "FILES": ("is", "like"),
    "RICH_TEXT": ("ilike",),
}
_COMPOSITE_OPS: Final = ("eq", "neq", "is")
_NUMBER_TYPES: Final = frozenset({"NUMBER", "NUMERIC", "POSITION"})
UUID_TYPES: Final = frozenset({"UUID", "RELATION", "MORPH_RELATION"})
_UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.IGNORECASE)

# Composite sub-fields whose empty value stands for NULL (find-postgres-default-null-equivalent-value).
_TEXT_NULL_SUBFIELDS: Final = frozenset(
    {
        ("ACTOR", "name"),
        ("ADDRESS", "addressStreet1"),
        ("ADDRESS", "addressStreet2"),
        ("ADDRESS", "addressCity"),
        ("ADDRESS", "addressState"),
        ("ADDRESS", "addressPostcode"),
        ("ADDRESS", "addressCountry"),
        ("EMAILS", "primaryEmail"),
        ("LINKS", "primaryLinkUrl"),
        ("LINKS", "primaryLinkLabel"),
        ("PHONES", "primaryPhoneNumber"),
        ("PHONES", "primaryPhoneCountryCode"),
        ("PHONES", "primaryPhoneCallingCode"),
        ("RICH_TEXT", "markdown"),
        ("FULL_NAME", "firstName"),
        ("FULL_NAME", "lastName"),
    }
)
_LIST_NULL_SUBFIELDS: Final = frozenset(
    {("EMAILS", "additionalEmails"), ("LINKS", "secondaryLinks"), ("PHONES", "additionalPhones")}
)

NullKind = Literal["text", "list"] | None


def _operators_for(field_type: str) -> tuple[str, ...]:
    if field_type in COMPOSITE_TYPES or field_type == "TS_VECTOR":
        return _COMPOSITE_OPS
    return _OPERATORS_BY_TYPE.get(field_type, _STRING_OPS)


def subfield_type(field: FieldMeta, sub: str) -> str:
    """The Twenty type of a composite's sub-field (lists and JSON are RAW_JSON, an actor's source a SELECT)."""
    kind = field.subfields[sub]
    if kind in ("LIST", "JSON"):
        return "RAW_JSON"
    if field.type == "ACTOR" and sub == "source":
        return "SELECT"
    return kind


def null_kind(field: FieldMeta, sub: str | None) -> NullKind:
    if sub is not None:
        if (field.type, sub) in _TEXT_NULL_SUBFIELDS:
            return "text"
        if (field.type, sub) in _LIST_NULL_SUBFIELDS:
            return "list"
        return None
    if field.type == "TEXT":
        return "text"
    if field.type in ("MULTI_SELECT", "ARRAY"):
        return "list"
    return None


@dataclass(frozen=True, eq=False)
class Cond:
    """One comparison on one column."""

    column: Column
    op: str
    value: Any  # as validated: str, float, bool, list, or what a cursor carries
    type: str  # the Twenty type the value was checked against
    null_kind: NullKind


@dataclass(frozen=True, eq=False)
class Conj:
    kind: Literal["and", "or"]
    children: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Neg:
    child: Node


@dataclass(frozen=True, eq=False)
class Through:
    """A condition on the record a MANY_TO_ONE relation points to (a left join in Twenty)."""

    relation: FieldMeta
    target: ObjectMeta
    child: Node


@dataclass(frozen=True, eq=False)
class Const:
    value: bool


Node = Cond | Conj | Neg | Through | Const


@dataclass(frozen=True, eq=False)
class Filter:
    """A checked filter: the object Twenty's REST parser builds (``raw``) and the conditions it stands for."""

    obj: ObjectMeta
    raw: dict[str, Any]
    node: Node


class _FilterChecker:
    def __init__(self, workspace: Workspace | None) -> None:
        self.workspace = workspace

    def filter(self, raw: Any, obj: ObjectMeta, depth: int) -> Node:
        nodes: list[Node] = []
        for key, value in js_entries(raw):
            if key in ("and", "or"):
                if not isinstance(value, list):
                    raise js_error("TypeError", "value.map is not a function")
                kind: Literal["and", "or"] = "and" if key == "and" else "or"
                nodes.append(Conj(kind, tuple(self.filter(item, obj, depth) for item in value)))
            elif key == "not":
                nodes.append(Neg(self.filter(value, obj, depth)))
            else:
                nodes.append(self.key(key, value, obj, depth))
        if len(nodes) == 1:
            return nodes[0]
        return Conj("and", tuple(nodes))

    def key(self, key: str, value: Any, obj: ObjectMeta, depth: int) -> Node:
        if key in PROTOTYPE_KEYS:
            raise bad_request(f"Field metadata not found for field {key}")
        by_name = obj.field(key)
        by_join = obj.field_by_join_column(key)
        if by_name is not None and by_join is None and by_name.is_relation:
            return self.relation(key, value, by_name, depth)
        field = by_name or by_join
        if field is None:
            raise bad_request(f'Object {obj.name_singular} doesn\'t have any "{key}" field.')
        if field.is_composite:
            return self.composite(field, value)
        return self.operator(key, value, field.type, column_for(field), null_kind(field, None))

    def relation(self, key: str, value: Any, field: FieldMeta, depth: int) -> Node:
        if field.relation_type != "MANY_TO_ONE":
            raise bad_request(f'Cannot filter by relation field "{key}"')
        use_join_column = bad_request(f'Cannot filter by relation field "{key}": use "{key}Id" instead')
        target = self.workspace.target_object(field) if self.workspace is not None else None
        if target is None:
            raise use_join_column
        if not isinstance(value, dict) or not any(
            k in ("and", "or", "not") or k in PROTOTYPE_KEYS or target.field(k) or target.field_by_join_column(k)
            for k in value
        ):
            raise use_join_column
        if depth >= 1:
            raise bad_request("Relation filter nesting deeper than 1 hop is not supported")
        return Through(field, target, self.filter(value, target, depth + 1))

    def composite(self, field: FieldMeta, value: Any) -> Node:
        nodes: list[Node] = []
        for sub, sub_filter in js_entries(value):
            if sub not in field.subfields:
                raise bad_request(f'Sub field "{sub}" not found for composite type: {field.type}')
            nodes.append(
                self.operator(
                    f"{field.name}.{sub}",
                    sub_filter,
                    subfield_type(field, sub),
                    column_for(field, sub),
                    null_kind(field, sub),
                )
            )
        return nodes[0] if len(nodes) == 1 else Conj("and", tuple(nodes))

    def operator(self, name: str, filter_value: Any, field_type: str, column: Column, null_kind: NullKind) -> Node:
        if not isinstance(filter_value, dict | list):
            raise bad_request(f'Filter value for field "{name}" must be an object')
        entries = js_entries(filter_value)
        if len(entries) != 1:
            raise bad_request(f'Filter for field "{name}" must have exactly one operator')
        op, value = entries[0]
        allowed = _operators_for(field_type)
        if op not in allowed:
            raise bad_request(
                f'Operator "{op}" is not valid for field "{name}" of type {field_type} - '
                f"Allowed operators: {', '.join(allowed)}"
            )
        return Cond(column, op, self.value(op, value, field_type, name), field_type, null_kind)

    def value(self, op: str, value: Any, field_type: str, name: str) -> Any:
        if op == "is":
            if value not in ("NULL", "NOT_NULL") or not isinstance(value, str):
                raise bad_request('Invalid filter value for "is" operator. Expected "NULL" or "NOT_NULL"')
            return value
        if op in ("in", "containsAny"):
            if not isinstance(value, list):
                raise bad_request(f'Filter operator "{op}" requires an array value for field {name}')
            if op == "containsAny":
                return value
            return [None if item is None else self.typed(item, field_type, name) for item in value]
        if op in ("eq", "neq", "gt", "gte", "lt", "lte"):
            return self.typed(value, field_type, name)
        if op in ("like", "ilike", "startsWith", "endsWith", "containsIlike") and not isinstance(value, str):
            raise bad_request(
                f'Filter operator "{op}" requires a string value for field "{name}", got {js_typeof(value)}'
            )
        return value

    @staticmethod
    def typed(value: Any, field_type: str, name: str) -> Any:
        if field_type in _NUMBER_TYPES:
            number = js_parse_float(value) if isinstance(value, str) else value
            ok = number is None or (
                isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number)
            )
            if not ok:
                raise bad_request(f'Invalid number value {js_inspect(number)} for field "{name}"')
            return number
        if field_type == "BOOLEAN":
            flag = {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
            if flag is not None and not isinstance(flag, bool):
                raise bad_request(f'Invalid boolean value {js_inspect(flag)} for field "{name}"')
            return flag
        if field_type in UUID_TYPES:
            if value is not None and not (isinstance(value, str) and value and _UUID_RE.fullmatch(value)):
                raise bad_request(f'Invalid UUID value {js_inspect(value)} for field "{name}"')
            return value
        if field_type == "DATE":
            if value is not None and not (isinstance(value, str) and parse_any(value, DATE_TOKENS)):
                raise bad_request(
                    f"Invalid value {js_inspect(value)} for date field \"{name}\". Expected format: 'YYYY-MM-DD'"
                )
            return value
        if field_type == "DATE_TIME":
            if value is not None and not (isinstance(value, str) and parse_any(value, DATE_TIME_TOKENS)):
                raise bad_request(
                    f'Invalid value {js_inspect(value)} for date-time field "{name}". '
                    "Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"
                )
            return value
        return value


def validate_filter(raw: dict[str, Any], obj: ObjectMeta, workspace: Workspace | None = None) -> Filter:
    """Check a parsed filter (:func:`parse_filter_syntax`) against the object's fields, as the common layer does:
    unknown fields, operators not allowed for the field's type and invalid values raise the server's 400s. A
    ``workspace`` lets filters go through MANY_TO_ONE relations (``company.name[eq]:X``)."""
    try:
        return Filter(obj, raw, _FilterChecker(workspace).filter(raw, obj, 0))
    except RecursionError:
        raise js_error("RangeError", "Maximum call stack size exceeded") from None


def parse_filter(text: str, obj: ObjectMeta, *, workspace: Workspace | None = None) -> Filter:
    """A ``filter`` query parameter → a checked :class:`Filter`; any invalid input raises an :class:`ApiError` with
    the body Twenty answers. (An empty string is invalid: ``'filter' invalid for 'and()'``.)"""
    return validate_filter(parse_filter_syntax(text), obj, workspace)


def _mentions(value: Any, key: str) -> bool:
    if isinstance(value, list):
        return any(_mentions(item, key) for item in value)
    if isinstance(value, dict):
        for k, item in value.items():
            if k == key or (isinstance(item, dict | list) and _mentions(item, key)):
                return True
    return False


def mentions_deleted_at(f: Filter) -> bool:
    """Whether soft-deleted rows are listed: the filter names ``deletedAt`` anywhere (Twenty's ``withDeleted``)."""
    return _mentions(f.raw, "deletedAt")
