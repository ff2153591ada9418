"""Supabase over its REST API (PostgREST) with supabase-py, for projects that have only the project URL and an API
key. When the database connection string is available, prefer ``PostgresStore``: COPY and server-side cursors
are much faster than HTTP pages, and it can tell unchanged rows from updated ones.

The tables must exist (PostgREST cannot create them): ``PostgresStore(conninfo).ensure_schema()`` creates them,
with the trigger that stamps ``updated_at`` when a row's content changes — PostgREST's upsert rewrites every row
it is sent, so the stamp has to come from the database. Reads page by key (keyset: ``key > last``), so a page never
skips or repeats a row while others write.

Differences from the other stores: ``WriteResult.changed`` counts every row PostgREST wrote back, unchanged ones
included (their ``updated_at`` does not move); ``ensure_schema`` only checks that the tables answer. A request that
PostgreSQL refuses for a row's data (a NULL in a required field…) fails whole, as PostgREST runs each request in one
transaction; the store then retries by halves to find the row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from postgrest.exceptions import APIError
from supabase import Client, ClientOptions, create_client

from twenty_sync._records import ENTITIES, Entity, SourceRecord
from twenty_sync.stores._batching import PreparedRow, bisect, chunked, upsert_in_chunks
from twenty_sync.stores._protocol import RowFailure, WriteResult

__all__ = ["SupabaseRestStore"]

R = TypeVar("R", bound=SourceRecord)

_DELETE_CHUNK = 200  # keys travel in the URL: keep it short


def _quote(value: str) -> str:
    """A value inside a PostgREST ``in.(…)`` / ``or=(…)`` list: double-quoted, with ``"`` and ``\\`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rows(data: object) -> list[dict[str, Any]]:
    """The rows of a PostgREST answer (a JSON array of objects)."""
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise TypeError(f"PostgREST answered {type(data).__name__}, not a list of rows")
    return data


def _is_row_error(exc: BaseException) -> bool:
    # SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation) come from a row's data.
    return isinstance(exc, APIError) and str(exc.code or "")[:2] in {"22", "23"}


def _describe(exc: BaseException) -> str:
    if isinstance(exc, APIError):
        return " ".join(part for part in (exc.message, exc.details and f"({exc.details})") if part)[:500]
    return str(exc)[:500]


