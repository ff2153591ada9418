"""``POST /rest/<object>/duplicates``: the records that duplicate given data or given records, by the object's
duplicate criteria, as Twenty 2.21.0 finds them.

Written from Twenty's ``rest-api-find-duplicates.handler.ts``, ``common-find-duplicates-query-runner.service.ts`` and
``build-duplicate-conditions.utils.ts``:

- the body carries either ``data`` (records to check, validated and normalised like a create) or ``ids`` (stored
  records to check); each gives one answer item, in order;
- a criterion is a set of columns that must all hold a string of at least 3 characters in the checked record; the
  duplicates are the live records equal on every column of any criterion, the checked record itself excluded;
- each item lists at most 60 duplicates (ordered by id, cursors over ``id``), with their total count.

Only standard objects carry duplicate criteria (``@WorkspaceDuplicateCriteria`` on the standard entities): person by
name, LinkedIn URL or primary email; company by name or domain. Other objects find no duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from twenty_emulator import _query
from twenty_emulator._columns import Layout, quote
from twenty_emulator._errors import ApiError, bad_request
from twenty_emulator._records import Records
from twenty_emulator._values import is_uuid, validate_input
from twenty_emulator._workspace import ObjectMeta

__all__ = [
    "DUPLICATE_CRITERIA",
    "criteria_of",
    "find_duplicates",
    "invalid_query_input",
    "js_truthy",
    "refused_by_runner",
]

DUPLICATE_CRITERIA: Final[Mapping[str, tuple[tuple[str, ...], ...]]] = {
    "person": (("nameFirstName", "nameLastName"), ("linkedinLinkPrimaryLinkUrl",), ("emailsPrimaryEmail",)),
    "company": (("name",), ("domainNamePrimaryLinkUrl",)),
}
"""Standard object → its duplicate criteria, each a tuple of column names (``person.workspace-entity.ts``,
``company.workspace-entity.ts``)."""

MIN_LENGTH: Final = 3  # settings.minLengthOfStringForDuplicateCheck
MAX_DUPLICATES: Final = 60  # QUERY_MAX_RECORDS


def invalid_query_input(message: str) -> ApiError:
    """A ``CommonQueryRunnerException`` with code ``INVALID_QUERY_INPUT`` thrown outside a query runner (the REST
    API renders it with its code)."""
    return bad_request(message, error="Error", code="INVALID_QUERY_INPUT")


def refused_by_runner(message: str) -> ApiError:
    """A ``CommonQueryRunnerException`` thrown by a query runner's own checks: the REST API's exception handler
    turns it into a plain ``BadRequestException`` (recorded: p04)."""
    return bad_request(message)


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``[]`` and ``{}`` are true, ``0``, ``""`` and ``null`` false."""
    if isinstance(value, list | dict):
        return True
    return bool(value) and not (isinstance(value, float) and math.isnan(value))


def _lodash_is_empty(value: Any) -> bool:
    if isinstance(value, list | dict | str):
        return len(value) == 0
    return True  # numbers, booleans and null have no own enumerable keys


def criteria_of(obj: ObjectMeta, lay: Layout) -> tuple[tuple[str, ...], ...]:
    """The object's duplicate criteria whose columns all exist in its table (a custom object has none)."""
    if obj.is_custom:
        return ()
    return tuple(c for c in DUPLICATE_CRITERIA.get(obj.name_singular, ()) if all(n in lay.by_column for n in c))


def _validate(body: Mapping[str, Any]) -> None:
    data, ids = body.get("data"), body.get("ids")
    if not js_truthy(data) and not js_truthy(ids):
        raise refused_by_runner('You have to provide either "data" or "ids" argument')
    if js_truthy(data) and js_truthy(ids):
        raise refused_by_runner('You cannot provide both "data" and "ids" arguments')
    if not js_truthy(ids) and _lodash_is_empty(data):
        raise refused_by_runner('The "data" condition can not be empty when "ids" input not provided')


def _list_arg(body: Mapping[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(
            400, {"statusCode": 400, "error": "TypeError", "messages": [f"args.{name}.map is not a function"]}
        )
    return value


def _checked_rows(records: Records, obj: ObjectMeta, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records to check, column name → value: stored live ones (``ids``, in storage order) or ``data``."""
    lay = records.layout(obj)
    ids = _list_arg(body, "ids")
    if ids:
        for value in ids:
            if not is_uuid(value):
                raise invalid_query_input(f'Value "{value}" is not a valid UUID')
        wanted = list(dict.fromkeys(str(i).lower() for i in ids))
        names = list(dict.fromkeys(n for c in criteria_of(obj, lay) for n in c))
        select = ", ".join(["id", *(quote(n) for n in names)])
        live = ' AND "deletedAt" IS NULL' if lay.has("deletedAt") else ""
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT {select} FROM {quote(records.store.table(obj))} WHERE id IN ({marks}){live} ORDER BY rowid"
        return [dict(zip(["id", *names], row, strict=True)) for row in records.store.execute(sql, wanted)]
    return [validate_input(obj, item, partial=True, layout=lay) for item in _list_arg(body, "data")]


def _condition(row: Mapping[str, Any], criteria: tuple[tuple[str, ...], ...]) -> tuple[str, list[Any]]:
    """SQL for "duplicates ``row`` by any criterion it fills" (``""`` when it fills none)."""
    clauses: list[str] = []
    params: list[Any] = []
    for criterion in criteria:
        values = [row.get(name) for name in criterion]
        if all(isinstance(v, str) and len(v) >= MIN_LENGTH for v in values):
            clauses.append("(" + " AND ".join(f"{quote(n)} = ?" for n in criterion) + ")")
            params.extend(values)
    if not clauses:
        return "", []
    sql = "(" + " OR ".join(clauses) + ")"
    if row.get("id"):
        sql += " AND id <> ?"
        params.append(row["id"])
    return sql, params


def find_duplicates(records: Records, obj: ObjectMeta, body: Any, depth: int) -> dict[str, Any]:
    """The answer to ``POST /rest/<object>/duplicates``: ``{"data": [{"<singular>Duplicates": [...], "totalCount",
    "pageInfo"}, ...]}``, one item per checked record."""
    args = body if isinstance(body, Mapping) else {}
    _validate(args)
    lay = records.layout(obj)
    criteria = criteria_of(obj, lay)
    table = quote(records.store.table(obj))
    live = ' AND "deletedAt" IS NULL' if lay.has("deletedAt") else ""
    items: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    for row in _checked_rows(records, obj, args):
        where, params = _condition(row, criteria)
        duplicates: list[dict[str, Any]] = []
        total = 0
        if where:
            total = int(
                records.store.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}{live}", params).fetchone()[0]
            )
            rows = records.store.execute(
                f"{lay.select} WHERE {where}{live} ORDER BY id LIMIT {MAX_DUPLICATES}", params
            ).fetchall()
            duplicates = [records.shape(obj, r, lay.columns) for r in rows]
        found.extend(duplicates)
        items.append(
            {
                f"{obj.name_singular}Duplicates": duplicates,
                "totalCount": total,
                "pageInfo": {
                    "hasNextPage": False,
                    "hasPreviousPage": False,
                    "startCursor": _query.encode_cursor(duplicates[0], []) if duplicates else None,
                    "endCursor": _query.encode_cursor(duplicates[-1], []) if duplicates else None,
                },
            }
        )
    if depth >= 1 and found:
        records.embed(obj, found)
    return {"data": items}
