"""The engine: push a store to Twenty (plan, then apply), pull Twenty's edits back into a store.

    from twenty_sync import SyncEngine, SyncState
    from twenty_sync.stores import LocalStore
    engine = SyncEngine(TwentyClient(), SyncState("state.sqlite3"))
    report = engine.run(LocalStore("warehouse.sqlite3"))              # schema, businesses, contacts, relationships
    print(report.table())
    engine.pull(LocalStore("app.sqlite3"))                            # Twenty's edits since the last pull

**Push** (:meth:`SyncEngine.run`): the plan of each entity (:mod:`twenty_sync._plan`) is streamed; creates and updates
are sent 200 per request with ``upsert_many(key="contactId" | "businessId" | "relationshipId")``, paced by the SDK.
Businesses go first, then contacts, then relationships, whose ``personId`` / ``companyId`` come from the state (the
Twenty ids the earlier upserts answered). A record that cannot go (it does not map, its email or domain belongs to
another record, Twenty refuses it) is logged in ``sync_errors`` with its key and reason, and the run goes on; one
refused for its own values is held back by the next runs until its source row changes. An update sends only the
fields whose value changed since the last write (the state keeps a hash per field); one changing an email, phone or
link carries over the sub-fields the sync does not own (additional emails and phones, link labels, secondary
links) from Twenty's record, read once per batch, so that what a CRM user added there survives. The
state advances after each landed batch only: a run killed anywhere and started again sends what is left and creates
no duplicate (the upserts match the external ids). A run with nothing to do sends no write and reads no record
from Twenty. From a store that diffs itself against a copy of the state (BigQuery: the copy is a table of (key, hash)
pairs in its dataset, brought up to date before each diff), only the rows that differ leave the store: a run with
nothing to do reads no row of it.

**Pull** (:meth:`SyncEngine.pull`): reads Twenty's records changed since the watermark (``updatedAt[gte]`` ordered
by ``updatedAt,id``, the boundary de-duplicated on the id), skips those the last write left as they are (the echo of
our own pushes), maps the others back and upserts them into the store; the watermark advances after each page lands.
Conflicts with rows changed in the store since the last pull follow ``policy``. Pulling into the store pushed
from, ``skip_own_writes=True`` leaves out the echo of our own pushes (records as the last write left them).

**Deletions made in Twenty** (:mod:`twenty_sync._deletions`): the pull's pages hold soft-deleted records too (a soft
delete moves ``updatedAt``), and a periodic key check finds destroyed ones; the state records them and the store
gets a ``deleted_at`` mark (or loses the row) by :class:`~twenty_sync.DeletionPolicy`. A push leaves such a record
deleted (its changed row is skipped, logged and counted ``kept_deleted``) unless the policy restores it.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from twenty_sdk import (
    MAX_BATCH,
    APIConnectionError,
    BatchError,
    Filter,
    InternalServerError,
    RateLimitError,
    TwentyClient,
    complete_composites,
    partial_composites,
)
from twenty_sync._deletions import (
    LIVE_AND_DELETED,
    DeletionPolicy,
    apply_deletions,
    check_keys,
    deletion_of,
    kept_deleted_reason,
    key_check_due,
    restored_reason,
)
from twenty_sync._mapped_source import MappedRecord, MappedSource
from twenty_sync._mapping import (
    DEFAULT_LIMITS,
    MAPPING_VERSION,
    OBJECTS,
    Limits,
    MappingError,
    TwentyObject,
    company_to_business,
    payload_hash,
    person_to_contact,
    relationship_from_twenty,
    twenty_projection,
)
from twenty_sync._plan import Change, Planner, SyncPlan
from twenty_sync._records import BUSINESSES, CONTACTS, RELATIONSHIPS, Entity
from twenty_sync._seed_schema import SEED_SCHEMA
from twenty_sync._state import Deletion, StateRow, Watermark
from twenty_sync._state_postgres import State
from twenty_sync.stores import Store, SupportsDeletionMarks, SupportsKeyHashes, SupportsStateDiff

__all__ = [
    "PUSH_ORDER",
    "ConflictPolicy",
    "EntityReport",
    "FieldOwner",
    "FieldPolicy",
    "Progress",
    "RunReport",
    "SyncEngine",
]

PUSH_ORDER: tuple[Entity[Any], ...] = (BUSINESSES, CONTACTS, RELATIONSHIPS)
"""The order entities are written in: relationships refer to both others."""

ConflictPolicy = Literal["twenty_wins", "store_wins", "last_writer_wins"]
"""What a pull does with a record changed both in Twenty and in the store since the last pull: take Twenty's,
keep the store's, or take the later one by ``updatedAt``."""

FieldOwner = Literal["twenty", "store"]
FieldPolicy = Mapping[str, FieldOwner]
"""A source of truth per field (``{"category_code": "store"}``, by the record's field names): on a conflict, the
store's value is kept for the fields it owns and Twenty's taken for the others (fields not named: Twenty)."""

Progress = Callable[[str, str, int], None]
"""``progress(operation, entity, records_done)``, called after each batch."""

_MAX_BATCH = MAX_BATCH  # Twenty's most records per batch request, defined once in the SDK
_Answer = tuple[list[dict[str, Any]], dict[int, str]]
_Refs = tuple[dict[str, StateRow], dict[str, StateRow]]
_WARNING = "warning: "  # how sync_errors tells a warning (the record landed without a junk value) from a failure
_MAX_DEFERRED = 10_000  # records held back in memory for a second check; past this they fail at once


@attrs.define
class EntityReport:
    """What a run (or a pull) did to one entity."""

    entity: str
    counts: Counter[str] = attrs.field(factory=Counter)
    requests: int = 0
    """Every HTTP request made to the entity's object (reads, writes, retries, re-sent and bisected batches), as
    the SDK counts them (``records.requests``)."""

    @property
    def failed(self) -> int:
        return self.counts["failed"]

    @property
    def held(self) -> int:
        """Records not sent because an earlier run's refusal of the same source row holds."""
        return self.counts["held"]


