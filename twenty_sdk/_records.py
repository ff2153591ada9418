"""Record resources: typed CRUD, lists, streaming and batch writes for one object (``client.people``,
``client.records("pets")``).

    person = client.people.create(Person(name=FullName(first_name="Ada"), emails=Emails(primary_email="ada@x.io")))
    person = client.people.get(person.id)                       # a PersonForResponse
    for p in client.people.iter(filter=Filter.ilike("name.firstName", "a%"), order_by="createdAt"):
        ...
    stored = client.people.upsert_many(rows)                    # 200 per request, de-duplicated, bisected

**Inputs** are generated models (``Person`` for creates, ``PersonForUpdate`` for updates) or plain mappings in
Twenty's JSON shape (``{"name": {"firstName": "Ada"}, "emails": {"primaryEmail": "ada@x.io"}}``); UUIDs, dates and
nested models in a mapping are converted. **Outputs** are the generated response models (``PersonForResponse``...)
parsed with ``from_dict``, or plain ``dict``s for ``client.records(name)``.

**Custom fields** are not attributes of the generated models (unless the client was regenerated from your
workspace): read them from ``additional_properties``, or by subscript, and write them the same way::

    person["intro"]                                   # == person.additional_properties["intro"]
    new = Person(name=FullName(first_name="Ada")); new["intro"] = "hello"

Every method is one request (one rate-limit token), except ``iter``/``pages`` (one per page of 200), ``restore``
(one per 100 ids) and the batch writes (one per 200 records, plus one per refused record, or a bisection).
``resource.requests`` counts the HTTP requests the client sent to the object's routes so far, every attempt
included (retries after a 429 or a 5xx, re-sent and bisected batches, reads): take the difference around a piece
of work to know what it cost.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import threading
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeAlias, TypeVar, cast
from urllib.parse import quote
from uuid import UUID

import attrs
import httpx

from twenty_sdk._batching import (
    MAX_BATCH,
    BatchRun,
    Chunker,
    InFlight,
    Item,
    Outcome,
    complete_composites,
    contains_nul,
    partial_composites,
    unique_fields_for,
)
from twenty_sdk._errors import BadRequestError, BatchError, BatchFailure, TwentyError
from twenty_sdk._filters import Filter, filter_text
from twenty_sdk._ops import Call, Op, arun, run
from twenty_sdk._pagination import (
    MAX_PAGE_SIZE,
    AsyncPage,
    AsyncPageRequest,
    OrderBy,
    Page,
    PageT,
    check_page_size,
    list_params,
    parse_page,
)
from twenty_sdk._transport import AsyncTransport, Transport

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

    from twenty_generated.types import Unset

__all__ = ["AsyncRecords", "ObjectRef", "RecordId", "Records", "to_payload"]

ModelT = TypeVar("ModelT")
T = TypeVar("T")
CreateT = TypeVar("CreateT")
UpdateT = TypeVar("UpdateT")

RecordId = str | UUID
# What an id parameter accepts: also the ``id`` of a response model, typed ``UUID | Unset`` by the generator (an
# unset one is refused at run time), so that ``people.get(person.id)`` type-checks.
IdArg: TypeAlias = "str | UUID | Unset"
_RESTORE_CHUNK = 100  # ids per restore request: keeps the URL well under common 8 KB limits
_DEFAULT_MAX_FAILURES = 100


@attrs.frozen
class ObjectRef:
    """An object as a resource sees it: its plural name (the URL segment)."""

    name_plural: str


def _concurrency(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, not {value!r}")
    return value


class _RequestLog:
    """The HTTP requests a transport's httpx client sent, by object (``people`` for ``/rest/people/...``,
    ``/rest/batch/people``, ``/rest/restore/people``), counted by an httpx ``request`` event hook: it sees every
    attempt, retries included. One per transport; thread-safe."""

    _of: ClassVar[weakref.WeakKeyDictionary[Any, _RequestLog]] = weakref.WeakKeyDictionary()
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, transport: Any) -> _RequestLog | None:
        """The log of ``transport`` (installed on first use), or None when it has no httpx client to hook into."""
        http = getattr(transport, "_client", None)
        if not isinstance(http, httpx.Client | httpx.AsyncClient):
            return None
        with cls._guard:
            log = cls._of.get(transport)
            if log is None:
                log = cls._of[transport] = cls()
                if isinstance(http, httpx.AsyncClient):

                    async def hook(request: httpx.Request) -> None:
                        log.saw(request.url.path)

                    http.event_hooks["request"].append(hook)
                else:
                    http.event_hooks["request"].append(lambda request: log.saw(request.url.path))
        return log

    def saw(self, path: str) -> None:
        parts = path.split("/rest/", 1)[-1].split("/")
        name = parts[1] if parts[0] in ("batch", "restore") and len(parts) > 1 else parts[0]
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def count(self, name_plural: str) -> int:
        with self._lock:
            return self.counts.get(name_plural, 0)


def _dict_parser(data: Mapping[str, Any]) -> dict[str, Any]:
    return dict(data)


def to_payload(data: Any) -> dict[str, Any]:
    """The JSON object sent for a record: a generated model's ``to_dict()`` or a mapping, with UUIDs, dates,
    datetimes, enums and nested models made JSON-ready."""
    if isinstance(data, Mapping):
        return {str(k): _jsonable(v) for k, v in data.items() if not _is_unset(v)}
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict):
        converted = to_dict()
        if isinstance(converted, Mapping):
            return {str(k): _jsonable(v) for k, v in converted.items()}
    raise TypeError(f"a record must be a mapping or a generated model, not {type(data).__name__}")


def _is_unset(value: Any) -> bool:
    return type(value).__name__ == "Unset"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if not _is_unset(v)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.isoformat(timespec="milliseconds") + "Z"
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _jsonable(to_dict())
    return value


def _id_text(record_id: IdArg) -> str:
    if _is_unset(record_id):
        raise ValueError("this record has no id (its id is UNSET)")
    text = str(record_id).strip()
    if not text:
        raise ValueError("a record id must not be empty")
    return text


def _id_segment(record_id: IdArg) -> str:
    return quote(_id_text(record_id), safe="")


def _ids(ids: IdArg | Iterable[IdArg]) -> list[str]:
    if isinstance(ids, Iterable) and not isinstance(ids, str):
        return [_id_text(i) for i in ids]
    return [_id_text(ids)]


class _Stop(Protocol):
    """A ``threading.Event`` or an ``asyncio.Event``: set when the other chunks in flight must stop."""

    def is_set(self) -> bool: ...


class _RecordsBase(Generic[ModelT, CreateT, UpdateT]):
    """What the sync and async resources share: building requests and reading answers (no I/O)."""

    def __init__(self, spec: ObjectRef, parse: Callable[[Mapping[str, Any]], ModelT] | None = None) -> None:
        self.spec = spec
        self.name_plural = spec.name_plural
        self._parse = parse if parse is not None else cast("Callable[[Mapping[str, Any]], ModelT]", _dict_parser)

    _log: _RequestLog | None = None
    _calls = 0  # requests made through this resource (retries not seen): the count without an httpx client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name_plural!r}>"

    @property
    def requests(self) -> int:
        """HTTP requests sent to this object's routes so far by the client (every resource of the object on this
        client, every attempt: retries, bisections and reads included)."""
        return self._log.count(self.name_plural) if self._log is not None else self._calls

    # -- requests --------------------------------------------------------------------------------------------------

    def _path(self, record_id: IdArg | None = None) -> str:
        base = f"/rest/{self.name_plural}"
        return base if record_id is None else f"{base}/{_id_segment(record_id)}"

    def _create_req(self, data: Any, upsert: bool) -> Call:
        payload = to_payload(data)
        params: dict[str, str | int] | None = {"upsert": "true"} if upsert else None
        return Call("POST", self._path(), params, payload, idempotent=True if upsert or "id" in payload else None)

    def _get_req(self, record_id: IdArg, depth: int) -> Call:
        if depth not in (0, 1):
            raise ValueError(f"depth must be 0 or 1, not {depth!r}")
        return Call("GET", self._path(record_id), {"depth": depth})

    def _update_req(self, record_id: IdArg, data: Any) -> Call:
        return Call("PATCH", self._path(record_id), None, to_payload(data))

    def _delete_req(self, record_id: IdArg, soft: bool) -> Call:
        return Call("DELETE", self._path(record_id), {"soft_delete": "true"} if soft else None)

    def _restore_reqs(self, ids: IdArg | Iterable[IdArg]) -> list[Call]:
        all_ids = _ids(ids)
        return [
            Call(
                "PATCH",
                f"/rest/restore/{self.name_plural}",
                {"filter": Filter.in_("id", all_ids[i : i + _RESTORE_CHUNK]).text},
            )
            for i in range(0, len(all_ids), _RESTORE_CHUNK)
        ]

    def _filtered(self, filter: Filter | str, what: str) -> dict[str, str | int]:
        text = filter_text(filter)
        if not text:
            raise ValueError(f"{what} needs a filter (Twenty refuses or over-reaches without one)")
        return {"filter": text}

    def _update_many_req(self, filter: Filter | str, data: Any) -> Call:
        return Call("PATCH", self._path(), self._filtered(filter, "update_many"), to_payload(data))

    def _delete_many_req(self, filter: Filter | str, soft: bool) -> Call:
        params = self._filtered(filter, "delete_many")
        if soft:
            params["soft_delete"] = "true"
        return Call("DELETE", self._path(), params)

    def _duplicates_req(self, ids: IdArg | Iterable[IdArg] | None, data: Iterable[Any] | None) -> Call:
        if (ids is None) == (data is None):
            raise ValueError("duplicates takes ids or data (one of the two)")
        body = {"ids": _ids(ids)} if ids is not None else {"data": [to_payload(d) for d in data or ()]}
        return Call("POST", f"/rest/{self.name_plural}/duplicates", None, body, idempotent=True)  # a read

    def _duplicates(self, body: Any) -> builtins.list[builtins.list[ModelT]]:
        items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise TwentyError(f"unexpected answer to duplicates {self.name_plural}: no list of results")
        found: builtins.list[builtins.list[ModelT]] = []
        for item in items:
            rows = (
                next((v for k, v in item.items() if k.endswith("Duplicates")), None) if isinstance(item, dict) else None
            )
            if not isinstance(rows, list):
                raise TwentyError(f"unexpected answer to duplicates {self.name_plural}: {item!r:.200}")
            found.append([self._parse(row) for row in rows])
        return found

    def _merge_req(self, ids: Iterable[IdArg], priority: int, dry_run: bool) -> Call:
        body = {"ids": _ids(ids), "conflictPriorityIndex": priority, "dryRun": dry_run}
        # not retried after a 5xx or a lost answer: a merge that landed deleted the other records
        return Call("PATCH", f"/rest/{self.name_plural}/merge", None, body, idempotent=False)

    def _batch_req(self, batch: list[Item], upsert: bool) -> Call:
        payloads = [item.payload for item in batch]
        idempotent = True if upsert or all("id" in p for p in payloads) else None
        params: dict[str, str | int] | None = {"upsert": "true"} if upsert else None
        return Call("POST", f"/rest/batch/{self.name_plural}", params, payloads, idempotent=idempotent)

    # -- answers ---------------------------------------------------------------------------------------------------

    def _data(self, body: Any, what: str) -> Any:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict) and len(data) == 1:
            return next(iter(data.values()))
        raise TwentyError(f"unexpected answer to {what} {self.name_plural}: expected {{'data': {{...}}}}")

    def _one(self, body: Any, what: str) -> ModelT:
        value = self._data(body, what)
        if not isinstance(value, Mapping):
            raise TwentyError(f"unexpected answer to {what} {self.name_plural}: no record")
        return self._parse(value)

    def _many(self, body: Any, what: str) -> builtins.list[ModelT]:
        return [self._parse(row) for row in self._rows(body, what)]

    def _rows(self, body: Any, what: str) -> builtins.list[Any]:
        rows = self._data(body, what)
        if not isinstance(rows, list):
            raise TwentyError(f"unexpected answer to {what} {self.name_plural}: no list of records")
        return rows

    def _page(self, body: Any, params: dict[str, str | int], page: type[PageT], fetch: Any) -> PageT:
        """The page a list answer holds, linked (``fetch``) to the listing's following pages."""
        backwards = "ending_before" in params
        return parse_page(
            body,
            self._parse,
            self.name_plural,
            page,
            params=params,
            backwards=backwards,
            fetch=fetch,
        )

    # -- batch writes ----------------------------------------------------------------------------------------------

    def _chunks(
        self,
        run: BatchRun[ModelT],
        items: Iterable[Any],
        *,
        upsert: bool,
        key: str | Sequence[str] | None,
        batch_size: int,
    ) -> Iterator[list[Item]]:
        """The chunks to send, read from ``items`` as they are needed; records refused before sending go to ``run``."""
        chunker = Chunker(unique_fields_for(self.name_plural, key), upsert=upsert, size=batch_size)
        for index, record in enumerate(items):
            chunk = self._feed(run, chunker, index, record)
            if chunk is not None:
                yield chunk
        if len(chunker):
            yield chunker.take()

    @staticmethod
    def _feed(run: BatchRun[ModelT], chunker: Chunker, index: int, record: Any) -> list[Item] | None:
        """Add one input record; a full chunk when it completes one."""
        payload = to_payload(record)
        failure = (
            BatchFailure(
                index,
                record,
                "a text value holds a NUL byte (\\x00), which Twenty answers with a 500: remove it first",
            )
            if contains_nul(payload)
            else chunker.add(index, record, payload)
        )
        if failure is not None:
            run.reject(failure)
            return None
        return chunker.take() if chunker.full() else None

    def _current_req(self, chunk: builtins.list[Item], key: str | Sequence[str] | None) -> Call | None:
        """The one read of the records a chunk's partial composites must be completed from (by ``id``, else by the
        first ``key`` field), or None when no record of the chunk needs it."""
        key_field = key if isinstance(key, str) else next(iter(key or ()), None)
        ids: builtins.list[str] = []
        keys: builtins.list[str] = []
        for item in chunk:
            if not partial_composites(item.payload):
                continue
            if item.payload.get("id"):
                ids.append(str(item.payload["id"]))
            elif key_field is not None:
                value = item.payload.get(key_field)
                if isinstance(value, str) and value and "," not in value:  # Twenty splits in[...] on commas
                    keys.append(value)
        parts = ([Filter.in_("id", ids)] if ids else []) + ([Filter.in_(key_field, keys)] if keys and key_field else [])
        if not parts:
            return None
        where = parts[0] if len(parts) == 1 else Filter.or_(*parts)
        return Call("GET", self._path(), list_params(filter=where, limit=MAX_PAGE_SIZE))

    def _complete(self, chunk: builtins.list[Item], key: str | Sequence[str] | None, body: Any) -> None:
        """Complete the chunk's partial composites from the records read (:func:`complete_composites`)."""
        key_field = key if isinstance(key, str) else next(iter(key or ()), None)
        by_id: dict[str, Mapping[str, Any]] = {}
        by_key: dict[Any, Mapping[str, Any]] = {}
        for row in self._rows(body, "read before merge"):
            if isinstance(row, Mapping):
                by_id[str(row.get("id"))] = row
                if key_field is not None and row.get(key_field) not in (None, ""):
                    by_key[row.get(key_field)] = row
        for item in chunk:
            if not partial_composites(item.payload):
                continue
            if item.payload.get("id"):
                current = by_id.get(str(item.payload["id"]))
            else:
                current = by_key.get(item.payload.get(key_field)) if key_field is not None else None
            if current is not None:
                item.payload = complete_composites(item.payload, current)

    # -- the operations of more than one request, written once (sans-I/O: twenty_sdk._ops) ------------------------

    def _restore_op(self, ids: IdArg | Iterable[IdArg]) -> Op[builtins.list[ModelT]]:
        restored: builtins.list[ModelT] = []
        for req in self._restore_reqs(ids):
            restored.extend(self._many((yield req), "restore"))
        return restored

    def _complete_op(self, chunk: builtins.list[Item], key: str | Sequence[str] | None) -> Op[None]:
        """Complete a chunk's partial composites from one read (``merge_composites``), if any record needs it."""
        req = self._current_req(chunk, key)
        if req is not None:
            self._complete(chunk, key, (yield req))

    def _plan_op(
        self, plan: Generator[builtins.list[Item], Outcome, None], upsert: bool, stop: _Stop | None = None
    ) -> Op[None]:
        """Send the batches of one chunk's plan, one after another; give up between two if ``stop`` is set."""
        batch = next(plan, None)
        while batch is not None:
            if stop is not None and stop.is_set():
                plan.close()
                return
            outcome: Outcome
            try:
                outcome = self._rows((yield self._batch_req(batch, upsert)), "batch write")
            except BadRequestError as exc:
                outcome = exc
            try:
                batch = plan.send(outcome)
            except StopIteration:
                batch = None

    def _run(self, upsert: bool, max_failures: int | None) -> BatchRun[ModelT]:
        what = f"{'upsert' if upsert else 'create'} {self.name_plural}"
        return BatchRun(self._parse, what, max_failures=max_failures)


