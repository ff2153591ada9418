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

A mapped source is read-only here: ``upsert`` and ``delete`` (what ``pull`` writes) raise :class:`MappedSourceError`
— a query cannot take rows back, and writing the user's tables back from Twenty is left to their own jobs (the
mapped columns may be computed, shared or owned by another system).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from twenty_sync._mapping import DEFAULT_LIMITS, Limits, MappingError, TwentyObject, Warnings, _raw_json
from twenty_sync._records import Business, Contact, Entity, Relationship, canonical_json
from twenty_sync._source_mapping import EntityMapping, MappedRow, SyncMapping
from twenty_sync.stores import WriteResult

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
            return Contact(key, v.get("canonical_name") or "", ids, **own)
        if self.mapping.entity == "businesses":
            return Business(key, v.get("business_name") or "", **{n: v.get(n) for n in _BUSINESS_OWN})
        return Relationship(key, v["contact_id"], v["business_id"], v.get("role"), v.get("relationship_type"))

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
        """Raise :class:`MappedSourceError` (a mapped source is never written: see the module docstring)."""
        for entity in entities:
            if self.mapping.get(entity.name) is not None:
                raise MappedSourceError(self._read_only(entity))

    def upsert(self, entity: Entity[Any], records: Iterable[Any]) -> WriteResult:
        raise MappedSourceError(self._read_only(entity))

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        raise MappedSourceError(self._read_only(entity))

    def _read_only(self, entity: Entity[Any]) -> str:
        m = self.mapping.get(entity.name)
        what = "a query" if m is not None and m.read_only else "the user's own table"
        return (
            f"{self.mapping.origin} [{entity.name}] reads {what}: a mapped source is read-only (pull into the seed's "
            "tables, a LocalStore or PostgresStore without --mapping, instead)"
        )

    def close(self) -> None:
        self.store.close()
