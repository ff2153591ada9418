"""Source records: the contacts, businesses and relationships that twenty_sync keeps in step between the warehouse
(BigQuery), the app database (Supabase / PostgreSQL), the embedded local store and Twenty.

Each record is a frozen attrs class with a stable ``key`` (its source id) and a ``content_hash``: the sha256 of a
canonical JSON text of its hashed fields. The engine diffs on (key, content_hash) pairs, so the hash must not depend
on where a record was read from, and BigQuery must be able to compute the very same hash in SQL
(``TO_HEX(SHA256(TO_JSON_STRING(STRUCT(...))))``, see ``twenty_sync.stores._bigquery``).

The canonical text, exactly::

    {"<field>":<value>,...}          every hashed field, sorted by name, no whitespace
    <value> of a text field          null, or the string escaped as BigQuery's TO_JSON_STRING escapes a STRING:
                                     \\" \\\\ \\b \\f \\n \\r \\t, other controls as \\u00xx, and U+2028 / U+2029 as
                                     \\u2028 / \\u2029; every other character as itself (UTF-8)
    <value> of a JSON field          null, or ``canonical_json(value)``: BigQuery's serialisation of a JSON value
                                     (ZetaSQL's JSONValue, i.e. nlohmann::json ``dump()``): object keys sorted by
                                     code point, no whitespace, strings escaped as above except U+2028 / U+2029
                                     (kept as is), integers as digits, floats in nlohmann's shortest form
                                     (``1.0``, ``0.0001``, ``1e-05``, ``1e+15``)

JSON values are compared semantically: ``{"b": 1, "a": 2}`` and ``{"a":2,"b":1}`` hash the same, wherever they were
stored (PostgreSQL's jsonb reorders keys, BigQuery sorts them, SQLite keeps text). Not hashed: the key itself (the
diff is per key), ``sync_metadata`` (bookkeeping the sync writes back — hashing it would make every run a change)
and ``updated_at`` (the store's change stamp, set by the store on write and read back for watermarks).

Record equality follows the same rule for ``updated_at``: two records with the same fields are equal whatever their
stamps.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeAlias, TypeVar, cast

import attrs

__all__ = [
    "BUSINESSES",
    "Business",
    "CONTACTS",
    "Contact",
    "ENTITIES",
    "Entity",
    "Field",
    "FieldKind",
    "JsonValue",
    "RELATIONSHIPS",
    "Relationship",
    "SourceRecord",
    "canonical_json",
    "decimal_json",
    "text_json",
]

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
"""A JSON value as Python holds it after ``json.loads``: dicts with string keys, lists, str, int, float, bool, None."""

FieldKind: TypeAlias = Literal["text", "json"]

_INT_MIN = -(2**63)
_UINT_MAX = 2**64 - 1  # BigQuery keeps integers in [-2**63, 2**64) exact; larger ones become doubles
_EXP_FORM_MIN, _EXP_FORM_MAX = -4, 15  # nlohmann::json writes 10^-5 and below, and 10^15 and above, as d.ddde±XX


# --- canonical JSON ---------------------------------------------------------------------------------------------


_NOTATION = 1  # a float written otherwise than repr() does: |x| in [1e15, 1e16) (1e+15, not 1000000000000000.0), -0.0
_WIDE_INT = 2  # an integer BigQuery cannot keep exact (outside [-2**63, 2**64)): it becomes a double there
_EXP_INTEGRAL = 4  # an integral float repr() writes with an exponent (|x| >= 1e16): jsonb reads "1e+16" back as an int


def _check_json(value: object, path: str = "$") -> int:
    """Raise if ``value`` is not a JSON value; return the flags of the numbers in it that need the slow encoders."""
    if value is None or isinstance(value, (bool, str)):
        return 0
    if isinstance(value, int):
        return 0 if _INT_MIN <= value <= _UINT_MAX else _WIDE_INT
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: {value!r} is not a JSON number")
        magnitude = abs(value)
        if magnitude < 1e15:
            return _NOTATION if value == 0.0 and math.copysign(1.0, value) < 0 else 0  # -0.0 is written 0.0
        if magnitude < 1e16:
            return _NOTATION
        return _EXP_INTEGRAL if value.is_integer() else 0
    flags = 0
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            flags |= _check_json(item, f"{path}[{i}]")
        return flags
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{path}: object key {k!r} is not a string")
            flags |= _check_json(item, f"{path}.{k}")
        return flags
    raise TypeError(f"{path}: {type(value).__name__} is not a JSON value")


def _format_float(x: float) -> str:
    """A float as nlohmann::json (and so BigQuery) writes it: the shortest round-trip digits, in fixed notation for
    decimal exponents in (-5, 15], else ``d.ddde±XX``; integral values keep a ``.0``."""
    if x == 0.0:
        return "0.0"  # -0.0 too: the same JSON number (and PostgreSQL's numeric has no negative zero)
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    digits = raw.lstrip("0")
    point = len(whole) + (int(exp) if exp else 0) - (len(raw) - len(digits))  # value = 0.<digits> * 10**point
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= _EXP_FORM_MAX:
        return f"{sign}{digits}{'0' * (point - k)}.0"
    if 0 < point <= _EXP_FORM_MAX:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if _EXP_FORM_MIN < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    e = point - 1
    body = digits[0] + (f".{digits[1:]}" if k > 1 else "")
    return f"{sign}{body}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _positional_float(x: float) -> str:
    """A float as repr() writes it, but an integral one without an exponent (``1e+16`` → ``10000000000000000.0``)."""
    return f"{x:.1f}" if x.is_integer() and abs(x) >= 1e16 else repr(x)


def _encode(value: object, float_text: Callable[[float], str] = _format_float) -> Iterator[str]:
    if value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif isinstance(value, str):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, int):
        yield str(value) if _INT_MIN <= value <= _UINT_MAX else float_text(float(value))
    elif isinstance(value, float):
        yield float_text(value)
    elif isinstance(value, (list, tuple)):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _encode(item, float_text)
        yield "]"
    else:
        assert isinstance(value, dict)
        yield "{"
        for i, k in enumerate(sorted(value)):
            if i:
                yield ","
            yield json.dumps(k, ensure_ascii=False)
            yield ":"
            yield from _encode(value[k], float_text)
        yield "}"


def canonical_json(value: JsonValue) -> str:
    """The canonical text of a JSON value: what BigQuery's ``TO_JSON_STRING`` gives for it once stored in a JSON
    column (sorted keys, no whitespace, nlohmann's number notation). Raises ``ValueError``/``TypeError`` for values
    that are not JSON (NaN, infinities, non-string keys, other types)."""
    if _check_json(value) & (_NOTATION | _WIDE_INT):
        return "".join(_encode(value))
    # The C encoder writes exactly the same text whenever no number needs nlohmann's notation (the common case).
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def decimal_json(value: JsonValue) -> str:
    """Compact JSON text for a database that reads JSON numbers as decimals (PostgreSQL's jsonb): floats as repr()
    writes them, except that an integral float never gets an exponent — jsonb would read ``1e+16`` back as the
    integer 10000000000000000, which hashes differently from the float it was. Key order is not canonical (jsonb
    orders keys itself)."""
    if _check_json(value) & _EXP_INTEGRAL:
        return "".join(_encode(value, _positional_float))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def text_json(value: str | None) -> str:
    """A text value as BigQuery's ``TO_JSON_STRING`` writes a STRING (ZetaSQL ``JsonEscapeString``): like
    ``json.dumps(ensure_ascii=False)``, plus U+2028 and U+2029 escaped."""
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# --- fields and entities ----------------------------------------------------------------------------------------


class SourceRecord(Protocol):
    """What every source record offers the stores and the engine."""

    @property
    def key(self) -> str: ...

    @property
    def content_hash(self) -> str: ...

    @property
    def updated_at(self) -> datetime | None: ...


R = TypeVar("R", bound=SourceRecord)


@attrs.frozen
class Field:
    """One stored column of an entity: its name (the same in every store), kind, and whether it is required (NOT NULL
    in every store) and hashed."""

    name: str
    kind: FieldKind = "text"
    required: bool = False
    hashed: bool = True


@attrs.frozen(eq=False)
class Entity(Generic[R]):
    """An entity the stores hold: its name (the default table name), record class, key field and stored fields (the
    key first; ``updated_at`` is not listed — every store adds it)."""

    name: str
    record_type: Callable[..., R] = attrs.field(repr=False)
    key: str
    fields: tuple[Field, ...] = attrs.field(repr=False)
    field_names: tuple[str, ...] = attrs.field(init=False, repr=False)
    hashed_fields: tuple[Field, ...] = attrs.field(init=False, repr=False)
    """The fields the content hash covers, sorted by name (the order of the canonical text and of the SQL STRUCT
    that reproduces it)."""
    _hashed_positions: tuple[tuple[str, int, bool], ...] = attrs.field(init=False, repr=False)
    """Per hashed field: its ``"<name>":`` prefix in the canonical text, position in ``fields``, and whether it is
    text (for :meth:`stored_content_hash`)."""
    _plain_attrs: bool = attrs.field(init=False, repr=False)
    """Whether ``record_type`` is an attrs class of exactly the stored fields and ``updated_at`` (then
    :meth:`from_checked_values` sets them without running ``__init__``)."""

    def __attrs_post_init__(self) -> None:
        if self.fields[0].name != self.key:
            raise ValueError(f"{self.name}: the key field {self.key!r} must come first")
        object.__setattr__(self, "field_names", tuple(f.name for f in self.fields))
        hashed = tuple(sorted((f for f in self.fields if f.hashed), key=lambda f: f.name))
        object.__setattr__(self, "hashed_fields", hashed)
        positions = tuple((f'"{f.name}":', self.fields.index(f), f.kind == "text") for f in hashed)
        object.__setattr__(self, "_hashed_positions", positions)
        fields: tuple[attrs.Attribute[Any], ...] = getattr(self.record_type, "__attrs_attrs__", ())
        plain = not hasattr(self.record_type, "__attrs_post_init__")
        plain = plain and tuple(a.name for a in fields) == (*self.field_names, "updated_at")
        object.__setattr__(self, "_plain_attrs", plain)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def values(self, record: R) -> dict[str, Any]:
        """The stored fields of a record, by name (``str`` for text, a JSON value for json, ``None`` for NULL)."""
        return {name: getattr(record, name) for name in self.field_names}

    def from_values(self, values: Mapping[str, Any], updated_at: datetime | None = None) -> R:
        """Build a record from stored values (a row read back from a store)."""
        return self.record_type(**{name: values[name] for name in self.field_names}, updated_at=updated_at)

    def from_checked_values(self, values: Sequence[Any], updated_at: datetime | None = None) -> R:
        """Build a record from values in field order that are known to be valid — a store's own row, its JSON parsed
        from the canonical text it wrote (NaN and infinities refused by the parser): the field validators, most of
        the cost of building a record, are not run again. The key is still checked."""
        if not self._plain_attrs:
            return self.record_type(**dict(zip(self.field_names, values, strict=True)), updated_at=updated_at)
        key = values[0]
        if not isinstance(key, str) or not key:
            raise ValueError(f"{self.name}: the key {self.key} must be a non-empty string, not {key!r}")
        record = _new(cast("type[R]", self.record_type))
        for name, value in zip(self.field_names, values, strict=True):
            _set(record, name, value)
        _set(record, "updated_at", updated_at)
        return record

    def content_hash(self, record: R) -> str:
        return _content_hash(record, self.hashed_fields)

    def canonical_text(self, record: R) -> str:
        """The text whose sha256 is the record's content hash (see the module docstring)."""
        return _canonical_text(record, self.hashed_fields)

    def stored_content_hash(self, values: Sequence[str | None]) -> str:
        """The content hash of a row as a store writes it: ``values`` in field order, text as itself, JSON as its
        canonical text (``canonical_json``), NULL as None. The same as the record's ``content_hash``, without
        decoding the JSON (the canonical text is made of those very texts)."""
        parts = []
        for prefix, i, is_text in self._hashed_positions:
            value = values[i]
            parts.append(prefix + (text_json(value) if is_text else "null" if value is None else value))
        text = "{" + ",".join(parts) + "}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_new = object.__new__
_set = object.__setattr__  # how attrs sets the fields of a frozen class


def _canonical_text(record: object, fields: tuple[Field, ...]) -> str:
    parts = []
    for f in fields:
        value = getattr(record, f.name)
        encoded = text_json(value) if f.kind == "text" else canonical_json(value)
        parts.append(f'"{f.name}":{encoded}')
    return "{" + ",".join(parts) + "}"


def _content_hash(record: object, fields: tuple[Field, ...]) -> str:
    text = _canonical_text(record, fields)
    # surrogatepass: a record holding a lone surrogate (it cannot be stored anywhere) still has a stable hash
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be a non-empty string, not {value!r}")


def _json(instance: object, attribute: attrs.Attribute[JsonValue], value: object) -> None:
    try:
        _check_json(value, f"{type(instance).__name__}.{attribute.name}")
    except RecursionError:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} is nested too deeply") from None


@attrs.frozen
class Contact:
    """A contact (a person) as the warehouse holds it.

    ``contact_identifiers`` is a JSON object carrying at least ``primary_email`` and ``primary_phone`` (both may be
    missing or null); every JSON field holds any JSON value (an object, a list, a string...) or None.
    """

    contact_id: str = attrs.field(validator=_key)
    canonical_name: str
    contact_identifiers: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    category_code: str | None = None
    subcategory_code: str | None = None
    relationship_category: str | None = None
    llm_context: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    communication_stats: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    social_network: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    ai_insights: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    recommendations: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    sync_metadata: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    updated_at: datetime | None = attrs.field(
        default=None, eq=False, kw_only=True
    )  # not compared: see the module docstring

    entity: ClassVar[Entity[Contact]]

    @property
    def key(self) -> str:
        return self.contact_id

    @property
    def content_hash(self) -> str:
        return _content_hash(self, CONTACTS.hashed_fields)

    @property
    def primary_email(self) -> str | None:
        return _identifier(self.contact_identifiers, "primary_email")

    @property
    def primary_phone(self) -> str | None:
        return _identifier(self.contact_identifiers, "primary_phone")

    def __hash__(self) -> int:
        return hash((type(self), self.key, self.content_hash))


def _identifier(identifiers: JsonValue, name: str) -> str | None:
    if isinstance(identifiers, dict):
        value = identifiers.get(name)
        if isinstance(value, str) and value:
            return value
    return None


@attrs.frozen
class Business:
    """A business (a company) as the warehouse holds it."""

    business_id: str = attrs.field(validator=_key)
    business_name: str
    website: str | None = None
    industry: str | None = None
    business_type: str | None = None
    business_data: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    relationship_stats: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    sync_metadata: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    llm_context: JsonValue = attrs.field(default=None, validator=_json, repr=False)
    updated_at: datetime | None = attrs.field(
        default=None, eq=False, kw_only=True
    )  # not compared: see the module docstring

    entity: ClassVar[Entity[Business]]

    @property
    def key(self) -> str:
        return self.business_id

    @property
    def content_hash(self) -> str:
        return _content_hash(self, BUSINESSES.hashed_fields)

    def __hash__(self) -> int:
        return hash((type(self), self.key, self.content_hash))


@attrs.frozen
class Relationship:
    """A contact's relationship to a business (its role there)."""

    relationship_id: str = attrs.field(validator=_key)
    contact_id: str
    business_id: str
    role: str | None = None
    relationship_type: str | None = None
    updated_at: datetime | None = attrs.field(
        default=None, eq=False, kw_only=True
    )  # not compared: see the module docstring

    entity: ClassVar[Entity[Relationship]]

    @property
    def key(self) -> str:
        return self.relationship_id

    @property
    def content_hash(self) -> str:
        return _content_hash(self, RELATIONSHIPS.hashed_fields)

    def __hash__(self) -> int:
        return hash((type(self), self.key, self.content_hash))


CONTACTS: Entity[Contact] = Entity(
    name="contacts",
    record_type=Contact,
    key="contact_id",
    fields=(
        Field("contact_id", required=True, hashed=False),
        Field("canonical_name", required=True),
        Field("contact_identifiers", "json"),
        Field("category_code"),
        Field("subcategory_code"),
        Field("relationship_category"),
        Field("llm_context", "json"),
        Field("communication_stats", "json"),
        Field("social_network", "json"),
        Field("ai_insights", "json"),
        Field("recommendations", "json"),
        Field("sync_metadata", "json", hashed=False),
    ),
)
BUSINESSES: Entity[Business] = Entity(
    name="businesses",
    record_type=Business,
    key="business_id",
    fields=(
        Field("business_id", required=True, hashed=False),
        Field("business_name", required=True),
        Field("website"),
        Field("industry"),
        Field("business_type"),
        Field("business_data", "json"),
        Field("relationship_stats", "json"),
        Field("sync_metadata", "json", hashed=False),
        Field("llm_context", "json"),
    ),
)
RELATIONSHIPS: Entity[Relationship] = Entity(
    name="relationships",
    record_type=Relationship,
    key="relationship_id",
    fields=(
        Field("relationship_id", required=True, hashed=False),
        Field("contact_id", required=True),
        Field("business_id", required=True),
        Field("role"),
        Field("relationship_type"),
    ),
)
Contact.entity = CONTACTS
Business.entity = BUSINESSES
Relationship.entity = RELATIONSHIPS

ENTITIES: tuple[Entity[Any], ...] = (CONTACTS, BUSINESSES, RELATIONSHIPS)
"""Every entity, in dependency order (relationships refer to contacts and businesses)."""
