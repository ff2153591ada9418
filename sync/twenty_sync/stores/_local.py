"""The embedded local store (the default): one SQLite file, from the standard library, no server and no dependency.

Tables carry the entity's fields (text as TEXT, JSON as its canonical text) and ``updated_at`` as a fixed-width ISO
8601 UTC text (``2026-01-31T12:00:00.000000+00:00``), so text order is time order. Keys are TEXT with SQLite's
BINARY collation: ``ORDER BY key`` is code point order, as in the other stores. Reads page by key (keyset), so no
cursor stays open between batches and writes may interleave with a read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from os import PathLike
from typing import Any, TypeVar

from twenty_sync._records import ENTITIES, Entity, SourceRecord
from twenty_sync.stores._batching import PreparedRow, bisect, chunked, first_line, upsert_in_chunks
from twenty_sync.stores._protocol import RowFailure, WriteResult

__all__ = ["LocalStore"]

R = TypeVar("R", bound=SourceRecord)

_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, UnicodeEncodeError, OverflowError)
_DELETE_CHUNK = 500  # well under SQLite's bound-parameter limit


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stamp_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LocalStore:
    """A SQLite file (or ``":memory:"``) holding every entity.

    ``tables`` maps entity names to table names (default: the entity name). ``clock`` gives the ``updated_at``
    stamps (default: the system clock, UTC); stamps only move forward, by at least a microsecond per write.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        tables: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        read_batch_size: int = 1000,
        write_batch_size: int = 500,
    ) -> None:
        self._path = str(path)
        self._tables = dict(tables or {})
        self._clock = clock
        self._last_stamp: datetime | None = None
        self.read_batch_size = read_batch_size
        self.write_batch_size = write_batch_size
        self._conn = sqlite3.connect(self._path, isolation_level=None)  # transactions are explicit
        if self._path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")

    def __repr__(self) -> str:
        return f"LocalStore({self._path!r})"

    def table(self, entity: Entity[Any]) -> str:
        return self._tables.get(entity.name, entity.name)

    # --- schema ---------------------------------------------------------------------------------------------------

    def ensure_schema(self, entities: Iterable[Entity[Any]] | None = None) -> None:
        for entity in entities if entities is not None else ENTITIES:
            table = self.table(entity)
            columns = [
                f"{_q(f.name)} TEXT{' NOT NULL' if f.required else ''}{' PRIMARY KEY' if f.name == entity.key else ''}"
                for f in entity.fields
            ]
            columns.append('"updated_at" TEXT NOT NULL')
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {_q(table)} ({', '.join(columns)}) WITHOUT ROWID")
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_q(table + '_updated_at')} ON {_q(table)} (updated_at, {_q(entity.key)})"
            )

    # --- reads ----------------------------------------------------------------------------------------------------

    def _record(self, entity: Entity[R], row: Sequence[Any]) -> R:
        values: dict[str, Any] = {}
        for f, value in zip(entity.fields, row, strict=False):
            values[f.name] = json.loads(value) if f.kind == "json" and value is not None else value
        return entity.from_values(values, datetime.fromisoformat(row[-1]))

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        size = batch_size or self.read_batch_size
        table, key = _q(self.table(entity)), _q(entity.key)
        columns = ", ".join([*map(_q, entity.field_names), '"updated_at"'])
        after: str | None = None
        while True:
            if after is None:
                rows = self._conn.execute(f"SELECT {columns} FROM {table} ORDER BY {key} LIMIT ?", (size,)).fetchall()
            else:
                rows = self._conn.execute(
                    f"SELECT {columns} FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?", (after, size)
                ).fetchall()
            if not rows:
                return
            yield [self._record(entity, row) for row in rows]
            if len(rows) < size:
                return
            after = rows[-1][0]

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        size = batch_size or self.read_batch_size
        table, key = _q(self.table(entity)), _q(entity.key)
        columns = ", ".join([*map(_q, entity.field_names), '"updated_at"'])
        order = f"ORDER BY updated_at, {key} LIMIT ?"
        where, params = ("WHERE updated_at > ?", [_stamp_text(since)]) if since is not None else ("", [])
        while True:
            rows = self._conn.execute(f"SELECT {columns} FROM {table} {where} {order}", (*params, size)).fetchall()
            if not rows:
                return
            yield [self._record(entity, row) for row in rows]
            if len(rows) < size:
                return
            where, params = f"WHERE (updated_at, {key}) > (?, ?)", [rows[-1][-1], rows[-1][0]]

    # --- writes ---------------------------------------------------------------------------------------------------

    def _stamp(self) -> str:
        now = self._clock()
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return _stamp_text(now)

    def upsert(self, entity: Entity[R], records: Iterable[R]) -> WriteResult:
        return upsert_in_chunks(entity, records, self.write_batch_size, self._write_chunk)

    def _write_chunk(self, entity: Entity[Any], rows: list[PreparedRow]) -> tuple[int, list[RowFailure]]:
        table, key = _q(self.table(entity)), _q(entity.key)
        names = [*entity.field_names, "updated_at"]
        others = [n for n in entity.field_names if n != entity.key]
        sql = (
            f"INSERT INTO {table} ({', '.join(map(_q, names))}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            + ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in [*others, "updated_at"])
            + " WHERE "
            + " OR ".join(f"{table}.{_q(n)} IS NOT excluded.{_q(n)}" for n in others)
        )
        stamp = self._stamp()

        def attempt(batch: Sequence[PreparedRow]) -> int:
            before = self._conn.total_changes
            self._conn.execute("SAVEPOINT twenty_sync_rows")
            try:
                self._conn.executemany(sql, [(*row.values, stamp) for row in batch])
            except BaseException:
                self._conn.execute("ROLLBACK TO twenty_sync_rows")
                raise
            finally:
                self._conn.execute("RELEASE twenty_sync_rows")
            return self._conn.total_changes - before

        self._conn.execute("BEGIN IMMEDIATE")
        try:
            outcome = bisect(
                rows,
                attempt,
                key_of=lambda row: row.key,
                is_row_error=lambda exc: isinstance(exc, _ROW_ERRORS),
                describe=first_line,
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return outcome

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        table, key = _q(self.table(entity)), _q(entity.key)
        result = WriteResult()
        for chunk in chunked(keys, _DELETE_CHUNK):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                before = self._conn.total_changes
                self._conn.execute(f"DELETE FROM {table} WHERE {key} IN ({', '.join('?' * len(chunk))})", chunk)
                changed = self._conn.total_changes - before
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def close(self) -> None:
        self._conn.close()