@attrs.define
class RunReport:
    """A push or pull, entity by entity; ``errors``: the ``(entity, key, reason)`` of this run's failed records."""

    run_id: str
    operation: str
    entities: list[EntityReport] = attrs.field(factory=list)
    errors: list[tuple[str, str, str]] = attrs.field(factory=list)
    plan: SyncPlan | None = None
    warnings: list[tuple[str, str, str]] = attrs.field(factory=list)
    """``(entity, key, what)`` of the records that landed without a junk value (a phone ``n/a``); logged in
    ``sync_errors`` with a reason starting ``warning:``."""

    def entity(self, name: str) -> EntityReport:
        return next(e for e in self.entities if e.entity == name)

    @property
    def written(self) -> int:
        return sum(e.counts["created"] + e.counts["updated"] + e.counts["deleted"] for e in self.entities)

    def table(self) -> str:
        cols: tuple[str, ...] = ("created", "updated", "unchanged", "deleted", "failed", "warned", "held", "skipped")
        # records deleted in Twenty that a push left deleted or brought back: a column once there are some
        cols += tuple(c for c in ("kept_deleted", "restored") if any(e.counts[c] for e in self.entities))
        width = {c: max(10, len(c) + 1) for c in cols}
        header = f"{'entity':<14}" + "".join(f"{c:>{width[c]}}" for c in cols) + f"{'requests':>10}"
        lines = [f"{self.operation} {self.run_id}", header, "-" * len(header)]
        for e in self.entities:
            lines.append(f"{e.entity:<14}" + "".join(f"{e.counts[c]:>{width[c]}}" for c in cols) + f"{e.requests:>10}")
        for entity, key, reason in self.errors[:10]:
            lines.append(f"  error {entity} {key}: {reason}")
        if len(self.errors) > 10:
            lines.append(f"  ... and {len(self.errors) - 10} more errors (twenty-sync status)")
        for entity, key, reason in self.warnings[:5]:
            lines.append(f"  warning {entity} {key}: {reason}")
        if len(self.warnings) > 5:
            lines.append(f"  ... and {len(self.warnings) - 5} more warnings (twenty-sync status)")
        return "\n".join(lines)


_DEPENDS_ON_OTHERS = re.compile(
    r"duplicate entry|MULTIPLE_MATCHING|Multiple records found|already belongs|not in Twenty|foreign key|"
    r"violates unique",
    re.IGNORECASE,
)


def refused_for_good(reason: str) -> bool:
    """Whether Twenty's refusal of a record is about the record's own values (``Invalid string value 'bob@' for
    email field``, ``Provided phone number is invalid n/a``), so that sending the same row again is refused again;
    not a clash with another record (a duplicate email, two matching records), which may clear by itself."""
    return not _DEPENDS_ON_OTHERS.search(reason)


def _mapped_entities(source: Store, entities: Sequence[Entity[Any]]) -> Sequence[Entity[Any]]:
    """The entities a push reads from ``source``: from a :class:`MappedSource`, those its mapping maps."""
    if isinstance(source, MappedSource):
        return [e for e in entities if source.mapping.get(e.name) is not None]
    return entities


def _projection(obj: TwentyObject[Any], row: Mapping[str, Any], mapped: Any) -> str:
    """:func:`twenty_projection`, with the custom fields of a mapping (``mapped``: a :class:`MappedRecord` pushed or
    a :class:`MappedSource` pulled into): a pull into the mapped table sees an edit of those fields alone."""
    mapping = mapped.mapping if isinstance(mapped, MappedRecord) else None
    if isinstance(mapped, MappedSource):
        mapping = mapped.mapping.get(obj.entity.name)
    if mapping is None or not mapping.custom:
        return twenty_projection(obj, row)
    custom = {cf.name: row.get(cf.name) for cf in sorted(mapping.custom, key=lambda cf: cf.name)}
    return payload_hash({"projection": twenty_projection(obj, row), "custom": custom})


def _new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@attrs.define
class _Ready:
    change: Change
    payload: dict[str, Any]
    unique: str | None
    full: dict[str, Any] = attrs.field(factory=dict)
    """The whole mapped payload (``payload`` may carry only the fields that changed): the state's field hashes."""


@attrs.define
class _Push:
    """What one push run carries from batch to batch (nothing of it outlives the run): its report, its thread pool,
    and the transient failures in a row that stop it."""

    report: RunReport
    pool: ThreadPoolExecutor | None
    failed_in_a_row: int = 0
    restore: bool = False
    """Whether records deleted in Twenty may be sent again (:attr:`DeletionPolicy.restore`)."""
    deletions_known: dict[str, bool] = attrs.field(factory=dict)
    """Per entity: whether the state records any deletion (else the push guard asks nothing)."""
    restoring: dict[str, Deletion] = attrs.field(factory=dict)
    """The records deleted in Twenty this run sends again, by key, until they land."""


_SORTED_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True)


def _digest(value: Any) -> str:
    text = "null" if value is None else "s" + value if isinstance(value, str) else _SORTED_JSON.encode(value)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def field_hashes(payload: Mapping[str, Any]) -> dict[str, str]:
    """A short hash of each field of a mapped payload (text as is, anything else as sorted JSON): what the state
    keeps to send only the fields that changed."""
    return {name: _digest(value) for name, value in payload.items()}


def _changed_fields(change: Change) -> set[str] | None:
    """The fields of an update whose value differs from the last payload sent, or None when that is unknown (a
    state row from before field hashes were kept): the whole payload then goes."""
    st = change.state
    if change.op != "update" or st is None or not st.field_hashes or change.payload is None:
        return None
    try:
        before = json.loads(st.field_hashes)
    except ValueError:
        return None
    now = field_hashes(change.payload)
    changed = {name for name, h in now.items() if before.get(name) != h}
    return changed or None


