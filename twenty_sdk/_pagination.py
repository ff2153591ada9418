"""Pages of a record list, and the cursor walk that streams every page.

Twenty pages with opaque cursors (base64 JSON of the order-by values and the id): each answer carries
``pageInfo {startCursor, endCursor, hasNextPage, hasPreviousPage}`` and the next page is asked with
``starting_after=<endCursor>``. ``limit`` is at most 200 (larger values are clamped silently), so streaming uses 200:
one request, one rate-limit token, per 200 records. Only the current page is held in memory.

A server (or a proxy) that answers ``hasNextPage: true`` with no cursor, or with the cursor just sent, would make a
naive loop run forever; :class:`CursorWalk` raises :class:`~twenty_sdk.PaginationError` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import attrs

from twenty_sdk._errors import PaginationError, TwentyError
from twenty_sdk._filters import Filter, filter_text

__all__ = ["MAX_PAGE_SIZE", "CursorWalk", "Direction", "OrderBy", "Page", "list_params", "order_by_text", "parse_page"]

MAX_PAGE_SIZE = 200
ModelT = TypeVar("ModelT")

Direction: TypeAlias = Literal["AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"]
_DIRECTIONS = ("AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")
OrderBy: TypeAlias = str | Sequence[str | tuple[str, Direction]]
"""``"updatedAt"``, ``"name.lastName[DescNullsLast],id"``, or ``[("updatedAt", "AscNullsFirst"), "id"]``."""


@attrs.frozen
class Page(Generic[ModelT]):
    """One page of a list: the records and Twenty's page info. Iterating a page iterates its records."""

    records: list[ModelT]
    total_count: int | None = None
    start_cursor: str | None = None
    end_cursor: str | None = None
    has_next_page: bool = False
    has_previous_page: bool = False

    def __iter__(self) -> Iterator[ModelT]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


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


def parse_page(body: Any, parse: Callable[[Mapping[str, Any]], ModelT], what: str) -> Page[ModelT]:
    """A :class:`Page` from a list answer ``{"data": {"<plural>": [...]}, "totalCount", "pageInfo"}``."""
    data = body.get("data") if isinstance(body, dict) else None
    rows = next(iter(data.values()), None) if isinstance(data, dict) and len(data) == 1 else None
    if not isinstance(rows, list):
        raise TwentyError(f"unexpected answer to listing {what}: no data.<records> list")
    info = body.get("pageInfo") or {}
    total = body.get("totalCount")
    return Page(
        records=[parse(row) for row in rows],
        total_count=total if isinstance(total, int) else None,
        start_cursor=info.get("startCursor") or None,
        end_cursor=info.get("endCursor") or None,
        has_next_page=bool(info.get("hasNextPage")),
        has_previous_page=bool(info.get("hasPreviousPage")),
    )


class CursorWalk:
    """The state of a walk over every page: the parameters of the next request, and the guard against a cursor
    that does not move. ``next_params()`` until ``done``; ``advance(page)`` after each page."""

    def __init__(self, base: Mapping[str, str | int], what: str, *, page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size!r}")
        self._base = dict(base)
        self._base["limit"] = page_size
        self._what = what
        self._after: str | None = None
        self._seen: set[str] = set()
        self.pages = 0
        self.done = False

    def next_params(self) -> dict[str, str | int]:
        params = dict(self._base)
        if self._after is not None:
            params["starting_after"] = self._after
        return params

    def advance(self, page: Page[Any]) -> None:
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
