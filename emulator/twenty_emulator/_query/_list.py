"""A whole list request, checked in Twenty's order (``depth``, ``limit``, ``order_by`` syntax, ``filter`` syntax,
``starting_after`` with ``ending_before``, the filter's fields and values, the order-by fields, then the cursor), and
its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from twenty_emulator._columns import quote
from twenty_emulator._query._cursors import cursor_condition, cursor_mentions_deleted_at, decode_cursor
from twenty_emulator._query._filter import Filter, mentions_deleted_at, validate_filter
from twenty_emulator._query._filter_syntax import parse_filter_syntax
from twenty_emulator._query._order import OrderKey, order_sql, parse_order_by_syntax, validate_order_by
from twenty_emulator._query._paging import check_cursor_args, fetch_count, parse_depth, parse_limit_value
from twenty_emulator._query._shared import table_name
from twenty_emulator._query._sql import compile_filter
from twenty_emulator._workspace import ObjectMeta, Workspace

__all__ = ["ListQuery", "ListSql", "list_sql", "parse_list_query"]


@dataclass(frozen=True, eq=False)
class ListQuery:
    """A checked list request."""

    obj: ObjectMeta
    depth: int
    limit: float  # as Twenty holds it (fractions kept); see fetch_count
    order: list[OrderKey]
    filter: Filter | None
    starting_after: str | None  # only when non-empty
    ending_before: str | None
    cursor: dict[str, Any] | None  # decoded starting_after / ending_before

    @property
    def backward(self) -> bool:
        return self.ending_before is not None

    @property
    def with_deleted(self) -> bool:
        """Soft-deleted rows on this page (the filter names ``deletedAt``, or the cursor does)."""
        return (self.filter is not None and mentions_deleted_at(self.filter)) or (
            self.cursor is not None and cursor_mentions_deleted_at(self.cursor)
        )


def _string_param(query: Mapping[str, Any], name: str) -> str | None:
    value = query.get(name)
    return value if isinstance(value, str) else None


def parse_list_query(query: Mapping[str, Any], obj: ObjectMeta, *, workspace: Workspace | None = None) -> ListQuery:
    """A list request's query parameters, checked in Twenty's order so the first error is the one Twenty answers:
    depth, limit, order_by syntax, filter syntax, both cursors, filter fields and values, order_by fields, cursor.
    Unknown parameters are ignored; a parameter given twice (a list) counts as absent, except ``limit``/``depth``."""
    depth = parse_depth(query.get("depth"))
    limit = parse_limit_value(query.get("limit"))
    order_entries = parse_order_by_syntax(_string_param(query, "order_by"))
    filter_text = _string_param(query, "filter")
    filter_raw = parse_filter_syntax(filter_text) if filter_text is not None else None
    ending_before = _string_param(query, "ending_before") or None
    starting_after = _string_param(query, "starting_after") or None
    check_cursor_args(starting_after, ending_before)
    checked = validate_filter(filter_raw, obj, workspace) if filter_raw is not None else None
    order = validate_order_by(order_entries, obj, workspace)
    cursor_text = starting_after or ending_before
    cursor = decode_cursor(cursor_text, order) if cursor_text else None
    return ListQuery(obj, depth, limit, order, checked, starting_after, ending_before, cursor)


@dataclass(frozen=True)
class ListSql:
    """The SQL pieces of a list request (``WHERE`` bodies without the keyword)."""

    count_where: str  # totalCount: the filter and the soft-delete rule, no cursor
    count_params: list[Any]
    page_where: str  # the page: the same plus the cursor condition
    page_params: list[Any]
    order_by: str
    limit: int  # rows to fetch (LIMIT)


def list_sql(lq: ListQuery, *, table: str | None = None, table_of: Callable[[ObjectMeta], str] = table_name) -> ListSql:
    """The SQL of a checked list request over ``table`` (by default ``table_of(obj)``)."""
    obj = lq.obj
    qual = quote(table if table is not None else table_of(obj))
    clauses: list[str] = []
    params: list[Any] = []
    if lq.filter is not None:
        sql, p = compile_filter(lq.filter, obj, table=table, table_of=table_of)
        clauses.append(sql)
        params += p
    has_deleted = obj.field("deletedAt") is not None
    filter_deleted = lq.filter is not None and mentions_deleted_at(lq.filter)
    count_clauses = [*clauses, *([f'{qual}."deletedAt" IS NULL'] if has_deleted and not filter_deleted else [])]
    page_clauses = [*clauses, *([f'{qual}."deletedAt" IS NULL'] if has_deleted and not lq.with_deleted else [])]
    page_params = list(params)
    if lq.cursor is not None:
        sql, p = cursor_condition(lq.order, lq.cursor, before=lq.backward, table=table, table_of=table_of)
        page_clauses.append(sql)
        page_params += p
    return ListSql(
        count_where=" AND ".join(count_clauses) or "1",
        count_params=params,
        page_where=" AND ".join(page_clauses) or "1",
        page_params=page_params,
        order_by=order_sql(lq.order, reverse=lq.backward, table=table, table_of=table_of),
        limit=fetch_count(lq.limit),
    )
