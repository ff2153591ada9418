"""SQLite storage for a workspace's records: one table per object, kept in step with the metadata.

In memory by default, or in a file. Unique fields are backed by partial unique indexes (empty values may repeat, as
in Twenty), relations by indexed join columns, and ``position`` / ``createdAt`` / ``updatedAt`` / ``deletedAt`` by
indexes, so lists of 100k records filter, sort and page fast.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twenty_emulator._columns import Column, column_for, columns_of, quote
from twenty_emulator._query import table_name
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace

__all__ = ["Store", "unique_column"]


def unique_column(field: FieldMeta) -> Column:
    """The column a unique field's uniqueness is enforced on (a composite's primary sub-field)."""
    if field.type == "EMAILS":
        return column_for(field, "primaryEmail")
    if field.type == "LINKS":
        return column_for(field, "primaryLinkUrl")
    if field.type == "PHONES":
        return column_for(field, "primaryPhoneNumber")
    if field.is_composite:
        return column_for(field, next(iter(field.subfields)))
    return column_for(field)


class Store:
    """The records of one workspace. Every method is safe to call from several threads."""

    def __init__(self, workspace: Workspace, path: str = ":memory:") -> None:
        self.workspace = workspace
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL" if path != ":memory:" else "PRAGMA journal_mode = MEMORY")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA case_sensitive_like = ON")
        self._depth = 0
        for obj in workspace.objects:
            self.create_table(obj)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # -- transactions ----------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a failing batch writes nothing. Nests (savepoints)."""
        with self.lock:
            name = f"sp{self._depth}"
            self._depth += 1
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        with self.lock:
            return self.conn.execute(sql, params)

    # -- schema ----------------------------------------------------------------------------------------------------

    @staticmethod
    def table(obj: ObjectMeta) -> str:
        """Tables are keyed by object id, so renaming an object never moves its data."""
        return table_name(obj)

    def create_table(self, obj: ObjectMeta) -> None:
        cols = [c for c in columns_of(obj) if c.name != "id"]
        body = ", ".join(["id TEXT PRIMARY KEY", *(f"{c.sql} {c.sql_type}" for c in cols)])
        with self.lock:
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS {quote(self.table(obj))} ({body})")
            for field in obj.data_fields():
                self._index_field(obj, field)
            if obj.field("deletedAt") is not None:
                # Lists hide soft-deleted rows: counting live rows walks this small index, not the table.
                self.conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {quote('live_' + obj.id)} ON {quote(self.table(obj))} (id) "
                    'WHERE "deletedAt" IS NULL'
                )

    def drop_table(self, obj: ObjectMeta) -> None:
        self.execute(f"DROP TABLE IF EXISTS {quote(self.table(obj))}")

    def _index_field(self, obj: ObjectMeta, field: FieldMeta) -> None:
        table = quote(self.table(obj))
        if field.name == "id":
            return
        if field.is_unique:
            col = unique_column(field)
            # Uniqueness ignores empty values (several rows may leave the field ""); SQLite cannot use that partial
            # index for `col = ?`, so a plain index serves the lookups.
            self.conn.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {quote('u_' + obj.id + '_' + field.id)} ON {table} ({col.sql}) "
                f"WHERE {col.sql} IS NOT NULL AND {col.sql} != ''"
            )
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {quote('i_' + obj.id + '_' + field.id)} ON {table} ({col.sql}, id)"
            )
        elif field.relation_type == "MANY_TO_ONE" or field.name in ("position", "createdAt", "updatedAt"):
            col = column_for(field)
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {quote('i_' + obj.id + '_' + field.id)} ON {table} ({col.sql}, id)"
            )
        elif field.id == obj.raw.get("labelIdentifierFieldMetadataId"):
            # The record's name: what lists are most often sorted and searched by.
            subs = [column_for(field, s) for s in field.subfields] if field.is_composite else [column_for(field)]
            for col in subs:
                if col.value_type == "TEXT":
                    self.conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {quote('i_' + obj.id + '_' + col.name)} ON {table} ({col.sql}, id)"
                    )

    def add_field(self, obj: ObjectMeta, field: FieldMeta, defaults: dict[str, Any]) -> None:
        """Add the field's columns, filled for existing rows with ``defaults`` (column name → stored value)."""
        if field.is_relation and field.relation_type != "MANY_TO_ONE":
            return
        cols = [column_for(field, s) for s in field.subfields] if field.is_composite else [column_for(field)]
        with self.lock:
            existing = {r[1] for r in self.conn.execute(f"PRAGMA table_info({quote(self.table(obj))})")}
            for col in cols:
                if col.name in existing:
                    continue
                self.conn.execute(f"ALTER TABLE {quote(self.table(obj))} ADD COLUMN {col.sql} {col.sql_type}")
                if defaults.get(col.name) is not None:
                    self.conn.execute(f"UPDATE {quote(self.table(obj))} SET {col.sql} = ?", (defaults[col.name],))
            self._index_field(obj, field)

    def drop_field(self, obj: ObjectMeta, field: FieldMeta) -> None:
        if field.is_relation and field.relation_type != "MANY_TO_ONE":
            return
        cols = [column_for(field, s) for s in field.subfields] if field.is_composite else [column_for(field)]
        table = quote(self.table(obj))
        with self.lock:
            self.conn.execute(f"DROP INDEX IF EXISTS {quote('u_' + obj.id + '_' + field.id)}")
            self.conn.execute(f"DROP INDEX IF EXISTS {quote('i_' + obj.id + '_' + field.id)}")
            existing = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            for col in cols:
                if col.name in existing:
                    self.conn.execute(f"ALTER TABLE {table} DROP COLUMN {col.sql}")

    def rename_columns(self, obj: ObjectMeta, old: list[Column], new: list[Column]) -> None:
        table = quote(self.table(obj))
        with self.lock:
            for a, b in zip(old, new, strict=True):
                if a.name != b.name:
                    self.conn.execute(f"ALTER TABLE {table} RENAME COLUMN {a.sql} TO {b.sql}")

    def set_unique(self, obj: ObjectMeta, field: FieldMeta) -> None:
        """Re-create the field's index after ``isUnique`` changed."""
        with self.lock:
            self.conn.execute(f"DROP INDEX IF EXISTS {quote('u_' + obj.id + '_' + field.id)}")
            self.conn.execute(f"DROP INDEX IF EXISTS {quote('i_' + obj.id + '_' + field.id)}")
            self._index_field(obj, field)
