"""The sync's state in PostgreSQL, for runs from ephemeral containers where no local file survives.

:class:`PostgresSyncState` keeps the tables of :class:`~twenty_sync.SyncState` (``synced``, ``watermarks``,
``sync_errors``, ``forgotten``, ``meta``, ``refused``, ``deleted``) in one schema of a PostgreSQL database
(``twenty_sync`` by default; created with its tables when missing) and behaves as the SQLite state does, method for
method:

- keys are ``text COLLATE "C"`` and every order or comparison of keys says ``COLLATE "C"``: byte order of UTF-8,
  that is code point order, the order the stores read in (the database must be UTF-8; anything else is refused);
- ``synced_at`` / ``forgotten_at`` are the text of :meth:`SyncState.now` (ISO 8601, UTC, microseconds), written by
  this process, so ``changes_since`` compares them as the SQLite state does;
- :meth:`~PostgresSyncState.record`, :meth:`~PostgresSyncState.forget` and :meth:`~PostgresSyncState.log_errors` are
  one transaction each: the state advances only once a write landed, and a call that fails leaves nothing behind;
- reads stream: ``rows`` and ``changes_since`` page by key, ``batch_size`` rows per query.

:class:`State` is the interface both states satisfy (the engine and the planner take either).

psycopg 3 (the ``supabase`` extra) is imported when a :class:`PostgresSyncState` is made, so importing this module,
or :class:`State`, needs no extra.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, LiteralString, Protocol, TypeVar

from twenty_sync._mapping import MAPPING_VERSION
from twenty_sync._state import _COLUMNS, Deletion, StateRow, SyncError, SyncState, Watermark

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

__all__ = ["PostgresSyncState", "State"]

T = TypeVar("T")

_CHUNK = 1000  # values per ``= ANY(%s)`` lookup
_PAGE = 2000  # rows per page of changes_since


_TABLES = ("synced", "watermarks", "sync_errors", "forgotten", "meta", "refused", "deleted")

_DDL: tuple[LiteralString, ...] = (
    'CREATE TABLE IF NOT EXISTS {synced} (entity text NOT NULL, key text COLLATE "C" NOT NULL, '
    "source_hash text NOT NULL, payload_hash text NOT NULL, twenty_hash text, twenty_id text NOT NULL, "
    'unique_value text, synced_at text COLLATE "C" NOT NULL, PRIMARY KEY (entity, key))',
    "CREATE INDEX IF NOT EXISTS synced_twenty_id ON {synced} (entity, twenty_id)",
    "CREATE INDEX IF NOT EXISTS synced_unique ON {synced} (entity, unique_value)",
    "CREATE INDEX IF NOT EXISTS synced_at ON {synced} (entity, synced_at)",
    "CREATE TABLE IF NOT EXISTS {watermarks} (name text PRIMARY KEY, updated_at text NOT NULL, last_id text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {sync_errors} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "run_id text NOT NULL, store text NOT NULL, entity text NOT NULL, key text NOT NULL, operation text NOT NULL, "
    "reason text NOT NULL, attempt integer NOT NULL, time text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sync_errors_key ON {sync_errors} (store, entity, key, operation)",
    "CREATE INDEX IF NOT EXISTS sync_errors_run ON {sync_errors} (run_id, id)",
    'CREATE TABLE IF NOT EXISTS {forgotten} (entity text NOT NULL, key text COLLATE "C" NOT NULL, '
    'forgotten_at text COLLATE "C" NOT NULL, PRIMARY KEY (entity, key))',
    "CREATE INDEX IF NOT EXISTS forgotten_at ON {forgotten} (entity, forgotten_at)",
    "CREATE TABLE IF NOT EXISTS {meta} (name text PRIMARY KEY, value text NOT NULL)",
    "ALTER TABLE {synced} ADD COLUMN IF NOT EXISTS field_hashes text",  # a state from before per-field hashes
    'CREATE TABLE IF NOT EXISTS {refused} (entity text NOT NULL, key text COLLATE "C" NOT NULL, '
    "source_hash text NOT NULL, version text NOT NULL, reason text NOT NULL, refused_at text NOT NULL, "
    "PRIMARY KEY (entity, key))",
    'CREATE TABLE IF NOT EXISTS {deleted} (entity text NOT NULL, key text COLLATE "C" NOT NULL, '
    "twenty_id text NOT NULL, deleted_at text NOT NULL, kind text NOT NULL, seen_at text NOT NULL, "
    "PRIMARY KEY (entity, key))",
)


class State(Protocol):
    """What the engine and the planner need of a state: :class:`~twenty_sync.SyncState` (SQLite) and
    :class:`PostgresSyncState` both are one."""

    @property
    def state_id(self) -> str: ...

    def close(self) -> None: ...

    def rows(self, entity: str, *, batch_size: int = 2000) -> Iterator[StateRow]: ...

    def get_many(self, entity: str, keys: Iterable[str]) -> dict[str, StateRow]: ...

    def by_twenty_ids(self, entity: str, twenty_ids: Iterable[str]) -> dict[str, StateRow]: ...

    def owners(self, entity: str, unique_values: Iterable[str]) -> dict[str, str]: ...

    def record(self, entity: str, rows: Sequence[StateRow]) -> None: ...

    def forget(self, entity: str, keys: Iterable[str]) -> None: ...

    def refuse(self, entity: str, version: str, refusals: Sequence[tuple[str, str, str]]) -> None: ...

    def refused(self, entity: str, version: str) -> dict[str, tuple[str, str]]: ...

    def record_deletions(self, entity: str, deletions: Sequence[Deletion]) -> None: ...

    def deletions(self, entity: str, keys: Iterable[str]) -> dict[str, Deletion]: ...

    def deletion_count(self, entity: str) -> int: ...

    def undelete(self, entity: str, keys: Iterable[str]) -> None: ...

    def now(self) -> str: ...

    def changes_since(self, entity: str, since: str | None) -> tuple[Iterator[StateRow], Iterator[str]]: ...

    def count(self, entity: str) -> int: ...

    def last_synced_at(self, entity: str) -> str | None: ...

    def watermark(self, name: str) -> Watermark | None: ...

    def set_watermark(self, name: str, mark: Watermark) -> None: ...

    def clear_watermark(self, name: str) -> None: ...

    def watermarks(self) -> dict[str, Watermark]: ...

    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...

    def log_errors(
        self, run_id: str, store: str, entity: str, operation: str, errors: Sequence[tuple[str, str]]
    ) -> None: ...

    def errors(self, run_id: str | None = None, *, limit: int | None = None) -> list[SyncError]: ...

    def last_run_id(self) -> str | None: ...


class PostgresSyncState:
    """The state in ``schema`` of the database ``conninfo`` names (a libpq connection string or URL; with Supabase,
    the session pooler or the direct connection). One writer at a time, as with the SQLite state.

    The connection is autocommit (each write opens its own transaction) and is opened again if it was closed or
    broke. ``repr`` names the server, database and schema, never the connection string (it may hold a password).
    """

    def __init__(self, conninfo: str, *, schema: str = "twenty_sync") -> None:
        try:
            from psycopg import sql
        except ImportError as exc:  # pragma: no cover - the test environment has the extra
            raise ImportError(
                f"PostgresSyncState needs the 'supabase' extra: pip install 'twenty-sdk[supabase]' ({exc})"
            ) from exc
        self._conninfo = conninfo
        self.schema = schema
        self._tables = {name: sql.Identifier(schema, name) for name in _TABLES}
        self._queries: dict[str, sql.Composed] = {}
        self._conn: psycopg.Connection[Any] | None = None
        conn = self._connection()
        info = conn.info
        dbname = info.dbname
        self._where = f"host={info.host!r}, port={info.port}, dbname={dbname!r}"  # no password, no conninfo
        (encoding,) = _one(conn.execute("SHOW server_encoding").fetchone())
        if str(encoding).upper() != "UTF8":
            self.close()
            raise ValueError(
                f"the database {dbname!r} is encoded {encoding!r}; the state needs UTF8 "
                "(its key order is the byte order of UTF-8, that is code point order)"
            )
        self._ensure_schema(conn)
        (state_id,) = _one(conn.execute(self._q("SELECT value FROM {meta} WHERE name = 'state_id'")).fetchone())
        # a random id fixed when the schema is created: it names the state's copies in stores (SupportsStateDiff)
        self.state_id: str = str(state_id)

    def __repr__(self) -> str:
        return f"PostgresSyncState({self._where}, schema={self.schema!r})"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            import psycopg

            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _q(self, template: LiteralString) -> sql.Composed:
        """``template`` with ``{synced}``, ``{meta}``, … replaced by the schema-qualified table names."""
        query = self._queries.get(template)
        if query is None:
            from psycopg import sql

            query = self._queries[template] = sql.SQL(template).format(**self._tables)
        return query

    def _ensure_schema(self, conn: psycopg.Connection[Any]) -> None:
        from psycopg import sql

        with conn.transaction():
            # two processes starting on a new schema at once: one creates it, the other then finds it
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"twenty_sync state {self.schema}",))
            exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()
            if exists is None:  # CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
            for statement in _DDL:
                conn.execute(self._q(statement))
            created = conn.execute(
                self._q("INSERT INTO {meta} (name, value) VALUES ('state_id', %s) ON CONFLICT (name) DO NOTHING"),
                (secrets.token_hex(6),),
            ).rowcount
            if created:  # a new state: written under today's mapping
                conn.execute(
                    self._q("INSERT INTO {meta} (name, value) VALUES ('mapping_version', %s)"), (MAPPING_VERSION,)
                )

    # --- synced records -------------------------------------------------------------------------------------------

    def rows(self, entity: str, *, batch_size: int = 2000) -> Iterator[StateRow]:
        """Every synced record of ``entity`` in key order (code point order, as the stores read), paged by key."""
        first = self._q(f'SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s ORDER BY key COLLATE "C" LIMIT %s')
        after_key = self._q(
            f'SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s AND key COLLATE "C" > %s '
            'ORDER BY key COLLATE "C" LIMIT %s'
        )
        return self._pages(first, after_key, (entity,), batch_size, StateRow)

    def _pages(
        self, first: sql.Composed, after_key: sql.Composed, params: tuple[Any, ...], size: int, make: Callable[..., T]
    ) -> Iterator[T]:
        """Keyset pages: ``first`` takes ``(*params, size)``, ``after_key`` ``(*params, last key, size)``; each row's
        first column is its key."""
        after: str | None = None
        while True:
            conn = self._connection()
            if after is None:
                fetched = conn.execute(first, (*params, size)).fetchall()
            else:
                fetched = conn.execute(after_key, (*params, after, size)).fetchall()
            for row in fetched:
                yield make(*row)
            if len(fetched) < size:
                return
            after = fetched[-1][0]

    def _lookup(self, template: LiteralString, entity: str, values: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        unique = list(dict.fromkeys(values))
        query = self._q(template)
        for i in range(0, len(unique), _CHUNK):
            yield from self._connection().execute(query, (entity, unique[i : i + _CHUNK])).fetchall()

    def get_many(self, entity: str, keys: Iterable[str]) -> dict[str, StateRow]:
        rows = self._lookup(f"SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s AND key = ANY(%s)", entity, keys)
        return {row[0]: StateRow(*row) for row in rows}

    def by_twenty_ids(self, entity: str, twenty_ids: Iterable[str]) -> dict[str, StateRow]:
        """State rows by Twenty id."""
        rows = self._lookup(
            f"SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s AND twenty_id = ANY(%s)", entity, twenty_ids
        )
        return {row[3]: StateRow(*row) for row in rows}

    def owners(self, entity: str, unique_values: Iterable[str]) -> dict[str, str]:
        """unique value → the key of the synced record holding it."""
        rows = self._lookup(
            "SELECT unique_value, key FROM {synced} WHERE entity = %s AND unique_value = ANY(%s)", entity, unique_values
        )
        return dict(rows)

    def record(self, entity: str, rows: Sequence[StateRow]) -> None:
        """Write the state of records whose write landed (one transaction)."""
        if not rows:
            return
        now = self.now()
        upsert = self._q(
            "INSERT INTO {synced} (entity, key, source_hash, payload_hash, twenty_hash, twenty_id, unique_value, "
            "synced_at, field_hashes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (entity, key) DO UPDATE "
            "SET source_hash = excluded.source_hash, payload_hash = excluded.payload_hash, "
            "twenty_hash = excluded.twenty_hash, twenty_id = excluded.twenty_id, "
            "unique_value = excluded.unique_value, synced_at = excluded.synced_at, "
            "field_hashes = excluded.field_hashes"
        )
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cursor:
            params = [
                (
                    *(entity, r.key, r.source_hash, r.payload_hash, r.twenty_hash, r.twenty_id, r.unique_value),
                    *(now, r.field_hashes),
                )
                for r in rows
            ]
            cursor.executemany(upsert, params)
            cursor.execute(
                self._q("DELETE FROM {refused} WHERE entity = %s AND key = ANY(%s)"), (entity, [r.key for r in rows])
            )

    def forget(self, entity: str, keys: Iterable[str]) -> None:
        """Drop records from the state (they were deleted in Twenty); remembered in ``forgotten``."""
        key_list = list(dict.fromkeys(keys))  # one row once: ON CONFLICT DO UPDATE may not touch a row twice
        if not key_list:
            return
        now = self.now()
        delete = self._q("DELETE FROM {synced} WHERE entity = %s AND key = ANY(%s)")
        remember = self._q(
            "INSERT INTO {forgotten} (entity, key, forgotten_at) SELECT %s, k, %s FROM unnest(%s::text[]) AS k "
            "ON CONFLICT (entity, key) DO UPDATE SET forgotten_at = excluded.forgotten_at"
        )
        conn = self._connection()
        with conn.transaction():
            for i in range(0, len(key_list), _CHUNK):
                chunk = key_list[i : i + _CHUNK]
                conn.execute(delete, (entity, chunk))
                conn.execute(remember, (entity, now, chunk))

    @staticmethod
    def now() -> str:
        """The state's clock, as ``synced_at`` values are written (ISO 8601, UTC, microseconds)."""
        return SyncState.now()

    def refuse(self, entity: str, version: str, refusals: Sequence[tuple[str, str, str]]) -> None:
        """Remember records refused for good (see :meth:`SyncState.refuse`)."""
        latest = {key: (h, reason) for key, h, reason in refusals}  # one row once per statement
        if not latest:
            return
        query = self._q(
            "INSERT INTO {refused} (entity, key, source_hash, version, reason, refused_at) "
            "SELECT %s, k, h, %s, r, %s FROM unnest(%s::text[], %s::text[], %s::text[]) AS t (k, h, r) "
            "ON CONFLICT (entity, key) DO UPDATE SET source_hash = excluded.source_hash, "
            "version = excluded.version, reason = excluded.reason, refused_at = excluded.refused_at"
        )
        keys = list(latest)
        params = (entity, version, self.now(), keys, [latest[k][0] for k in keys], [latest[k][1] for k in keys])
        conn = self._connection()
        with conn.transaction():
            conn.execute(query, params)

    def refused(self, entity: str, version: str) -> dict[str, tuple[str, str]]:
        """key → (source_hash, reason) of the records of ``entity`` refused under ``version``."""
        query = self._q("SELECT key, source_hash, reason FROM {refused} WHERE entity = %s AND version = %s")
        rows = self._connection().execute(query, (entity, version)).fetchall()
        return {key: (h, reason) for key, h, reason in rows}

    def record_deletions(self, entity: str, deletions: Sequence[Deletion]) -> None:
        """Remember records deleted in Twenty (see :meth:`SyncState.record_deletions`)."""
        latest = {d.key: d for d in deletions}  # one row once per statement
        if not latest:
            return
        query = self._q(
            "INSERT INTO {deleted} (entity, key, twenty_id, deleted_at, kind, seen_at) "
            "SELECT %s, k, i, d, w, %s FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS t (k, i, d, w) "
            "ON CONFLICT (entity, key) DO UPDATE SET twenty_id = excluded.twenty_id, "
            "deleted_at = excluded.deleted_at, kind = excluded.kind, seen_at = excluded.seen_at"
        )
        rows = list(latest.values())
        params = (
            *(entity, self.now(), [d.key for d in rows], [d.twenty_id for d in rows]),
            *([d.deleted_at for d in rows], [d.kind for d in rows]),
        )
        conn = self._connection()
        with conn.transaction():
            conn.execute(query, params)

    def deletions(self, entity: str, keys: Iterable[str]) -> dict[str, Deletion]:
        """key → the deletion recorded for it, of these keys."""
        rows = self._lookup(
            "SELECT key, twenty_id, deleted_at, kind, seen_at FROM {deleted} WHERE entity = %s AND key = ANY(%s)",
            entity,
            keys,
        )
        return {row[0]: Deletion(*row) for row in rows}

    def deletion_count(self, entity: str) -> int:
        query = self._q("SELECT count(*) FROM {deleted} WHERE entity = %s")
        (count,) = _one(self._connection().execute(query, (entity,)).fetchone())
        return int(count)

    def undelete(self, entity: str, keys: Iterable[str]) -> None:
        """Forget the deletions of these keys (the records are live in Twenty again)."""
        key_list = list(dict.fromkeys(keys))
        query = self._q("DELETE FROM {deleted} WHERE entity = %s AND key = ANY(%s)")
        for i in range(0, len(key_list), _CHUNK):
            self._connection().execute(query, (entity, key_list[i : i + _CHUNK]))

    def changes_since(self, entity: str, since: str | None) -> tuple[Iterator[StateRow], Iterator[str]]:
        """What changed in the state of ``entity`` from ``since`` (a :meth:`now` value, inclusive; None: everything):
        the synced rows written since, and the keys forgotten since that are not synced again. Both stream."""
        if since is None:
            return self.rows(entity), iter(())
        changed = self._pages(
            self._q(
                f"SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s AND synced_at >= %s "
                'ORDER BY key COLLATE "C" LIMIT %s'
            ),
            self._q(
                f"SELECT {_COLUMNS} FROM {{synced}} WHERE entity = %s AND synced_at >= %s "
                'AND key COLLATE "C" > %s ORDER BY key COLLATE "C" LIMIT %s'
            ),
            (entity, since),
            _PAGE,
            StateRow,
        )
        not_synced = (
            "SELECT key FROM {forgotten} f WHERE entity = %s AND forgotten_at >= %s AND NOT EXISTS "
            "(SELECT 1 FROM {synced} s WHERE s.entity = f.entity AND s.key = f.key)"
        )
        gone = self._pages(
            self._q(not_synced + ' ORDER BY key COLLATE "C" LIMIT %s'),
            self._q(not_synced + ' AND key COLLATE "C" > %s ORDER BY key COLLATE "C" LIMIT %s'),
            (entity, since),
            _PAGE,
            str,
        )
        return changed, gone

    def count(self, entity: str) -> int:
        query = self._q("SELECT count(*) FROM {synced} WHERE entity = %s")
        (count,) = _one(self._connection().execute(query, (entity,)).fetchone())
        return int(count)

    def last_synced_at(self, entity: str) -> str | None:
        query = self._q("SELECT max(synced_at) FROM {synced} WHERE entity = %s")
        row = self._connection().execute(query, (entity,)).fetchone()
        return str(row[0]) if row and row[0] else None

    # --- watermarks -----------------------------------------------------------------------------------------------

    def watermark(self, name: str) -> Watermark | None:
        query = self._q("SELECT updated_at, last_id FROM {watermarks} WHERE name = %s")
        row = self._connection().execute(query, (name,)).fetchone()
        return Watermark(row[0], row[1]) if row else None

    def set_watermark(self, name: str, mark: Watermark) -> None:
        query = self._q(
            "INSERT INTO {watermarks} (name, updated_at, last_id) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
            "SET updated_at = excluded.updated_at, last_id = excluded.last_id"
        )
        self._connection().execute(query, (name, mark.updated_at, mark.last_id))

    def clear_watermark(self, name: str) -> None:
        self._connection().execute(self._q("DELETE FROM {watermarks} WHERE name = %s"), (name,))

    def watermarks(self) -> dict[str, Watermark]:
        """Every watermark, by name (in name order)."""
        query = self._q('SELECT name, updated_at, last_id FROM {watermarks} ORDER BY name COLLATE "C"')
        return {name: Watermark(at, last) for name, at, last in self._connection().execute(query).fetchall()}

    def meta(self, name: str) -> str | None:
        """A value of the state's own bookkeeping (``state_id``, ``mapping_version``)."""
        row = self._connection().execute(self._q("SELECT value FROM {meta} WHERE name = %s"), (name,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, name: str, value: str) -> None:
        query = self._q(
            "INSERT INTO {meta} (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        self._connection().execute(query, (name, value))

    # --- errors ---------------------------------------------------------------------------------------------------

    def log_errors(
        self, run_id: str, store: str, entity: str, operation: str, errors: Sequence[tuple[str, str]]
    ) -> None:
        """Log ``(key, reason)`` pairs; ``attempt`` counts this key's errors for this operation so far."""
        if not errors:
            return
        # one statement: attempt = the key's earlier errors + its rank among this call's (a key may come twice);
        # rows are inserted, so numbered, in the order given
        query = self._q(
            "INSERT INTO {sync_errors} (run_id, store, entity, key, operation, reason, attempt, time) "
            "SELECT %(run_id)s, %(store)s, %(entity)s, e.key, %(operation)s, e.reason, "
            "(SELECT count(*) FROM {sync_errors} s WHERE s.store = %(store)s AND s.entity = %(entity)s "
            "AND s.key = e.key AND s.operation = %(operation)s) + row_number() OVER (PARTITION BY e.key ORDER BY e.n), "
            "%(time)s FROM unnest(%(keys)s::text[], %(reasons)s::text[]) WITH ORDINALITY AS e (key, reason, n) "
            "ORDER BY e.n"
        )
        params = {
            "run_id": run_id,
            "store": store,
            "entity": entity,
            "operation": operation,
            "time": self.now(),
            "keys": [key for key, _ in errors],
            "reasons": [reason for _, reason in errors],
        }
        conn = self._connection()
        with conn.transaction():
            conn.execute(query, params)

    def errors(self, run_id: str | None = None, *, limit: int | None = None) -> list[SyncError]:
        columns = "SELECT run_id, store, entity, key, operation, reason, attempt, time FROM {sync_errors}"
        conn = self._connection()
        if run_id is None:
            fetched = conn.execute(self._q(columns + " ORDER BY id LIMIT %s"), (limit,))
        else:
            fetched = conn.execute(self._q(columns + " WHERE run_id = %s ORDER BY id LIMIT %s"), (run_id, limit))
        return [SyncError(*row) for row in fetched.fetchall()]

    def last_run_id(self) -> str | None:
        query = self._q("SELECT run_id FROM {sync_errors} ORDER BY id DESC LIMIT 1")
        row = self._connection().execute(query).fetchone()
        return str(row[0]) if row else None


def _one(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    if row is None:  # an aggregate, or a row written in the same call: always there
        raise RuntimeError("the state's query returned no row")
    return row
