"""Records a CRM user deleted in Twenty: seen by a pull, recorded in the state and the store, left deleted by a push.

What Twenty does (read in its source, confirmed on a real 2.21.0 and pinned by parity ``p10-deleted-records``):

- a soft delete (the app's "Delete", or ``DELETE …?soft_delete=true``) sets ``deletedAt`` **and** ``updatedAt`` to the
  same instant; a restore sets ``deletedAt`` to null and moves ``updatedAt`` again;
- lists hide soft-deleted records unless the filter names ``deletedAt`` anywhere (``withDeleted``); then
  ``or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)`` lists live and soft-deleted records together, and cursors page
  over both;
- a destroyed record (``DELETE`` without ``soft_delete``, or the trash emptied) leaves nothing behind: no row, no
  tombstone, no event a client can list. Only asking for its id tells it is gone;
- an upsert whose ``id`` or unique field (``contactId``, an email, a domain) matches a soft-deleted record restores
  it (same id, ``deletedAt`` null); on a destroyed record's key it creates a new record.

So a pull reads changed records with ``or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)`` added to its
``updatedAt[gte]`` filter: soft deletions arrive in the same pages as edits, **at no extra request**. Destroyed
records are found by a key check every :attr:`DeletionPolicy.key_check_every`: the Twenty ids the state knows, 200
per request, asked for with the same filter (GraphQL, selecting only the id, ``deletedAt`` and the key); an id not
answered is destroyed. It costs
⌈N/200⌉ requests per entity for N synced records (10,000 contacts: 50 requests, half a minute at Twenty's default
100 a minute), and nothing between checks.

A deletion is recorded in the state (:meth:`~twenty_sync.SyncState.record_deletions`: key, Twenty id, when, soft or
destroyed) and, by :attr:`DeletionPolicy.store`, in the store pulled into: ``mark`` (default) sets the row's
``deleted_at``, ``delete`` deletes the row (a row changed in the store since the last pull is marked instead when
the conflict policy keeps the store's side), ``ignore`` leaves the store alone. A push skips a changed row whose
record was deleted in Twenty (0 requests; a warning in ``sync_errors`` naming the key, counted ``kept_deleted``)
unless :attr:`DeletionPolicy.restore` says otherwise: it is then sent (a soft-deleted record is restored with its
id, a destroyed one created again, whole), counted ``restored`` and logged too. A record live again in Twenty (a CRM
user restored it) loses its deletion at the next pull, and its row its mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import attrs

from twenty_sdk import Filter, TwentyClient
from twenty_sync._mapping import TwentyObject
from twenty_sync._records import Entity
from twenty_sync._state import Deletion, StateRow
from twenty_sync._state_postgres import State
from twenty_sync.stores import Store, SupportsDeletionMarks

__all__ = [
    "LIVE_AND_DELETED",
    "DeletionPolicy",
    "KeyCheck",
    "StoreAction",
    "apply_deletions",
    "check_keys",
    "deletion_of",
    "kept_deleted_reason",
    "key_check_due",
    "parse_moment",
    "restored_reason",
]

StoreAction = Literal["mark", "delete", "ignore"]
"""What a pull does to a store row whose record was deleted in Twenty: set its ``deleted_at`` (``mark``), delete it
(``delete``), or nothing (``ignore``; the state still records the deletion)."""

LIVE_AND_DELETED = "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"
"""A REST filter listing live and soft-deleted records together (it names ``deletedAt``: Twenty's ``withDeleted``)."""

_CHECK_CHUNK = 200  # ids per key-check request: Twenty's page maximum


@attrs.frozen
class DeletionPolicy:
    """What the sync does about records a CRM user deleted in Twenty (see the module docstring).

    ``store``: what a pull does to the store's row (:data:`StoreAction`). ``restore``: whether a push may bring a
    deleted record back (Twenty's upsert would restore it silently; the default leaves it deleted and logs the row).
    ``key_check_every``: how often a pull checks that the synced records still exist, to find destroyed ones (⌈N/200⌉
    requests per entity); None: never. ``key_check_via``: ``"graphql"`` (default: the filter on ``people`` … with only
    ``id``, ``deletedAt`` and the key selected) or ``"rest"`` (``GET /rest/<object>?filter=id[in]:[…]``, every field
    of every record). The same request count; GraphQL moves a ninth of the bytes and takes 0.31 s against 0.55 s for
    2,000 contacts on a real 2.21.0 (``bench/bench_deletions.py``), so it is the default.
    """

    store: StoreAction = attrs.field(default="mark", validator=attrs.validators.in_(("mark", "delete", "ignore")))
    restore: bool = False
    key_check_every: timedelta | None = timedelta(hours=24)
    key_check_via: Literal["rest", "graphql"] = attrs.field(
        default="graphql", validator=attrs.validators.in_(("rest", "graphql"))
    )


def parse_moment(text: str) -> datetime:
    """Twenty's ``2026-12-04T18:55:40.806Z`` (or the state's ISO text) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def deletion_of(obj: TwentyObject[Any], row: Mapping[str, Any]) -> Deletion | None:
    """The deletion a record read from Twenty shows (``deletedAt`` set), or None when it is live or has no key."""
    deleted_at, key = row.get("deletedAt"), row.get(obj.key_field)
    if not deleted_at or not key:
        return None
    return Deletion(str(key), str(row["id"]), str(deleted_at), "soft")


def apply_deletions(
    target: Store,
    entity: Entity[Any],
    deletions: Sequence[Deletion],
    action: StoreAction,
    *,
    keep: Mapping[str, str] | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Apply ``deletions`` to ``target`` by ``action``; ``keep``: key → why, of rows to mark rather than delete (changed
    in the store since the last pull, and the conflict policy keeps the store's side). Returns the rows changed and
    the ``(key, warning)`` pairs to log."""
    if action == "ignore" or not deletions:
        return 0, []
    warnings: list[tuple[str, str]] = []
    keep = keep or {}
    to_mark = [d for d in deletions if action == "mark" or d.key in keep]
    to_delete = [d.key for d in deletions if action == "delete" and d.key not in keep]
    changed = 0
    if to_mark:
        if isinstance(target, SupportsDeletionMarks):
            changed += target.mark_deleted(entity, [(d.key, parse_moment(d.deleted_at)) for d in to_mark]).changed
            warnings.extend(
                (d.key, f"{_what(d)}; not deleted from the store: {keep[d.key]}") for d in to_mark if d.key in keep
            )
        else:
            reason = f"{type(target).__name__} has no deleted_at to mark; the deletion is in the state only"
            warnings.extend((d.key, f"{_what(d)}; {reason}") for d in to_mark)
    if to_delete:
        changed += target.delete(entity, to_delete).changed
    return changed, warnings


def _what(d: Deletion) -> str:
    how = "soft-deleted (in the trash)" if d.kind == "soft" else "destroyed"
    return f"{how} in Twenty at {d.deleted_at}"


def kept_deleted_reason(d: Deletion) -> str:
    """Why a push leaves a row alone: its record was deleted in Twenty."""
    return f"not pushed: {_what(d)}, and a push does not restore it (DeletionPolicy(restore=True) would)"


def restored_reason(d: Deletion) -> str:
    again = "restored with its id" if d.kind == "soft" else "created again"
    return f"{_what(d)}; {again} by this push (DeletionPolicy(restore=True))"


@attrs.define
class KeyCheck:
    """What one key check found among the state's records: those gone from Twenty (destroyed), those in its trash
    (soft-deleted), the keys live there, and the requests it took."""

    destroyed: list[Deletion] = attrs.field(factory=list)
    soft: list[Deletion] = attrs.field(factory=list)
    live: list[str] = attrs.field(factory=list)
    requests: int = 0


def _graphql_ids(client: TwentyClient, obj: TwentyObject[Any], ids: list[str]) -> list[dict[str, Any]]:
    query = (
        f"query($ids: [UUID!]) {{ {obj.name_plural}(filter: {{and: [{{id: {{in: $ids}}}}, {{or: "
        f"[{{deletedAt: {{is: NULL}}}}, {{deletedAt: {{is: NOT_NULL}}}}]}}]}}, first: {_CHECK_CHUNK}) "
        f"{{ edges {{ node {{ id deletedAt {obj.key_field} }} }} }} }}"
    )
    data = client.graphql.execute(query, {"ids": ids})
    return [edge["node"] for edge in data[obj.name_plural]["edges"]]


def _rest_ids(client: TwentyClient, obj: TwentyObject[Any], ids: list[str]) -> list[dict[str, Any]]:
    found = Filter.in_("id", ids).text + "," + LIVE_AND_DELETED
    return list(client.records(obj.name_plural).list(filter=found, limit=_CHECK_CHUNK).records)


def check_keys(
    client: TwentyClient,
    state: State,
    obj: TwentyObject[Any],
    *,
    via: Literal["rest", "graphql"] = "rest",
    now: datetime | None = None,
    rows: Iterable[StateRow] | None = None,
) -> Iterator[KeyCheck]:
    """Ask Twenty for the ids of the state's records of ``obj`` (``rows``; default every one), 200 per request, live
    and soft-deleted alike: an id not answered is destroyed. Records the state already knows destroyed are not asked
    for again (they are reported again, so that each store pulled into gets its mark). Yields one :class:`KeyCheck`
    per chunk, as it goes."""
    moment = (now or datetime.now(UTC)).isoformat(timespec="milliseconds")
    name = obj.entity.name
    ask = _graphql_ids if via == "graphql" else _rest_ids
    chunk: list[StateRow] = []

    def run(part: list[StateRow]) -> KeyCheck:
        check = KeyCheck()
        known = state.deletions(name, [r.key for r in part])
        asked = [r for r in part if not (r.key in known and known[r.key].kind == "destroyed")]
        check.destroyed.extend(known[r.key] for r in part if r not in asked)
        if asked:
            answered = {str(n["id"]): n for n in ask(client, obj, [r.twenty_id for r in asked])}
            check.requests += 1
            for r in asked:
                node = answered.get(r.twenty_id)
                if node is None:
                    check.destroyed.append(Deletion(r.key, r.twenty_id, moment, "destroyed"))
                elif node.get("deletedAt"):
                    check.soft.append(Deletion(r.key, r.twenty_id, str(node["deletedAt"]), "soft"))
                else:
                    check.live.append(r.key)
        return check

    for row in rows if rows is not None else state.rows(name):
        chunk.append(row)
        if len(chunk) >= _CHECK_CHUNK:
            yield run(chunk)
            chunk = []
    if chunk:
        yield run(chunk)


def key_check_due(last: str | None, every: timedelta | None, now: datetime) -> bool:
    """Whether a key check is due: never when ``every`` is None, else when the last one (ISO text) is that old."""
    if every is None:
        return False
    return last is None or now - parse_moment(last) >= every
