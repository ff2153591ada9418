"""The plan: what a push would change in Twenty, as a stream (a merge-join of two sorted key streams).

The source is read in key order (every store reads so) and the state too; both advance together, so memory stays
constant whatever the size. Per key:

- in the source, not in the state → ``create``;
- in both, same source content hash → ``unchanged`` (nothing is mapped: a no-op run reads no Twenty record);
- in both, another source hash → the record is mapped; same payload hash as last sent → ``unchanged`` with
  ``refresh`` set (only the state's source hash is brought up to date), else ``update``;
- in the state, not in the source → ``delete`` (reported; applied only when asked);
- a record that cannot be mapped → ``invalid``, with the reason;
- a record refused for good by an earlier run (:meth:`~twenty_sync.SyncState.refuse`) whose source row is the one
  refused, under the same mapping version and cleaning settings (:meth:`Planner.version`) → ``unchanged`` with
  ``held`` set to that refusal's reason: it is not mapped or sent again until its row changes.

From a store that diffs itself against a copy of the state (:class:`~twenty_sync.stores.SupportsStateDiff`, BigQuery),
the join runs in the store instead (:meth:`Planner.mirror_changes`): only the rows that differ from the copy come out
of it, and each is then decided as above against the state itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import attrs

from twenty_sync._mapped_source import MappedRecord
from twenty_sync._mapping import (
    DEFAULT_LIMITS,
    MAPPING_VERSION,
    OBJECTS,
    Limits,
    MappingError,
    TwentyObject,
    payload_hash,
)
from twenty_sync._records import Entity
from twenty_sync._state import StateRow, Watermark
from twenty_sync._state_postgres import State
from twenty_sync.stores import KeyHash, Store, SupportsKeyHashes, SupportsStateDiff
from twenty_sync.stores._protocol import SupportsStoredRows

__all__ = ["Change", "EntityPlan", "Op", "Planner", "SyncPlan", "merge_join"]

Op = Literal["create", "update", "unchanged", "delete", "invalid"]
OPS: tuple[Op, ...] = ("create", "update", "unchanged", "delete", "invalid")


@attrs.frozen
class Change:
    """One key of the plan. ``record``: the source record (None for a delete, or when only hashes were read);
    ``payload``: what would be sent; ``state``: what the state knows; ``reason``: why a record is invalid;
    ``source_hash``: the record's content hash, when the record was read."""

    op: Op
    key: str
    record: Any = attrs.field(default=None, repr=False)
    payload: dict[str, Any] | None = attrs.field(default=None, repr=False)
    payload_hash: str | None = attrs.field(default=None, repr=False)
    state: StateRow | None = attrs.field(default=None, repr=False)
    refresh: bool = False
    reason: str | None = None
    source_hash: str | None = attrs.field(default=None, repr=False)
    """The record's content hash (computed once, here: the engine records it in the state)."""
    held: str | None = None
    """Why an earlier run's refusal holds this record back (its source row is the one refused)."""
    warnings: tuple[str, ...] = attrs.field(default=(), repr=False)
    """What the mapping dropped from the record (junk in an optional field): logged once it lands."""


def merge_join(
    source: Iterable[tuple[str, Any]], state: Iterable[StateRow]
) -> Iterator[tuple[str, Any | None, StateRow | None]]:
    """Join two key-ordered streams on the key: ``(key, source item or None, state row or None)``."""
    src_it, st_it = iter(source), iter(state)
    src = next(src_it, None)
    st = next(st_it, None)
    while src is not None or st is not None:
        if st is None or (src is not None and src[0] < st.key):
            assert src is not None
            yield src[0], src[1], None
            src = next(src_it, None)
        elif src is None or st.key < src[0]:
            yield st.key, None, st
            st = next(st_it, None)
        else:
            yield src[0], src[1], st
            src = next(src_it, None)
            st = next(st_it, None)


