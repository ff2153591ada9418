"""Batch writes: chunks of at most 200 records, de-duplicated on unique keys, bisected when Twenty refuses one.

How ``create_many`` / ``upsert_many`` turn an iterable of records into requests:

1. **Chunking.** Records are read one at a time into a pending chunk; a chunk is sent when it holds 200 distinct
   records (Twenty's maximum; one request takes one rate-limit token whatever its size), so N valid records take
   exactly ⌈N/200⌉ requests, and only one chunk is held in memory.
2. **De-duplication inside a chunk** on the object's unique keys: ``id``, person ``emails.primaryEmail``, company
   ``domainName.primaryLinkUrl``, and the fields the caller names (custom unique fields), compared after Twenty's
   normalisation (:mod:`twenty_sdk._normalise`). Twenty refuses a whole batch holding two rows with one unique value.
   For an upsert, records sharing a key are merged, the later one winning field by field (composite sub-fields too):
   exactly what sending them one after the other would store. For a plain create, the later record is reported as
   a failure (a second create with that value would be refused) and not sent.
3. **Naming.** Twenty stops at the first bad value and names it: ``Invalid string value 'bob@' for email field
   "emails.primaryEmail"``, ``Provided phone number is invalid n/a``, ``Invalid object value 'x' for field
   "aiInsights"``. When a refused batch's message names a value (at that field, when it names one) that some of its
   records hold, those records fail with the message and the rest is sent again at once: a batch with k such bad
   records costs 1 + k requests. A message naming nothing the records hold falls back to bisection.
4. **Bisection.** When a batch is refused with a 400 and naming found nothing, it is split in two and the halves
   are sent; a half that lands is done, a refused one is split again, down to single records, whose reason is
   Twenty's message. When the left half lands, the right half is known to hold the culprit and is split without
   being sent whole (a single record is always sent alone before it is called failed: a refusal caused by two
   records together, such as a unique value the caller did not name, then still lands). One bad record in 200 thus
   costs at most 1 + 2·⌈log2 200⌉ = 17 requests; the good records land, the bad ones come back in a
   :class:`~twenty_sdk.BatchError`. 400s that no record can cause alone (unknown object) are raised at once.

The plan is written without I/O (a generator that yields batches to send and receives their outcome), so the
synchronous and the asynchronous clients drive the same code.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

import attrs

from twenty_sdk._errors import BadRequestError, BatchError, BatchFailure
from twenty_sdk._normalise import unique_key_value

__all__ = [
    "MAX_BATCH",
    "STANDARD_UNIQUE_FIELDS",
    "BatchRun",
    "Chunker",
    "InFlight",
    "Item",
    "Outcome",
    "complete_composites",
    "contains_nul",
    "merge_payloads",
    "named_in",
    "pair_rows",
    "partial_composites",
    "unique_fields_for",
    "unique_keys",
]

log = logging.getLogger("twenty_sdk")

MAX_BATCH = 200
ModelT = TypeVar("ModelT")
HandleT = TypeVar("HandleT", bound=Hashable)

STANDARD_UNIQUE_FIELDS: dict[str, tuple[str, ...]] = {
    "people": ("emails.primaryEmail",),
    "companies": ("domainName.primaryLinkUrl",),
}
"""Unique fields of the standard objects, besides ``id`` (custom unique fields are named by the caller)."""

# 400s about the request as a whole: bisecting cannot isolate a record, so they are raised as they are.
_WHOLE_REQUEST = re.compile(r"^object '[^']*' not found|^Maximum number of records", re.IGNORECASE)

Key: TypeAlias = tuple[str, Any]


def unique_fields_for(name_plural: str, key: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """``id``, the object's standard unique fields, then ``key`` (one dotted path or several), without repeats."""
    extra = (key,) if isinstance(key, str) else tuple(key or ())
    fields = ("id", *STANDARD_UNIQUE_FIELDS.get(name_plural, ()), *extra)
    return tuple(dict.fromkeys(fields))


