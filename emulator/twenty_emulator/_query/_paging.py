"""``limit`` and ``depth`` as Twenty parses them (``Number()`` of the parameter), and the page answered from the
rows fetched (one more than the limit, to tell whether there is a next page).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from twenty_emulator._errors import bad_request
from twenty_emulator._js import js_number, js_string_of
from twenty_emulator._query._cursors import encode_cursor
from twenty_emulator._query._order import OrderKey
from twenty_emulator._query._shared import DEFAULT_LIMIT, MAX_LIMIT, QueryValue

__all__ = ["build_page", "check_cursor_args", "fetch_count", "parse_depth", "parse_limit", "parse_limit_value"]


def parse_limit_value(text: QueryValue) -> float:
    """``limit`` as Twenty reads it: JavaScript ``+text``, default 60, at most 200 (silently), fractions kept;
    negative or not a number → 400 ``limit 'abc' is invalid. Should be an integer``."""
    if text is None or text == "":
        return float(DEFAULT_LIMIT)
    raw = js_string_of(text)
    limit = js_number(raw)
    if math.isnan(limit) or limit < 0:
        raise bad_request(f"limit '{raw}' is invalid. Should be an integer")
    return min(limit, float(MAX_LIMIT))


def fetch_count(limit: float) -> int:
    """How many rows Twenty fetches for a limit: ``LIMIT limit + 1``, which Postgres rounds half away from zero."""
    return math.floor(limit + 1 + 0.5)


def parse_limit(text: QueryValue) -> int:
    """``limit`` → the number of records a full page holds: 60 by default, 200 at most, ``0`` allowed, ``2.5`` → 3
    (Twenty fetches ``LIMIT 3.5``, i.e. 4 rows, and drops the one past the page)."""
    return fetch_count(parse_limit_value(text)) - 1


def parse_depth(text: QueryValue) -> int:
    """``depth``: 0 (the default) or 1; anything else → 400 ``'depth=2' parameter invalid. Allowed values are 0, 1``."""
    if text is None or text == "":
        return 0
    raw = js_string_of(text)
    depth = js_number(raw)
    if depth not in (0.0, 1.0):
        raise bad_request(f"'depth={raw}' parameter invalid. Allowed values are 0, 1")
    return int(depth)


def check_cursor_args(starting_after: str | None, ending_before: str | None) -> None:
    """Both cursors given (non-empty) → 400 ``Cannot provide both before and after``."""
    if starting_after and ending_before:
        raise bad_request("Cannot provide both before and after")


def build_page(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[OrderKey], limit: float, *, backward: bool = False
) -> tuple[list[Mapping[str, Any]], dict[str, Any]]:
    """Rows fetched in scan order (:func:`fetch_count` of them, ``order_sql(reverse=backward)``) → the page's records
    in answer order and its ``pageInfo``. As in Twenty, the row past the limit is dropped, the cursors are taken
    before a backward page is put back in order (so its ``startCursor`` is its *last* record), ``hasNextPage`` is only
    set going forward and ``hasPreviousPage`` only going backward."""
    records = list(rows)
    has_more = len(records) > limit
    if has_more and records:
        records.pop()
    start = encode_cursor(records[0], keys) if records else None
    end = encode_cursor(records[-1], keys) if records else None
    if backward:
        records.reverse()
    page_info = {
        "startCursor": start,
        "endCursor": end,
        "hasNextPage": has_more and not backward,
        "hasPreviousPage": has_more and backward,
    }
    return records, page_info
