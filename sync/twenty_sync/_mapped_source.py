"""A source read through a :class:`~twenty_sync.SyncMapping`: the user's own tables, views or queries, on the connection
of one of the sync's stores (``LocalStore`` SQLite, ``PostgresStore``, ``BigQueryStore``).

    mapping = SyncMapping.load("mapping.toml")
    source = MappedSource(PostgresStore(dsn), mapping)
    print(engine.plan(source))             # values the mapping cannot read: invalid, with the column and the key
    engine.run(source)                     # provisions the mapping's fields (custom ones included), then pushes

Per entity it runs ``SELECT <mapped columns> FROM <table | (query) AS q> ORDER BY <key>`` (the key as text, in code
point order: the order the engine's merge-join needs) and yields :class:`MappedRecord` values, which the engine
diffs, sends and records like any store's records: a record's content hash covers the values it maps and the
mapping's fingerprint (a changed mapping re-maps every row; the payload hash decides what is sent again).
``updated_at`` columns serve :meth:`MappedSource.read_changed`; the push reads every row and diffs by hash.

Not for BigQuery sources: the in-warehouse diff (``key_hashes`` / ``diff_mirror``): a mapped source is hashed in
Python, so each run reads its mapped columns whole (a query's cost is the warehouse's).

**Pull** into a mapped **table** (SQLite ``LocalStore``, ``PostgresStore``) writes Twenty's edits back with
:meth:`MappedSource.write_pulled`: per record, an UPDATE of only the mapped columns whose value differs from
Twenty's, by key — the other columns of the row are never touched. Each value goes through the inverse of its rule
(the name; the identifier shapes: ``columns`` the email/phone column, ``object`` its two keys, ``typed_list`` the
primary email/phone entries' values — every other entry and key kept as it is; custom fields by their type). A
value Twenty holds in its own normalisation of the row's (a lower-cased email, a parsed phone, a normalised link) is
the same value: the warehouse's spelling stays. A key Twenty has and the table has not is INSERTed (its key and the
mapped columns Twenty's record fills) when that fills every NOT NULL column without a default (read from the
database's catalog); otherwise it is a failure with its key and the columns missing, logged to ``sync_errors``. A query
source (and a BigQuery source) is refused: ``upsert`` and ``delete`` raise :class:`MappedSourceError`, and so does
``check_writable`` before a pull sends any request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from twenty_sdk import normalize_email
from twenty_sync._clean import CleaningError, clean_link
from twenty_sync._mapping import (
    DEFAULT_LIMITS,
    Limits,
    MappingError,
    TwentyObject,
    Warnings,
    _raw_json,
    _same_phone,
    _twenty_phone,
)
from twenty_sync._records import Business, Contact, Entity, Relationship, canonical_json
from twenty_sync._source_mapping import (
    _EMAIL_TYPES,
    _PHONE_TYPES,
    CustomField,
    EntityMapping,
    Identifiers,
    MappedRow,
    SyncMapping,
)
from twenty_sync.stores import RowFailure, WriteResult

__all__ = ["MappedRecord", "MappedSource", "MappedSourceError", "QueryableStore"]


class MappedSourceError(ValueError):
    """What a mapped source cannot do (write rows back, read from a store without SQL), or a source that breaks
    its mapping (a key on two rows, a row without a key)."""


@runtime_checkable
class QueryableStore(Protocol):
    """A store whose connection can run a mapped source's SELECT (``sql_dialect``: sqlite, postgres or bigquery)."""

    sql_dialect: str

    def query_rows(
        self, query: str, params: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]: ...

    def close(self) -> None: ...


