"""The declarative mapping: the user's own tables, views and queries → Twenty's objects and fields.

A :class:`SyncMapping` says, per entity (``contacts`` → ``person``, ``businesses`` → ``company``,
``relationships`` → ``contactBusinessRelationship``), where its rows come from (exactly one of a ``table`` — a view
is a table here — or a ``query``), which column is the key, which column (if any) stamps changes, which columns fill
the sync's own fields, the shape of the contacts' identifier columns, and the user's **own custom fields** (a
column → a Twenty field of a given type, provisioned by ``ensure_schema``). It is written in TOML::

    [contacts]
    table = "crm.customers"           # or: query = "SELECT ... FROM a JOIN b ..."
    key = "id"
    updated_at = "modified_at"        # optional: without it every run reads every row (and diffs by hash)
    fields = { canonical_name = "full_name" }
    identifiers = { shape = "columns", email = "email", phone = "mobile" }

    [contacts.custom.tier]            # a field of the user's own: person.tier, a SELECT
    column = "tier"
    type = "SELECT"
    options = ["GOLD", "SILVER", "BRONZE"]

and loaded with :meth:`SyncMapping.load` (or built in Python). Everything is checked when it is loaded — unknown
keys, a column named twice, a sync field that does not exist, a custom field whose name is one of Twenty's standard
fields or a reserved word, a type the sync cannot write, a SELECT without options — each a :class:`SourceMappingError`
naming the file, the entity and the column. :meth:`SyncMapping.default` is the seed's own tables, and its
:meth:`~SyncMapping.schema` is ``SEED_SCHEMA``: a user with the seed's tables changes nothing.

Values are read by :meth:`EntityMapping.read_row`: a value the mapping cannot read (a typed-identifier column that is
not a list, ``tier = "platinum"`` outside the options, ``"n/a"`` in a NUMBER column) makes the row *refused at plan
time* — it is an ``invalid`` change with the column and the row's key, logged to ``sync_errors`` by a run, while the
other rows land. It is never sent with an empty field, and never dropped silently.

Identifier shapes (contacts): ``object`` — one JSON column ``{"primary_email": ..., "primary_phone": ...}`` (the key
names configurable: ``email_key`` / ``phone_key``); ``typed_list`` — one JSON column holding
``[{"type": "email", "value": ..., "is_primary": true}, ...]`` (``type_key`` / ``value_key`` / ``primary_key``;
per type the one marked primary, else the first); ``columns`` — an ``email`` and/or a ``phone`` column.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeAlias

import attrs

from twenty_sdk import FieldSpec, ObjectSpec, RelationSpec, SchemaError, validate_schema
from twenty_sync._clean import CleaningError, clean_email, clean_link, clean_phone
from twenty_sync._mapping import DEFAULT_LIMITS, Limits, MappingError
from twenty_sync._records import BUSINESSES, CONTACTS, RELATIONSHIPS, Entity, canonical_json
from twenty_sync._seed_schema import RELATIONSHIP_OBJECT, SEED_SCHEMA

__all__ = [
    "CUSTOM_FIELD_TYPES",
    "CustomField",
    "EntityMapping",
    "Identifiers",
    "SourceMappingError",
    "SyncMapping",
]

CustomFieldType: TypeAlias = Literal[
    "TEXT", "NUMBER", "BOOLEAN", "DATE_TIME", "DATE", "SELECT", "MULTI_SELECT", "RAW_JSON", "EMAILS", "PHONES", "LINKS"
]
CUSTOM_FIELD_TYPES: tuple[str, ...] = (
    *("TEXT", "NUMBER", "BOOLEAN", "DATE_TIME", "DATE", "SELECT", "MULTI_SELECT", "RAW_JSON", "EMAILS", "PHONES"),
    "LINKS",
)
"""The Twenty field types a custom field of a mapping may have (the composites by their primary value)."""

IdentifierShape: TypeAlias = Literal["object", "typed_list", "columns"]

_ENTITIES: dict[str, Entity[Any]] = {"contacts": CONTACTS, "businesses": BUSINESSES, "relationships": RELATIONSHIPS}
_OBJECTS = {"contacts": "person", "businesses": "company", "relationships": RELATIONSHIP_OBJECT}

# The sync's own fields of each entity (its record's fields) → the Twenty field(s) they fill.
_TWENTY_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "canonical_name": ("name",),
        "contact_identifiers": ("contactIdentifiers",),
        "category_code": ("categoryCode",),
        "subcategory_code": ("subcategoryCode",),
        "relationship_category": ("relationshipCategory",),
        "llm_context": ("llmContext",),
        "communication_stats": ("communicationStats",),
        "social_network": ("socialNetwork",),
        "ai_insights": ("aiInsights",),
        "recommendations": ("recommendations",),
        "sync_metadata": ("syncMetadata",),
    },
    "businesses": {
        "business_name": ("name",),
        "website": ("domainName",),
        "industry": ("industry",),
        "business_type": ("businessType",),
        "business_data": ("businessData",),
        "relationship_stats": ("relationshipStats",),
        "sync_metadata": ("syncMetadata",),
        "llm_context": ("llmContext",),
    },
    "relationships": {
        "contact_id": ("personId",),
        "business_id": ("companyId",),
        "role": ("contactRole",),
        "relationship_type": ("relationshipType",),
    },
}
_KEY_FIELDS = {"contacts": "contactId", "businesses": "businessId", "relationships": "relationshipId"}
_REQUIRED = {"relationships": ("contact_id", "business_id")}
_JSON_FIELDS = {f.name for e in _ENTITIES.values() for f in e.fields if f.kind == "json"}

# Twenty 2.21.0's standard fields of person and company (a custom field cannot take one of these names), and the
# names the sync's own fields use there.
_STANDARD_FIELDS = {
    "person": frozenset(
        (
            *("attachments", "avatarFile", "avatarUrl", "calendarEventParticipants", "company", "companyId"),
            *("createdAt", "createdBy", "deletedAt", "emails", "id", "jobTitle", "linkedinLink", "listMemberships"),
            *("messageParticipants", "name", "noteTargets", "phones", "pointOfContactForOpportunities", "position"),
            *("searchVector", "taskTargets", "timelineActivities", "updatedAt", "updatedBy", "xLink", "city"),
        )
    ),
    "company": frozenset(
        (
            *("accountOwner", "accountOwnerId", "address", "annualRevenue", "attachments", "createdAt", "createdBy"),
            *("deletedAt", "domainName", "employees", "id", "idealCustomerProfile", "linkedinLink", "name"),
            *("noteTargets", "opportunities", "people", "position", "searchVector", "taskTargets"),
            *("timelineActivities", "updatedAt", "updatedBy", "xLink", "tagline", "visaSponsorship"),
        )
    ),
    RELATIONSHIP_OBJECT: frozenset(
        ("id", "name", "createdAt", "updatedAt", "deletedAt", "position", "createdBy", "updatedBy", "searchVector")
    ),
}
_SEED_FIELDS = {spec.name_singular: {f.name: f for f in spec.fields} for spec in SEED_SCHEMA}


class SourceMappingError(ValueError):
    """A mapping that cannot be used: every problem found, each naming where (file, entity, column)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid mapping:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = tuple(problems)