def _check_order(items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    last: str | None = None
    for item in items:
        if last is not None and item[0] <= last:
            raise ValueError(f"the source is not in key order ({item[0]!r} after {last!r})")
        last = item[0]
        yield item


@attrs.define
class EntityPlan:
    """Counts and first rows of one entity's plan."""

    entity: str
    counts: Counter[str] = attrs.field(factory=Counter)
    samples: dict[str, list[Change]] = attrs.field(factory=dict)

    def add(self, change: Change, sample_size: int) -> None:
        op = "refresh" if change.refresh else "held" if change.held is not None else change.op
        self.counts[op] += 1
        if change.refresh or change.held is not None:  # not sent either
            self.counts["unchanged"] += 1
        bucket = self.samples.setdefault(change.op, [])
        if len(bucket) < sample_size and change.op != "unchanged":
            bucket.append(change)


@attrs.define
class SyncPlan:
    """A whole plan, summarised (for ``--dry-run`` and ``twenty-sync plan``)."""

    entities: list[EntityPlan] = attrs.field(factory=list)

    def table(self) -> str:
        header = (
            f"{'entity':<14} {'create':>8} {'update':>8} {'unchanged':>10} {'delete':>8} {'invalid':>8} {'held':>6}"
        )
        lines = [header, "-" * len(header)]
        for e in self.entities:
            c = e.counts
            lines.append(
                f"{e.entity:<14} {c['create']:>8} {c['update']:>8} {c['unchanged']:>10} {c['delete']:>8} "
                f"{c['invalid']:>8} {c['held']:>6}"
            )
        if any(e.counts["held"] for e in self.entities):
            lines.append("(held: refused before for their own values and unchanged since: not sent again)")
        for e in self.entities:
            if e.counts["deleted_in_twenty"]:
                lines.append(
                    f"({e.entity}: {e.counts['deleted_in_twenty']} of the creates and updates are of records a CRM "
                    "user deleted in Twenty: a run leaves them deleted, unless restore_deleted / --restore-deleted)"
                )
        for e in self.entities:
            for op, changes in e.samples.items():
                for change in changes:
                    extra = f": {change.reason}" if change.reason else ""
                    lines.append(f"  {e.entity} {op} {change.key}{extra}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


class _DeletedInTwenty:
    """Counts, in a plan, the creates and updates of records the state holds as deleted in Twenty (a run leaves them
    deleted unless told to restore them): one state lookup per 500 such changes, none when the state holds no
    deletion of the entity."""

    def __init__(self, state: State, entity: str, summary: EntityPlan, sample_size: int) -> None:
        self.state, self.entity, self.summary, self.sample_size = state, entity, summary, sample_size
        self.active = state.deletion_count(entity) > 0
        self.pending: list[Change] = []

    def see(self, change: Change) -> None:
        if self.active and change.op in ("create", "update") and change.held is None:
            self.pending.append(change)
            if len(self.pending) >= 500:
                self.settle()

    def settle(self) -> None:
        if not self.pending:
            return
        found = self.state.deletions(self.entity, [c.key for c in self.pending])
        for change in self.pending:
            deletion = found.get(change.key)
            if deletion is None:
                continue
            self.summary.counts["deleted_in_twenty"] += 1
            bucket = self.summary.samples.setdefault("deleted in Twenty", [])
            if len(bucket) < self.sample_size:
                how = "soft-deleted" if deletion.kind == "soft" else "destroyed"
                bucket.append(attrs.evolve(change, reason=f"{how} in Twenty at {deletion.deleted_at}"))
        self.pending.clear()


class Planner:
    """Diffs a source store against the state, entity by entity."""

    def __init__(self, state: State, *, limits: Limits = DEFAULT_LIMITS, read_batch_size: int = 1000) -> None:
        self.state = state
        self.limits = limits
        self.read_batch_size = read_batch_size
        self._held: dict[str, tuple[str, str]] = {}  # of the entity being planned: key → (source hash, reason)

    def version(self) -> str:
        """What a refusal is remembered under: the mapping version and the cleaning settings (a new default phone
        region may make a refused phone valid)."""
        return f"{MAPPING_VERSION}/{payload_hash(attrs.asdict(self.limits))[:12]}"

    def _hold(self, entity: Entity[Any]) -> None:
        self._held = self.state.refused(entity.name, self.version())

    def _held_back(self, key: str, content_hash: str) -> str | None:
        held = self._held.get(key)
        return held[1] if held is not None and held[0] == content_hash else None

    def _source(self, source: Store, entity: Entity[Any]) -> Iterator[tuple[str, Any]]:
        """The source as (key, item) pairs in key order; an item has a ``content_hash``. From a store reading rows
        with their stored hash (``SupportsStoredRows``) the items are those rows (the record decoded only when asked
        for), from any other store the records themselves."""
        read = source.read_rows if isinstance(source, SupportsStoredRows) else source.read_all
        for batch in read(entity, batch_size=self.read_batch_size):
            for item in batch:
                yield item.key, item

    def map(self, obj: TwentyObject[Any], record: Any, warnings: list[str] | None = None) -> tuple[dict[str, Any], str]:
        if isinstance(record, MappedRecord):  # a row of the user's own tables: its mapping builds the payload
            payload = record.payload(obj, self.limits, warnings)
        else:
            payload = obj.to_payload(record, self.limits, warnings)
        return payload, payload_hash(payload)

    def changes(self, source: Store, entity: Entity[Any]) -> Iterator[Change]:
        """Every key's change, in key order (see the module docstring)."""
        obj = OBJECTS[entity.name]
        remap = self.remapping()
        self._hold(entity)
        lazy = isinstance(source, SupportsStoredRows)  # items are rows whose record is decoded only when needed
        joined = merge_join(_check_order(self._source(source, entity)), self.state.rows(entity.name))
        for key, item, st in joined:
            if item is None:
                yield Change("delete", key, state=st)
                continue
            content_hash = item.content_hash
            held = self._held_back(key, content_hash)
            if held is not None or (st is not None and not remap and content_hash == st.source_hash):
                # a lazy row stays undecoded
                yield Change("unchanged", key, None if lazy else item, state=st, source_hash=content_hash, held=held)
            else:
                record = item.record if lazy else item
                yield self.classify(obj, key, record, st, remap=remap, content_hash=content_hash)

    def key_hash_changes(self, source: SupportsKeyHashes, entity: Entity[Any]) -> Iterator[Change]:
        """Like :meth:`changes` from (key, content hash) pairs only (no record is read): creates and updates come
        without their record; the engine reads those afterwards. Used for a plan over a store computing hashes."""

        def pairs() -> Iterator[tuple[str, KeyHash]]:
            for batch in source.key_hashes(entity, batch_size=self.read_batch_size):
                for kh in batch:
                    yield kh.key, kh

        self._hold(entity)
        for key, kh, st in merge_join(_check_order(pairs()), self.state.rows(entity.name)):
            if kh is None:
                yield Change("delete", key, state=st)
            elif (held := self._held_back(key, kh.content_hash)) is not None:
                yield Change("unchanged", key, state=st, held=held)
            elif st is None:
                yield Change("create", key)
            elif kh.content_hash == st.source_hash:
                yield Change("unchanged", key, state=st)
            else:
                yield Change("update", key, state=st)

    def remapping(self) -> bool:
        """Whether the state was written under another mapping (``MAPPING_VERSION``): every record is then mapped
        again, even those whose source did not change, so that what the mapping now sends differently is sent."""
        return self.state.meta("mapping_version") != MAPPING_VERSION

    def classify(
        self,
        obj: TwentyObject[Any],
        key: str,
        record: Any,
        st: StateRow | None,
        *,
        remap: bool = False,
        content_hash: str | None = None,
    ) -> Change:
        """The change of one source record against what the state knows of its key (``remap``: even when the
        source did not change; ``content_hash``: the record's, when already known)."""
        h = record.content_hash if content_hash is None else content_hash
        held = self._held_back(key, h)
        if held is not None or (st is not None and not remap and h == st.source_hash):
            return Change("unchanged", key, record, state=st, source_hash=h, held=held)
        notes: list[str] = []
        try:
            payload, p_hash = self.map(obj, record, notes)
        except MappingError as exc:
            return Change("invalid", key, record, state=st, reason=exc.reason, source_hash=h)
        warnings = tuple(notes)
        if st is None:
            return Change("create", key, record, payload, p_hash, source_hash=h, warnings=warnings)
        if p_hash == st.payload_hash:
            refresh = h != st.source_hash or remap
            return Change("unchanged", key, record, payload, p_hash, state=st, refresh=refresh, source_hash=h)
        return Change("update", key, record, payload, p_hash, state=st, source_hash=h, warnings=warnings)

    def refresh_mirror(self, store: SupportsStateDiff, entity: Entity[Any], *, remap: bool = False) -> None:
        """Bring ``store``'s copy of the state of ``entity`` up to date: the state's changes since the last refresh
        (none: no job at all), or the whole state when the copy is new or gone. ``remap``: a copy of the keys with
        no hash, so that every row differs and is read."""
        mirror, mark_name = self.state.state_id, f"mirror:{entity.name}:{store!r}"
        mark = self.state.watermark(mark_name)
        now = self.state.now()  # taken first: what the state records from here on goes in the next refresh
        if remap or mark is None or not store.mirror_exists(entity, mirror):
            self.state.clear_watermark(mark_name)
            rows = (KeyHash(r.key, "" if remap else r.source_hash) for r in self.state.rows(entity.name))
            store.write_mirror(entity, mirror, rows, (), replace=True)
        else:
            changed, gone = self.state.changes_since(entity.name, mark.updated_at)
            store.write_mirror(entity, mirror, (KeyHash(r.key, r.source_hash) for r in changed), gone, replace=False)
        self.state.set_watermark(mark_name, Watermark(now, ""))

    def mirror_changes(self, source: SupportsStateDiff, entity: Entity[Any]) -> tuple[int, Iterator[Change]]:
        """The plan of ``entity`` with the join run inside ``source``: ``(rows in the source, changes)``, where the
        changes are those of the rows that differ from the state's copy in the store (see
        :meth:`refresh_mirror`), decided against the state itself. Every source row not in the stream is unchanged:
        ``rows - (changes carrying a record)`` of them."""
        remap = self.remapping()
        self._hold(entity)
        self.refresh_mirror(source, entity, remap=remap)
        obj = OBJECTS[entity.name]
        mirror = self.state.state_id
        total, batches = source.diff_mirror(entity, mirror, batch_size=self.read_batch_size)

        def changes() -> Iterator[Change]:
            stale: list[KeyHash] = []  # rows the copy had wrong though the state had them right: put right after
            for batch in batches:
                known = self.state.get_many(entity.name, [row.key for row in batch])
                for row in batch:
                    st = known.get(row.key)
                    if row.record is not None:
                        change = self.classify(obj, row.key, row.record, st, remap=remap)
                        if change.op == "unchanged" and not change.refresh and st is not None and change.held is None:
                            stale.append(KeyHash(row.key, st.source_hash))
                        yield change
                    elif st is not None:  # else gone from both: the copy had not caught up
                        yield Change("delete", row.key, state=st)
            if stale:
                source.write_mirror(entity, mirror, stale, (), replace=False)

        return total, changes()

    def plan(self, source: Store, entities: Iterable[Entity[Any]], *, sample_size: int = 5) -> SyncPlan:
        """Run the diff to the end and summarise it. Nothing is written to Twenty or to the source's tables; a store
        diffing against a copy of the state (BigQuery) has that copy brought up to date (:meth:`refresh_mirror`)."""
        plan = SyncPlan()
        for entity in entities:
            summary = EntityPlan(entity.name)
            if isinstance(source, SupportsStateDiff):
                total, stream = self.mirror_changes(source, entity)
            elif isinstance(source, SupportsKeyHashes) and not self.remapping():
                total, stream = -1, self.key_hash_changes(source, entity)
            else:
                total, stream = -1, self.changes(source, entity)
            with_record = 0
            guard = _DeletedInTwenty(self.state, entity.name, summary, sample_size)
            for change in stream:
                summary.add(change, sample_size)
                with_record += change.record is not None
                guard.see(change)
            guard.settle()
            if total > with_record:
                summary.counts["unchanged"] += total - with_record
            plan.entities.append(summary)
        return plan
