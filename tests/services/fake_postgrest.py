"""A minimal PostgREST in front of the real test PostgreSQL, as an ``httpx.MockTransport`` for supabase-py.

PostgREST itself cannot run here (no package in PyPI, npm or Debian), so this stands in for it on the HTTP side
only: the SQL it runs is what PostgREST generates for the same requests (``json_populate_recordset`` for bodies,
``ON CONFLICT … DO UPDATE`` for upserts, ``json_agg`` for results, one transaction per request), on the real
database, so constraints, jsonb and timestamps behave for real. It understands exactly what ``SupabaseRestStore``
sends, per PostgREST's documented API (https://postgrest.org/en/stable/references/api/tables_views.html):

    GET    /rest/v1/<table>?select=a,b&order=a.asc,b.asc&limit=N&<col>=gt.<v>&or=(<filters>)
    POST   /rest/v1/<table>?on_conflict=<key>&columns=a,b   Prefer: resolution=merge-duplicates  (upsert)
    DELETE /rest/v1/<table>?<col>=in.(<v>,"<quoted v>")
    PATCH  /rest/v1/<table>?<col>=in.(…)&<col>=not.is.null&or=(<col>.is.null,<col>.neq.<v>)   {"col": value}

and answers PostgREST's error shape ``{"code", "message", "details", "hint"}`` (HTTP 400, 409 for unique
violations). The schema comes from the ``Accept-Profile`` / ``Content-Profile`` headers, as in PostgREST.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import psycopg
from psycopg import sql

__all__ = ["FakePostgrest"]

_OPS = {"eq": "=", "neq": "<>", "gt": ">", "lt": "<", "gte": ">=", "lte": "<="}


class FakePostgrest:
    def __init__(self, conninfo: str) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self.requests: list[str] = []

    def close(self) -> None:
        self._conn.close()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        match = re.fullmatch(r"/rest/v1/([^/]+)", request.url.path)
        if match is None:
            return httpx.Response(404, json={"code": "PGRST125", "message": "Invalid path", "details": None})
        schema = request.headers.get("content-profile") or request.headers.get("accept-profile") or "public"
        table = sql.Identifier(schema, match.group(1))
        params = list(request.url.params.multi_items())
        try:
            with self._conn.transaction():
                if request.method == "GET":
                    return self._select(table, params)
                if request.method == "POST":
                    return self._upsert(table, params, json.loads(request.content))
                if request.method == "DELETE":
                    return self._delete(table, params)
                if request.method == "PATCH":
                    return self._update(table, params, json.loads(request.content))
        except psycopg.Error as exc:
            status = 409 if exc.sqlstate == "23505" else 400
            diag = exc.diag
            body = {"code": exc.sqlstate, "message": diag.message_primary, "details": diag.message_detail,
                    "hint": diag.message_hint}  # fmt: skip
            return httpx.Response(status, json=body)
        return httpx.Response(405, json={"code": "PGRST117", "message": "Unsupported HTTP method", "details": None})

    # --- the three requests -----------------------------------------------------------------------------------------

    def _rows(self, query: sql.Composable, args: list[Any]) -> httpx.Response:
        wrapped = sql.SQL(
            "WITH pgrst_source AS ({}) "
            "SELECT coalesce(json_agg(_postgrest_t), '[]')::text FROM pgrst_source _postgrest_t"
        ).format(query)
        row = self._conn.execute(wrapped, args).fetchone()
        assert row is not None
        return httpx.Response(200, content=row[0].encode(), headers={"content-type": "application/json"})

    def _select(self, table: sql.Identifier, params: list[tuple[str, str]]) -> httpx.Response:
        columns: sql.Composable = sql.SQL("*")
        order: list[sql.Composable] = []
        limit = None
        where: list[sql.Composable] = []
        args: list[Any] = []
        for name, value in params:
            if name == "select":
                columns = sql.SQL(", ").join(sql.Identifier(_unquote(c)) for c in _split(value))
            elif name == "order":
                for term in value.split(","):
                    column, _, direction = term.partition(".")
                    order.append(sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(direction.upper() or "ASC")))
            elif name == "limit":
                limit = int(value)
            else:
                where.append(self._condition(name, value, args))
        query = sql.SQL("SELECT {} FROM {}").format(columns, table)
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        if order:
            query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(order)
        if limit is not None:
            query += sql.SQL(" LIMIT {}").format(sql.Literal(limit))
        return self._rows(query, args)

    def _upsert(
        self, table: sql.Identifier, params: list[tuple[str, str]], body: list[dict[str, Any]]
    ) -> httpx.Response:
        options = dict(params)
        names = [_unquote(n) for n in _split(options["columns"])] if "columns" in options else list(body[0])
        columns = sql.SQL(", ").join(sql.Identifier(n) for n in names)
        key = options["on_conflict"]
        updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in names if n != key)
        query = sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json) "
            "ON CONFLICT ({key}) DO UPDATE SET {updates} RETURNING *"
        ).format(table=table, columns=columns, key=sql.Identifier(key), updates=updates)
        return self._rows(query, [json.dumps(body)])

    def _delete(self, table: sql.Identifier, params: list[tuple[str, str]]) -> httpx.Response:
        args: list[Any] = []
        where = [self._condition(name, value, args) for name, value in params]
        query = sql.SQL("DELETE FROM {} WHERE {} RETURNING *").format(table, sql.SQL(" AND ").join(where))
        return self._rows(query, args)

    def _update(self, table: sql.Identifier, params: list[tuple[str, str]], body: dict[str, Any]) -> httpx.Response:
        args: list[Any] = list(body.values())
        sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(n)) for n in body)
        where = [self._condition(name, value, args) for name, value in params]
        query = sql.SQL("UPDATE {} SET {} WHERE {} RETURNING *").format(table, sets, sql.SQL(" AND ").join(where))
        return self._rows(query, args)

    # --- filters ----------------------------------------------------------------------------------------------------

    def _condition(self, name: str, value: str, args: list[Any]) -> sql.Composable:
        if name in ("or", "and"):
            return self._logic(name, _split(value[1:-1]), args)
        if value.startswith("not."):
            return sql.SQL("NOT ({})").format(self._condition(name, value.removeprefix("not."), args))
        op, _, operand = value.partition(".")
        column = sql.Identifier(name)
        if op == "is":
            return sql.SQL("{} IS {}").format(
                column, sql.SQL({"null": "NULL", "true": "TRUE", "false": "FALSE"}[operand])
            )
        if op == "in":
            args.append([_unquote(v) for v in _split(operand[1:-1])])
            return sql.SQL("{} = ANY(%s)").format(column)
        args.append(_unquote(operand))
        return sql.SQL("{} {} %s").format(column, sql.SQL(_OPS[op]))

    def _logic(self, name: str, terms: list[str], args: list[Any]) -> sql.Composable:
        parts = []
        for term in terms:
            nested = re.fullmatch(r"(and|or)\((.*)\)", term, re.S)
            if nested:
                parts.append(self._logic(nested.group(1), _split(nested.group(2)), args))
            else:
                column, _, rest = term.partition(".")
                parts.append(self._condition(column, rest, args))
        return sql.SQL("({})").format(sql.SQL(f" {name.upper()} ").join(parts))


def _split(text: str) -> list[str]:
    """Split a PostgREST list on top-level commas, respecting double quotes and parentheses."""
    items, current, depth, quoted, escaped = [], "", 0, False, False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\" and quoted:
            current += char
            escaped = True
        elif char == '"':
            quoted = not quoted
            current += char
        elif char == "(" and not quoted:
            depth += 1
            current += char
        elif char == ")" and not quoted:
            depth -= 1
            current += char
        elif char == "," and not quoted and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return items


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
