"""The metadata lists' paging: ordered by id descending, ``limit`` (default 60, max 200), id cursors
(``starting_after`` / ``ending_before``) and ``pageInfo {hasNextPage, startCursor, endCursor}``; ``filter`` is
ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._metadata_api._answers import JSON
from twenty_emulator._values import is_uuid

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "list_answer", "paginate"]

DEFAULT_LIMIT = 60
MAX_LIMIT = 200


# -- paging ----------------------------------------------------------------------------------------------------------


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < 0:
        raise bad_request(f"limit '{raw}' is invalid. Should be an integer")
    return min(int(number), MAX_LIMIT)


def paginate(items: list[JSON], query: Mapping[str, str]) -> tuple[list[JSON], JSON]:
    """Items ordered by id descending, one page of them, and its ``pageInfo``."""
    after = query.get("starting_after") or None
    before = query.get("ending_before") or None
    if after is not None and before is not None:
        raise bad_request("'starting_after' and 'ending_before' cannot be used together.")
    for cursor in (after, before):
        if cursor is not None and not is_uuid(cursor):
            # compared with the uuid column as is: PostgreSQL's error leaks as a 500 (recorded: p03)
            raise ApiError(500, f'invalid input syntax for type uuid: "{cursor}"')
    limit = _limit(query)
    ordered = sorted(items, key=lambda item: str(item["id"]), reverse=True)
    if before is not None:
        pivot = before.lower()
        earlier = [item for item in ordered if str(item["id"]) > pivot]
        page = earlier[-limit:] if limit else []
        has_next = True
    else:
        if after is not None:
            pivot = after.lower()
            ordered = [item for item in ordered if str(item["id"]) < pivot]
        page = ordered[:limit]
        has_next = len(ordered) > limit
    info = {
        "hasNextPage": has_next,
        "startCursor": page[0]["id"] if page else None,
        "endCursor": page[-1]["id"] if page else None,
    }
    return page, info


def list_answer(key: str, items: list[JSON], query: Mapping[str, str]) -> JSON:
    """A list route's answer: one page of ``items`` under ``data.<key>``, the total count and the ``pageInfo``."""
    page, info = paginate(items, query)
    return {"data": {key: page}, "totalCount": len(items), "pageInfo": info}
