"""Pages of a record list, and the cursor walk that streams every page.

Twenty pages with opaque cursors (base64 JSON of the order-by values and the id): each answer carries
``pageInfo {startCursor, endCursor, hasNextPage, hasPreviousPage}`` and the next page is asked with
``starting_after=<endCursor>``. ``limit`` is at most 200 (larger values are clamped silently), so streaming uses 200:
one request, one rate-limit token, per 200 records. Only the current page is held in memory.

A server (or a proxy) that answers ``hasNextPage: true`` with no cursor, or with the cursor just sent, would make a
naive loop run forever; :class:`CursorWalk` raises :class:`~twenty_sdk.PaginationError` instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping, Sequence
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import attrs

from twenty_sdk._errors import PaginationError, TwentyError
from twenty_sdk._filters import Filter, filter_text

__all__ = [
    "MAX_PAGE_SIZE",
    "AsyncPage",
    "AsyncPageRequest",
    "CursorWalk",
    "Direction",
    "OrderBy",
    "Page",
    "PageT",
    "check_page_size",
    "list_params",
    "order_by_text",
    "parse_page",
]

MAX_PAGE_SIZE = 200
ModelT = TypeVar("ModelT")
PageT = TypeVar("PageT", bound="_PageData[Any]")

Direction: TypeAlias = Literal["AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"]
_DIRECTIONS = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")
OrderBy: TypeAlias = str | Sequence[str | tuple[str, Direction]]
"""``"updatedAt"``, ``"name.lastName[DescNullsLast],id"``, or ``[("updatedAt", "AscNullsFirst"), "id"]``."""


Params: TypeAlias = "dict[str, str | int]"


@attrs.frozen
class _PageData(Generic[ModelT]):
    """What a list answer says: one page's records and Twenty's page info."""

    data: list[ModelT]
    total_count: int | None = None
    start_cursor: str | None = None
    end_cursor: str | None = None
    has_next_page: bool = False
    has_previous_page: bool = False
    # The listing this page belongs to: its parameters without a cursor, and the direction it is walked in.
    _params: Mapping[str, str | int] = attrs.field(factory=dict, kw_only=True, eq=False, repr=False, alias="params")
    _backwards: bool = attrs.field(default=False, kw_only=True, eq=False, repr=False, alias="backwards")
    _what: str = attrs.field(default="records", kw_only=True, eq=False, repr=False, alias="what")

    @property
    def records(self) -> list[ModelT]:
        """This page's records: the name :attr:`data` had before pages iterated the whole listing (kept)."""
        return self.data

    def __len__(self) -> int:
        """The records of this page (``len(page.data)``), not of the listing."""
        return len(self.data)

    def _has_more(self) -> bool:
        # A page asked with ``ending_before`` is not walked: Twenty 2.21 answers it with ``hasPreviousPage: false``
        # and its two cursors swapped (observed on a real 2.21.0), so there is no way back from it to follow.
        return self.has_next_page and not self._backwards

    def _walk(self, what: str) -> CursorWalk:
        """The walk over the pages after this one."""
        cursor = self._params.get("starting_after")
        base = {k: v for k, v in self._params.items() if k != "starting_after"}
        walk = CursorWalk(base, what, after=str(cursor) if cursor is not None else None)
        walk.advance(self)
        return walk


@attrs.frozen
class Page(_PageData[ModelT]):
    """A page of a listing, and the way to the rest (as openai-python's ``SyncCursorPage``).

    ``page.data`` holds this page's records (``page.records``: the same list); iterating the page yields **every
    record of the listing**, this page's first, then fetching the following pages as the iteration reaches them
    (one request each, one page in memory at a time); :meth:`iter_pages` yields the pages themselves. A page asked
    with ``ending_before`` is the whole listing: Twenty gives no way to the pages before it.
    """

    _fetch: Callable[[Params], Page[ModelT]] | None = attrs.field(
        default=None, kw_only=True, eq=False, repr=False, alias="fetch"
    )

    def __iter__(self) -> Iterator[ModelT]:
        for page in self.iter_pages():
            yield from page.data

    def iter_pages(self) -> Iterator[Page[ModelT]]:
        """This page, then each following one, fetched as the iteration reaches it."""
        yield self
        if self._fetch is None or not self._has_more():
            return
        walk = self._walk(self._what)
        while not walk.done:
            page = self._fetch(walk.next_params())
            walk.advance(page)
            yield page

    def get_next_page(self) -> Page[ModelT] | None:
        """The page after this one, or None when this is the last (or was asked with ``ending_before``)."""
        if self._fetch is None or not self._has_more():
            return None
        return self._fetch(self._walk(self._what).next_params())


@attrs.frozen
class AsyncPage(_PageData[ModelT]):
    """The async twin of :class:`Page`: ``async for record in page`` yields every record of the listing,
    ``async for p in page.iter_pages()`` every page, ``await page.get_next_page()`` the next one."""

    _fetch: Callable[[Params], Awaitable[AsyncPage[ModelT]]] | None = attrs.field(
        default=None, kw_only=True, eq=False, repr=False, alias="fetch"
    )

    async def __aiter__(self) -> AsyncIterator[ModelT]:
        async for page in self.iter_pages():
            for record in page.data:
                yield record

    async def iter_pages(self) -> AsyncIterator[AsyncPage[ModelT]]:
        """This page, then each following one, fetched as the iteration reaches it."""
        yield self
        if self._fetch is None or not self._has_more():
            return
        walk = self._walk(self._what)
        while not walk.done:
            page = await self._fetch(walk.next_params())
            walk.advance(page)
            yield page

    async def get_next_page(self) -> AsyncPage[ModelT] | None:
        """See :meth:`Page.get_next_page`."""
        if self._fetch is None or not self._has_more():
            return None
        return await self._fetch(self._walk(self._what).next_params())