# --- the parts ----------------------------------------------------------------------------------------------------


def _names(value: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(value or ())


@attrs.frozen
class CustomField:
    """A field of the user's own in Twenty, filled from one column: ``CustomField("tier", "tier", "SELECT",
    options=("GOLD", "SILVER"))``. ``name`` is the Twenty field (camelCase); ``label`` defaults to the name."""

    name: str
    column: str
    type: str
    label: str | None = None
    options: tuple[str, ...] = attrs.field(default=(), converter=_names)
    description: str | None = None

    def spec(self) -> FieldSpec:
        label = self.label or re.sub(r"(?<!^)(?=[A-Z])", " ", self.name).capitalize()
        return FieldSpec(
            self.name,
            self.type,
            label,
            options=self.options,
            description=self.description or f"From the source column {self.column}.",
        )

    def read(self, value: Any, limits: Limits) -> Any:
        """The value as Twenty takes it for this field; raises ``ValueError`` with the reason."""
        return _CONVERTERS[self.type](self, value, limits)


@attrs.frozen
class Identifiers:
    """The shape of a contact's identifier columns (see the module docstring)."""

    shape: IdentifierShape
    column: str | None = None
    email: str | None = None
    phone: str | None = None
    email_key: str = "primary_email"
    phone_key: str = "primary_phone"
    type_key: str = "type"
    value_key: str = "value"
    primary_key: str = "is_primary"

    def columns(self) -> tuple[str, ...]:
        if self.shape == "columns":
            return tuple(c for c in (self.email, self.phone) if c)
        return (self.column,) if self.column else ()

    def read(self, row: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(primary email, primary phone) of a row; raises ``_CellError`` naming the column."""
        if self.shape == "columns":
            return _text_cell(row, self.email), _text_cell(row, self.phone)
        assert self.column is not None
        value = _json_cell(row[self.column], self.column)
        if value is None:
            return None, None
        if self.shape == "object":
            if not isinstance(value, dict):
                raise _CellError(
                    self.column, f"expected an object ({self.email_key}, {self.phone_key}), not {_shown(value)}"
                )
            return _text_item(value, self.email_key, self.column), _text_item(value, self.phone_key, self.column)
        if not isinstance(value, list):
            raise _CellError(self.column, f"expected a list of typed identifiers, not {_shown(value)}")
        picked: dict[str, tuple[bool, str]] = {}
        for i, item in enumerate(value):
            where = f"{self.column}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get(self.type_key), str):
                raise _CellError(
                    where, f"expected {{{self.type_key!r}: ..., {self.value_key!r}: ...}}, not {_shown(item)}"
                )
            kind = _identifier_kind(item[self.type_key])
            text = _text_item(item, self.value_key, where)
            if kind is None or text is None:
                continue
            primary = item.get(self.primary_key) is True
            if kind not in picked or (primary and not picked[kind][0]):
                picked[kind] = (primary, text)
        return (picked["email"][1] if "email" in picked else None), (picked["phone"][1] if "phone" in picked else None)


_EMAIL_TYPES = frozenset({"email", "e-mail", "mail"})
_PHONE_TYPES = frozenset({"phone", "mobile", "telephone", "tel", "cell", "work_phone", "home_phone"})


def _identifier_kind(text: str) -> str | None:
    kind = text.strip().lower()
    return "email" if kind in _EMAIL_TYPES else "phone" if kind in _PHONE_TYPES else None


class _CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57]) + "..."
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_cell(value: Any, column: str) -> Any:
    """A JSON column's value: JSON text is parsed (SQLite and STRING columns hold text), a parsed value kept."""
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _CellError(column, f"not JSON text: {_shown(value)}") from None
    return value


def _text_cell(row: Mapping[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row[column]
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _CellError(column, f"a {type(value).__name__} ({_shown(value)}), not text")
    return value


def _text_item(item: Mapping[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _CellError(f"{where}.{name}", f"a {type(value).__name__} ({_shown(value)}), not text")
    return value


# --- custom field values ------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def _as_text(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(f"a {type(value).__name__} ({_shown(value)}), not text")
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        raise ValueError("holds a NUL byte (\\x00), which Twenty answers with a 500")
    if len(text) > limits.max_text:
        raise ValueError(f"{len(text)} characters, over the limit of {limits.max_text}")
    return text


def _as_number(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(Decimal(value.strip().replace("_", "x")))
        except InvalidOperation:
            raise ValueError(f"{_shown(value)} is not a number") from None
    else:
        raise ValueError(f"a {type(value).__name__} ({_shown(value)}), not a number")
    if not math.isfinite(number):
        raise ValueError(f"{_shown(value)} is not a finite number")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _as_boolean(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{_shown(value)} is not a boolean (true/false, yes/no, 1/0)")


def _as_datetime(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{_shown(value)} is not an ISO 8601 date and time") from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # naive: read as UTC
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    raise ValueError(f"a {type(value).__name__} ({_shown(value)}), not a date and time")


def _as_date(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            raise ValueError(f"{_shown(value)} is not an ISO 8601 date") from None
    raise ValueError(f"a {type(value).__name__} ({_shown(value)}), not a date")


def _as_select(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in field.options:
        raise ValueError(f"{_shown(value)} is not one of the options {', '.join(field.options)}")
    return value


def _as_multi_select(field: CustomField, value: Any, limits: Limits) -> Any:
    if value is None or value == "":
        return None
    items = _json_cell(value, field.column) if isinstance(value, str) and value.lstrip().startswith("[") else value
    if isinstance(items, str):
        items = [part.strip() for part in items.split(",") if part.strip()]
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"a {type(items).__name__} ({_shown(items)}), not a list of options")
    bad = [item for item in items if not isinstance(item, str) or item not in field.options]
    if bad:
        raise ValueError(f"{_shown(bad[0])} is not one of the options {', '.join(field.options)}")
    return sorted(set(items), key=field.options.index)


def _as_raw_json(field: CustomField, value: Any, limits: Limits) -> Any:
    parsed = _json_cell(value, field.column)
    if parsed is None:
        return None
    try:
        text = canonical_json(parsed)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a JSON value ({exc})") from None
    if len(text) > limits.max_json:
        raise ValueError(f"{len(text)} characters of JSON, over the limit of {limits.max_json}")
    return parsed


def _cleaned(clean: Any, value: Any, *args: Any) -> Any:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__} ({_shown(value)}), not text")
    try:
        return clean(value, *args)
    except CleaningError as exc:
        raise ValueError(exc.reason) from None


def _as_emails(field: CustomField, value: Any, limits: Limits) -> Any:
    email = _cleaned(clean_email, value)
    return None if email is None else {"primaryEmail": email}


def _as_phones(field: CustomField, value: Any, limits: Limits) -> Any:
    return _cleaned(clean_phone, value, limits.default_phone_region)


def _as_links(field: CustomField, value: Any, limits: Limits) -> Any:
    link = _cleaned(clean_link, value)
    return None if link is None else {"primaryLinkUrl": link}


_CONVERTERS: dict[str, Any] = {
    "TEXT": _as_text,
    "NUMBER": _as_number,
    "BOOLEAN": _as_boolean,
    "DATE_TIME": _as_datetime,
    "DATE": _as_date,
    "SELECT": _as_select,
    "MULTI_SELECT": _as_multi_select,
    "RAW_JSON": _as_raw_json,
    "EMAILS": _as_emails,
    "PHONES": _as_phones,
    "LINKS": _as_links,
}
_EMPTY: dict[str, Any] = {"EMAILS": {"primaryEmail": ""}, "LINKS": {"primaryLinkUrl": ""}}
"""What a composite custom field is sent as when its column is empty (null would not clear it)."""


# --- an entity's mapping ------------------------------------------------------------------------------------------


def _str_dict(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _custom_fields(value: Iterable[CustomField]) -> tuple[CustomField, ...]:
    return tuple(value)


@attrs.frozen
class MappedRow:
    """One source row read through a mapping: its key, the sync's own values (by the record's field names), the
    custom fields' values (by Twenty field name, as Twenty takes them), the column it could not read and why."""

    key: str
    values: dict[str, Any]
    custom: dict[str, Any]
    updated_at: datetime | None = None
    error: str | None = None


@attrs.frozen
class EntityMapping:
    """Where one entity's rows come from and how their columns map (see the module docstring)."""

    entity: str
    key: str
    table: str | None = None
    query: str | None = None
    updated_at: str | None = None
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_str_dict)
    """The sync's own field → the source column (``{"canonical_name": "full_name"}``)."""
    identifiers: Identifiers | None = None
    custom: tuple[CustomField, ...] = attrs.field(default=(), converter=_custom_fields)

    @property
    def object_name(self) -> str:
        return _OBJECTS[self.entity]

    @property
    def read_only(self) -> bool:
        """A query source: rows are read from it, never written back."""
        return self.query is not None

    @property
    def source(self) -> str:
        return f"table {self.table}" if self.table is not None else "query"

    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads, the key first, each once."""
        cols = [self.key, *self.fields.values()]
        if self.identifiers is not None:
            cols += self.identifiers.columns()
        cols += [c.column for c in self.custom]
        if self.updated_at:
            cols.append(self.updated_at)
        return tuple(dict.fromkeys(cols))

    @functools.cached_property
    def _cached(self) -> tuple[str, frozenset[str]]:
        """The fingerprint and the Twenty fields, computed once (read for every row)."""
        return self._fingerprint(), self._twenty_fields()

    def twenty_fields(self) -> frozenset[str]:
        """The Twenty fields a payload of this mapping carries (the key field always)."""
        return self._cached[1]

    def fingerprint(self) -> str:
        """A short hash of everything that decides what a row becomes (a changed mapping re-maps every row)."""
        return self._cached[0]

    def _twenty_fields(self) -> frozenset[str]:
        out = {_KEY_FIELDS[self.entity]}
        for name in self.fields:
            out.update(_TWENTY_FIELDS[self.entity][name])
        if self.identifiers is not None:
            cols = self.identifiers
            if cols.shape != "columns" or cols.email:
                out.add("emails")
            if cols.shape != "columns" or cols.phone:
                out.add("phones")
        if self.entity == "relationships":
            out.add("_refs")
        return frozenset(out | {c.name for c in self.custom})

    def _fingerprint(self) -> str:
        spec = attrs.asdict(self, recurse=True, filter=lambda a, _v: a.name not in ("table", "query", "updated_at"))
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def read_row(self, row: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> MappedRow:
        """A source row (column → value) read through the mapping; a value it cannot read is the row's ``error``
        (``"<column>: <reason>"``), never a silently empty field."""
        raw_key = row[self.key]
        if raw_key is None or (isinstance(raw_key, str) and not raw_key.strip()):
            raise MappingError(f"{self.key}: a row has no key")
        key = raw_key if isinstance(raw_key, str) else str(raw_key)
        stamp = row.get(self.updated_at) if self.updated_at else None
        updated = stamp if isinstance(stamp, datetime) else None
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        try:
            for name, column in self.fields.items():
                values[name] = self._own_value(name, column, row[column])
            if self.identifiers is not None:
                email, phone = self.identifiers.read(row)
                values["primary_email"], values["primary_phone"] = email, phone
            for cf in self.custom:
                try:
                    value = cf.read(row[cf.column], limits)
                except ValueError as exc:
                    raise _CellError(cf.column, str(exc)) from None
                custom[cf.name] = _EMPTY.get(cf.type) if value is None else value
        except _CellError as exc:
            return MappedRow(key, {}, {}, updated, f"{exc.column}: {exc.reason}")
        return MappedRow(key, values, custom, updated)

    def _own_value(self, name: str, column: str, value: Any) -> Any:
        if name in _JSON_FIELDS:
            parsed = _json_cell(value, column) if name != "llm_context" else value
            try:
                canonical_json(parsed)
            except (TypeError, ValueError) as exc:
                raise _CellError(column, f"not a JSON value ({exc})") from None
            return parsed
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise _CellError(column, f"a {type(value).__name__} ({_shown(value)}), not text")
        return value if isinstance(value, str) else str(value)


# --- the whole mapping --------------------------------------------------------------------------------------------


@attrs.frozen
class SyncMapping:
    """A mapping per entity (None: the entity is not synced from this source). ``origin`` names where it was read
    from (a file), for messages."""

    contacts: EntityMapping | None = None
    businesses: EntityMapping | None = None
    relationships: EntityMapping | None = None
    origin: str = attrs.field(default="<mapping>", eq=False)

    ENTITY_NAMES: ClassVar[tuple[str, ...]] = ("contacts", "businesses", "relationships")

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise SourceMappingError(problems)

    def entities(self) -> tuple[EntityMapping, ...]:
        return tuple(m for m in (self.contacts, self.businesses, self.relationships) if m is not None)

    def get(self, entity: str) -> EntityMapping | None:
        mapping: EntityMapping | None = getattr(self, entity, None) if entity in self.ENTITY_NAMES else None
        return mapping

    @classmethod
    def default(cls) -> SyncMapping:
        """The seed's own tables (``contacts``, ``businesses``, ``relationships``, their columns as the sync names its
        fields): what every store reads when no mapping is given. Its :meth:`schema` is ``SEED_SCHEMA``."""
        entities = {}
        for name, entity in _ENTITIES.items():
            own = {f.name: f.name for f in entity.fields if f.name != entity.key}
            entities[name] = EntityMapping(name, entity.key, table=name, updated_at="updated_at", fields=own)
        return cls(**entities, origin="<default mapping>")

    @property
    def is_default(self) -> bool:
        return self == SyncMapping.default()

    def schema(self) -> tuple[ObjectSpec, ...]:
        """The Twenty schema this mapping writes to, for ``ensure_schema``: the sync's key fields, the seed's fields
        its own fields fill, and the user's custom fields. The default mapping's is ``SEED_SCHEMA``."""
        if self.is_default:
            return SEED_SCHEMA
        out = []
        for spec in SEED_SCHEMA:
            mapping = next((m for m in self.entities() if m.object_name == spec.name_singular), None)
            if mapping is None:
                continue
            wanted = mapping.twenty_fields()
            fields: list[FieldSpec | RelationSpec] = [
                f for f in spec.fields if f.name in wanted or isinstance(f, RelationSpec)
            ]
            fields += [c.spec() for c in mapping.custom]
            out.append(attrs.evolve(spec, fields=tuple(fields)))
        return tuple(out)

    def describe(self) -> str:
        """What was validated, one line per entity and field (``twenty-sync mapping check``)."""
        lines = [f"mapping {self.origin}: valid"]
        for m in self.entities():
            since = f", changes by {m.updated_at}" if m.updated_at else ", every row read each run (no updated_at)"
            ro = " (read-only: a query)" if m.read_only else ""
            lines.append(f"{m.entity} → {m.object_name}: {m.source}{ro}, key {m.key}{since}")
            for name, column in m.fields.items():
                lines.append(f"  {column:<24} → {name} ({', '.join(_TWENTY_FIELDS[m.entity][name])})")
            if m.identifiers is not None:
                lines.append(f"  {', '.join(m.identifiers.columns()):<24} → emails / phones ({m.identifiers.shape})")
            for c in m.custom:
                extra = f" [{', '.join(c.options)}]" if c.options else ""
                lines.append(f"  {c.column:<24} → {c.name} (custom {c.type}{extra})")
        return "\n".join(lines)

    # --- loading ------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | PathLike[str]) -> SyncMapping:
        """Read and validate a TOML mapping file; raises :class:`SourceMappingError` naming the file."""
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SourceMappingError([f"{where}: cannot be read ({exc.strerror or exc})"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise SourceMappingError([f"{where}: not valid TOML ({exc})"]) from None
        return cls.from_dict(data, origin=where)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "<mapping>") -> SyncMapping:
        """Build from a parsed TOML document (or any dict of the same shape); raises :class:`SourceMappingError`."""
        problems: list[str] = []
        entities: dict[str, EntityMapping | None] = {}
        for name in data:
            if name not in cls.ENTITY_NAMES:
                problems.append(f"{origin}: unknown section [{name}] (expected {', '.join(cls.ENTITY_NAMES)})")
        for name in cls.ENTITY_NAMES:
            section = data.get(name)
            if section is None:
                continue
            if not isinstance(section, Mapping):
                problems.append(f"{origin}: [{name}] must be a table")
                continue
            entity = _entity_from_dict(name, section, f"{origin} [{name}]", problems)
            entities[name] = entity
        if not any(entities.values()) and not problems:
            problems.append(f"{origin}: maps no entity (give [contacts], [businesses] or [relationships])")
        try:
            mapping = cls(**entities, origin=origin)
        except SourceMappingError as exc:
            problems += [f"{origin} {p}" for p in exc.problems]
        if problems:
            raise SourceMappingError(problems)
        return mapping


_ENTITY_KEYS = frozenset({"table", "view", "query", "key", "updated_at", "fields", "identifiers", "custom"})
_IDENTIFIER_KEYS = frozenset(
    {"shape", "column", "email", "phone", "email_key", "phone_key", "type_key", "value_key", "primary_key"}
)
_CUSTOM_KEYS = frozenset({"column", "type", "label", "options", "description"})


def _unknown(section: Mapping[str, Any], allowed: frozenset[str], where: str, problems: list[str]) -> None:
    for k in section:
        if k not in allowed:
            problems.append(f"{where}: unknown key {k!r} (expected one of {', '.join(sorted(allowed))})")


def _str(section: Mapping[str, Any], name: str, where: str, problems: list[str]) -> str | None:
    value = section.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        problems.append(f"{where}: {name} must be a non-empty string, not {value!r}")
        return None
    return value


def _entity_from_dict(name: str, section: Mapping[str, Any], where: str, problems: list[str]) -> EntityMapping | None:
    _unknown(section, _ENTITY_KEYS, where, problems)
    table = _str(section, "table", where, problems)
    view = _str(section, "view", where, problems)
    query = _str(section, "query", where, problems)
    sources = [s for s in (table, view, query) if s is not None]
    if len(sources) != 1:
        problems.append(f"{where}: give exactly one of table, view or query ({len(sources)} given)")
    key = _str(section, "key", where, problems)
    if key is None:
        problems.append(f"{where}: key (the key column) is missing")
    fields = section.get("fields", {})
    if not isinstance(fields, Mapping) or not all(isinstance(v, str) and v for v in fields.values()):
        problems.append(f'{where}: fields must map the sync\'s fields to column names (field = "column")')
        fields = {}
    identifiers = None
    ids = section.get("identifiers")
    if ids is not None:
        if not isinstance(ids, Mapping):
            problems.append(f"{where}: identifiers must be a table")
        else:
            _unknown(ids, _IDENTIFIER_KEYS, f"{where} identifiers", problems)
            try:
                identifiers = Identifiers(**{k: v for k, v in ids.items() if k in _IDENTIFIER_KEYS})
            except TypeError as exc:
                problems.append(f"{where} identifiers: {exc}")
    custom: list[CustomField] = []
    section_custom = section.get("custom", {})
    if not isinstance(section_custom, Mapping):
        problems.append(f"{where}: custom must be a table of fields ([{name}.custom.<field>])")
        section_custom = {}
    for field_name, spec in section_custom.items():
        at = f"{where} custom.{field_name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{at}: must be a table (column, type, ...)")
            continue
        _unknown(spec, _CUSTOM_KEYS, at, problems)
        column, kind = spec.get("column"), spec.get("type")
        if not isinstance(column, str) or not column or not isinstance(kind, str):
            problems.append(f"{at}: column and type are required")
            continue
        options = spec.get("options", [])
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            problems.append(f"{at}: options must be a list of strings")
            options = []
        custom.append(
            CustomField(field_name, column, kind.upper(), spec.get("label"), options, spec.get("description"))
        )
    if key is None or len(sources) != 1:
        return None
    return EntityMapping(
        name,
        key,
        table=table or view,
        query=query,
        updated_at=_str(section, "updated_at", where, problems),
        fields=dict(fields),
        identifiers=identifiers,
        custom=tuple(custom),
    )


def _problems(mapping: SyncMapping) -> list[str]:
    """Every problem of a mapping built in Python or from a file (empty when it is usable)."""
    problems: list[str] = []
    for name in SyncMapping.ENTITY_NAMES:
        m = mapping.get(name)
        if m is None:
            continue
        where = f"[{name}]"
        if m.entity != name:
            problems.append(f"{where}: holds the mapping of {m.entity!r}")
            continue
        if (m.table is None) == (m.query is None):
            problems.append(f"{where}: give exactly one of table (or view) and query")
        own = _TWENTY_FIELDS[name]
        for field in m.fields:
            if field not in own:
                problems.append(
                    f"{where} fields: {field!r} is not a field of {name} (expected one of {', '.join(own)})"
                )
        for field in _REQUIRED.get(name, ()):
            if field not in m.fields:
                problems.append(f"{where} fields: {field} is required (the column holding it)")
        if m.identifiers is not None:
            problems += _identifier_problems(name, m.identifiers)
        used: dict[str, str] = {}
        for what, column in [
            *((f"fields.{f}", c) for f, c in m.fields.items()),
            *(("identifiers", c) for c in (m.identifiers.columns() if m.identifiers else ())),
            *((f"custom.{c.name}", c.column) for c in m.custom),
        ]:
            if column == m.key:
                problems.append(f"{where} {what}: the column {column!r} is the key column")
            elif column in used:
                problems.append(f"{where} {what}: the column {column!r} is already mapped by {used[column]}")
            used.setdefault(column, what)
        problems += _custom_problems(m, where)
    return problems


def _identifier_problems(entity: str, ids: Identifiers) -> list[str]:
    where = f"[{entity}] identifiers"
    if entity != "contacts":
        return [f"{where}: only contacts have identifiers"]
    if ids.shape not in ("object", "typed_list", "columns"):
        return [f"{where}: shape {ids.shape!r} is not one of object, typed_list, columns"]
    if ids.shape == "columns":
        problems = [] if ids.email or ids.phone else [f"{where}: shape columns needs an email and/or a phone column"]
        if ids.column:
            problems.append(f"{where}: shape columns takes email / phone, not column")
        return problems
    return [] if ids.column else [f"{where}: shape {ids.shape} needs the column holding the identifiers"]


def _custom_problems(m: EntityMapping, where: str) -> list[str]:
    problems: list[str] = []
    standard = _STANDARD_FIELDS[m.object_name]
    seed = _SEED_FIELDS.get(m.object_name, {})
    names: set[str] = set()
    for c in m.custom:
        at = f"{where} custom.{c.name} (column {c.column})"
        if c.name in names:
            problems.append(f"{at}: declared twice")
        names.add(c.name)
        if c.type not in CUSTOM_FIELD_TYPES:
            problems.append(f"{at}: type {c.type!r} is not one the sync can write ({', '.join(CUSTOM_FIELD_TYPES)})")
            continue
        if c.name in standard:
            problems.append(f"{at}: {c.name!r} is one of Twenty's standard {m.object_name} fields")
        elif c.name in seed or c.name == _KEY_FIELDS[m.entity]:
            problems.append(f"{at}: {c.name!r} is a field of the sync's own (map it under fields instead)")
        if c.type in ("SELECT", "MULTI_SELECT"):
            if len(set(c.options)) != len(c.options):
                problems.append(f"{at}: an option is listed twice")
        elif c.options:
            problems.append(f"{at}: options are for SELECT and MULTI_SELECT fields only")
        try:
            validate_schema([ObjectSpec("person", "people", custom=False, fields=(c.spec(),))])
        except SchemaError as exc:
            problems += [f"{at}: {p.split(': ', 1)[-1]}" for p in str(exc).splitlines()[1:] or [str(exc)]]
    return problems
