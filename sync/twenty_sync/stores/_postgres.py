"""Supabase's PostgreSQL (or any PostgreSQL ≥ 12) through psycopg 3.

Tables: the key ``text COLLATE "C" PRIMARY KEY`` (so key order is code point order and uses the index), text fields
``text``, JSON fields ``jsonb``, ``updated_at timestamptz`` (default ``clock_timestamp()``, and a trigger that
re-stamps a row when an UPDATE changes it — whoever writes, including PostgREST), and an index on (updated_at, key)
for watermark reads; ``deleted_at timestamptz``, NULL unless the record was deleted in Twenty (``mark_deleted``; added
by ``ensure_schema`` to tables made before it).

Writes, per chunk and in one transaction: a temporary stage table (no constraints) filled with ``COPY``, then one
``INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE (old row) IS DISTINCT FROM (new row)``, so unchanged rows
keep their ``updated_at``. A COPY or INSERT that fails for a row's data (NOT NULL, a NUL character, a constraint)
is retried by halves inside savepoints until the bad rows are found; the others are committed.

Reads: a server-side (named) cursor on a connection of its own, in a read-only REPEATABLE READ transaction, fetched
``batch_size`` rows at a time: constant memory, one consistent snapshot per stream, and writes on the store's own
connection may go on meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from twenty_sync._records import ENTITIES, Entity, SourceRecord, decimal_json
from twenty_sync.stores._batching import PreparedRow, bisect, chunked, first_line, prepare
from twenty_sync.stores._protocol import RowFailure, WriteResult

__all__ = ["PostgresStore"]

R = TypeVar("R", bound=SourceRecord)

_ROW_ERRORS = (psycopg.DataError, psycopg.IntegrityError, UnicodeEncodeError)
_DELETE_CHUNK = 10_000

# Stamps updated_at when an UPDATE changes a row, whoever writes it (this store, PostgREST, the app): PostgREST's upsert
# rewrites every row it is sent, and an unchanged row must keep its stamp. (CREATE OR REPLACE TRIGGER needs 14+.)
_TOUCH_FUNCTION = """
CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
    NEW.updated_at := clock_timestamp();
  END IF;
  RETURN NEW;