class AsyncPageRequest(Generic[ModelT]):
    """What ``AsyncRecords.list()`` returns: ``await`` it for the first :class:`AsyncPage`, or ``async for`` over it
    for every record of the listing (as openai-python's ``AsyncPaginator``)."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[ModelT]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, Any, AsyncPage[ModelT]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[ModelT]:
        page = await self._first()
        async for record in page:
            yield record


def check_page_size(page_size: int) -> int:
    """``page_size`` if it is a page size Twenty serves whole (1 to 200), else ValueError."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size!r}")
    return page_size


def order_by_text(order_by: OrderBy | None) -> str | None:
    """Twenty's ``order_by`` text: ``field[Direction],other`` (direction defaults to ``AscNullsFirst``)."""
    if order_by is None or isinstance(order_by, str):
        return order_by
    parts = []
    for entry in order_by:
        if isinstance(entry, str):
            parts.append(entry)
        else:
            field, direction = entry
            if direction not in _DIRECTIONS:
                raise ValueError(f"order direction must be one of {', '.join(_DIRECTIONS)}, not {direction!r}")
            parts.append(f"{field}[{direction}]")
    return ",".join(parts) or None


def list_params(
    *,
    filter: Filter | str | None = None,
    order_by: OrderBy | None = None,
    limit: int | None = None,
    depth: int = 0,
    starting_after: str | None = None,
    ending_before: str | None = None,
) -> dict[str, str | int]:
    """The query parameters of one list request."""
    if depth not in (0, 1):
        raise ValueError(f"depth must be 0 or 1, not {depth!r}")
    if limit is not None and not 0 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 0 and {MAX_PAGE_SIZE} (Twenty's maximum), not {limit!r}")
    if starting_after is not None and ending_before is not None:
        raise ValueError("pass starting_after or ending_before, not both")
    params: dict[str, str | int] = {"depth": depth}
    text = filter_text(filter)
    if text:
        params["filter"] = text
    order = order_by_text(order_by)
    if order:
        params["order_by"] = order
    if limit is not None:
        params["limit"] = limit
    if starting_after is not None:
        params["starting_after"] = starting_after
    if ending_before is not None:
        params["ending_before"] = ending_before
    return params


def parse_page(
    body: Any, parse: Callable[[Mapping[str, Any]], ModelT], what: str, page: type[PageT], **listing: Any
) -> PageT:
    """A page (of type ``page``: :class:`Page` or :class:`AsyncPage`) from a list answer
    ``{"data": {"<plural>": [...]}, "totalCount", "pageInfo"}``; ``listing``: the page's ``params``, ``backwards``
    and ``fetch``, for the walk to the pages that follow."""
    data = body.get("data") if isinstance(body, dict) else None
    rows = next(iter(data.values()), None) if isinstance(data, dict) and len(data) == 1 else None
    if not isinstance(rows, list):
        raise TwentyError(f"unexpected answer to listing {what}: no data.<records> list")
    info = body.get("pageInfo") or {}
    total = body.get("totalCount")
    return page(
        data=[parse(row) for row in rows],
        total_count=total if isinstance(total, int) else None,
        start_cursor=info.get("startCursor") or None,
        end_cursor=info.get("endCursor") or None,
        has_next_page=bool(info.get("hasNextPage")),
        has_previous_page=bool(info.get("hasPreviousPage")),
        what=what,
        **listing,
    )


class CursorWalk:
    """The state of a walk over every page: the parameters of the next request, and the guard against a cursor
    that does not move. ``next_params()`` until ``done``; ``advance(page)`` after each page.

    ``after``: the cursor the walk starts from (the first page was asked with it)."""

    def __init__(
        self,
        base: Mapping[str, str | int],
        what: str,
        *,
        page_size: int | None = None,
        after: str | None = None,
    ) -> None:
        self._base = dict(base)
        if page_size is not None:
            self._base["limit"] = check_page_size(page_size)
        self._what = what
        self._after: str | None = after
        self._seen: set[str] = set()
        self.pages = 0
        self.done = False

    def next_params(self) -> dict[str, str | int]:
        params = dict(self._base)
        if self._after is not None:
            params["starting_after"] = self._after
        return params

    def advance(self, page: _PageData[Any]) -> None:
        self.pages += 1
        if not page.has_next_page:
            self.done = True
            return
        cursor = page.end_cursor
        if cursor is None:
            raise PaginationError(
                f"listing {self._what}: page {self.pages} says there is a next page but gives no endCursor"
            )
        if cursor == self._after or cursor in self._seen:
            raise PaginationError(
                f"listing {self._what}: page {self.pages} returned the cursor {cursor!r} again, so the next request "
                "would fetch the same page; stopping instead of looping forever (a proxy dropping starting_after, or "
                "an order_by whose keys are not unique and include NULLs, can cause this)"
            )
        if len(self._seen) < 1024:  # a bounded memory of recent cursors: catches short cycles, stays O(1)
            self._seen.add(cursor)
        self._after = cursor
