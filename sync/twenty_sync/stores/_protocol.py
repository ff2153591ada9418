"""The one small interface every store offers the engine, and the values it returns.

Every store keeps the same columns for an entity (the fields of ``twenty_sync._records``, plus ``updated_at``, the
store's own change stamp) and honours the same contract, which ``tests/sync/test_stores.py`` runs against each:

- ``read_all`` streams every row as batches (lists of at most ``batch_size`` records), in ascending key order by
  code point (the same order in every store, so two streams can be merge-joined in constant memory);
- ``read_changed`` streams the rows whose ``updated_at`` is later than ``since`` (all rows when ``since`` is None),
  ordered by (``updated_at``, key); the largest ``updated_at`` read is the next watermark;
- ``upsert`` writes records by key, consuming any iterable in chunks (never all of it at once). A row whose content
  is unchanged is left alone (its ``updated_at`` too); a changed or new row gets a new ``updated_at``. A row the
  store cannot write does not fail the others: it comes back in ``WriteResult.failures`` with its key and why;
- ``delete`` removes rows by key (missing keys are not an error);
- ``mark_deleted`` (every store here: :class:`SupportsDeletionMarks`) sets or clears a row's ``deleted_at``, the
  moment a record was deleted in Twenty, which a pull records there (:class:`~twenty_sync.DeletionPolicy`).

``updated_at`` is stamped by the store (the database's clock, or the local store's injected clock) when a row changes;
a value in the records given to ``upsert`` is ignored. Its precision is a microsecond. A reader that may run while
writers commit should pass ``since`` a little before its last watermark: re-reading a row is harmless to a diff on
content hashes, missing one is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable

import attrs

from twenty_sync._records import Entity, SourceRecord

__all__ = [
    "DiffRow",
    "KeyHash",
    "RowFailure",
    "Store",
    "SupportsDeletionMarks",
    "SupportsKeyHashes",
    "SupportsStateDiff",
    "WriteResult",
]

R = TypeVar("R", bound=SourceRecord)


@attrs.frozen
class RowFailure:
    """One row a store could not write or delete: its key, and the store's reason."""

    key: str
    reason: str


@attrs.frozen
class WriteResult:
    """What an ``upsert`` or ``delete`` did: how many records it took from the input, how many rows it changed
    (inserted, updated or deleted; rows already up to date are not counted) and the rows it could not write."""

    submitted: int = 0
    changed: int = 0
    failures: tuple[RowFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed_keys(self) -> frozenset[str]:
        return frozenset(f.key for f in self.failures)

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            submitted=self.submitted + other.submitted,
            changed=self.changed + other.changed,
            failures=self.failures + other.failures,
        )


class KeyHash(NamedTuple):
    """A row's key and content hash (``SourceRecord.content_hash``), as a store computes it without reading the row
    into Python."""

    key: str
    content_hash: str


@runtime_checkable
class Store(Protocol):
    """A place that holds contacts, businesses and relationships (see the module docstring for the contract)."""

    def ensure_schema(self) -> None:
        """Create the tables (and dataset/schema) this store uses if they do not exist yet."""

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        """Every row of ``entity``, as batches in key order."""
        ...

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        """The rows changed after ``since`` (an aware datetime), as batches ordered by (updated_at, key)."""
        ...

    def upsert(self, entity: Entity[R], records: Iterable[R]) -> WriteResult:
        """Insert or update rows by key; per-row failures are returned, not raised."""
        ...

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        """Delete rows by key."""
        ...

    def close(self) -> None:
        """Release connections (the store is not usable afterwards)."""


@runtime_checkable
class SupportsDeletionMarks(Protocol):
    """A store whose tables carry ``deleted_at`` (a nullable timestamp beside ``updated_at``, created by
    ``ensure_schema`` and added to tables made before it): when a record was deleted in Twenty, as a pull saw it.

    - ``mark_deleted`` sets ``deleted_at`` of existing rows by key (``None`` clears it: the record is back in Twenty);
      a key with no row is not an error and creates none. The row's fields and content hash are left as they are; a
      mark that changes ``deleted_at`` is a change of the row (its ``updated_at`` moves, as for any change);
      ``WriteResult.changed`` counts the rows whose mark changed;
    - ``deleted_marks`` streams ``(key, deleted_at)`` of the rows marked, in key order (as ``read_all``);
    - ``read_all``, ``read_changed`` and ``upsert`` are unaffected: a marked row is still read, and an upsert leaves its
      mark alone.
    """

    def mark_deleted(self, entity: Entity[Any], marks: Iterable[tuple[str, datetime | None]]) -> WriteResult:
        """Set (or clear, with None) ``deleted_at`` of the rows with these keys."""
        ...

    def deleted_marks(
        self, entity: Entity[Any], *, batch_size: int | None = None
    ) -> Iterator[list[tuple[str, datetime]]]:
        """``(key, deleted_at)`` of every marked row, as batches in key order."""
        ...


@runtime_checkable
class SupportsKeyHashes(Protocol):
    """A store that computes (key, content hash) pairs itself (in SQL), so a diff can run without reading whole rows.
    The hash equals ``SourceRecord.content_hash`` of the same row."""

    def key_hashes(self, entity: Entity[Any], *, batch_size: int | None = None) -> Iterator[list[KeyHash]]:
        """(key, content_hash) of every row of ``entity``, as batches in key order."""
        ...


class DiffRow(NamedTuple):
    """A key whose row differs from a copy of the sync state: ``record`` is the store's row (None when the key is in
    the copy but no longer in the store)."""

    key: str
    record: Any


@runtime_checkable
class SupportsStateDiff(Protocol):
    """A store that keeps a copy of the sync state's (key, content hash) pairs in its own database, and diffs its
    tables against that copy there (in SQL), so only the rows that differ travel out of it.

    ``mirror`` names the copy (letters, digits and ``_``: the engine passes its state's id). The copy is a cache:
    the engine keeps it up to date with :meth:`write_mirror` before each diff and re-creates it when it is gone, and
    decides every change from the rows the diff returns, so a stale copy costs reads, never a wrong write.
    """

    def mirror_exists(self, entity: Entity[Any], mirror: str) -> bool:
        """Whether the copy ``mirror`` of ``entity``'s state exists."""
        ...

    def write_mirror(
        self, entity: Entity[Any], mirror: str, rows: Iterable[KeyHash], gone: Iterable[str], *, replace: bool
    ) -> None:
        """Bring the copy up to date: upsert ``rows``, delete the keys ``gone``; ``replace``: the copy becomes exactly
        ``rows`` (created if missing). Inputs are streamed, never held whole."""

    def diff_mirror(
        self, entity: Entity[R], mirror: str, *, batch_size: int | None = None
    ) -> tuple[int, Iterator[list[DiffRow]]]:
        """(the number of rows of ``entity``, the rows that differ from the copy as batches in key order): keys not
        in the copy, keys whose content hash differs from the copy's, and keys of the copy no longer in the store."""
        ...


@runtime_checkable
class SupportsStoredRows(Protocol):
    """A store that keeps each row's content hash and reads rows with it, decoding a record only when asked
    (``LocalStore``): each item has ``key``, ``content_hash`` and a lazily decoded ``record``. The planner reads such a
    store this way, so rows whose hash is unchanged are never decoded."""

    def read_rows(self, entity: Entity[Any], *, batch_size: int | None = None) -> Iterator[list[Any]]:
        """Every row of ``entity`` as batches in key order (see :meth:`Store.read_all`)."""
        ...