class Records(_RecordsBase[ModelT, CreateT, UpdateT]):
    """The records of one object, through a :class:`~twenty_sdk.Transport` (see the module docstring).

    ``ModelT`` is what the methods return (``PersonForResponse``, or ``dict`` for :meth:`TwentyClient.records`);
    ``CreateT``/``UpdateT`` the generated input models accepted besides plain mappings.
    """

    def __init__(
        self,
        transport: Transport,
        spec: ObjectRef,
        parse: Callable[[Mapping[str, Any]], ModelT] | None = None,
    ) -> None:
        super().__init__(spec, parse)
        self._transport = transport
        self._log = _RequestLog.of(transport)

    def _send(self, req: Call) -> Any:
        return self._request(req.method, req.path, params=req.params, json=req.json, idempotent=req.idempotent)

    def _request(self, method: str, path: str, **options: Any) -> Any:
        self._calls += 1
        return self._transport.request(method, path, **options)

    def _drive_op(self, op: Op[T]) -> T:
        return run(op, self._request, self._transport.pause_before_retry)

    # -- one record ------------------------------------------------------------------------------------------------

    def create(self, data: CreateT | Mapping[str, Any]) -> ModelT:
        """Create one record (``POST /rest/<object>``). A duplicate unique value is a :class:`BadRequestError`."""
        return self._one(self._send(self._create_req(data, upsert=False)), "create")

    def upsert(self, data: CreateT | Mapping[str, Any]) -> ModelT:
        """Create a record, or update the one matching its ``id`` or a unique field (only the fields sent change;
        a soft-deleted match is restored)."""
        return self._one(self._send(self._create_req(data, upsert=True)), "upsert")

    def get(self, id: IdArg, *, depth: int = 0) -> ModelT:
        """One record by id (``depth=1`` embeds its relations). Soft-deleted records are :class:`NotFoundError`."""
        return self._one(self._send(self._get_req(id, depth)), "get")

    def update(self, id: IdArg, data: UpdateT | Mapping[str, Any]) -> ModelT:
        """Change the fields sent (``PATCH``); the others keep their values."""
        return self._one(self._send(self._update_req(id, data)), "update")

    def delete(self, id: IdArg) -> ModelT:
        """Soft-delete (sets ``deletedAt``; :meth:`restore` brings it back). See :meth:`destroy`."""
        return self._one(self._send(self._delete_req(id, soft=True)), "delete")

    def destroy(self, id: IdArg) -> ModelT:
        """Delete for good (Twenty's default for ``DELETE``, made explicit here: it cannot be undone)."""
        return self._one(self._send(self._delete_req(id, soft=False)), "destroy")

    def restore(self, ids: IdArg | Iterable[IdArg]) -> builtins.list[ModelT]:
        """Undo soft deletes (``PATCH /rest/restore/<object>?filter=id[in]:[...]``, 100 ids per request).
        Restoring a live record returns it unchanged."""
        return self._drive_op(self._restore_op(ids))

    # -- duplicates ------------------------------------------------------------------------------------------------

    def duplicates(
        self,
        ids: IdArg | Iterable[IdArg] | None = None,
        *,
        data: Iterable[CreateT | Mapping[str, Any]] | None = None,
    ) -> builtins.list[builtins.list[ModelT]]:
        """The records Twenty considers duplicates of each given record (``ids``) or would-be record (``data``), by
        the object's duplicate criteria (people: name, primary email, LinkedIn; companies: name, domain), one list
        per input, in input order (``POST /rest/<object>/duplicates``)."""
        return self._duplicates(self._send(self._duplicates_req(ids, data)))

    def merge(self, ids: Iterable[IdArg], *, priority: int = 0, dry_run: bool = False) -> ModelT:
        """Merge 2 to 9 records into one (``PATCH /rest/<object>/merge``): on a conflict the value of
        ``ids[priority]`` wins, lists (emails, phones, links, arrays) are united, relations move to the survivor and
        the others are deleted. ``dry_run``: the would-be record, nothing changed. Not retried: a merge that
        landed cannot be sent again."""
        return self._one(self._send(self._merge_req(ids, priority, dry_run)), "merge")

    # -- many records by filter ------------------------------------------------------------------------------------

    def update_many(self, filter: Filter | str, data: UpdateT | Mapping[str, Any]) -> builtins.list[ModelT]:
        """Apply ``data`` to every record matching ``filter`` (Twenty refuses more than 200 at once, with
        ``TOO_MANY_RECORDS_TO_UPDATE``; soft-deleted matches are changed too)."""
        return self._many(self._send(self._update_many_req(filter, data)), "update_many")

    def delete_many(self, filter: Filter | str, *, soft: bool = True) -> builtins.list[ModelT]:
        """Delete every record matching ``filter``: soft by default, for good with ``soft=False``."""
        return self._many(self._send(self._delete_many_req(filter, soft)), "delete_many")

    # -- lists -----------------------------------------------------------------------------------------------------

    def list(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        limit: int | None = None,
        depth: int = 0,
        starting_after: str | None = None,
        ending_before: str | None = None,
    ) -> Page[ModelT]:
        """The listing, from its first page (fetched now: ``limit`` records, at most 200; Twenty's default is 60).

        ``page.data`` is that page's records; ``for record in page`` yields **every** matching record, fetching the
        following pages as the loop reaches them (one request each); ``page.iter_pages()`` yields the pages. For an
        order other than by ``id``, end ``order_by`` with a unique key (``"updatedAt,id"``) so that the cursor is
        exact. ``starting_after``: start after a page's ``end_cursor``; ``ending_before``: the one page before a
        ``start_cursor`` (iterating it yields that page only: Twenty gives no way further back)."""
        params = list_params(
            filter=filter,
            order_by=order_by,
            limit=limit,
            depth=depth,
            starting_after=starting_after,
            ending_before=ending_before,
        )
        return self._fetch_page(params)

    def _fetch_page(self, params: dict[str, str | int]) -> Page[ModelT]:
        return self._page(self._send(Call("GET", self._path(), params)), params, Page, self._fetch_page)

    def pages(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        depth: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Page[ModelT]]:
        """Every page: ``list(..., limit=page_size).iter_pages()``, its first request sent when the iteration
        starts (a shorthand kept from before pages iterated the listing)."""
        check_page_size(page_size)
        yield from self.list(filter=filter, order_by=order_by, depth=depth, limit=page_size).iter_pages()

    def iter(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        depth: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[ModelT]:
        """Every matching record, one page of ``page_size`` (200) in memory at a time: ``iter(list(...,
        limit=page_size))``, its first request sent when the iteration starts (a shorthand kept from before pages
        iterated the listing)."""
        for page in self.pages(filter=filter, order_by=order_by, depth=depth, page_size=page_size):
            yield from page.data

    def count(self, filter: Filter | str | None = None) -> int:
        """How many records match (``totalCount`` of a page of 0 records)."""
        return self.list(filter=filter, limit=0).total_count or 0

    # -- batch writes ----------------------------------------------------------------------------------------------

    def create_many(
        self,
        items: Iterable[CreateT | Mapping[str, Any]],
        *,
        batch_size: int = MAX_BATCH,
        max_failures: int | None = _DEFAULT_MAX_FAILURES,
    ) -> builtins.list[ModelT]:
        """Create records, 200 per request (see :mod:`twenty_sdk._batching`). Returns them as stored, in input order.

        A record sharing a unique value (``id``, email, domain) with an earlier one of its batch is not sent and is
        reported as failed. Refused batches are bisected: the valid records land, and :class:`BatchError` lists the
        others with Twenty's reasons (``.results`` holds what landed). Past ``max_failures`` failures the operation
        stops (``BatchError.complete`` is False); ``None`` never stops.
        """
        run = self._run(False, max_failures)
        self._drive(run, self._chunks(run, items, upsert=False, key=None, batch_size=batch_size), upsert=False)
        return run.finish()

    def upsert_many(
        self,
        items: Iterable[CreateT | Mapping[str, Any]],
        *,
        key: str | Sequence[str] | None = None,
        batch_size: int = MAX_BATCH,
        max_failures: int | None = _DEFAULT_MAX_FAILURES,
        concurrency: int = 1,
        merge_composites: bool = False,
    ) -> builtins.list[ModelT]:
        """Create or update records, 200 per request, matching on ``id`` and unique fields (see
        :mod:`twenty_sdk._batching`). Idempotent: safe to run again after any failure.

        ``merge_composites``: update some sub-fields of EMAILS, PHONES and LINKS fields without erasing the others.
        Twenty writes such a field whole (``{"phones": {"primaryPhoneNumber": ...}}`` resets ``additionalPhones``,
        ``{"domainName": {"primaryLinkUrl": ...}}`` resets the label and secondary links); with this flag, the
        records of each batch sending such a partial value are read first, in one request per batch (by ``id``, else
        by the first ``key`` field), and the sub-fields not sent are carried over from what Twenty holds. A record not
        found (new) is sent as given. What a CRM user changes between the read and the write is still overwritten.

        ``key``: the dotted path(s) of custom unique fields to de-duplicate on as well (``"externalId"``); ``id``,
        person ``emails.primaryEmail`` and company ``domainName.primaryLinkUrl`` always count. Records of one batch
        sharing a key are merged, the later winning, so Twenty never sees a duplicate. Returns the stored records,
        one per distinct record sent, in input order. Failures as in :meth:`create_many`.

        ``concurrency``: how many batch requests may be in flight at once (on as many threads), each still waiting
        for its rate-limit token: worth it when a batch takes longer than a token takes to come (on a real Twenty a
        batch of 200 takes 0.5-1.4 s, and a token comes every 0.6 s). Results, failures and ``max_failures`` are as with
        1; a batch sharing a key with one in flight waits for it, so the later record still wins.
        """
        run = self._run(True, max_failures)
        chunks = self._chunks(run, items, upsert=True, key=key, batch_size=batch_size)
        if merge_composites:
            chunks = self._merged(chunks, key)
        if _concurrency(concurrency) == 1:
            self._drive(run, chunks, upsert=True)
        else:
            self._drive_concurrently(run, chunks, upsert=True, concurrency=concurrency)
        return run.finish()

    def _merged(
        self, chunks: Iterator[builtins.list[Item]], key: str | Sequence[str] | None
    ) -> Iterator[builtins.list[Item]]:
        """The chunks, their partial composites completed from one read each (``merge_composites``)."""
        for chunk in chunks:
            self._drive_op(self._complete_op(chunk, key))
            yield chunk

    def _drive(self, run: BatchRun[ModelT], chunks: Iterator[builtins.list[Item]], *, upsert: bool) -> None:
        for chunk in chunks:
            self._drive_plan(run.plan(chunk), upsert)

    def _drive_plan(
        self, plan: Generator[builtins.list[Item], Outcome, None], upsert: bool, stop: threading.Event | None = None
    ) -> None:
        """Send the batches of one chunk's plan (:meth:`_plan_op`), on this thread."""
        self._drive_op(self._plan_op(plan, upsert, stop))

    def _drive_concurrently(
        self, run: BatchRun[ModelT], chunks: Iterator[builtins.list[Item]], *, upsert: bool, concurrency: int
    ) -> None:
        """Up to ``concurrency`` chunks' plans at once, on threads; the input is read on this one. On an error
        the others stop after their current request and the error is raised (a :class:`BatchError` rebuilt with
        everything that landed)."""
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait  # only when asked for

        stop = threading.Event()
        pending: InFlight[Future[None]] = InFlight(concurrency)

        def settle() -> None:
            for future in wait(pending.handles, return_when=FIRST_COMPLETED).done:
                pending.release(future)
                future.result()

        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="twenty-batch") as pool:
            try:
                for chunk in chunks:
                    keys = InFlight.keys_of(chunk)
                    while pending.must_wait(keys):
                        settle()
                    pending.claim(pool.submit(self._drive_plan, run.plan(chunk), upsert, stop), keys)
                while pending:
                    settle()
            except BaseException as exc:
                stop.set()
                wait(pending.handles)
                if isinstance(exc, BatchError) and not exc.complete:
                    raise run.incomplete() from None
                raise


