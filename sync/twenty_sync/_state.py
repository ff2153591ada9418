"""The sync's own state: an embedded SQLite file (no server), apart from every store.

Tables::

    synced       entity, key → source_hash (the source record's content_hash), payload_hash (the hash of the payload
                 sent to Twenty, after Twenty's normalisation), twenty_hash (the hash of the Twenty record as the
                 write left it), twenty_id, unique_value (the email / domain Twenty also matches upserts on),
                 synced_at
    watermarks   name → updated_at, last_id (a pull's cursor: the last (updatedAt, id) pair written to the target;
                 a state mirror's: the ``synced_at`` up to which a store's copy of this state is up to date)
    forgotten    entity, key, forgotten_at: keys dropped from ``synced`` (deleted in Twenty), so that a store's copy
                 of the state (:meth:`SyncState.changes_since`) can drop them too
    meta         name → value: ``state_id``, this state's own random id (it names its copies in stores)
    refused      entity, key → source_hash, version, reason: records refused for a reason that will not change by
                 itself (a value Twenty rejects), so that the next runs do not send them again until their source
                 row, the mapping version or the cleaning settings change (``version``); a record that lands
                 drops its row
    sync_errors  run_id, store, entity, key, operation, reason, attempt, time
    deleted      entity, key → twenty_id, deleted_at, kind, seen_at: records a CRM user deleted in Twenty, as a pull
                 saw them (``soft``: in Twenty's trash, ``deletedAt`` set; ``destroyed``: gone, found by a key check),
                 so that a push does not bring them back unless told to; dropped when the record is live again

A row of ``synced`` is written only once its write landed (one transaction per batch of 200): a run killed at any
point leaves the state behind Twenty, never ahead, and the next run sends the rest again (upserts keyed on the
external ids make that harmless).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from os import PathLike
from typing import Literal

import attrs

from twenty_sync._mapping import MAPPING_VERSION

__all__ = ["Deletion", "DeletionKind", "StateRow", "SyncError", "SyncState", "Watermark"]

_CHUNK = 500
_COLUMNS = (  # StateRow's fields, in order
    "key, source_hash, payload_hash, twenty_id, twenty_hash, unique_value, synced_at, field_hashes"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@attrs.frozen
class StateRow:
    """What the state knows of one synced record."""

    key: str
    source_hash: str
    payload_hash: str
    twenty_id: str
    twenty_hash: str | None = None
    unique_value: str | None = None
    synced_at: str = ""
    field_hashes: str | None = None
    """The hash of each field of the payload last sent (JSON ``{field: hash}``): an update sends only the fields
    whose hash differs. None in a row written before it was kept (the whole payload is then sent, safely)."""


@attrs.frozen
class Watermark:
    """A pull's cursor: rows with (updatedAt, id) up to this pair have been written to the target."""

    updated_at: str
    last_id: str


DeletionKind = Literal["soft", "destroyed"]
"""How a record left Twenty: ``soft`` (in the trash: ``deletedAt`` set, restorable), ``destroyed`` (gone for good)."""


@attrs.frozen
class Deletion:
    """A record deleted in Twenty, as a pull saw it: its key, its Twenty id, when (Twenty's ``deletedAt``; for a
    destroyed record, when the key check found it gone) and how."""

    key: str
    twenty_id: str
    deleted_at: str
    kind: DeletionKind
    seen_at: str = ""


@attrs.frozen
class SyncError:
    run_id: str
    store: str
    entity: str
    key: str
    operation: str
    reason: str
    attempt: int
    time: str


