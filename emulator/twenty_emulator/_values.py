"""Record values on the way in (validation, Twenty's normalisation, defaults) and on the way out (answer shape).

Rules come from recordings of a real Twenty 2.21.0 (``../shared/twenty/conformance``) and its source: emails are
lower-cased, links with a scheme get a lower-cased origin and lose a trailing slash, phones go through
libphonenumber; unsent text comes back as ``""``, list sub-fields as ``[]``, numbers, relations and JSON as ``null``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

from twenty_emulator._columns import Layout, column_for
from twenty_emulator._composites import links_input, normalise_link, phones_input
from twenty_emulator._dates import canonical_date, canonical_date_time
from twenty_emulator._errors import ApiError, bad_request, internal_error
from twenty_emulator._js import js_inspect, js_number
from twenty_emulator._query import option_ranks
from twenty_emulator._workspace import FieldMeta, ObjectMeta

__all__ = [
    "actor",
    "default_row",
    "empty_subfield_value",
    "is_uuid",
    "normalise_email",
    "normalise_link",
    "parse_default",
    "validate_input",
]

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Twenty validates emails with a permissive pattern: something@something.tld, no spaces; unicode local parts pass.
EMAIL_RE = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")

_COMPOSITE_LABELS = {
    "FULL_NAME": "full name",
    "EMAILS": "emails",
    "PHONES": "phones",
    "LINKS": "links",
    "ADDRESS": "address",
    "CURRENCY": "currency",
    "ACTOR": "actor",
    "RICH_TEXT": "rich text",
}

# Values the server owns: a client may not write them (Twenty ignores or overrides them).
# Written by the server whatever the input says. createdAt / updatedAt / deletedAt are not: a value given is stored
# as given (a real 2.21.0 keeps a createdAt and an updatedAt sent on create or update, and a deletedAt sent on create
# makes the record soft-deleted at once; parity p11); the server stamps only what is not given.
_SERVER_OWNED = frozenset({"searchVector", "createdBy", "updatedBy"})


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def actor(api_key_name: str) -> dict[str, Any]:
    """The ``createdBy`` / ``updatedBy`` of a record written with an API key."""
    return {"source": "API", "workspaceMemberId": None, "name": api_key_name, "context": {}}


def parse_default(value: Any) -> Any:
    """A metadata ``defaultValue`` (SQL-ish literals such as ``"'FR'"``) → the JSON value it stands for."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
            return value[1:-1]
        if value in ("uuid", "now"):
            return None
        return value
    if isinstance(value, dict):
        return {k: parse_default(v) for k, v in value.items()}
    if isinstance(value, list):
        return [parse_default(v) for v in value]
    return value


def _subfield_default(field: FieldMeta, sub: str, sub_type: str) -> Any:
    default = field.default_value
    if isinstance(default, dict) and sub in default:
        value = parse_default(default[sub])
        if value is not None:
            return value
    return empty_subfield_value(field.type, sub_type)


def empty_subfield_value(field_type: str, sub_type: str) -> Any:
    """What an emptied (or unsent) sub-field holds: ``[]`` for lists, null for numbers, ids, JSON and a currency's
    code, ``""`` for other text."""
    if sub_type == "LIST":
        return []
    if sub_type in ("NUMERIC", "UUID", "JSON") or field_type == "CURRENCY":
        return None
    return ""


def _scalar_default(field: FieldMeta) -> Any:
    t = field.type
    default = parse_default(field.default_value)
    if t == "TEXT":
        return default if isinstance(default, str) else ""
    if t == "BOOLEAN":
        return default if isinstance(default, bool) else None
    if t == "MULTI_SELECT":
        return default if isinstance(default, list) else []
    if t in ("SELECT", "RATING", "NUMBER", "NUMERIC", "ARRAY", "RAW_JSON"):
        return default
    return None


def default_row(obj: ObjectMeta) -> dict[str, Any]:
    """Every column's value for a record of which nothing was sent (server-owned columns left out)."""
    row: dict[str, Any] = {}
    for field in obj.data_fields():
        if field.name in ("id", "position", "createdAt", "updatedAt", "deletedAt", "searchVector"):
            continue
        if field.is_composite:
            for sub, sub_type in field.subfields.items():
                row[column_for(field, sub).name] = _subfield_default(field, sub, sub_type)
        elif field.relation_type == "MANY_TO_ONE":
            row[column_for(field).name] = None
        else:
            row[column_for(field).name] = _scalar_default(field)
    return row