class AsyncRecords(_RecordsBase[ModelT, CreateT, UpdateT]):
    """The async twin of :class:`Records`, through an :class:`~twenty_sdk.AsyncTransport`: the same methods, to be
    awaited; ``iter`` and ``pages`` are ``async for`` iterators."""

    def __init__(
        self,
        transport: AsyncTransport,
        spec: ObjectRef,
        parse: Callable[[Mapping[str, Any]], ModelT] | None = None,
    ) -> None:
        super().__init__(spec, parse)
        self._transport = transport
        self._log = _RequestLog.of(transport)

    async def _send(self, req: Call) -> Any:
        return await self._request(req.method, req.path, params=req.params, json=req.json, idempotent=req.idempotent)

    async def _request(self, method: str, path: str, **options: Any) -> Any:
        self._calls += 1
        return await self._transport.request(method, path, **options)

    async def _drive_op(self, op: Op[T]) -> T:
        return await arun(op, self._request, self._transport.pause_before_retry)

    async def create(self, data: CreateT | Mapping[str, Any]) -> ModelT:
        """See :meth:`Records.create`."""
        return self._one(await self._send(self._create_req(data, upsert=False)), "create")

    async def upsert(self, data: CreateT | Mapping[str, Any]) -> ModelT:
        """See :meth:`Records.upsert`."""
        return self._one(await self._send(self._create_req(data, upsert=True)), "upsert")

    async def get(self, id: IdArg, *, depth: int = 0) -> ModelT:
        """See :meth:`Records.get`."""
        return self._one(await self._send(self._get_req(id, depth)), "get")

    async def update(self, id: IdArg, data: UpdateT | Mapping[str, Any]) -> ModelT:
        """See :meth:`Records.update`."""
        return self._one(await self._send(self._update_req(id, data)), "update")

    async def delete(self, id: IdArg) -> ModelT:
        """See :meth:`Records.delete` (soft)."""
        return self._one(await self._send(self._delete_req(id, soft=True)), "delete")

    async def destroy(self, id: IdArg) -> ModelT:
        """See :meth:`Records.destroy` (for good)."""
        return self._one(await self._send(self._delete_req(id, soft=False)), "destroy")

    async def restore(self, ids: IdArg | Iterable[IdArg]) -> builtins.list[ModelT]:
        """See :meth:`Records.restore`."""
        return await self._drive_op(self._restore_op(ids))

    async def duplicates(
        self,
        ids: IdArg | Iterable[IdArg] | None = None,
        *,
        data: Iterable[CreateT | Mapping[str, Any]] | None = None,
    ) -> builtins.list[builtins.list[ModelT]]:
        """See :meth:`Records.duplicates`."""
        return self._duplicates(await self._send(self._duplicates_req(ids, data)))

    async def merge(self, ids: Iterable[IdArg], *, priority: int = 0, dry_run: bool = False) -> ModelT:
        """See :meth:`Records.merge`."""
        return self._one(await self._send(self._merge_req(ids, priority, dry_run)), "merge")

    async def update_many(self, filter: Filter | str, data: UpdateT | Mapping[str, Any]) -> builtins.list[ModelT]:
        """See :meth:`Records.update_many`."""
        return self._many(await self._send(self._update_many_req(filter, data)), "update_many")

    async def delete_many(self, filter: Filter | str, *, soft: bool = True) -> builtins.list[ModelT]:
        """See :meth:`Records.delete_many`."""
        return self._many(await self._send(self._delete_many_req(filter, soft)), "delete_many")

    def list(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        limit: int | None = None,
        depth: int = 0,
        starting_after: str | None = None,
        ending_before: str | None = None,
    ) -> AsyncPageRequest[ModelT]:
        """See :meth:`Records.list`: ``await`` it for the first :class:`AsyncPage` (``async for`` over that page
        yields every record), or ``async for record in resource.list(...)`` at once."""

        async def first() -> AsyncPage[ModelT]:
            params = list_params(
                filter=filter,
                order_by=order_by,
                limit=limit,
                depth=depth,
                starting_after=starting_after,
                ending_before=ending_before,
            )
            return await self._fetch_page(params)

        return AsyncPageRequest(first)

    async def _fetch_page(self, params: dict[str, str | int]) -> AsyncPage[ModelT]:
        return self._page(await self._send(Call("GET", self._path(), params)), params, AsyncPage, self._fetch_page)

    async def pages(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        depth: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[AsyncPage[ModelT]]:
        """See :meth:`Records.pages` (``async for page in ...``)."""
        check_page_size(page_size)
        first = await self.list(filter=filter, order_by=order_by, depth=depth, limit=page_size)
        async for page in first.iter_pages():
            yield page

    async def iter(
        self,
        *,
        filter: Filter | str | None = None,
        order_by: OrderBy | None = None,
        depth: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[ModelT]:
        """See :meth:`Records.iter` (``async for record in ...``)."""
        async for page in self.pages(filter=filter, order_by=order_by, depth=depth, page_size=page_size):
            for record in page.data:
                yield record

    async def count(self, filter: Filter | str | None = None) -> int:
        """See :meth:`Records.count`."""
        return (await self.list(filter=filter, limit=0)).total_count or 0

    async def create_many(
        self,
        items: Iterable[CreateT | Mapping[str, Any]] | AsyncIterable[CreateT | Mapping[str, Any]],
        *,
        batch_size: int = MAX_BATCH,
        max_failures: int | None = _DEFAULT_MAX_FAILURES,
    ) -> builtins.list[ModelT]:
        """See :meth:`Records.create_many`; ``items`` may also be an async iterable (an async database cursor)."""
        run = self._run(False, max_failures)
        await self._drive(run, self._achunks(run, items, upsert=False, key=None, batch_size=batch_size), upsert=False)
        return run.finish()

    async def upsert_many(
        self,
        items: Iterable[CreateT | Mapping[str, Any]] | AsyncIterable[CreateT | Mapping[str, Any]],
        *,
        key: str | Sequence[str] | None = None,
        batch_size: int = MAX_BATCH,
        max_failures: int | None = _DEFAULT_MAX_FAILURES,
        concurrency: int = 1,
        merge_composites: bool = False,
    ) -> builtins.list[ModelT]:
        """See :meth:`Records.upsert_many` (``concurrency``: batch requests in flight at once, as tasks; ``items``
        may also be an async iterable, read as batches are needed; ``merge_composites``: one read per batch to keep
        the sub-fields not sent)."""
        run = self._run(True, max_failures)
        chunks = self._achunks(run, items, upsert=True, key=key, batch_size=batch_size)
        if merge_composites:
            chunks = self._amerged(chunks, key)
        if _concurrency(concurrency) == 1:
            await self._drive(run, chunks, upsert=True)
        else:
            await self._drive_concurrently(run, chunks, upsert=True, concurrency=concurrency)
        return run.finish()

    async def _achunks(
        self,
        run: BatchRun[ModelT],
        items: Iterable[Any] | AsyncIterable[Any],
        *,
        upsert: bool,
        key: str | Sequence[str] | None,
        batch_size: int,
    ) -> AsyncIterator[builtins.list[Item]]:
        """:meth:`_chunks` for an iterable or an async iterable."""
        if not isinstance(items, AsyncIterable):
            for chunk in self._chunks(run, items, upsert=upsert, key=key, batch_size=batch_size):
                yield chunk
            return
        chunker = Chunker(unique_fields_for(self.name_plural, key), upsert=upsert, size=batch_size)
        index = 0
        async for record in items:
            full = self._feed(run, chunker, index, record)
            index += 1
            if full is not None:
                yield full
        if len(chunker):
            yield chunker.take()

    async def _amerged(
        self, chunks: AsyncIterator[builtins.list[Item]], key: str | Sequence[str] | None
    ) -> AsyncIterator[builtins.list[Item]]:
        """See :meth:`Records._merged`."""
        async for chunk in chunks:
            await self._drive_op(self._complete_op(chunk, key))
            yield chunk

    async def _drive(self, run: BatchRun[ModelT], chunks: AsyncIterator[builtins.list[Item]], *, upsert: bool) -> None:
        async for chunk in chunks:
            await self._drive_plan(run.plan(chunk), upsert)

    async def _drive_plan(
        self, plan: Generator[builtins.list[Item], Outcome, None], upsert: bool, stop: asyncio.Event | None = None
    ) -> None:
        """See :meth:`Records._drive_plan` (as a task)."""
        await self._drive_op(self._plan_op(plan, upsert, stop))

    async def _drive_concurrently(
        self, run: BatchRun[ModelT], chunks: AsyncIterator[builtins.list[Item]], *, upsert: bool, concurrency: int
    ) -> None:
        """See :meth:`Records._drive_concurrently` (tasks instead of threads; cancelled if this one is)."""
        import asyncio  # here, not at the top: synchronous programs never load it

        stop = asyncio.Event()
        pending: InFlight[asyncio.Task[None]] = InFlight(concurrency)

        async def settle() -> None:
            done, _ = await asyncio.wait(pending.handles, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                pending.release(task)
                task.result()

        try:
            async for chunk in chunks:
                keys = InFlight.keys_of(chunk)
                while pending.must_wait(keys):
                    await settle()
                pending.claim(asyncio.ensure_future(self._drive_plan(run.plan(chunk), upsert, stop)), keys)
            while pending:
                await settle()
        except Exception as exc:
            stop.set()
            if pending:
                await asyncio.wait(pending.handles)
            if isinstance(exc, BatchError) and not exc.complete:
                raise run.incomplete() from None
            raise
        except BaseException:
            for task in pending.handles:
                task.cancel()
            raise
