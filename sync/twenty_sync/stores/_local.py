"""The embedded local store (the default): one SQLite file, from the standard library, no server and no dependency.

Tables carry the entity's fields (text as TEXT, JSON as its canonical text), ``updated_at`` as a fixed-width ISO
8601 UTC text (``2026-01-31T12:00:00.000000+00:00``), so text order is time order, and ``content_hash``, the row's
content hash, computed when the row is written (a diff reads it instead of decoding the row). Keys are TEXT with
SQLite's BINARY collation: ``ORDER BY key`` is code point order, as in the other stores. Reads page by key (keyset),
so no cursor stays open between batches and writes may interleave with a read.

``deleted_at`` (the same fixed-width text, or NULL) marks a row whose record was deleted in Twenty
(:class:`~twenty_sync.stores.SupportsDeletionMarks`); a table made before it gets the column when first marked.

A file written before ``content_hash`` existed is migrated when a table is first used: the column is added and
filled in. A NULL ``content_hash`` (a row written by such an older version since) is computed when read, and a
trigger sets it back to NULL when a writer changes a hashed field without updating it, so it is never stale.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from os import PathLike
from typing import Any, Generic, TypeVar

from twenty_sync._records import ENTITIES, Entity, SourceRecord
from twenty_sync.stores._batching import PreparedRow, bisect, chunked, first_line, upsert_in_chunks
from twenty_sync.stores._protocol import RowFailure, WriteResult

__all__ = ["LocalStore", "StoredRow"]

R = TypeVar("R", bound=SourceRecord)

_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, UnicodeEncodeError, OverflowError)
_DELETE_CHUNK = 500  # well under SQLite's bound-parameter limit
_HASH = "content_hash"  # the column of the stored content hash (no entity has a field of that name)
_DELETED = "deleted_at"  # when the record was deleted in Twenty (NULL: it was not)
_MIGRATION_BATCH = 5000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")  # json.loads would read NaN and Infinity otherwise


_decoder = json.JSONDecoder(parse_constant=_reject_constant)
_scan: Callable[[str, int], tuple[Any, int]] = vars(_decoder)["scan_once"]  # set by __init__, not in the stubs


def _json_decode(text: str) -> Any:
    """A JSON column's value. The text is the compact canonical one the store wrote: the scanner alone reads it,
    without ``decode``'s whitespace handling (a few times faster); anything else goes through ``decode``."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else _decoder.decode(text)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stamp_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StoredRow(Generic[R]):
    """A row read with its stored content hash (see :meth:`LocalStore.read_rows`): ``key``, ``content_hash`` and
    ``record``, decoded on first use — a diff that finds the hash unchanged never decodes the row."""

    __slots__ = ("_decode", "_record", "_row", "content_hash", "key")

    def __init__(
        self, key: str, content_hash: str | None, row: Sequence[Any], decode: Callable[[Sequence[Any]], R]
    ) -> None:
        self.key = key
        self._row: Sequence[Any] | None = row
        self._decode = decode
        self._record: R | None = None
        if content_hash is None:  # written by a version that did not store hashes: computed from the record
            content_hash = self.record.content_hash
        self.content_hash: str = content_hash

    @property
    def record(self) -> R:
        if self._record is None:
            assert self._row is not None
            self._record = self._decode(self._row)
            self._row = None
        return self._record

    def __repr__(self) -> str:
        return f"StoredRow({self.key!r}, {self.content_hash!r})"


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
        self._ready: set[str] = set()  # tables known to have the current layout
        self._legacy: set[str] = set()  # tables of a read-only file written before content_hash existed
        self._marked: set[str] = set()  # tables known to have deleted_at
        self._decoders: dict[str, Callable[[Sequence[Any]], Any]] = {}

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
            columns.append(f"{_q(_HASH)} TEXT")
            columns.append(f"{_q(_DELETED)} TEXT")
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {_q(table)} ({', '.join(columns)}) WITHOUT ROWID")
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_q(table + '_updated_at')} ON {_q(table)} (updated_at, {_q(entity.key)})"
            )
            self._ready.discard(table)
            self._migrate(entity)
            self._deletable(entity)

    def _migrate(self, entity: Entity[Any]) -> None:
        """Bring a table written by an earlier version to the current layout (once per table and store): add and
        fill ``content_hash``, and create the trigger that keeps it from going stale. A missing table is left to the
        query that needs it (and its "no such table"); a read-only file is read as it is (hashes computed on read)."""
        table = self.table(entity)
        if table in self._ready or table in self._legacy or not self._columns(table):
            return
        try:
            if _HASH not in self._columns(table):
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    if _HASH not in self._columns(table):  # another connection may have migrated it meanwhile
                        self._conn.execute(f"ALTER TABLE {_q(table)} ADD COLUMN {_q(_HASH)} TEXT")
                        self._fill_hashes(entity)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            hashed = [_q(f.name) for f in entity.hashed_fields]
            changed = " OR ".join(f"new.{n} IS NOT old.{n}" for n in hashed)
            self._conn.execute(
                f"CREATE TRIGGER IF NOT EXISTS {_q(table + '_content_hash')} AFTER UPDATE ON {_q(table)} "
                f"FOR EACH ROW WHEN new.{_q(_HASH)} IS old.{_q(_HASH)} AND new.{_q(_HASH)} IS NOT NULL AND ({changed}) "
                f"BEGIN UPDATE {_q(table)} SET {_q(_HASH)} = NULL WHERE {_q(entity.key)} = new.{_q(entity.key)}; END"
            )
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_READONLY:
                raise
            if _HASH not in self._columns(table):
                self._legacy.add(table)
                return
        self._ready.add(table)

    def _deletable(self, entity: Entity[Any]) -> str:
        """The entity's table, with ``deleted_at`` added if it was made before that column existed."""
        table = self.table(entity)
        if table not in self._marked:
            if self._columns(table) and _DELETED not in self._columns(table):
                self._conn.execute(f"ALTER TABLE {_q(table)} ADD COLUMN {_q(_DELETED)} TEXT")
            self._marked.add(table)
        return table

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._conn.execute(f"PRAGMA table_info({_q(table)})")}

    def _fill_hashes(self, entity: Entity[Any]) -> None:
        """Compute ``content_hash`` for every row lacking it, from the decoded record (the stored JSON text of an
        earlier version is not trusted to be canonical)."""
        table, key = _q(self.table(entity)), _q(entity.key)
        decode = self._decoder(entity)
        sql = f"UPDATE {table} SET {_q(_HASH)} = ? WHERE {key} = ?"
        for rows in self._pages(entity, _MIGRATION_BATCH, f"{_q(_HASH)} IS NULL", hashes=False):
            self._conn.executemany(sql, [(decode(row).content_hash, row[0]) for row in rows])

    # --- reads ----------------------------------------------------------------------------------------------------

    def _decoder(self, entity: Entity[R]) -> Callable[[Sequence[Any]], R]:
        """A function from a row (the fields, then ``updated_at``) to its record (made once per entity)."""
        decode = self._decoders.get(entity.name)
        if decode is None:
            make, n = entity.from_checked_values, len(entity.fields)
            json_at = tuple(i for i, f in enumerate(entity.fields) if f.kind == "json")

            def decode_row(row: Sequence[Any]) -> Any:
                values = list(row[:n])
                for i in json_at:
                    if values[i] is not None:
                        values[i] = _json_decode(values[i])
                return make(values, datetime.fromisoformat(row[n]))

            decode = self._decoders[entity.name] = decode_row
        return decode

    def _pages(self, entity: Entity[Any], size: int, where: str = "", *, hashes: bool = True) -> Iterator[list[Any]]:
        """Rows (the fields, ``updated_at``, and ``content_hash`` if ``hashes``) in key order, ``size`` at a time,
        paged by key."""
        table, key = _q(self.table(entity)), _q(entity.key)
        stored_hash = ["NULL" if self.table(entity) in self._legacy else _q(_HASH)] if hashes else []
        columns = ", ".join([*map(_q, entity.field_names), '"updated_at"', *stored_hash])
        first = f"SELECT {columns} FROM {table} {'WHERE ' + where if where else ''} ORDER BY {key} LIMIT ?"
        more = f"SELECT {columns} FROM {table} WHERE {key} > ? {'AND ' + where if where else ''} ORDER BY {key} LIMIT ?"
        rows = self._conn.execute(first, (size,)).fetchall()
        while rows:
            yield rows
            if len(rows) < size:
                return
            rows = self._conn.execute(more, (rows[-1][0], size)).fetchall()

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        self._migrate(entity)
        decode = self._decoder(entity)
        for rows in self._pages(entity, batch_size or self.read_batch_size, hashes=False):
            yield [decode(row) for row in rows]

    def read_rows(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[StoredRow[R]]]:
        """Like :meth:`read_all`, as :class:`StoredRow`: each row's key and stored content hash, its record decoded
        only when asked for (the planner decodes only the rows whose hash differs from the state's)."""
        self._migrate(entity)
        decode = self._decoder(entity)
        at = len(entity.fields) + 1
        for rows in self._pages(entity, batch_size or self.read_batch_size):
            yield [StoredRow(row[0], row[at], row, decode) for row in rows]

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        self._migrate(entity)
        size = batch_size or self.read_batch_size
        table, key = _q(self.table(entity)), _q(entity.key)
        columns = ", ".join([*map(_q, entity.field_names), '"updated_at"'])
        order = f"ORDER BY updated_at, {key} LIMIT ?"
        where, params = ("WHERE updated_at > ?", [_stamp_text(since)]) if since is not None else ("", [])
        decode = self._decoder(entity)
        while True:
            rows = self._conn.execute(f"SELECT {columns} FROM {table} {where} {order}", (*params, size)).fetchall()
            if not rows:
                return
            yield [decode(row) for row in rows]
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
        self._migrate(entity)
        table, key = _q(self.table(entity)), _q(entity.key)
        names = [*entity.field_names, "updated_at", _HASH]
        others = [n for n in entity.field_names if n != entity.key]
        sql = (
            f"INSERT INTO {table} ({', '.join(map(_q, names))}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            + ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in [*others, "updated_at", _HASH])
            + " WHERE "
            + " OR ".join(f"{table}.{_q(n)} IS NOT excluded.{_q(n)}" for n in others)
        )
        stamp = self._stamp()
        hashes = {row.key: entity.stored_content_hash(row.values) for row in rows}

        def attempt(batch: Sequence[PreparedRow]) -> int:
            before = self._conn.total_changes
            self._conn.execute("SAVEPOINT twenty_sync_rows")
            try:
                self._conn.executemany(sql, [(*row.values, stamp, hashes[row.key]) for row in batch])
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

    def _write(self, sql: str, params: Sequence[Any], *, many: bool = False) -> int:
        """Run one statement (``many``: once per parameter row) in an immediate transaction, rolled back if it
        raises; the number of rows it changed."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            before = self._conn.total_changes
            if many:
                self._conn.executemany(sql, params)
            else:
                self._conn.execute(sql, params)
            changed = self._conn.total_changes - before
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return changed

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        table, key = _q(self.table(entity)), _q(entity.key)
        result = WriteResult()
        for chunk in chunked(keys, _DELETE_CHUNK):
            changed = self._write(f"DELETE FROM {table} WHERE {key} IN ({', '.join('?' * len(chunk))})", chunk)
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def mark_deleted(self, entity: Entity[Any], marks: Iterable[tuple[str, datetime | None]]) -> WriteResult:
        """Set (or clear) ``deleted_at`` by key (see :class:`~twenty_sync.stores.SupportsDeletionMarks`)."""
        table, key = _q(self._deletable(entity)), _q(entity.key)
        sql = f"UPDATE {table} SET {_q(_DELETED)} = ?, updated_at = ? WHERE {key} = ? AND {_q(_DELETED)} IS NOT ?"
        result = WriteResult()
        for chunk in chunked(marks, _DELETE_CHUNK):
            stamp = self._stamp()
            params = [(None if at is None else _stamp_text(at), stamp, k, None if at is None else _stamp_text(at))
                      for k, at in chunk]  # fmt: skip
            changed = self._write(sql, params, many=True)
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def deleted_marks(
        self, entity: Entity[Any], *, batch_size: int | None = None
    ) -> Iterator[list[tuple[str, datetime]]]:
        """``(key, deleted_at)`` of the marked rows, in key order, paged by key."""
        table, key = _q(self._deletable(entity)), _q(entity.key)
        size = batch_size or self.read_batch_size
        where, params = f"{_q(_DELETED)} IS NOT NULL", list[str]()
        while True:
            rows = self._conn.execute(
                f"SELECT {key}, {_q(_DELETED)} FROM {table} WHERE {where} ORDER BY {key} LIMIT ?", (*params, size)
            ).fetchall()
            if rows:
                yield [(k, datetime.fromisoformat(at)) for k, at in rows]
            if len(rows) < size:
                return
            where, params = f"{_q(_DELETED)} IS NOT NULL AND {key} > ?", [rows[-1][0]]

    # --- mapped sources (twenty_sync.MappedSource) ------------------------------------------------------------------

    sql_dialect = "sqlite"

    def query_rows(
        self, query: str, params: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a read-only SELECT of a mapped source (``:name`` parameters) and stream its rows as dicts."""
        cursor = self._conn.execute(query, dict(params))
        names = [d[0] for d in cursor.description]
        size = batch_size or self.read_batch_size
        try:
            while rows := cursor.fetchmany(size):
                yield [dict(zip(names, row, strict=True)) for row in rows]
        finally:
            cursor.close()

    def execute_writes(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        """Run a pull's UPDATEs of a mapped table (``:name`` parameters) in one transaction; the rows changed."""
        changed = 0
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for statement, params in statements:
                changed += self._conn.execute(statement, dict(params)).rowcount
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return changed

    def close(self) -> None:
        self._conn.close()