class SyncState:
    """The state file (``":memory:"`` for tests). One writer at a time."""

    def __init__(self, path: str | PathLike[str] = "twenty-sync.state.sqlite3") -> None:
        self.path = str(path)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS synced (
                entity TEXT NOT NULL, key TEXT NOT NULL, source_hash TEXT NOT NULL, payload_hash TEXT NOT NULL,
                twenty_hash TEXT, twenty_id TEXT NOT NULL, unique_value TEXT, synced_at TEXT NOT NULL,
                PRIMARY KEY (entity, key)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS synced_twenty_id ON synced (entity, twenty_id);
            CREATE INDEX IF NOT EXISTS synced_unique ON synced (entity, unique_value);
            CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, updated_at TEXT NOT NULL,
                last_id TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS sync_errors (
                id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, store TEXT NOT NULL, entity TEXT NOT NULL,
                key TEXT NOT NULL, operation TEXT NOT NULL, reason TEXT NOT NULL, attempt INTEGER NOT NULL,
                time TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS sync_errors_key ON sync_errors (store, entity, key, operation);
            CREATE TABLE IF NOT EXISTS forgotten (entity TEXT NOT NULL, key TEXT NOT NULL,
                forgotten_at TEXT NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS synced_at ON synced (entity, synced_at);
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS refused (entity TEXT NOT NULL, key TEXT NOT NULL, source_hash TEXT NOT NULL,
                version TEXT NOT NULL, reason TEXT NOT NULL, refused_at TEXT NOT NULL,
                PRIMARY KEY (entity, key)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS deleted (entity TEXT NOT NULL, key TEXT NOT NULL, twenty_id TEXT NOT NULL,
                deleted_at TEXT NOT NULL, kind TEXT NOT NULL, seen_at TEXT NOT NULL,
                PRIMARY KEY (entity, key)) WITHOUT ROWID;
            """
        )
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(synced)")}
        if "field_hashes" not in columns:  # a file written before per-field hashes were kept
            self._conn.execute("ALTER TABLE synced ADD COLUMN field_hashes TEXT")
        state_id = self.meta("state_id")
        if state_id is None:
            state_id = secrets.token_hex(6)
            self.set_meta("state_id", state_id)
            if self._conn.execute("SELECT 1 FROM synced LIMIT 1").fetchone() is None:  # new: under today's mapping
                self.set_meta("mapping_version", MAPPING_VERSION)
            # else a file written before versions were kept: the next run maps every record again
        # a random id fixed when the file is created: it names the state's copies in stores (SupportsStateDiff)
        self.state_id: str = state_id

    def __repr__(self) -> str:
        return f"SyncState({self.path!r})"

    def close(self) -> None:
        self._conn.close()

    # --- synced records -------------------------------------------------------------------------------------------

    def rows(self, entity: str, *, batch_size: int = 2000) -> Iterator[StateRow]:
        """Every synced record of ``entity`` in key order (code point order, as the stores read), paged by key."""
        after: str | None = None
        while True:
            if after is None:
                fetched = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM synced WHERE entity = ? ORDER BY key LIMIT ?",
                    (entity, batch_size),
                ).fetchall()
            else:
                fetched = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM synced WHERE entity = ? AND key > ? ORDER BY key LIMIT ?",
                    (entity, after, batch_size),
                ).fetchall()
            for row in fetched:
                yield StateRow(*row)
            if len(fetched) < batch_size:
                return
            after = fetched[-1][0]

    def get_many(self, entity: str, keys: Iterable[str]) -> dict[str, StateRow]:
        out: dict[str, StateRow] = {}
        key_list = list(dict.fromkeys(keys))
        for i in range(0, len(key_list), _CHUNK):
            chunk = key_list[i : i + _CHUNK]
            for row in self._conn.execute(
                f"SELECT {_COLUMNS} FROM synced WHERE entity = ? AND key IN ({','.join('?' * len(chunk))})",
                (entity, *chunk),
            ):
                out[row[0]] = StateRow(*row)
        return out

    def by_twenty_ids(self, entity: str, twenty_ids: Iterable[str]) -> dict[str, StateRow]:
        """State rows by Twenty id."""
        out: dict[str, StateRow] = {}
        ids = list(dict.fromkeys(twenty_ids))
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for row in self._conn.execute(
                f"SELECT {_COLUMNS} FROM synced WHERE entity = ? AND twenty_id IN ({','.join('?' * len(chunk))})",
                (entity, *chunk),
            ):
                out[row[3]] = StateRow(*row)
        return out

    def owners(self, entity: str, unique_values: Iterable[str]) -> dict[str, str]:
        """unique value → the key of the synced record holding it."""
        out: dict[str, str] = {}
        values = list(dict.fromkeys(unique_values))
        for i in range(0, len(values), _CHUNK):
            chunk = values[i : i + _CHUNK]
            for value, key in self._conn.execute(
                "SELECT unique_value, key FROM synced "
                f"WHERE entity = ? AND unique_value IN ({','.join('?' * len(chunk))})",
                (entity, *chunk),
            ):
                out[value] = key
        return out

    def record(self, entity: str, rows: Sequence[StateRow]) -> None:
        """Write the state of records whose write landed (one transaction)."""
        if not rows:
            return
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT INTO synced (entity, key, source_hash, payload_hash, twenty_hash, twenty_id, unique_value, "
                "synced_at, field_hashes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity, key) DO UPDATE SET "
                "source_hash = excluded.source_hash, payload_hash = excluded.payload_hash, "
                "twenty_hash = excluded.twenty_hash, twenty_id = excluded.twenty_id, "
                "unique_value = excluded.unique_value, synced_at = excluded.synced_at, "
                "field_hashes = excluded.field_hashes",
                [
                    (
                        *(entity, r.key, r.source_hash, r.payload_hash, r.twenty_hash, r.twenty_id, r.unique_value),
                        *(now, r.field_hashes),
                    )
                    for r in rows
                ],
            )
            self._conn.executemany("DELETE FROM refused WHERE entity = ? AND key = ?", [(entity, r.key) for r in rows])
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def forget(self, entity: str, keys: Iterable[str]) -> None:
        """Drop records from the state (they were deleted in Twenty); remembered in ``forgotten``."""
        key_list = list(keys)
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for i in range(0, len(key_list), _CHUNK):
                chunk = key_list[i : i + _CHUNK]
                self._conn.execute(
                    f"DELETE FROM synced WHERE entity = ? AND key IN ({','.join('?' * len(chunk))})", (entity, *chunk)
                )
                self._conn.executemany(
                    "INSERT INTO forgotten (entity, key, forgotten_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (entity, key) DO UPDATE SET forgotten_at = excluded.forgotten_at",
                    [(entity, key, now) for key in chunk],
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @staticmethod
    def now() -> str:
        """The state's clock, as ``synced_at`` values are written (ISO 8601, UTC, microseconds)."""
        return _now()

    def changes_since(self, entity: str, since: str | None) -> tuple[Iterator[StateRow], Iterator[str]]:
        """What changed in the state of ``entity`` from ``since`` (a :meth:`now` value, inclusive; None: everything):
        the synced rows written since, and the keys forgotten since that are not synced again. Both stream."""
        if since is None:
            return self.rows(entity), iter(())
        rows = (
            StateRow(*row)
            for row in self._conn.execute(
                f"SELECT {_COLUMNS} FROM synced WHERE entity = ? AND synced_at >= ? ORDER BY key", (entity, since)
            )
        )
        gone = (
            key
            for (key,) in self._conn.execute(
                "SELECT key FROM forgotten f WHERE entity = ? AND forgotten_at >= ? AND NOT EXISTS "
                "(SELECT 1 FROM synced s WHERE s.entity = f.entity AND s.key = f.key) ORDER BY key",
                (entity, since),
            )
        )
        return rows, gone

    def count(self, entity: str) -> int:
        row = self._conn.execute("SELECT count(*) FROM synced WHERE entity = ?", (entity,)).fetchone()
        return int(row[0])

    def last_synced_at(self, entity: str) -> str | None:
        row = self._conn.execute("SELECT max(synced_at) FROM synced WHERE entity = ?", (entity,)).fetchone()
        return row[0] if row and row[0] else None

    # --- refused records ------------------------------------------------------------------------------------------

    def refuse(self, entity: str, version: str, refusals: Sequence[tuple[str, str, str]]) -> None:
        """Remember ``(key, source_hash, reason)`` of records refused for good under ``version`` (one transaction);
        :meth:`record` forgets a key once it lands."""
        if not refusals:
            return
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT INTO refused (entity, key, source_hash, version, reason, refused_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (entity, key) DO UPDATE SET source_hash = excluded.source_hash, "
                "version = excluded.version, reason = excluded.reason, refused_at = excluded.refused_at",
                [(entity, key, h, version, reason, now) for key, h, reason in refusals],
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def refused(self, entity: str, version: str) -> dict[str, tuple[str, str]]:
        """key → (source_hash, reason) of the records of ``entity`` refused under ``version``."""
        rows = self._conn.execute(
            "SELECT key, source_hash, reason FROM refused WHERE entity = ? AND version = ?", (entity, version)
        )
        return {key: (h, reason) for key, h, reason in rows}

    # --- records deleted in Twenty --------------------------------------------------------------------------------

    def record_deletions(self, entity: str, deletions: Sequence[Deletion]) -> None:
        """Remember records deleted in Twenty (one transaction; a key already known takes the newer sighting)."""
        if not deletions:
            return
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT INTO deleted (entity, key, twenty_id, deleted_at, kind, seen_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (entity, key) DO UPDATE SET twenty_id = excluded.twenty_id, "
                "deleted_at = excluded.deleted_at, kind = excluded.kind, seen_at = excluded.seen_at",
                [(entity, d.key, d.twenty_id, d.deleted_at, d.kind, now) for d in deletions],
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def deletions(self, entity: str, keys: Iterable[str]) -> dict[str, Deletion]:
        """key → the deletion recorded for it, of these keys."""
        out: dict[str, Deletion] = {}
        key_list = list(dict.fromkeys(keys))
        for i in range(0, len(key_list), _CHUNK):
            chunk = key_list[i : i + _CHUNK]
            for row in self._conn.execute(
                "SELECT key, twenty_id, deleted_at, kind, seen_at FROM deleted "
                f"WHERE entity = ? AND key IN ({','.join('?' * len(chunk))})",
                (entity, *chunk),
            ):
                out[row[0]] = Deletion(*row)
        return out

    def deletion_count(self, entity: str) -> int:
        """How many records of ``entity`` are recorded as deleted in Twenty."""
        row = self._conn.execute("SELECT count(*) FROM deleted WHERE entity = ?", (entity,)).fetchone()
        return int(row[0])

    def undelete(self, entity: str, keys: Iterable[str]) -> None:
        """Forget the deletions of these keys (the records are live in Twenty again)."""
        key_list = list(dict.fromkeys(keys))
        for i in range(0, len(key_list), _CHUNK):
            chunk = key_list[i : i + _CHUNK]
            self._conn.execute(
                f"DELETE FROM deleted WHERE entity = ? AND key IN ({','.join('?' * len(chunk))})", (entity, *chunk)
            )

    # --- watermarks -----------------------------------------------------------------------------------------------

    def watermark(self, name: str) -> Watermark | None:
        row = self._conn.execute("SELECT updated_at, last_id FROM watermarks WHERE name = ?", (name,)).fetchone()
        return Watermark(row[0], row[1]) if row else None

    def set_watermark(self, name: str, mark: Watermark) -> None:
        self._conn.execute(
            "INSERT INTO watermarks (name, updated_at, last_id) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "updated_at = excluded.updated_at, last_id = excluded.last_id",
            (name, mark.updated_at, mark.last_id),
        )

    def clear_watermark(self, name: str) -> None:
        self._conn.execute("DELETE FROM watermarks WHERE name = ?", (name,))

    def watermarks(self) -> dict[str, Watermark]:
        """Every watermark, by name (in name order)."""
        rows = self._conn.execute("SELECT name, updated_at, last_id FROM watermarks ORDER BY name").fetchall()
        return {name: Watermark(at, last) for name, at, last in rows}

    # --- meta -----------------------------------------------------------------------------------------------------

    def meta(self, name: str) -> str | None:
        """A value of the state's own bookkeeping (``state_id``, ``mapping_version``)."""
        row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, name: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    # --- errors ---------------------------------------------------------------------------------------------------

    def log_errors(
        self, run_id: str, store: str, entity: str, operation: str, errors: Sequence[tuple[str, str]]
    ) -> None:
        """Log ``(key, reason)`` pairs; ``attempt`` counts this key's errors for this operation so far."""
        if not errors:
            return
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for key, reason in errors:
                (previous,) = self._conn.execute(
                    "SELECT count(*) FROM sync_errors WHERE store = ? AND entity = ? AND key = ? AND operation = ?",
                    (store, entity, key, operation),
                ).fetchone()
                self._conn.execute(
                    "INSERT INTO sync_errors (run_id, store, entity, key, operation, reason, attempt, time) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, store, entity, key, operation, reason, previous + 1, now),
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def errors(self, run_id: str | None = None, *, limit: int | None = None) -> list[SyncError]:
        sql = "SELECT run_id, store, entity, key, operation, reason, attempt, time FROM sync_errors"
        params: list[object] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [SyncError(*row) for row in self._conn.execute(sql, params)]

    def last_run_id(self) -> str | None:
        row = self._conn.execute("SELECT run_id FROM sync_errors ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None
