"""Reading lists as Twenty 2.21.0's REST API does: ``filter``, ``order_by``, cursors, ``limit`` and ``depth``, compiled
to SQLite over the ``_columns`` layout.

One module per job, in the order a list request goes through them (:func:`parse_list_query` follows Twenty's order:
``depth``, ``limit``, ``order_by`` syntax, ``filter`` syntax, ``starting_after`` with ``ending_before``, the filter's
fields and values, the order-by fields, then the cursor):

- ``_filter_syntax``: the REST ``filter`` grammar, ported literally from ``engine/api/rest/input-request-parsers``,
  quirks included, because its error messages are compared verbatim with recordings of a real server;
- ``_filter``: the parsed filter checked against the object's fields (``FilterArgProcessorService``);
- ``_sql``: a checked filter compiled to SQL with the query runner's semantics (``compute-where-condition-parts``);
- ``_order``: ``order_by`` (syntax, ``FIELD_NOT_FOUND``, SQL, enum fields ordered by option position);
- ``_cursors``: cursors and the keyset condition built from them;
- ``_paging``: ``limit``, ``depth`` and the page answered;
- ``_list``: a whole list request and its SQL;
- ``_shared``: limits, directions, the table name, the query runner's error shapes.

Where the server leans on JavaScript or Node (``parseFloat``, ``Number()``, ``JSON.stringify``, ``util.inspect``,
``Buffer.from(s, 'base64')``), ``twenty_emulator._js`` reproduces it; dates are read as ``twenty_emulator._dates``
does. Defaults: no ``order_by`` orders by ``id`` ascending (cursor ``{"id":…}``), ``limit`` 60 (at most 200),
``depth`` 0.

SQL produced here qualifies columns with the table name (:func:`table_name`, the same ``t_<object id>`` as
``Store.table``); pass ``table=`` to use another. Stored values are expected in the layout of ``_columns``, with
DATE_TIME values in Twenty's canonical form (``2026-11-25T16:52:13.597Z``, see
:func:`twenty_emulator._dates.canonical_date_time`) so that they compare as text, and UUIDs in lower case.
"""

from twenty_emulator._query._cursors import cursor_condition, cursor_mentions_deleted_at, decode_cursor, encode_cursor
from twenty_emulator._query._filter import Filter, mentions_deleted_at, parse_filter, validate_filter
from twenty_emulator._query._filter_syntax import parse_filter_syntax
from twenty_emulator._query._list import ListQuery, ListSql, list_sql, parse_list_query
from twenty_emulator._query._order import (
    OrderKey,
    enum_rank_sql,
    option_ranks,
    order_sql,
    parse_order_by,
    parse_order_by_syntax,
    validate_order_by,
)
from twenty_emulator._query._paging import (
    build_page,
    check_cursor_args,
    fetch_count,
    parse_depth,
    parse_limit,
    parse_limit_value,
)
from twenty_emulator._query._shared import DEFAULT_LIMIT, DIRECTIONS, MAX_LIMIT, table_name
from twenty_emulator._query._sql import compile_filter

__all__ = [
    "DEFAULT_LIMIT",
    "DIRECTIONS",
    "MAX_LIMIT",
    "Filter",
    "ListQuery",
    "ListSql",
    "OrderKey",
    "build_page",
    "check_cursor_args",
    "compile_filter",
    "cursor_condition",
    "cursor_mentions_deleted_at",
    "decode_cursor",
    "encode_cursor",
    "enum_rank_sql",
    "fetch_count",
    "list_sql",
    "mentions_deleted_at",
    "option_ranks",
    "order_sql",
    "parse_depth",
    "parse_filter",
    "parse_filter_syntax",
    "parse_limit",
    "parse_limit_value",
    "parse_list_query",
    "parse_order_by",
    "parse_order_by_syntax",
    "table_name",
    "validate_filter",
    "validate_order_by",
]