class SyncEngine:
    """Pushes stores to one Twenty workspace and pulls its edits back, keeping its state in ``state``.

    ``source_name``: how ``sync_errors`` names the store pushed from. ``limits``: what a record may hold.
    ``batch_size``: records per request (≤ 200). ``progress``: called after each batch.

    A batch Twenty still refuses for a transient reason once the SDK's retries are spent (429, 5xx, a lost
    connection) has its records logged in ``sync_errors`` and the run goes on; ``max_consecutive_failures`` such
    batches in a row mean Twenty is down, not the records: the run stops there with that error (the records of the
    batch logged first), and the next run resumes.

    ``default_phone_region`` (``"US"``): the country of phone numbers written without a calling code (else they are
    junk); ``strict``: refuse a record holding junk in an optional field instead of sending it without that field,
    with a warning (both override ``limits``; see :mod:`twenty_sync._clean`).

    ``pull_write_size``: records a pull writes to its store at once (pages of 200 are gathered up to it; the
    watermark moves once they are written): a warehouse counts each write against a table's daily job quota.

    ``concurrency``: batch requests in flight at once (threads; each still paced by the client's shared limiter). On
    a real Twenty a batch of 200 takes longer to answer than a rate-limit token takes to come back, so 2 or 3 use the
    whole limit where 1 leaves part of it idle. The state is still written on this thread, batch by batch, as each
    lands; an email or domain in flight is held by its batch, so no other batch sends it at the same time.
    """

    def __init__(
        self,
        client: TwentyClient,
        state: State,
        *,
        source_name: str = "source",
        limits: Limits = DEFAULT_LIMITS,
        batch_size: int = _MAX_BATCH,
        read_batch_size: int = 1000,
        progress: Progress | None = None,
        max_consecutive_failures: int = 3,
        concurrency: int = 1,
        pull_write_size: int = 5000,
        default_phone_region: str | None = None,
        strict: bool | None = None,
        deletions: DeletionPolicy | None = None,
    ) -> None:
        if not 1 <= batch_size <= _MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {_MAX_BATCH}, not {batch_size}")
        if max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be at least 1, not {max_consecutive_failures}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.max_consecutive_failures = max_consecutive_failures
        self.concurrency = concurrency
        self.pull_write_size = max(1, pull_write_size)
        self.client = client
        self.state = state
        self.source_name = source_name
        self.batch_size = batch_size
        if default_phone_region is not None:
            limits = attrs.evolve(limits, default_phone_region=default_phone_region)
        if strict is not None:
            limits = attrs.evolve(limits, strict=strict)
        self.planner = Planner(state, limits=limits, read_batch_size=read_batch_size)
        self.progress = progress
        self.deletions = deletions or DeletionPolicy()
        """What pulls and pushes do about records deleted in Twenty (:class:`DeletionPolicy`)."""

    # --- plan -----------------------------------------------------------------------------------------------------

    def plan(self, source: Store, entities: Sequence[Entity[Any]] = PUSH_ORDER, *, sample_size: int = 5) -> SyncPlan:
        """What :meth:`run` would do (no write anywhere, no request to Twenty). From a :class:`MappedSource`, the
        entities its mapping maps (a value it cannot read: ``invalid``, with the column and the row's key)."""
        return self.planner.plan(source, _mapped_entities(source, entities), sample_size=sample_size)

    # --- push -----------------------------------------------------------------------------------------------------

    def run(
        self,
        source: Store,
        *,
        entities: Sequence[Entity[Any]] = PUSH_ORDER,
        ensure_schema: bool = True,
        dry_run: bool = False,
        apply_deletes: bool = False,
        keys: Iterable[str] | None = None,
        restore_deleted: bool | None = None,
    ) -> RunReport:
        """Push ``source`` to Twenty (see the module docstring). ``dry_run``: only the plan (``report.plan``).
        ``apply_deletes``: soft-delete in Twenty the records gone from the source (else only counted).
        ``keys``: push only these keys (of every entity given). ``restore_deleted``: send rows whose record a CRM user
        deleted in Twenty, restoring it (default: :attr:`DeletionPolicy.restore`; else they are left deleted, logged
        and counted ``kept_deleted``)."""
        report = RunReport(_new_run_id(), "dry-run" if dry_run else "push")
        entities = _mapped_entities(source, entities)
        if dry_run:
            report.plan = self.plan(source, entities)
            return report
        if ensure_schema:  # a mapped source's own schema: the fields its mapping fills, custom ones included
            self.client.metadata.ensure_schema(
                source.mapping.schema() if isinstance(source, MappedSource) else SEED_SCHEMA
            )
        only = frozenset(keys) if keys is not None else None
        pool = ThreadPoolExecutor(self.concurrency, "twenty-sync") if self.concurrency > 1 else None
        with pool or nullcontext():
            push = _Push(report, pool, restore=self.deletions.restore if restore_deleted is None else restore_deleted)
            for entity in entities:
                er = EntityReport(entity.name)
                report.entities.append(er)
                with self._counting(entity, er):
                    self._push_entity(source, entity, push, apply_deletes, only, er)
        if only is None and set(entities) >= set(PUSH_ORDER) and self.planner.remapping():
            self.state.set_meta("mapping_version", MAPPING_VERSION)  # every record was mapped again: done
        return report

    @contextmanager
    def _counting(self, entity: Entity[Any], er: EntityReport) -> Iterator[None]:
        """``er.requests``: the HTTP requests made to the entity's object meanwhile, as the SDK counts them (every
        attempt: retries, re-sent and bisected batches, reads), even when the work stops with an error."""
        resource = self.client.records(OBJECTS[entity.name].name_plural)
        before = resource.requests
        try:
            yield
        finally:
            er.requests = resource.requests - before

    def _push_entity(  # noqa: PLR0917
        self,
        source: Store,
        entity: Entity[Any],
        push: _Push,
        apply_deletes: bool,
        only: frozenset[str] | None,
        er: EntityReport,
    ) -> EntityReport:
        obj = OBJECTS[entity.name]
        report = push.report
        total = -1  # the source's rows, when the plan streams only those that differ
        if isinstance(source, SupportsStateDiff):  # with ``only`` too: the diff runs in the store, no row travels
            total, stream = self.planner.mirror_changes(source, entity)
        else:
            if only is None and isinstance(source, SupportsKeyHashes) and not self.planner.remapping():
                nothing = self._nothing_to_send(source, entity, apply_deletes)
                if nothing is not None:
                    er.counts.update(nothing)
                    return er
            stream = self.planner.changes(source, entity)
        with_record = refreshed = 0
        candidates: list[Change] = []
        ready: list[_Ready] = []
        refresh: list[StateRow] = []
        deletes: list[StateRow] = []
        errors: list[tuple[str, str]] = []
        refusals: list[tuple[str, str, str]] = []  # (key, source hash, reason) refused for good: not sent again
        deferred: list[Change] = []  # claiming an email/domain the state gives another record: checked again at the end
        inflight: deque[tuple[Future[_Answer], list[_Ready]]] = deque()  # with concurrency > 1: oldest first
        claimed: dict[str, str] = {}  # email/domain → key, of the records in flight

        def check(final: bool = False) -> None:
            self._leave_deleted(obj, candidates, er, push)
            ready.extend(
                self._check(obj, candidates, ready, errors, er, deferred=None if final else deferred, claimed=claimed)
            )
            candidates.clear()

        def land(batch: list[_Ready], answer: Callable[[], _Answer]) -> None:
            warned: list[tuple[str, str]] = []
            try:
                self._land(obj, batch, answer, errors, er, push=push, warned=warned, refusals=refusals)
            finally:  # logged even when the run stops here
                if errors:
                    self._log(report, entity.name, "upsert", errors)
                if refusals:
                    self.state.refuse(entity.name, self.planner.version(), refusals)
                    refusals.clear()
                if warned:
                    self.state.log_errors(report.run_id, self.source_name, entity.name, "upsert", warned)
                    report.warnings.extend((entity.name, k, w.removeprefix(_WARNING)) for k, w in warned)

        def collect() -> None:
            future, batch = inflight.popleft()
            for r in batch:
                if r.unique:
                    claimed.pop(r.unique, None)
            land(batch, future.result)

        def send() -> None:
            batch = ready[: self.batch_size]
            del ready[: self.batch_size]
            if not batch:
                return
            if push.pool is None:
                land(batch, lambda: self._request(obj, batch))
                return
            while len(inflight) >= self.concurrency:
                collect()
            claimed.update((r.unique, r.change.key) for r in batch if r.unique)
            inflight.append((push.pool.submit(self._request, obj, batch), batch))

        def send_all() -> None:
            while ready:
                send()
            while inflight:
                collect()

        try:
            for change in stream:
                with_record += change.record is not None
                if only is not None and change.key not in only:
                    continue
                if change.op == "invalid":
                    errors.append((change.key, change.reason or "invalid"))
                    refusals.append((change.key, change.source_hash or "", change.reason or "invalid"))
                    er.counts["failed"] += 1
                elif change.held is not None:
                    er.counts["held"] += 1  # refused for good by an earlier run, its row unchanged since
                elif change.op == "unchanged":
                    er.counts["unchanged"] += 1
                    if change.refresh and change.state is not None:
                        refreshed += 1
                        refresh.append(
                            attrs.evolve(change.state, source_hash=change.source_hash or change.record.content_hash)
                        )
                        if len(refresh) >= 1000:
                            self.state.record(entity.name, refresh)
                            refresh.clear()
                elif change.op == "delete":
                    if apply_deletes and change.state is not None:
                        deletes.append(change.state)
                        if len(deletes) >= self.batch_size:
                            self._delete(obj, deletes, er)
                            deletes.clear()
                    else:
                        er.counts["skipped"] += 1
                else:
                    candidates.append(change)
                    if len(candidates) >= self.batch_size:
                        check()
                    while len(ready) >= self.batch_size:
                        send()
                if errors:
                    self._log(report, entity.name, "upsert", errors)
                if len(refusals) >= 1000:
                    self.state.refuse(entity.name, self.planner.version(), refusals)
                    refusals.clear()
            check()
            send_all()
            if deferred:  # the records they were held by have been sent: each may have given the value up
                candidates.extend(deferred)
                check(final=True)
                send_all()
        except BaseException:
            while inflight:  # batches already sent finish, and what landed is recorded: the next run skips it
                with suppress(Exception):
                    collect()
            raise
        if errors:
            self._log(report, entity.name, "upsert", errors)
        if refusals:
            self.state.refuse(entity.name, self.planner.version(), refusals)
        self.state.record(entity.name, refresh)
        if deletes:
            self._delete(obj, deletes, er)
        if total > with_record and only is None:
            er.counts["unchanged"] += total - with_record
        if total >= 0 and (er.counts["created"] or er.counts["updated"] or er.counts["deleted"] or refreshed):
            assert isinstance(source, SupportsStateDiff)
            self.planner.refresh_mirror(source, entity)  # now, so that the next run's diff starts up to date
        return er

    def _nothing_to_send(
        self, source: SupportsKeyHashes, entity: Entity[Any], apply_deletes: bool
    ) -> Counter[str] | None:
        """For a store computing (key, hash) pairs itself (BigQuery): the counts of a run with nothing to send,
        found without reading a row; None when some record changed (the rows are then read)."""
        counts: Counter[str] = Counter()
        for change in self.planner.key_hash_changes(source, entity):
            if change.op in ("create", "update") or (change.op == "delete" and apply_deletes):
                return None
            counts["skipped" if change.op == "delete" else change.op] += 1
        return counts

    def _log(self, report: RunReport, entity: str, operation: str, errors: list[tuple[str, str]]) -> None:
        self.state.log_errors(report.run_id, self.source_name, entity, operation, errors)
        report.errors.extend((entity, key, reason) for key, reason in errors)
        errors.clear()

    def _check(
        self,
        obj: TwentyObject[Any],
        candidates: list[Change],
        ready: list[_Ready],
        errors: list[tuple[str, str]],
        er: EntityReport,
        *,
        deferred: list[Change] | None = None,
        claimed: Mapping[str, str] | None = None,
    ) -> Iterator[_Ready]:
        """The candidates that can be sent: their email/domain held by no other record, their references synced.
        A candidate claiming a value the state says another record holds goes to ``deferred`` when given (that record
        may give it up in this run: the engine checks the deferred again once the rest is sent), else it fails."""
        name = obj.entity.name
        uniques = {c.key: obj.unique_value(c.payload or {}) for c in candidates}
        owners = self.state.owners(name, [u for u in uniques.values() if u])
        seen = {**(claimed or {}), **{r.unique: r.change.key for r in ready if r.unique}}  # values taken in this run
        contacts: dict[str, StateRow] = {}
        businesses: dict[str, StateRow] = {}
        if obj.entity is RELATIONSHIPS:
            refs = [(c.payload or {})["_refs"] for c in candidates]
            contacts = self.state.get_many("contacts", [r["contact"] for r in refs])
            businesses = self.state.get_many("businesses", [r["business"] for r in refs])
        what = obj.unique_path[1] if obj.unique_path else ""
        for change in candidates:
            full = dict(change.payload or {})
            changed = _changed_fields(change)
            payload = {
                name: value
                for name, value in full.items()
                if changed is None or name in changed or name == obj.key_field
            }
            unique = uniques[change.key]
            if unique is not None:
                held_by = owners.get(unique)
                if (
                    deferred is not None
                    and len(deferred) < _MAX_DEFERRED
                    and held_by not in (None, change.key)
                    and seen.get(unique) in (None, change.key)
                ):
                    deferred.append(change)
                    continue
                owner = held_by or seen.get(unique)
                if owner is not None and owner != change.key:
                    errors.append((change.key, f"{what} {unique!r} already belongs to {name} {owner!r}"))
                    er.counts["failed"] += 1
                    continue
                seen[unique] = change.key
            payload.pop("_refs", None)
            ref = full.get("_refs") if changed is None or "_refs" in changed else None  # unchanged: as they are
            if ref is not None:
                person, company = contacts.get(ref["contact"]), businesses.get(ref["business"])
                pairs = (("contact", ref["contact"], person), ("business", ref["business"], company))
                missing = [f"{kind} {key!r}" for kind, key, row in pairs if row is None]
                if missing or person is None or company is None:
                    errors.append((change.key, f"{' and '.join(missing)} not in Twenty (not synced, or failed)"))
                    er.counts["failed"] += 1
                    continue
                payload["personId"] = person.twenty_id
                payload["companyId"] = company.twenty_id
            yield _Ready(change, payload, unique, full)

    def _request(self, obj: TwentyObject[Any], batch: list[_Ready]) -> _Answer:
        """Send one batch (on any thread): Twenty's records, and the refused records' reasons by index."""
        resource = self.client.records(obj.name_plural)
        self._complete_composites(resource, batch)
        try:
            return resource.upsert_many([r.payload for r in batch], key=obj.key_field, max_failures=None), {}
        except BatchError as exc:
            return list(exc.results), {f.index: f.reason for f in exc.failures}

    @staticmethod
    def _complete_composites(resource: Any, batch: list[_Ready]) -> None:
        """Updates that change an email, phone or link are sent with the sub-fields the sync does not own (additional
        emails and phones, link labels, secondary links) carried over from Twenty's record, read in one request for
        the whole batch: written alone, the composite would erase them. A record gone from Twenty gets its whole
        payload."""
        need = [
            r for r in batch if r.change.op == "update" and r.change.state is not None and partial_composites(r.payload)
        ]
        if not need:
            return
        ids = [r.change.state.twenty_id for r in need if r.change.state is not None]
        page = resource.list(filter=Filter.in_("id", ids), limit=_MAX_BATCH)
        current = {str(row.get("id")): row for row in page.records}
        for r in need:
            now = current.get(r.change.state.twenty_id) if r.change.state is not None else None
            if now is None:
                r.payload = {**r.full, **{k: v for k, v in r.payload.items() if k not in r.full}}
                r.payload.pop("_refs", None)
            else:
                r.payload = complete_composites(r.payload, now)

    def _land(
        self,
        obj: TwentyObject[Any],
        batch: list[_Ready],
        answer: Callable[[], _Answer],
        errors: list[tuple[str, str]],
        er: EntityReport,
        *,
        push: _Push,
        warned: list[tuple[str, str]],
        refusals: list[tuple[str, str, str]],
    ) -> None:
        """Record what one batch's ``answer`` says landed (on the engine's thread): state, counts, errors, and the
        warnings of the records that landed."""
        try:
            rows, failed = answer()
        except (APIConnectionError, RateLimitError, InternalServerError) as exc:
            er.counts["failed"] += len(batch)
            reason = f"no answer from Twenty after retries ({exc}); landed or not, the next run sends it again"
            errors.extend((r.change.key, reason) for r in batch)
            push.failed_in_a_row += 1
            if push.failed_in_a_row >= self.max_consecutive_failures:
                raise
            return
        push.failed_in_a_row = 0
        by_key = {str(row.get(obj.key_field)): row for row in rows}
        landed: list[StateRow] = []
        for i, ready in enumerate(batch):
            change = ready.change
            row = by_key.get(change.key)
            if i in failed or row is None:
                reason = failed.get(i, "not in Twenty's answer")
                errors.append((change.key, reason))
                er.counts["failed"] += 1
                if i in failed:
                    er.counts["refused"] += 1  # by Twenty itself (the rest failed here, before sending)
                if i in failed and refused_for_good(reason):
                    refusals.append((change.key, change.source_hash or change.record.content_hash, reason))
                continue
            er.counts["created" if change.op == "create" else "updated"] += 1
            # an update answered by another record: the one synced is gone from Twenty (destroyed there), and only the
            # changed fields made the new one; the next run sends it whole (no payload hash, no field hashes)
            recreated = change.op == "update" and change.state is not None and str(row["id"]) != change.state.twenty_id
            partial = ready.full and ready.payload.keys() != ready.full.keys() - {"_refs"}
            if change.warnings:
                er.counts["warned"] += 1
                warned.extend((change.key, _WARNING + w) for w in change.warnings)
            landed.append(
                StateRow(
                    key=change.key,
                    source_hash="" if recreated and partial else change.source_hash or change.record.content_hash,
                    payload_hash="" if recreated and partial else change.payload_hash or "",
                    twenty_id=str(row["id"]),
                    twenty_hash=_projection(obj, row, change.record),
                    unique_value=ready.unique,
                    field_hashes=None
                    if recreated and partial
                    else json.dumps(field_hashes(ready.full or ready.payload), sort_keys=True),
                )
            )
        self.state.record(obj.entity.name, landed)
        if push.restoring:
            self._restored(obj, landed, er, push, warned)
        if self.progress is not None:
            self.progress("push", obj.entity.name, er.counts["created"] + er.counts["updated"])

    def _leave_deleted(self, obj: TwentyObject[Any], candidates: list[Change], er: EntityReport, push: _Push) -> None:
        """The push guard: drop from ``candidates`` the rows whose record a CRM user deleted in Twenty (the state
        recorded it at a pull), with a warning in ``sync_errors`` — Twenty's upsert would restore them silently.
        With ``push.restore`` they stay, a destroyed one as a create (sent whole), and are logged once landed."""
        name = obj.entity.name
        if not candidates:
            return
        if name not in push.deletions_known:  # one count per entity and run; none recorded: no lookup per batch
            push.deletions_known[name] = self.state.deletion_count(name) > 0
        if not push.deletions_known[name]:
            return
        found = self.state.deletions(name, [c.key for c in candidates])
        if not found:
            return
        kept: list[Change] = []
        warned: list[tuple[str, str]] = []
        for change in candidates:
            deletion = found.get(change.key)
            if deletion is None:
                kept.append(change)
            elif push.restore:
                push.restoring[change.key] = deletion
                again = change  # a destroyed one is a new record: every field, not a diff
                if deletion.kind == "destroyed" and change.op == "update":
                    again = attrs.evolve(change, op="create", state=None)
                kept.append(again)
            else:
                er.counts["kept_deleted"] += 1
                warned.append((change.key, _WARNING + kept_deleted_reason(deletion)))
        candidates[:] = kept
        if warned:
            self.state.log_errors(push.report.run_id, self.source_name, name, "upsert", warned)
            push.report.warnings.extend((name, k, w.removeprefix(_WARNING)) for k, w in warned)

    def _restored(
        self,
        obj: TwentyObject[Any],
        landed: list[StateRow],
        er: EntityReport,
        push: _Push,
        warned: list[tuple[str, str]],
    ) -> None:
        """Rows sent back to Twenty although deleted there have landed: restored. Their deletion is forgotten."""
        back = [r.key for r in landed if r.key in push.restoring]
        if not back:
            return
        self.state.undelete(obj.entity.name, back)
        er.counts["restored"] += len(back)
        warned.extend((key, _WARNING + restored_reason(push.restoring.pop(key))) for key in back)

    def _delete(self, obj: TwentyObject[Any], rows: list[StateRow], er: EntityReport) -> None:
        resource = self.client.records(obj.name_plural)
        resource.delete_many(Filter.in_("id", [r.twenty_id for r in rows]))
        er.counts["deleted"] += len(rows)
        self.state.forget(obj.entity.name, [r.key for r in rows])

    # --- pull -----------------------------------------------------------------------------------------------------

    def pull(
        self,
        target: Store,
        *,
        entities: Sequence[Entity[Any]] = PUSH_ORDER,
        policy: ConflictPolicy | FieldPolicy = "twenty_wins",
        target_name: str = "target",
        filter: Filter | str | None = None,
        skip_own_writes: bool | None = None,
        deletions: DeletionPolicy | None = None,
        check_keys: bool | None = None,
    ) -> RunReport:
        """Bring Twenty's changes since the last pull into ``target`` (see the module docstring). ``target_name``
        names the target in ``sync_errors`` and keys its watermark: pull each store under a name of its own.
        ``filter``: an extra filter ANDed to the watermark's (the watermark is then left as it is).
        ``skip_own_writes``: leave out records as this engine's last push left them (when ``target`` is the store
        pushed from: they are there; the default for a :class:`MappedSource`, whose tables are the ones pushed from).
        Into a :class:`MappedSource`, a pull writes back only the mapped columns Twenty changed, by key (a table
        source; a query is refused before any request): see :mod:`twenty_sync._mapped_source`.

        Records deleted in Twenty since the last pull come in the same pages (:mod:`twenty_sync._deletions`) and
        are applied to ``target`` by ``deletions`` (default: the engine's :class:`DeletionPolicy`); ``check_keys``:
        check that the synced records still exist (to find destroyed ones) now (True), never (False), or when
        :attr:`DeletionPolicy.key_check_every` says (None)."""
        if isinstance(target, MappedSource):
            entities = _mapped_entities(target, entities)
            target.check_writable(entities)  # before any request: a query (or a BigQuery table) is not written
        if skip_own_writes is None:
            skip_own_writes = isinstance(target, MappedSource)
        report = RunReport(_new_run_id(), "pull")
        for entity in entities:
            er = EntityReport(entity.name)
            report.entities.append(er)
            rules = deletions or self.deletions
            with self._counting(entity, er):
                self._pull_entity(target, entity, report, policy, target_name, filter, skip_own_writes, er, rules)
            if check_keys or (filter is None and check_keys is None):  # a filtered pull checks when asked
                self._check_keys(target, entity, report, target_name, er, rules, forced=bool(check_keys))
        return report

    def _pull_entity(  # noqa: PLR0917
        self,
        target: Store,
        entity: Entity[Any],
        report: RunReport,
        policy: ConflictPolicy | FieldPolicy,
        target_name: str,
        extra: Filter | str | None,
        skip_own_writes: bool,
        er: EntityReport,
        rules: DeletionPolicy | None = None,
    ) -> EntityReport:
        obj = OBJECTS[entity.name]
        rules = rules or self.deletions
        # one cursor per target: pulling into a second store starts from the beginning, not where the first is
        at = "" if target_name == "target" else f"@{target_name}"  # the default's names are those of earlier versions
        mark_name, pulled_at_name = f"pull:{entity.name}{at}", f"pulled-at:{entity.name}{at}"
        mark = self.state.watermark(mark_name) if extra is None else None
        started = datetime.now(UTC)
        local: dict[str, Any] = {}  # the records changed in the store since the last pull
        if policy != "twenty_wins":
            since_mark = self.state.watermark(pulled_at_name)
            since = datetime.fromisoformat(since_mark.updated_at) if since_mark else None
            for batch in target.read_changed(entity, since):
                for record in batch:
                    local[record.key] = record.record() if isinstance(record, MappedRecord) else record
        parts = [f"updatedAt[gte]:{mark.updated_at}"] if mark else []
        parts.append(LIVE_AND_DELETED)  # soft deletions too: they move updatedAt, so they come in these pages
        deletions_known = self.state.deletion_count(entity.name) > 0  # some may be live again
        if extra is not None:
            parts.append(extra.text if isinstance(extra, Filter) else extra)
        query = ",".join(parts) or None
        errors: list[tuple[str, str]] = []
        pending: list[tuple[Any, dict[str, Any], str, StateRow | None]] = []  # written to the store together
        last: dict[str, Any] | None = None  # the last record read: the watermark once what came before is written

        def flush() -> None:
            if pending:
                if isinstance(target, MappedSource):  # the mapped columns only, custom ones from Twenty's record
                    result = target.write_pulled(entity, [(w[0], w[1]) for w in pending])
                else:
                    result = target.upsert(entity, [w[0] for w in pending])
                bad = {f.key: f.reason for f in result.failures}
                landed: list[StateRow] = []
                for record, row, projection, st in pending:
                    if record.key in bad:
                        errors.append((record.key, bad[record.key]))
                        er.counts["failed"] += 1
                        continue
                    er.counts["updated" if st is not None else "created"] += 1
                    landed.append(self._pulled_state(obj, record, row, projection, st))
                self.state.record(entity.name, landed)
                pending.clear()
            if errors:
                self.state.log_errors(report.run_id, target_name, entity.name, "pull", errors)
                report.errors.extend((entity.name, k, r) for k, r in errors)
                errors.clear()
            if extra is None and last is not None:
                self.state.set_watermark(mark_name, Watermark(str(last["updatedAt"]), str(last["id"])))
            if self.progress is not None:
                self.progress("pull", entity.name, er.counts["created"] + er.counts["updated"])

        resource = self.client.records(obj.name_plural)
        for page in resource.pages(filter=query, order_by="updatedAt,id", page_size=_MAX_BATCH):
            rows = [
                r
                for r in page.records
                if mark is None or (str(r["updatedAt"]), str(r["id"])) > (mark.updated_at, mark.last_id)
            ]
            if not rows:
                continue
            page_last = rows[-1]
            gone = [r for r in rows if r.get("deletedAt")]
            if gone:  # before the watermark can move past them
                rows = [r for r in rows if not r.get("deletedAt")]
                self._pulled_deletions(target, entity, gone, local, policy, report, target_name, er, rules)
            revived = self._revived(target, entity, rows, rules) if deletions_known and rows else set()
            known = self.state.by_twenty_ids(entity.name, [str(r["id"]) for r in rows])
            refs = self._refs(obj, rows)
            to_write = pending
            for row in rows:
                key = row.get(obj.key_field)
                if not key:
                    er.counts["skipped"] += 1  # a record without the external key: not one the sync owns
                    continue
                projection = _projection(obj, row, target)
                st = known.get(str(row["id"]))
                if skip_own_writes and st is not None and st.twenty_hash == projection and key not in revived:
                    er.counts["unchanged"] += 1
                    continue
                try:
                    record = self._from_twenty(obj, row, refs)
                except (MappingError, ValueError, TypeError) as exc:
                    errors.append((str(key), str(exc)))
                    er.counts["failed"] += 1
                    continue
                if record.key in local:
                    record = self._resolve(policy, record, row, local[record.key])
                    if record is None:
                        er.counts["skipped"] += 1
                        continue
                to_write.append((record, row, projection, st))
            last = page_last
            if len(pending) >= self.pull_write_size or not pending:  # nothing waiting: the mark moves on now
                flush()
        flush()
        if extra is None:
            self.state.set_watermark(pulled_at_name, Watermark(started.isoformat(), ""))
        return er

    def _pulled_deletions(  # noqa: PLR0917
        self,
        target: Store,
        entity: Entity[Any],
        rows: list[dict[str, Any]],
        local: Mapping[str, Any],
        policy: ConflictPolicy | FieldPolicy,
        report: RunReport,
        target_name: str,
        er: EntityReport,
        rules: DeletionPolicy,
    ) -> None:
        """Records a pull found in Twenty's trash (``deletedAt`` set): recorded in the state, applied to the store."""
        obj = OBJECTS[entity.name]
        found = [d for d in (deletion_of(obj, r) for r in rows) if d is not None]
        er.counts["skipped"] += len(rows) - len(found)  # without the external key: not records the sync owns
        self._deleted(target, entity, found, local, policy, report, target_name, er, rules)

    def _deleted(  # noqa: PLR0917
        self,
        target: Store,
        entity: Entity[Any],
        found: list[Deletion],
        local: Mapping[str, Any],
        policy: ConflictPolicy | FieldPolicy,
        report: RunReport,
        target_name: str,
        er: EntityReport,
        rules: DeletionPolicy,
    ) -> None:
        """Deletions seen in Twenty: the state records them, the store gets them by ``rules.store``; a row changed
        in the store since the last pull is marked rather than deleted where the conflict policy keeps the store's
        side (``store_wins``, a later store edit under ``last_writer_wins``, fields the store owns)."""
        if not found:
            return
        known = self.state.deletions(entity.name, [d.key for d in found])
        new = [d for d in found if d.key not in known or known[d.key].kind != d.kind]  # a key check sees some again
        self.state.record_deletions(entity.name, new)
        keep: dict[str, str] = {}
        if rules.store == "delete":
            for d in found:
                row = local.get(d.key)
                if row is None or policy == "twenty_wins":
                    continue
                if policy == "last_writer_wins":
                    at = datetime.fromisoformat(d.deleted_at.replace("Z", "+00:00"))
                    if row.updated_at is not None and row.updated_at > at:
                        keep[d.key] = "the store's row changed after (policy last_writer_wins)"
                elif isinstance(policy, str):
                    keep[d.key] = f"the store's row changed since the last pull (policy {policy})"
                elif any(owner == "store" for owner in policy.values()):
                    keep[d.key] = "the store owns some of its fields and changed since the last pull"
        # a mapped table loses no row: a deletion is marked where the store can, else logged (the state has it)
        action = "mark" if rules.store == "delete" and isinstance(target, MappedSource) else rules.store
        _, warnings = apply_deletions(target, entity, found, action, keep=keep)
        er.counts["deleted"] += len(new)
        if warnings:
            logged = [(k, _WARNING + w) for k, w in warnings]
            self.state.log_errors(report.run_id, target_name, entity.name, "pull", logged)
            report.warnings.extend((entity.name, k, w) for k, w in warnings)

    def _revived(
        self, target: Store, entity: Entity[Any], rows: list[dict[str, Any]], rules: DeletionPolicy
    ) -> set[str]:
        """The keys of live records the state holds as deleted in Twenty (a CRM user restored them, or a record was
        made again with their key): their deletion is forgotten and their store row unmarked."""
        obj = OBJECTS[entity.name]
        keys = [str(r[obj.key_field]) for r in rows if r.get(obj.key_field)]
        back = set(self.state.deletions(entity.name, keys))
        if back:
            self.state.undelete(entity.name, back)
            if rules.store != "ignore" and isinstance(target, SupportsDeletionMarks):
                target.mark_deleted(entity, [(k, None) for k in sorted(back)])
        return back

    def _check_keys(  # noqa: PLR0917
        self,
        target: Store,
        entity: Entity[Any],
        report: RunReport,
        target_name: str,
        er: EntityReport,
        rules: DeletionPolicy,
        *,
        forced: bool,
    ) -> None:
        """The periodic key check (:func:`~twenty_sync._deletions.check_keys`): the state's records gone from
        Twenty are destroyed ones; applied as a pull applies soft deletions. Its requests count in ``er.requests``.
        The first pull into a target starts the period (``check_keys=True`` checks at once)."""
        at = "" if target_name == "target" else f"@{target_name}"
        mark_name = f"key-check:{entity.name}{at}"
        now = datetime.now(UTC)
        last = self.state.watermark(mark_name)
        if not forced and last is None:  # the period starts at the first pull into this target
            if rules.key_check_every is not None:
                self.state.set_watermark(mark_name, Watermark(now.isoformat(), ""))
            return
        if not forced and not key_check_due(last.updated_at if last else None, rules.key_check_every, now):
            return
        obj = OBJECTS[entity.name]
        resource = self.client.records(obj.name_plural)
        before = resource.requests
        for check in check_keys(self.client, self.state, obj, via=rules.key_check_via, now=now):
            self._deleted(target, entity, [*check.destroyed, *check.soft], {}, "twenty_wins", report, target_name, er,
                          rules)  # fmt: skip
            if check.live:
                self._revived(target, entity, [{obj.key_field: k} for k in check.live], rules)
            if rules.key_check_via == "graphql":
                er.requests += check.requests  # /graphql: not counted by the object's resource
            er.counts["checked"] += check.requests
        er.requests += resource.requests - before
        self.state.set_watermark(mark_name, Watermark(now.isoformat(), ""))

    def _resolve(self, policy: ConflictPolicy | FieldPolicy, pulled: Any, row: dict[str, Any], local: Any) -> Any:
        """The record to write for a conflict (None: keep the store's as it is)."""
        if not isinstance(policy, str):
            kept = {name: getattr(local, name) for name, owner in policy.items() if owner == "store"}
            return attrs.evolve(pulled, **kept)
        if policy == "twenty_wins":
            return pulled
        if policy == "store_wins":
            return None
        twenty_updated = datetime.fromisoformat(str(row["updatedAt"]).replace("Z", "+00:00"))
        return pulled if local.updated_at is None or twenty_updated >= local.updated_at else None

    def _refs(self, obj: TwentyObject[Any], rows: list[dict[str, Any]]) -> _Refs:
        """For a page of relationships: the state's contacts and businesses they point at, by Twenty id (two
        queries a page, not two a row)."""
        if obj.entity is not RELATIONSHIPS:
            return {}, {}
        contacts = self.state.by_twenty_ids("contacts", [str(r.get("personId")) for r in rows])
        businesses = self.state.by_twenty_ids("businesses", [str(r.get("companyId")) for r in rows])
        return contacts, businesses

    def _from_twenty(self, obj: TwentyObject[Any], row: dict[str, Any], refs: _Refs) -> Any:
        if obj.entity is CONTACTS:
            return person_to_contact(row)
        if obj.entity is BUSINESSES:
            return company_to_business(row)
        contacts, businesses = refs
        return relationship_from_twenty(
            row,
            lambda twenty_id: contacts[twenty_id].key if twenty_id in contacts else None,
            lambda twenty_id: businesses[twenty_id].key if twenty_id in businesses else None,
        )

    def _pulled_state(
        self, obj: TwentyObject[Any], record: Any, row: dict[str, Any], projection: str, st: StateRow | None
    ) -> StateRow:
        try:
            payload = obj.to_payload(record, self.planner.limits, None)
        except MappingError:
            payload = {}
        return StateRow(
            key=record.key,
            # the push source's hash is kept: a source still holding the old value does not push it back, a
            # source changed since pushes its change
            source_hash=st.source_hash if st is not None else record.content_hash,
            payload_hash=payload_hash(payload),
            twenty_id=str(row["id"]),
            twenty_hash=projection,
            unique_value=obj.unique_value(payload),
            field_hashes=json.dumps(field_hashes(payload), sort_keys=True) if payload else None,
        )

    # --- one contact everywhere -----------------------------------------------------------------------------------

    def sync_contact_to_all(
        self, contact_id: str, warehouse: Store, app_db: Store, *, ensure_schema: bool = False
    ) -> tuple[RunReport, RunReport]:
        """Propagate one contact warehouse → Twenty → app database: push it (the warehouse is scanned for it), then
        pull that person from Twenty into ``app_db`` (the pull watermark is left alone)."""
        pushed = self.run(warehouse, entities=(CONTACTS,), keys=[contact_id], ensure_schema=ensure_schema)
        pulled = self.pull(
            app_db, entities=(CONTACTS,), filter=Filter.eq("contactId", contact_id), target_name="app_db"
        )
        return pushed, pulled