END
$$
"""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        detail = f" ({exc.diag.message_detail})" if exc.diag.message_detail else ""
        return f"{exc.diag.message_primary}{detail}"[:500]
    return first_line(exc)


class PostgresStore:
    """Tables in one schema of a PostgreSQL database (Supabase's ``public`` by default).

    ``conninfo`` is a libpq connection string or URL (Supabase: the "Session pooler" or direct connection string,
    not the transaction pooler, which has no server-side cursors or temporary tables across statements).
    """

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str = "public",
        tables: Mapping[str, str] | None = None,
        read_batch_size: int = 2000,
        write_batch_size: int = 5000,
    ) -> None:
        self._conninfo = conninfo
        self.schema = schema
        self._tables = dict(tables or {})
        self.read_batch_size = read_batch_size
        self.write_batch_size = write_batch_size
        self._conn: psycopg.Connection[Any] | None = None

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self.schema!r})"  # the connection string may hold a password

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The store's write connection (autocommit; each write opens its own transaction)."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def table(self, entity: Entity[Any]) -> sql.Identifier:
        return sql.Identifier(self.schema, self._tables.get(entity.name, entity.name))

    # --- schema ---------------------------------------------------------------------------------------------------

    def ensure_schema(self, entities: Iterable[Entity[Any]] | None = None) -> None:
        conn = self.connection
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            touch = sql.Identifier(self.schema, "twenty_sync_touch")
            conn.execute(sql.SQL(_TOUCH_FUNCTION).format(touch))
            for entity in entities if entities is not None else ENTITIES:
                columns: list[sql.Composable] = []
                for f in entity.fields:
                    if f.name == entity.key:
                        columns.append(sql.SQL('{} text COLLATE "C" PRIMARY KEY').format(sql.Identifier(f.name)))
                    else:
                        kind = sql.SQL("jsonb" if f.kind == "json" else "text")
                        null = sql.SQL(" NOT NULL" if f.required else "")
                        columns.append(sql.SQL("{} {}{}").format(sql.Identifier(f.name), kind, null))
                columns.append(sql.SQL("updated_at timestamptz NOT NULL DEFAULT clock_timestamp()"))
                columns.append(sql.SQL("deleted_at timestamptz"))
                table_name = self._tables.get(entity.name, entity.name)
                conn.execute(
                    sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
                        self.table(entity), sql.SQL(", ").join(columns)
                    )
                )
                conn.execute(  # a table made before deletions were pulled
                    sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS deleted_at timestamptz").format(self.table(entity))
                )
                conn.execute(
                    sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (updated_at, {})").format(
                        sql.Identifier(f"{table_name}_updated_at_idx"), self.table(entity), sql.Identifier(entity.key)
                    )
                )
                trigger = sql.Identifier(f"{table_name}_twenty_sync_touch")
                conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(trigger, self.table(entity)))
                conn.execute(
                    sql.SQL("CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
                        trigger, self.table(entity), touch
                    )
                )

    # --- reads ----------------------------------------------------------------------------------------------------

    def _select(self, entity: Entity[Any]) -> sql.Composed:
        columns = sql.SQL(", ").join([*map(sql.Identifier, entity.field_names), sql.Identifier("updated_at")])
        return sql.SQL("SELECT {} FROM {}").format(columns, self.table(entity))

    def _stream(self, entity: Entity[R], query: sql.Composed, params: Sequence[Any], size: int) -> Iterator[list[R]]:
        names = entity.field_names
        with psycopg.connect(self._conninfo) as conn:
            conn.read_only = True
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor(name="twenty_sync_read") as cursor:
                cursor.itersize = size
                cursor.execute(query, params)
                while rows := cursor.fetchmany(size):
                    yield [
                        entity.from_values(dict(zip(names, row, strict=False)), row[-1].astimezone(UTC)) for row in rows
                    ]

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        query = sql.SQL('{} ORDER BY {} COLLATE "C"').format(self._select(entity), sql.Identifier(entity.key))
        return self._stream(entity, query, (), batch_size or self.read_batch_size)

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        order = sql.SQL('ORDER BY updated_at, {} COLLATE "C"').format(sql.Identifier(entity.key))
        params: tuple[Any, ...]
        if since is None:
            query, params = sql.SQL("{} {}").format(self._select(entity), order), ()
        else:
            if since.tzinfo is None:
                raise ValueError(f"{since!r} has no time zone; pass an aware datetime")
            query = sql.SQL("{} WHERE updated_at > %s {}").format(self._select(entity), order)
            params = (since,)
        return self._stream(entity, query, params, batch_size or self.read_batch_size)

    # --- writes ---------------------------------------------------------------------------------------------------

    sql_dialect = "postgres"

    def query_rows(
        self, query: str, params: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a read-only SELECT of a mapped source (``%(name)s`` parameters) and stream its rows as dicts, through a
        server-side cursor in one read-only snapshot."""
        size = batch_size or self.read_batch_size
        with psycopg.connect(self._conninfo) as conn:
            conn.read_only = True
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor(name="twenty_sync_mapped") as cursor:
                cursor.itersize = size
                cursor.execute(query.encode(), dict(params))  # bytes: the text is the mapping's, not a template
                names: list[str] = []
                while rows := cursor.fetchmany(size):
                    names = names or [d.name for d in cursor.description or ()]
                    yield [dict(zip(names, row, strict=True)) for row in rows]

    def execute_writes(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
        """Run a pull's UPDATEs of a mapped table (``%(name)s`` parameters) in one transaction; the rows changed."""
        changed = 0
        with self.connection.transaction(), self.connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement.encode(), dict(params))  # bytes: built from the mapping's names, quoted
                changed += max(cursor.rowcount, 0)
        return changed

    def upsert(self, entity: Entity[R], records: Iterable[R]) -> WriteResult:
        result = WriteResult()
        for chunk in chunked(records, self.write_batch_size):
            rows, failures = prepare(entity, chunk, decimal_json)
            changed, refused = self._write_chunk(entity, rows)
            result += WriteResult(submitted=len(chunk), changed=changed, failures=(*failures, *refused))
        return result

    def _write_chunk(self, entity: Entity[Any], rows: list[PreparedRow]) -> tuple[int, list[RowFailure]]:
        if not rows:
            return 0, []
        conn = self.connection
        stage = sql.Identifier(f"_twenty_sync_stage_{entity.name}")
        names = [sql.Identifier(n) for n in entity.field_names]
        column_list = sql.SQL(", ").join(names)
        stage_columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL("jsonb" if f.kind == "json" else "text"))
            for f in entity.fields
        )
        copy = sql.SQL("COPY {} (_row, {}) FROM STDIN").format(stage, column_list)
        others = [sql.Identifier(n) for n in entity.field_names if n != entity.key]
        merge = sql.SQL(
            "INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {stage} WHERE _row BETWEEN %s AND %s "
            "ON CONFLICT ({key}) DO UPDATE SET {updates}, updated_at = clock_timestamp() "
            "WHERE ({old}) IS DISTINCT FROM ({new})"
        ).format(
            table=self.table(entity),
            columns=column_list,
            stage=stage,
            key=sql.Identifier(entity.key),
            updates=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(n) for n in others),
            old=sql.SQL(", ").join(sql.SQL("t.{}").format(n) for n in others),
            new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(n) for n in others),
        )

        def stage_rows(batch: Sequence[PreparedRow]) -> int:
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(copy) as writer:
                for row in batch:
                    writer.write_row((row.ordinal, *row.values))
            return len(batch)

        def merge_rows(batch: Sequence[PreparedRow]) -> int:
            with conn.transaction():
                return conn.execute(merge, (batch[0].ordinal, batch[-1].ordinal)).rowcount

        with conn.transaction():
            conn.execute(
                sql.SQL("CREATE TEMPORARY TABLE {} (_row int, {}) ON COMMIT DROP").format(stage, stage_columns)
            )
            _, copy_failures = bisect(rows, stage_rows, key_of=_key_of, is_row_error=_is_row_error, describe=_describe)
            refused = {f.key for f in copy_failures}
            staged = [row for row in rows if row.key not in refused]  # ordinals stay ascending: ranges stay exact
            changed, merge_failures = bisect(
                staged, merge_rows, key_of=_key_of, is_row_error=_is_row_error, describe=_describe
            )
        return changed, [*copy_failures, *merge_failures]

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        conn = self.connection
        query = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(self.table(entity), sql.Identifier(entity.key))
        result = WriteResult()
        for chunk in chunked(keys, _DELETE_CHUNK):
            with conn.transaction():
                changed = conn.execute(query, (chunk,)).rowcount
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def mark_deleted(self, entity: Entity[Any], marks: Iterable[tuple[str, datetime | None]]) -> WriteResult:
        """Set (or clear) ``deleted_at`` by key (see :class:`~twenty_sync.stores.SupportsDeletionMarks`); the
        touch trigger moves ``updated_at`` of the rows it changes."""
        conn = self.connection
        query = sql.SQL(
            "UPDATE {table} AS t SET deleted_at = m.at FROM unnest(%s::text[], %s::timestamptz[]) AS m (k, at) "
            "WHERE t.{key} = m.k AND t.deleted_at IS DISTINCT FROM m.at"
        ).format(table=self.table(entity), key=sql.Identifier(entity.key))
        result = WriteResult()
        for chunk in chunked(marks, _DELETE_CHUNK):
            latest = dict(chunk)  # one mark per row and statement
            for at in latest.values():
                if at is not None and at.tzinfo is None:
                    raise ValueError(f"{at!r} has no time zone; pass an aware datetime")
            with conn.transaction():
                changed = conn.execute(query, (list(latest), list(latest.values()))).rowcount
            result += WriteResult(submitted=len(chunk), changed=changed)
        return result

    def deleted_marks(
        self, entity: Entity[Any], *, batch_size: int | None = None
    ) -> Iterator[list[tuple[str, datetime]]]:
        """``(key, deleted_at)`` of the marked rows, in key order."""
        size = batch_size or self.read_batch_size
        key = sql.Identifier(entity.key)
        query = sql.SQL('SELECT {key}, deleted_at FROM {table} WHERE deleted_at IS NOT NULL ORDER BY {key} COLLATE "C"')
        with psycopg.connect(self._conninfo) as conn, conn.cursor(name="twenty_sync_marks") as cursor:
            cursor.itersize = size
            cursor.execute(query.format(key=key, table=self.table(entity)))
            while rows := cursor.fetchmany(size):
                yield [(str(k), at.astimezone(UTC)) for k, at in rows]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _key_of(row: PreparedRow) -> str:
    return row.key


def _is_row_error(exc: BaseException) -> bool:
    return isinstance(exc, _ROW_ERRORS)