def _dig(payload: Mapping[str, Any], path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def unique_keys(payload: Mapping[str, Any], fields: Sequence[str]) -> tuple[Key, ...]:
    """The ``(field, normalised value)`` pairs a record can be matched on (empty values match nothing)."""
    keys = []
    for path in fields:
        value = unique_key_value(path, _dig(payload, path))
        if value is not None:
            keys.append((path, value))
    return tuple(keys)


def merge_payloads(older: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    """``newer`` over ``older``, field by field and composite sub-field by sub-field (as two upserts in a row)."""
    out = dict(older)
    for name, value in newer.items():
        before = out.get(name)
        out[name] = {**before, **value} if isinstance(before, dict) and isinstance(value, dict) else value
    return out


_PHONE_PRIMARY = frozenset({"primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode"})
_COMPOSITES: dict[str, frozenset[str]] = {
    "EMAILS": frozenset({"primaryEmail", "additionalEmails"}),
    "PHONES": _PHONE_PRIMARY | {"additionalPhones"},
    "LINKS": frozenset({"primaryLinkUrl", "primaryLinkLabel", "secondaryLinks"}),
}


def _kind(value: Mapping[str, Any]) -> str | None:
    keys = set(value)
    return next((kind for kind, subs in _COMPOSITES.items() if keys and keys <= subs), None)


def _erases(value: Mapping[str, Any]) -> bool:
    """Whether writing this composite value alone resets sub-fields it does not name (API_FACTS "Partial composite
    writes", from Twenty's record input transforms): EMAILS without ``primaryEmail``; PHONES naming the primary
    number without ``additionalPhones``; LINKS without all three of its sub-fields."""
    kind = _kind(value)
    if kind == "EMAILS":
        return "primaryEmail" not in value
    if kind == "PHONES":
        return bool(_PHONE_PRIMARY & set(value)) and "additionalPhones" not in value
    if kind == "LINKS":
        return set(value) != _COMPOSITES["LINKS"]
    return False


def partial_composites(payload: Mapping[str, Any]) -> list[str]:
    """The fields of ``payload`` holding an EMAILS, PHONES or LINKS value that Twenty would write whole, resetting
    the sub-fields it does not name (see :func:`complete_composites`)."""
    return [name for name, value in payload.items() if isinstance(value, Mapping) and _erases(value)]


def complete_composites(payload: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` with each composite that would erase sub-fields (:func:`partial_composites`) completed from
    ``current`` (the record as Twenty holds it now), so that writing it changes the sub-fields named and keeps the
    others: the additional emails and phones, the link label and secondary links a CRM user added."""
    out = dict(payload)
    for name in partial_composites(payload):
        now = current.get(name)
        if not isinstance(now, Mapping):
            continue
        value = dict(payload[name])
        kind = _kind(value)
        if kind == "PHONES":
            value["additionalPhones"] = list(now.get("additionalPhones") or [])
        else:
            for sub in _COMPOSITES[kind or "EMAILS"]:
                if sub not in value and sub in now:
                    value[sub] = now[sub]
        out[name] = value
    return out


def contains_nul(value: Any) -> bool:
    """Whether a text value anywhere in ``value`` holds a NUL byte (Twenty answers such a record with a 500)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(contains_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


@attrs.define(slots=True)
class Item:
    """A record to send: its payload, its unique keys, and the input records (and their positions) it stands for
    (several when an upsert merged duplicates)."""

    indexes: list[int]
    records: list[Any]
    payload: dict[str, Any]
    keys: tuple[Key, ...]
    pos: int = 0


def pair_rows(items: Sequence[Item], rows: Sequence[Any]) -> list[tuple[int, Any]]:
    """Each returned row with the position of the item it stands for.

    Twenty does not answer a batch upsert in input order: the rows it updated come first, then those it inserted
    (recorded on a real 2.21.0). A row is paired with the item sharing one of its unique keys (``id``, email,
    domain, a custom key); the rows left (records sent without any key) pair with the items left, in order.
    """
    paths = tuple(dict.fromkeys(path for item in items for path, _ in item.keys))
    owner: dict[Key, int] = {}
    for position, item in enumerate(items):
        for key in item.keys:
            owner.setdefault(key, position)
    taken: set[int] = set()
    paired: list[tuple[int, Any] | None] = []
    for row in rows:
        found = None
        if isinstance(row, Mapping):
            for key in unique_keys(row, paths):
                hit = owner.get(key)
                if hit is not None and hit not in taken:
                    found = hit
                    break
        if found is None:
            paired.append(None)
        else:
            taken.add(found)
            paired.append((items[found].pos, row))
    left = iter(i for i in range(len(items)) if i not in taken)
    last = items[-1].pos if items else 0
    out: list[tuple[int, Any]] = []
    for slot, row in zip(paired, rows, strict=True):
        if slot is not None:
            out.append(slot)
            continue
        spare = next(left, None)
        out.append((items[spare].pos if spare is not None else last, row))
    return out


class Chunker:
    """Collects records into chunks of ``size`` distinct records (see the module docstring, step 2)."""

    def __init__(self, fields: Sequence[str], *, upsert: bool, size: int = MAX_BATCH) -> None:
        if not 1 <= size <= MAX_BATCH:
            raise ValueError(f"batch size must be between 1 and {MAX_BATCH}, not {size!r}")
        self.fields = tuple(fields)
        self.upsert = upsert
        self.size = size
        self.merged = 0
        self._pending: dict[int, Item] = {}
        self._index: dict[Key, int] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self._pending)

    def full(self) -> bool:
        return len(self._pending) >= self.size

    def add(self, index: int, record: Any, payload: dict[str, Any]) -> BatchFailure | None:
        """Add a record; for a create, return the failure of a duplicate instead of adding it."""
        item = Item([index], [record], payload, unique_keys(payload, self.fields))
        hits = self._hits(item.keys)
        if hits and not self.upsert:
            first = self._pending[min(hits)]
            shared = next(k for k in item.keys if k in first.keys)
            return BatchFailure(
                index,
                record,
                f"same {shared[0]} as record #{first.indexes[-1]} of this batch: Twenty would refuse the whole batch "
                "(A duplicate entry was detected), so it was not sent",
                key=shared,
            )
        while hits:
            older = [self._pop(seq) for seq in sorted(hits)]
            base = older[0]
            for other in older[1:]:
                base = self._merge(base, other)
            item = self._merge(base, item)
            self.merged += len(older)
            hits = self._hits(item.keys)
        self._seq += 1
        self._pending[self._seq] = item
        for key in item.keys:
            self._index[key] = self._seq
        return None

    def take(self) -> list[Item]:
        """The pending records, in order, as one chunk; the chunker is then empty."""
        items = list(self._pending.values())
        for pos, item in enumerate(items):
            item.pos = pos
        self._pending.clear()
        self._index.clear()
        return items

    def _hits(self, keys: Iterable[Key]) -> set[int]:
        return {self._index[k] for k in keys if k in self._index}

    def _pop(self, seq: int) -> Item:
        item = self._pending.pop(seq)
        for key in item.keys:
            if self._index.get(key) == seq:
                del self._index[key]
        return item

    def _merge(self, older: Item, newer: Item) -> Item:
        payload = merge_payloads(older.payload, newer.payload)
        return Item(
            older.indexes + newer.indexes, older.records + newer.records, payload, unique_keys(payload, self.fields)
        )


Outcome: TypeAlias = "list[Any] | BadRequestError"
"""What sending a batch gave: the records Twenty returned (raw), or its 400."""


class BatchRun(Generic[ModelT]):
    """The results, failures and request count of one batch operation, and the bisection plan of its chunks.

    Chunks are numbered in the order they are taken (:meth:`plan`); their plans may run one after another or several
    at once (``upsert_many(concurrency=N)``, on threads or tasks: the shared state is kept under a lock). Results
    are kept in input order (chunk, then position in the chunk) and failures in the order one-at-a-time sending
    would find them (chunk, then discovery), whatever order the chunks finish in.
    """

    def __init__(
        self, parse: Callable[[Mapping[str, Any]], ModelT], what: str, *, max_failures: int | None = None
    ) -> None:
        self.parse = parse
        self.what = what
        self.max_failures = max_failures
        self.requests = 0
        self.refused = 0
        self.named = 0  # refusals whose message named the bad records (no bisection needed)
        self.chunks = 0  # chunks planned so far: the number of the one being filled
        self._lock = threading.Lock()
        self._landed: list[tuple[int, int, ModelT]] = []  # (chunk, position in the chunk, record)
        self._failed: list[tuple[int, int, BatchFailure]] = []  # (chunk, discovery order, failure)

    @property
    def results(self) -> list[ModelT]:
        """The records that landed so far, in input order."""
        with self._lock:
            return [record for _, _, record in sorted(self._landed, key=lambda t: t[:2])]

    @property
    def failures(self) -> list[BatchFailure]:
        """The records that failed so far, chunk by chunk."""
        with self._lock:
            return [failure for _, _, failure in sorted(self._failed, key=lambda t: t[:2])]

    def reject(self, failure: BatchFailure) -> None:
        """A record refused before sending (a duplicate in a create, a NUL byte), from the chunk being filled."""
        with self._lock:
            self._failed.append((self.chunks, len(self._failed), failure))
        self._check_budget()

    def plan(self, chunk: list[Item]) -> Generator[list[Item], Outcome, None]:
        """The batches to send for ``chunk`` (the next chunk: numbered now), receiving each one's :data:`Outcome`."""
        with self._lock:
            number = self.chunks
            self.chunks += 1
        return self._resolve(number, chunk, None, False)

    def incomplete(self) -> BatchError:
        """The error of an operation stopped early: what landed and failed so far (``complete=False``)."""
        results = self.results
        return BatchError(self.failures, succeeded=len(results), results=results, complete=False)

    def finish(self) -> list[ModelT]:
        """The records that landed, or a :class:`BatchError` if any record failed."""
        results, failures = self.results, self.failures
        if failures:
            log.info(
                "%s: %d record(s) failed, %d landed, in %d request(s) "
                "(%d refused batches of which %d named their records)",
                self.what,
                len(failures),
                len(results),
                self.requests,
                self.refused,
                self.named,
            )
            raise BatchError(failures, succeeded=len(results), results=results)
        return results

    def _resolve(
        self, chunk: int, items: list[Item], refusal: BadRequestError | None, confirmed: bool
    ) -> Generator[list[Item], Outcome, None]:
        """Land what can land of ``items``. ``refusal``: why a batch holding them was refused (None: not sent yet);
        ``confirmed``: that exact batch was sent and refused, rather than inferred to hold the culprit."""
        if refusal is None or (len(items) == 1 and not confirmed):
            # A single record inferred to be the culprit is still sent alone: the refusal may have come from it and
            # a sibling together (two rows sharing a unique value the caller did not name), and alone it may land.
            outcome = yield from self._send(items)
            if not isinstance(outcome, BadRequestError):
                self._land(chunk, items, outcome)
                return
            refusal = outcome
        if len(items) == 1:
            self._fail(chunk, items[0], refusal)
            return
        named = named_in(refusal, items)
        if named and len(named) < len(items):
            with self._lock:
                self.named += 1
            for item in named:
                self._fail(chunk, item, refusal)
            rest = [item for item in items if all(item is not n for n in named)]
            yield from self._resolve(chunk, rest, None, False)  # sent again at once: it may hold no other culprit
            return
        mid = (len(items) + 1) // 2
        left, right = items[:mid], items[mid:]
        outcome = yield from self._send(left)
        if isinstance(outcome, BadRequestError):
            yield from self._resolve(chunk, left, outcome, True)
            yield from self._resolve(chunk, right, None, False)
        else:
            self._land(chunk, left, outcome)
            yield from self._resolve(chunk, right, refusal, False)  # the refusal came from the right half: split it

    def _send(self, items: list[Item]) -> Generator[list[Item], Outcome, Outcome]:
        with self._lock:
            self.requests += 1
        outcome = yield items
        if isinstance(outcome, BadRequestError):
            if any(_WHOLE_REQUEST.search(m) for m in outcome.messages):
                raise outcome
            with self._lock:
                self.refused += 1
            if len(items) > 1:
                log.info("%s: a batch of %d was refused (%s); bisecting", self.what, len(items), _reason(outcome))
        return outcome

    def _land(self, chunk: int, items: list[Item], rows: list[Any]) -> None:
        parsed = [(chunk, pos, self.parse(row)) for pos, row in pair_rows(items, rows)]
        with self._lock:
            self._landed.extend(parsed)

    def _fail(self, chunk: int, item: Item, error: BadRequestError) -> None:
        reason = _reason(error)
        key = item.keys[0] if item.keys else None
        with self._lock:
            for index, record in zip(item.indexes, item.records, strict=True):
                self._failed.append((chunk, len(self._failed), BatchFailure(index, record, reason, key=key)))
        self._check_budget()

    def _check_budget(self) -> None:
        with self._lock:
            over = self.max_failures is not None and len(self._failed) > self.max_failures
        if over:
            raise self.incomplete()


class InFlight(Generic[HandleT]):
    """The chunks in flight (``upsert_many(concurrency=N)``) and the unique keys each claims: the one rule of the
    thread driver and of the task driver. A chunk waits while ``limit`` are in flight, or while one in flight shares
    a key with it (then the later record lands last, as sending one at a time would). No I/O and no lock: only the
    driver's own thread (or event loop) calls it; ``HandleT`` is its future or task."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._keys: dict[HandleT, frozenset[Any]] = {}

    @staticmethod
    def keys_of(chunk: Sequence[Item]) -> frozenset[Any]:
        """Every unique key of a chunk's records."""
        return frozenset(key for item in chunk for key in item.keys)

    def must_wait(self, keys: frozenset[Any]) -> bool:
        """Whether a chunk claiming ``keys`` must wait for one in flight to finish before it is sent."""
        return bool(self._keys) and (len(self._keys) >= self.limit or any(keys & k for k in self._keys.values()))

    def claim(self, handle: HandleT, keys: frozenset[Any]) -> None:
        self._keys[handle] = keys

    def release(self, handle: HandleT) -> None:
        del self._keys[handle]

    @property
    def handles(self) -> list[HandleT]:
        return list(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


# Twenty's messages naming the value it refused (``inspect(value)`` for the first kind: a quoted string, or a number)
_NAMED_VALUE = re.compile(
    r"Invalid (?:\w+ )?value (?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?[\d.e+]+|true|false) "
    r"for (?:\w+ )?field \"(?P<field>[^\" ]+)"
)
_NAMED_PHONE = re.compile(r"^Provided phone number is invalid (?P<value>.+)$", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> Any:
    """A value as Node's ``inspect`` printed it, back (strings unquoted and unescaped; numbers and booleans)."""
    if text[:1] in "'\"":
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text) if any(c in text for c in ".e") else int(text)
    except ValueError:
        return text


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _holds(payload: Mapping[str, Any], field: str | None, value: Any) -> bool:
    """Whether ``payload`` holds ``value`` at ``field`` (a dotted path; its last part may name a list of values),
    or anywhere when no field is named."""
    if field is None:
        return any(leaf == value and type(leaf) is type(value) for leaf in _leaves(payload))
    found = _dig(payload, field)
    if found is None and "." in field:  # a list sub-field named by its item path ("emails.additionalEmails")
        found = _dig(payload, field.rsplit(".", 1)[0])
    return any(leaf == value and type(leaf) is type(value) for leaf in _leaves(found))


def named_in(error: BadRequestError, items: Sequence[Item]) -> list[Item]:
    """The records of a refused batch that hold the value Twenty's message names (none when it names none, or
    when the value is nowhere: the batch is then bisected)."""
    for message in error.messages:
        match = _NAMED_VALUE.search(message)
        if match is not None:
            field: str | None = match.group("field")
            value = _unquote(match.group("value"))
        elif (phone := _NAMED_PHONE.match(message)) is not None:
            field, value = None, phone.group("value")
        else:
            continue
        named = [item for item in items if _holds(item.payload, field, value)]
        if named:
            return named
    return []


def _reason(error: BadRequestError) -> str:
    text = "; ".join(error.messages) or str(error)
    tags = ", ".join(t for t in (error.error, error.code) if t and t != "BadRequestException")
    return f"{text} ({tags})" if tags else text