@attrs.frozen(eq=False)
class MappedRecord:
    """One row of a mapped source, as the engine handles it: ``key``, ``content_hash``, ``updated_at``, and
    :meth:`payload` (what is sent to Twenty, or :class:`~twenty_sync.MappingError` with the column and the reason
    for a value the mapping could not read)."""

    mapping: EntityMapping = attrs.field(repr=False)
    row: MappedRow
    raw_identifiers: Any = attrs.field(default=None, repr=False)
    content_hash: str = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        content = {
            "mapping": self.mapping.fingerprint(),
            "values": self.row.values,
            "custom": self.row.custom,
            "raw": self.raw_identifiers,
            "error": self.row.error,
        }
        try:
            text = canonical_json(content)
        except (TypeError, ValueError):  # a value JSON has no type for (a Decimal in a JSON column): as text
            text = canonical_json(_jsonable(content))
        object.__setattr__(self, "content_hash", hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def updated_at(self) -> datetime | None:
        return self.row.updated_at

    @property
    def error(self) -> str | None:
        return self.row.error

    def record(self) -> Contact | Business | Relationship:
        """The sync's own record of this row (the fields the mapping does not fill left empty)."""
        v, key = self.row.values, self.row.key
        if self.mapping.entity == "contacts":
            ids: Any = v.get("contact_identifiers")
            if self.mapping.identifiers is not None:
                ids = {"primary_email": v.get("primary_email"), "primary_phone": v.get("primary_phone")}
            own = {n: v.get(n) for n in _CONTACT_OWN}
            return Contact(key, v.get("canonical_name") or "", ids, **own, updated_at=self.updated_at)
        if self.mapping.entity == "businesses":
            own = {n: v.get(n) for n in _BUSINESS_OWN}
            return Business(key, v.get("business_name") or "", **own, updated_at=self.updated_at)
        return Relationship(
            key,
            v["contact_id"],
            v["business_id"],
            v.get("role"),
            v.get("relationship_type"),
            updated_at=self.updated_at,
        )

    def payload(
        self, obj: TwentyObject[Any], limits: Limits = DEFAULT_LIMITS, warnings: Warnings | None = None
    ) -> dict[str, Any]:
        """The Twenty payload: only the fields the mapping fills (a field it does not map is never sent, so never
        erased), the custom fields included. Raises :class:`~twenty_sync.MappingError` for an unreadable row."""
        if self.row.error is not None:
            raise MappingError(self.row.error)
        full = obj.to_payload(self.record(), limits, warnings)
        wanted = self.mapping.twenty_fields()
        out = {name: value for name, value in full.items() if name in wanted}
        if "contact_identifiers" in self.mapping.fields and self.mapping.identifiers is not None:
            out["contactIdentifiers"] = _raw_json("contact_identifiers", self.raw_identifiers, limits)
        out.update(self.row.custom)
        return out

    def __repr__(self) -> str:
        return f"MappedRecord({self.mapping.entity}, {self.row.key!r})"


_CONTACT_OWN = (
    *("category_code", "subcategory_code", "relationship_category", "llm_context", "communication_stats"),
    *("social_network", "ai_insights", "recommendations", "sync_metadata"),
)
_BUSINESS_OWN = (
    *("website", "industry", "business_type", "business_data", "relationship_stats", "sync_metadata", "llm_context"),
)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@runtime_checkable
class _WritableStore(QueryableStore, Protocol):
    """A store a pull can write a mapped table of back (``LocalStore``, ``PostgresStore``)."""

    def execute_writes(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> int: ...


_KEYS_PER_READ = 500


def _not_inserted(mapping: EntityMapping, missing: Sequence[str]) -> str:
    why = (
        f"{', '.join(missing)} NOT NULL without a default, and Twenty's record gives no value for "
        f"{'it' if len(missing) == 1 else 'them'} (mapped or not)"
        if missing
        else "the database's catalog does not list its columns"
    )
    return f"not written: no row with this key in table {mapping.table} (column {mapping.key}), and no new row: {why}"


# --- pull: Twenty's values back into the mapped columns -----------------------------------------------------------


def written_columns(
    mapping: EntityMapping,
    row: Mapping[str, Any],
    record: Any,
    twenty: Mapping[str, Any],
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """The columns of ``row`` (a mapped table's row) a pulled record changes, with their new values: only those
    whose value is not already Twenty's (compared as the push reads them: a spelling Twenty normalises is the same
    value, and is kept)."""
    out: dict[str, Any] = {}
    ids = mapping.identifiers
    for name, column in mapping.fields.items():
        if name == "contact_identifiers" and ids is not None:
            continue  # the identifier columns are written by their shape below
        new = getattr(record, name)
        old = row[column]
        if name in _JSON_VALUED:
            before = _parsed(old)
            if canonical_json(before) != canonical_json(new):
                out[column] = _json_like(old, new)
        elif name == "website":
            if not _same_link(old, new):
                out[column] = new
        elif _text(old) != _text(new) and (name not in _NAMES or _words(old) != _words(new)):
            out[column] = new  # a name Twenty only re-spaced (first + last) is the same name
    if ids is not None:
        email, phone = _primaries(record.contact_identifiers)
        out.update(_identifier_columns(ids, row, email, phone))
    for cf in mapping.custom:
        changed, value = _custom_column(cf, row[cf.column], twenty.get(cf.name), limits)
        if changed:
            out[cf.column] = value
    return out


_NAMES = frozenset({"canonical_name", "business_name"})
_JSON_VALUED = frozenset(
    {"contact_identifiers", "communication_stats", "social_network", "ai_insights", "recommendations"}
    | {"sync_metadata", "business_data", "relationship_stats", "llm_context"}
)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _words(value: Any) -> str:
    return " ".join((_text(value) or "").split())


def _parsed(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except ValueError:
            return value
    return value


def _json_like(old: Any, new: Any) -> Any:
    """A JSON value as the column held the old one: text for a text (or SQLite) column, JSON text otherwise too
    (PostgreSQL casts it to json/jsonb from the statement)."""
    if new is None:
        return None
    return (
        canonical_json(new)
        if not isinstance(old, str) or not old.lstrip().startswith(("{", "["))
        else (json.dumps(new, ensure_ascii=False))
    )


def _same_email(old: Any, new: str | None) -> bool:
    text = _text(old)
    if text is None or new is None:
        return text is None and new is None
    return normalize_email(text.strip()) == normalize_email(new)


def _same_phone_text(old: Any, new: str | None) -> bool:
    text = _text(old)
    if text is None or new is None:
        return text is None and new is None
    return text.strip() == new or _same_phone(text, new)


def _same_link(old: Any, new: Any) -> bool:
    text, other = _text(old), _text(new)
    if text is None or other is None:
        return text is None and other is None
    try:
        return text == other or clean_link(text) == clean_link(other)
    except CleaningError:
        return False


def _primaries(identifiers: Any) -> tuple[str | None, str | None]:
    if not isinstance(identifiers, dict):
        return None, None
    return _text(identifiers.get("primary_email")), _text(identifiers.get("primary_phone"))


def _identifier_columns(
    ids: Identifiers, row: Mapping[str, Any], email: str | None, phone: str | None
) -> dict[str, Any]:
    """The identifier columns a pulled primary email and phone change, by the mapping's shape."""
    if ids.shape == "columns":
        out: dict[str, Any] = {}
        if ids.email and not _same_email(row[ids.email], email):
            out[ids.email] = email
        if ids.phone and not _same_phone_text(row[ids.phone], phone):
            out[ids.phone] = phone
        return out
    assert ids.column is not None
    old = row[ids.column]
    value = _parsed(old)
    if ids.shape == "object":
        obj = dict(value) if isinstance(value, dict) else {}
        changed = False
        if not _same_email(obj.get(ids.email_key), email):
            obj[ids.email_key], changed = email, True
        if not _same_phone_text(obj.get(ids.phone_key), phone):
            obj[ids.phone_key], changed = phone, True
        return {ids.column: _json_like(old, obj)} if changed else {}
    items = [dict(item) if isinstance(item, dict) else item for item in value] if isinstance(value, list) else []
    changed_email = _typed_entry(ids, items, "email", email, _same_email)
    changed_phone = _typed_entry(ids, items, "phone", phone, _same_phone_text)
    return {ids.column: _json_like(old, items)} if changed_email or changed_phone else {}


def _typed_entry(ids: Identifiers, items: list[Any], kind: str, new: str | None, same: Any) -> bool:
    """Put ``new`` in the entry the push reads as the primary ``kind`` (the one marked primary, else the first):
    its value replaced, an entry added when there is none, removed when Twenty's is empty. Other entries stay."""
    found: int | None = None
    for i, item in enumerate(items):
        typed = isinstance(item, dict) and isinstance(item.get(ids.type_key), str) and _kind(item[ids.type_key]) == kind
        primary = typed and item.get(ids.primary_key) is True
        if typed and (found is None or (primary and items[found].get(ids.primary_key) is not True)):
            found = i
    if found is None:
        if new is None:
            return False
        items.append({ids.type_key: kind, ids.value_key: new, ids.primary_key: True})
        return True
    if same(items[found].get(ids.value_key), new):
        return False
    if new is None:
        del items[found]
    else:
        items[found][ids.value_key] = new
    return True


def _kind(text: str) -> str | None:
    kind = text.strip().lower()
    return "email" if kind in _EMAIL_TYPES else "phone" if kind in _PHONE_TYPES else None


def _custom_column(cf: CustomField, old: Any, twenty: Any, limits: Limits) -> tuple[bool, Any]:
    """(changed, the column's new value) for a custom field: Twenty's value compared with the column's as the push
    reads it, written back in the column's type."""
    try:
        before = cf.read(old, limits)
    except ValueError:
        before = _UNREADABLE
    t = cf.type
    new: Any
    if t == "EMAILS":
        new = _text((twenty or {}).get("primaryEmail"))
        return (not _same_email(old, new)), new
    if t == "PHONES":
        new = _twenty_phone({"phones": twenty}) if twenty else None
        return (not _same_phone_text(old, new)), new
    if t == "LINKS":
        new = _text((twenty or {}).get("primaryLinkUrl"))
        return (not _same_link(old, new)), new
    if t in ("TEXT", "SELECT"):
        new = _text(twenty)
        return before != new, new
    if t == "NUMBER":
        new = None if twenty is None else int(twenty) if float(twenty).is_integer() else float(twenty)
        if before is None or new is None or before is _UNREADABLE:
            return before is not new, new
        return float(before) != float(new), new
    if t == "BOOLEAN":
        return before != twenty, twenty
    if t == "DATE_TIME":
        moment = None if not twenty else datetime.fromisoformat(str(twenty).replace("Z", "+00:00"))
        was = None if before in (None, _UNREADABLE) else datetime.fromisoformat(str(before).replace("Z", "+00:00"))
        value: Any = moment if isinstance(old, datetime) or moment is None else moment.isoformat()
        return was != moment, value
    if t == "DATE":
        day = _text(twenty)
        day = day[:10] if day else None
        return before != day, (date.fromisoformat(day) if isinstance(old, date) and day else day)
    if t == "MULTI_SELECT":
        items = list(twenty or []) or None
        if items == before or (not items and not before):
            return False, None
        if items is None or isinstance(old, (list, tuple)):
            return True, items
        if isinstance(old, str) and old.lstrip().startswith("["):
            return True, json.dumps(items, ensure_ascii=False)
        return True, ", ".join(items)
    parsed = None if twenty is None else twenty  # RAW_JSON
    if before is not _UNREADABLE and canonical_json(before) == canonical_json(parsed):
        return False, None
    return True, _json_like(old, parsed)


_UNREADABLE: Any = object()


# --- SQL ----------------------------------------------------------------------------------------------------------


def _quote(dialect: str, name: str) -> str:
    if dialect == "bigquery":
        return "`" + name.replace("`", "") + "`"
    return '"' + name.replace('"', '""') + '"'


def _table(store: QueryableStore, name: str) -> str:
    """A table (or view) name as the dialect writes it: dotted parts quoted one by one; in BigQuery a bare name is
    in the store's dataset."""
    if store.sql_dialect == "bigquery":
        parts = name.split(".")
        if len(parts) == 1:
            parts = [str(getattr(store, "project", "")), str(getattr(store, "dataset", "")), name]
        return "`" + ".".join(p.replace("`", "") for p in parts) + "`"
    return ".".join(_quote(store.sql_dialect, p) for p in name.split("."))


def select_sql(store: QueryableStore, mapping: EntityMapping, *, changed: bool = False) -> str:
    """The SELECT a mapped source runs (``changed``: only rows whose ``updated_at`` column is after ``since``)."""
    d = store.sql_dialect
    source = _table(store, mapping.table) if mapping.table is not None else f"({mapping.query}) AS q"
    columns = ", ".join(_quote(d, c) for c in mapping.columns())
    text_type = "STRING" if d == "bigquery" else "TEXT"
    collate = ' COLLATE "C"' if d == "postgres" else ""
    key = f"CAST({_quote(d, mapping.key)} AS {text_type}){collate}"
    where = ""
    order = f"ORDER BY {key}"
    if changed:
        assert mapping.updated_at is not None
        stamp = _quote(d, mapping.updated_at)
        placeholder = {"sqlite": ":since", "postgres": "%(since)s", "bigquery": "@since"}[d]
        where = f" WHERE {stamp} > {placeholder}"
        order = f"ORDER BY {stamp}, {key}"
    return f"SELECT {columns} FROM {source}{where} {order}"


def select_keys_sql(store: QueryableStore, mapping: EntityMapping, keys: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The SELECT of a table's mapped columns for rows with these keys (compared as text), and its parameters."""
    d = store.sql_dialect
    text_type = "STRING" if d == "bigquery" else "TEXT"
    params = {f"k{i}": key for i, key in enumerate(keys)}
    holders = ", ".join(_placeholder(d, name) for name in params)
    columns = ", ".join(_quote(d, c) for c in mapping.columns())
    assert mapping.table is not None
    where = f"CAST({_quote(d, mapping.key)} AS {text_type}) IN ({holders})"
    return f"SELECT {columns} FROM {_table(store, mapping.table)} WHERE {where}", params


def update_sql(
    store: QueryableStore, mapping: EntityMapping, key: Any, changes: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The UPDATE of one row's changed columns, by its key (the key's own value, so its type matches)."""
    d = store.sql_dialect
    params = {f"v{i}": value for i, value in enumerate(changes.values())}
    sets = ", ".join(f"{_quote(d, c)} = {_placeholder(d, n)}" for c, n in zip(changes, params, strict=True))
    params["key"] = key
    assert mapping.table is not None
    where = f"{_quote(d, mapping.key)} = {_placeholder(d, 'key')}"
    return f"UPDATE {_table(store, mapping.table)} SET {sets} WHERE {where}", params


def insert_sql(
    store: QueryableStore, mapping: EntityMapping, key: str, values: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The INSERT of a new row: its key and the mapped columns Twenty's record fills (the others: their defaults)."""
    d = store.sql_dialect
    columns = {mapping.key: key, **{c: v for c, v in values.items() if c != mapping.key}}
    params = {f"v{i}": value for i, value in enumerate(columns.values())}
    names = ", ".join(_quote(d, c) for c in columns)
    holders = ", ".join(_placeholder(d, n) for n in params)
    assert mapping.table is not None
    return f"INSERT INTO {_table(store, mapping.table)} ({names}) VALUES ({holders})", params


def _placeholder(dialect: str, name: str) -> str:
    return {"sqlite": f":{name}", "postgres": f"%({name})s"}.get(dialect, f"@{name}")


class MappedSource:
    """The user's tables, views or queries read through ``mapping`` on ``store``'s connection (see the module
    docstring). ``limits``: how custom values are checked (text and JSON sizes, the phones' default region)."""

    def __init__(self, store: QueryableStore, mapping: SyncMapping, *, limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(store, QueryableStore) or store.sql_dialect not in ("sqlite", "postgres", "bigquery"):
            raise MappedSourceError(f"{store!r} cannot read a mapped source (LocalStore, PostgresStore, BigQueryStore)")
        self.store = store
        self.mapping = mapping
        self.limits = limits

    def __repr__(self) -> str:
        return f"MappedSource({self.store!r}, {self.mapping.origin})"

    def entity_mapping(self, entity: Entity[Any]) -> EntityMapping:
        m = self.mapping.get(entity.name)
        if m is None:
            raise MappedSourceError(f"{self.mapping.origin} does not map {entity.name}")
        return m

    def ensure_schema(self) -> None:
        """Nothing to create: the tables are the user's (they are checked by reading them)."""

    def _records(
        self, mapping: EntityMapping, rows: Iterator[list[dict[str, Any]]], *, ordered: bool = True
    ) -> Iterator[list[MappedRecord]]:
        last: str | None = None
        for batch in rows:
            out = []
            for row in batch:
                try:
                    mapped = mapping.read_row(row, self.limits)
                except MappingError as exc:
                    raise MappedSourceError(f"{self.mapping.origin} [{mapping.entity}] {exc.reason}") from None
                if ordered and last is not None and mapped.key == last:
                    raise MappedSourceError(
                        f"{self.mapping.origin} [{mapping.entity}]: the key {mapped.key!r} (column {mapping.key}) is "
                        "on more than one row: the key column must be unique"
                    )
                last = mapped.key
                stamp = mapped.updated_at
                if stamp is not None and stamp.tzinfo is None:
                    mapped = attrs.evolve(mapped, updated_at=stamp.replace(tzinfo=UTC))
                raw = (
                    row.get(mapping.fields["contact_identifiers"]) if "contact_identifiers" in mapping.fields else None
                )
                out.append(MappedRecord(mapping, mapped, raw))
            if out:
                yield out

    def read_all(self, entity: Entity[Any], *, batch_size: int | None = None) -> Iterator[list[Any]]:
        """Every row the mapping reads, as :class:`MappedRecord` batches in key order."""
        mapping = self.entity_mapping(entity)
        rows = self.store.query_rows(select_sql(self.store, mapping), {}, batch_size=batch_size)
        return self._records(mapping, rows)

    def read_changed(
        self, entity: Entity[Any], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[Any]]:
        """The rows whose ``updated_at`` column is after ``since`` (all rows without that column or ``since``)."""
        mapping = self.entity_mapping(entity)
        if since is None or mapping.updated_at is None:
            return self.read_all(entity, batch_size=batch_size)
        if since.tzinfo is None:
            raise ValueError(f"{since!r} has no time zone; pass an aware datetime")
        query = select_sql(self.store, mapping, changed=True)
        stamp: Any = since if self.store.sql_dialect != "sqlite" else since.astimezone(UTC).isoformat()
        rows = self.store.query_rows(query, {"since": stamp}, batch_size=batch_size)
        return self._records(mapping, rows, ordered=False)

    def check_writable(self, entities: Iterable[Entity[Any]]) -> None:
        """Raise :class:`MappedSourceError` if a pull cannot write one of ``entities`` back (a query source, a store
        without writes): before any request."""
        for entity in entities:
            m = self.mapping.get(entity.name)
            if m is not None and (m.read_only or not isinstance(self.store, _WritableStore)):
                raise MappedSourceError(self._read_only(entity))

    def write_pulled(self, entity: Entity[Any], pulled: Sequence[tuple[Any, Mapping[str, Any]]]) -> WriteResult:
        """Write records a pull brought back (the sync's record and Twenty's row, for the custom fields) into the
        mapped table: the mapped columns whose value changed, by key (see the module docstring)."""
        mapping = self.entity_mapping(entity)
        store = self.store
        if mapping.read_only or not isinstance(store, _WritableStore):
            raise MappedSourceError(self._read_only(entity))
        assert mapping.table is not None
        current = self._current_rows(mapping, [record.key for record, _ in pulled])
        failures: list[RowFailure] = []
        statements: list[tuple[str, Mapping[str, Any]]] = []
        required: dict[str, bool] | None = None  # the table's columns: whether an INSERT must fill them
        for record, twenty in pulled:
            row = current.get(record.key)
            empty = dict.fromkeys(mapping.columns())
            try:
                changes = written_columns(mapping, row or empty, record, twenty, self.limits)
            except (MappingError, ValueError, TypeError) as exc:
                failures.append(RowFailure(record.key, f"not written back: {exc}"))
                continue
            if row is not None:
                if changes:
                    statements.append(update_sql(store, mapping, row[mapping.key], changes))
                continue
            required = self._required(mapping) if required is None else required
            missing = [c for c, needed in required.items() if needed and changes.get(c) is None and c != mapping.key]
            if not required or missing:
                failures.append(RowFailure(record.key, _not_inserted(mapping, missing)))
            else:
                statements.append(insert_sql(store, mapping, record.key, changes))
        changed = store.execute_writes(statements) if statements else 0
        return WriteResult(submitted=len(pulled), changed=changed, failures=tuple(failures))

    def _required(self, mapping: EntityMapping) -> dict[str, bool]:
        """The table's columns (from the database's catalog), each with whether an INSERT must give it a value
        (NOT NULL without a default); empty when the catalog does not know the table."""
        assert mapping.table is not None
        if self.store.sql_dialect == "sqlite":
            query = 'SELECT name, "notnull" AND dflt_value IS NULL AS needed FROM pragma_table_info(:t)'
            name = mapping.table
        else:
            query = (
                "SELECT attname AS name, attnotnull AND NOT atthasdef AND attidentity = '' AND attgenerated = '' "
                "AS needed FROM pg_attribute WHERE attrelid = to_regclass(%(t)s) AND attnum > 0 AND NOT attisdropped"
            )
            name = _table(self.store, mapping.table)
        return {
            str(row["name"]): bool(row["needed"])
            for batch in self.store.query_rows(query, {"t": name})
            for row in batch
        }

    def _current_rows(self, mapping: EntityMapping, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The table's rows with these keys (their mapped columns), by key as text."""
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), _KEYS_PER_READ):
            chunk = keys[start : start + _KEYS_PER_READ]
            query, params = select_keys_sql(self.store, mapping, chunk)
            for batch in self.store.query_rows(query, params):
                for row in batch:
                    raw = row[mapping.key]
                    out[raw if isinstance(raw, str) else str(raw)] = row
        return out

    def upsert(self, entity: Entity[Any], records: Iterable[Any]) -> WriteResult:
        raise MappedSourceError(
            f"{self.mapping.origin} [{entity.name}]: a mapped source takes no whole records (a pull writes its "
            "tables back with write_pulled: the mapped columns only)"
        )

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        raise MappedSourceError(
            f"{self.mapping.origin} [{entity.name}]: the sync never deletes rows of the user's own tables"
        )

    def _read_only(self, entity: Entity[Any]) -> str:
        m = self.mapping.get(entity.name)
        if m is not None and m.read_only:
            what = "a query: its rows cannot be written back"
        else:
            what = f"{m.source if m else 'a table'} on a {self.store.sql_dialect} store, which a pull cannot write"
        return (
            f"{self.mapping.origin} [{entity.name}] reads {what} (pull into a mapped table of a LocalStore or "
            "PostgresStore, or into the seed's tables without --mapping, instead)"
        )

    def close(self) -> None:
        self.store.close()