class SupabaseRestStore:
    """Tables of a Supabase project, through its REST API."""

    def __init__(
        self,
        client: Client,
        *,
        tables: Mapping[str, str] | None = None,
        read_batch_size: int = 1000,
        write_batch_size: int = 500,
    ) -> None:
        self.client = client
        self._tables = dict(tables or {})
        self.read_batch_size = read_batch_size
        self.write_batch_size = write_batch_size

    @classmethod
    def connect(
        cls, url: str, key: str, *, schema: str = "public", http_client: httpx.Client | None = None, **options: Any
    ) -> SupabaseRestStore:
        """A store on a new supabase-py client (``url``: ``https://<project>.supabase.co``; ``key``: the service role
        key, or a key whose row-level security allows the writes)."""
        client_options = ClientOptions(schema=schema, httpx_client=http_client, auto_refresh_token=False)
        return cls(create_client(url, key, options=client_options), **options)

    def __repr__(self) -> str:
        return f"SupabaseRestStore({self.client.supabase_url})"  # never the key

    def _table(self, entity: Entity[Any]) -> str:
        return self._tables.get(entity.name, entity.name)

    def ensure_schema(self, entities: Iterable[Entity[Any]] | None = None) -> None:
        """Check that every table answers (create them with ``PostgresStore.ensure_schema``)."""
        for entity in entities if entities is not None else ENTITIES:
            self.client.table(self._table(entity)).select(entity.key).limit(1).execute()

    # --- reads ----------------------------------------------------------------------------------------------------

    def _record(self, entity: Entity[R], row: Mapping[str, Any]) -> R:
        stamp = datetime.fromisoformat(row["updated_at"]).astimezone(UTC)
        return entity.from_values(row, stamp)

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        size = batch_size or self.read_batch_size
        columns = ",".join([*entity.field_names, "updated_at"])
        after: str | None = None
        while True:
            query = self.client.table(self._table(entity)).select(columns).order(entity.key).limit(size)
            if after is not None:
                query = query.gt(entity.key, after)
            rows = _rows(query.execute().data)
            if not rows:
                return
            yield [self._record(entity, row) for row in rows]
            if len(rows) < size:
                return
            after = rows[-1][entity.key]

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        size = batch_size or self.read_batch_size
        columns = ",".join([*entity.field_names, "updated_at"])
        if since is not None and since.tzinfo is None:
            raise ValueError(f"{since!r} has no time zone; pass an aware datetime")
        last: tuple[str, str] | None = None
        while True:
            query = self.client.table(self._table(entity)).select(columns).order("updated_at").order(entity.key)
            if last is not None:
                stamp, key = _quote(last[0]), _quote(last[1])
                query = query.or_(f"updated_at.gt.{stamp},and(updated_at.eq.{stamp},{entity.key}.gt.{key})")
            elif since is not None:
                query = query.gt("updated_at", since.astimezone(UTC).isoformat())
            rows = _rows(query.limit(size).execute().data)
            if not rows:
                return
            yield [self._record(entity, row) for row in rows]
            if len(rows) < size:
                return
            last = (rows[-1]["updated_at"], rows[-1][entity.key])

    # --- writes ---------------------------------------------------------------------------------------------------

    def upsert(self, entity: Entity[R], records: Iterable[R]) -> WriteResult:
        return upsert_in_chunks(entity, records, self.write_batch_size, self._write_chunk)

    def _write_chunk(self, entity: Entity[Any], rows: list[PreparedRow]) -> tuple[int, list[RowFailure]]:
        json_fields = {i for i, f in enumerate(entity.fields) if f.kind == "json"}
        names = entity.field_names

        def body(row: PreparedRow) -> dict[str, Any]:
            return {
                name: json.loads(value) if i in json_fields and value is not None else value
                for i, (name, value) in enumerate(zip(names, row.values, strict=True))
            }

        def send(batch: Sequence[PreparedRow]) -> int:
            response = (
                self.client.table(self._table(entity))
                .upsert([body(row) for row in batch], on_conflict=entity.key, default_to_null=True)
                .execute()
            )
            return len(_rows(response.data))

        return bisect(rows, send, key_of=lambda row: row.key, is_row_error=_is_row_error, describe=_describe)

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        result = WriteResult()
        for chunk in chunked(keys, _DELETE_CHUNK):
            response = self.client.table(self._table(entity)).delete().in_(entity.key, chunk).execute()
            result += WriteResult(submitted=len(chunk), changed=len(_rows(response.data)))
        return result

    def mark_deleted(self, entity: Entity[Any], marks: Iterable[tuple[str, datetime | None]]) -> WriteResult:
        """Set (or clear) ``deleted_at`` by key (see :class:`~twenty_sync.stores.SupportsDeletionMarks`): one PATCH
        per chunk and distinct moment; the table's trigger moves ``updated_at`` of the rows it changes."""
        result = WriteResult()
        for chunk in chunked(marks, _DELETE_CHUNK):
            by_moment: dict[str | None, list[str]] = {}
            for key, at in dict(chunk).items():
                if at is not None and at.tzinfo is None:
                    raise ValueError(f"{at!r} has no time zone; pass an aware datetime")
                by_moment.setdefault(None if at is None else at.astimezone(UTC).isoformat(), []).append(key)
            changed = 0
            for moment, keys in by_moment.items():
                query = self.client.table(self._table(entity)).update({"deleted_at": moment}).in_(entity.key, keys)
                if moment is None:
                    query = query.not_.is_("deleted_at", "null")
                else:
                    query = query.or_(f"deleted_at.is.null,deleted_at.neq.{_quote(moment)}")
                changed += len(_rows(query.execute().data))
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def deleted_marks(
        self, entity: Entity[Any], *, batch_size: int | None = None
    ) -> Iterator[list[tuple[str, datetime]]]:
        """``(key, deleted_at)`` of the marked rows, in key order, paged by key."""
        size = batch_size or self.read_batch_size
        after: str | None = None
        while True:
            query = self.client.table(self._table(entity)).select(f"{entity.key},deleted_at")
            query = query.not_.is_("deleted_at", "null").order(entity.key).limit(size)
            if after is not None:
                query = query.gt(entity.key, after)
            rows = _rows(query.execute().data)
            if rows:
                yield [(row[entity.key], datetime.fromisoformat(row["deleted_at"]).astimezone(UTC)) for row in rows]
            if len(rows) < size:
                return
            after = rows[-1][entity.key]

    def close(self) -> None:
        """Nothing to release: the HTTP client belongs to supabase-py (or to the caller who passed it)."""