def normalise_email(value: str) -> str:
    """Twenty lower-cases emails (local part and domain) before storing and matching them."""
    return value.lower()


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _js_repr(value: Any) -> str:
    """How Twenty's messages print a rejected value: strings quoted, numbers bare."""
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "[object Object]" if isinstance(value, dict) else ",".join(str(v) for v in value)
    return str(value)


class _Validator:
    def __init__(self, obj: ObjectMeta) -> None:
        self.obj = obj

    def text(self, field: FieldMeta, value: Any, label: str | None = None) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise bad_request(f'Invalid string value {js_inspect(value)} for text field "{label or field.name}"')
        return value

    def number(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise bad_request(f'Invalid number value {js_inspect(value)} for field "{name}"')
        return value

    def numeric(self, name: str, value: Any) -> Any:
        """``validateNumericFieldOrThrow``: a number, or a string JavaScript's ``Number()`` reads as one (stored as
        that number); ``""`` and null are null."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            number = js_number(value)
            if math.isnan(number) or math.isinf(number):
                raise bad_request(f'Invalid number value {js_inspect(number)} for field "{name}"')
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        return self.number(name, value)

    def uuid(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if not is_uuid(value):
            raise bad_request(f'Invalid UUID value {js_inspect(value)} for field "{name}"')
        return str(value).lower()

    def composite(self, field: FieldMeta, value: Any, partial: bool) -> dict[str, Any]:
        """Column name → value for the sub-fields a write sets (all of them when not partial).

        A partial write (an update, an upsert matching a row) sets the sub-fields sent, plus those Twenty's input
        transforms set whatever was sent (:func:`_whole_composite`); a composite sent as ``null`` sets nothing.
        """
        if value is None:
            if partial:
                return {}
            value = {}
        if not isinstance(value, dict):
            raise bad_request(
                f'Invalid value {_js_repr(value)} for {_COMPOSITE_LABELS[field.type]} field "{field.name}"'
            )
        out: dict[str, Any] = {}
        for sub, sub_value in value.items():
            if sub not in field.subfields:
                raise bad_request(f'Invalid subfield {sub} for {_COMPOSITE_LABELS[field.type]} field "{field.name}"')
            out[sub] = sub_value
        subs = _whole_composite(field.type, self._composite_values(field, out))
        if not partial:
            for sub, sub_type in field.subfields.items():
                subs.setdefault(sub, _subfield_default(field, sub, sub_type))
        return {column_for(field, sub).name: v for sub, v in subs.items()}

    def _composite_values(self, field: FieldMeta, sent: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        t = field.type
        for sub, value in sent.items():
            sub_type = field.subfields[sub]
            path = f"{field.name}.{sub}"
            if sub_type == "LIST":
                out[sub] = self._list_subfield(field, sub, value)
            elif sub_type == "NUMERIC":
                out[sub] = self.numeric(path, value)
            elif sub_type == "UUID":
                out[sub] = self.uuid(path, value)
            elif sub_type == "JSON":
                out[sub] = value
            else:
                if value is None:
                    out[sub] = empty_subfield_value(t, sub_type)
                    continue
                if not isinstance(value, str):
                    raise bad_request(f'Invalid string value {js_inspect(value)} for text field "{path}"')
                out[sub] = value
        if t == "EMAILS" and out.get("primaryEmail"):
            email = str(out["primaryEmail"])
            if not EMAIL_RE.match(email):
                raise bad_request(f"Invalid string value '{email}' for email field \"{field.name}.primaryEmail\"")
            out["primaryEmail"] = normalise_email(email)
        return out

    def _list_subfield(self, field: FieldMeta, sub: str, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad_request(
                f'Invalid value {_js_repr(value)} for {_COMPOSITE_LABELS[field.type]} field "{field.name}.{sub}"'
            )
        if field.type == "EMAILS":
            items = []
            for item in value:
                if not isinstance(item, str) or not EMAIL_RE.match(item):
                    raise bad_request(f'Invalid string value {_js_repr(item)} for email field "{field.name}.{sub}"')
                items.append(normalise_email(item))
            return items
        if field.type in ("LINKS", "PHONES"):
            for item in value:
                if not isinstance(item, dict):
                    label = _COMPOSITE_LABELS[field.type]
                    raise bad_request(f'Invalid value {_js_repr(item)} for {label} field "{field.name}.{sub}"')
        return list(value)

    def scalar(self, field: FieldMeta, value: Any) -> Any:
        t = field.type
        name = field.name
        if t in ("TEXT",):
            return self.text(field, value)
        if t in ("NUMBER", "NUMERIC", "POSITION"):
            return self.number(name, value)
        if t == "BOOLEAN":
            if value is None or isinstance(value, bool):
                return value
            raise bad_request(f'Invalid boolean value {js_inspect(value)} for field "{name}"')
        if t == "UUID":
            return self.uuid(name, value)
        if t in ("DATE_TIME", "DATE"):
            if value is None:
                return None
            canonical = None
            if isinstance(value, str):
                canonical = canonical_date_time(value) if t == "DATE_TIME" else canonical_date(value)
            if canonical is None:
                kind, form = ("date-time", "YYYY-MM-DDTHH:mm:ssZ") if t == "DATE_TIME" else ("date", "YYYY-MM-DD")
                raise bad_request(
                    f"Invalid value {js_inspect(value)} for {kind} field \"{name}\". Expected format: '{form}'"
                )
            return canonical
        if t in ("SELECT", "RATING"):
            value = self.text(field, value) if value is not None else None
            options = list(option_ranks(field))  # by position
            if value is not None and options and value not in options:
                raise bad_request(f'Invalid value "{value}" for field "{name}". Valid values are: {", ".join(options)}')
            return value
        if t in ("MULTI_SELECT", "ARRAY"):
            if value is None:
                return None
            if not isinstance(value, str) and (
                not isinstance(value, list) or any(not isinstance(v, str) for v in value)
            ):
                raise bad_request(
                    f'Invalid value {js_inspect(value)} for field "{name} - Array values need to be string"'
                )
            if t == "ARRAY":
                if not isinstance(value, list):
                    raise bad_request(f'Invalid value {js_inspect(value)} for field "{name}"')  # not recorded
                return value
            options = list(option_ranks(field))  # by position
            chosen = value if isinstance(value, list) else [value]  # one value alone is stored as a list of it
            if options and any(v not in options for v in chosen):
                raise bad_request(f'Invalid value {js_inspect(value)} for multi select field "{name}"')
            return chosen
        return value  # RAW_JSON, FILES and the rest: stored as sent


def _whole_composite(field_type: str, subs: dict[str, Any]) -> dict[str, Any]:
    """The sub-fields a write of ``subs`` sets, as Twenty's record input transforms build them
    (``record-transformer/utils/transform-{emails,phones,links}-value.util.ts``), pinned by the s27 and p01 recordings.

    FULL_NAME, ADDRESS, CURRENCY and the rest: only what was sent. EMAILS: ``primaryEmail`` is always set (to ``""``
    when not sent), ``additionalEmails`` only when sent. PHONES and LINKS: :mod:`twenty_emulator._composites`.
    """
    if field_type == "EMAILS":
        return {**subs, "primaryEmail": subs.get("primaryEmail") or ""}
    if field_type == "PHONES":
        return phones_input(subs)
    if field_type == "LINKS":
        return links_input(subs)
    return subs


def validate_input(obj: ObjectMeta, data: Any, *, partial: bool, layout: Layout | None = None) -> dict[str, Any]:
    """A request body for one record → column name → value, validated and normalised.

    ``partial`` (updates, and upserts matching an existing row) keeps unsent sub-fields of composites as stored.
    Raises :class:`ApiError` with Twenty's message for the first problem found.
    """
    if not isinstance(data, Mapping):
        raise bad_request(f'Object {obj.name_singular} doesn\'t have any "0" field.')
    if _has_nul(data):
        raise internal_error()
    lay = layout if layout is not None else Layout(obj, "")
    v = _Validator(obj)
    row: dict[str, Any] = {}
    for key, value in data.items():
        field = lay.fields.get(key)
        if field is None:
            join_field = lay.join_fields.get(key)
            if join_field is None:
                raise bad_request(f'Object {obj.name_singular} doesn\'t have any "{key}" field.')
            row[key] = v.uuid(key, value)
            continue
        if field.is_relation:
            continue  # relation objects and ONE_TO_MANY sides are not written through the record API
        if key == "id":
            if value is None:
                continue
            if not is_uuid(value):
                raise ApiError(
                    400,
                    {
                        "statusCode": 400,
                        "error": "Error",
                        "messages": [f'Value "{value}" is not a valid UUID'],
                        "code": "INVALID_QUERY_INPUT",
                    },
                )
            row["id"] = str(value).lower()
            continue
        if key in _SERVER_OWNED:
            continue
        if field.is_composite:
            row.update(v.composite(field, value, partial))
        else:
            row[lay.scalar_column[key].name] = v.scalar(field, value)
    return row


def uuid4() -> str:
    return str(uuid.uuid4())
