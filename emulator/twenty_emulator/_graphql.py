"""``POST /graphql``: the workspace's records through GraphQL, answered as Twenty 2.21.0 answers them.

Why a hand-written executor rather than ``graphql-core``'s: Twenty 2.21.0 does not execute workspace queries against
its schema. Its "direct execution" (``engine/api/graphql/direct-execution``) parses the document, sorts the root
fields into introspection (``__schema``, ``__type``), workspace resolvers (``people``, ``createPerson`` …) and the rest
("core"), and runs each workspace root field straight through the query runners that REST uses, then shapes the
result from the selected field *names*. So, as the real server does: an unknown field inside a selection answers
``null`` instead of a validation error, a composite selected without sub-fields is ``null``, aliases below the root
are ignored, and arguments of nested connections are ignored (at most 60 related records, in storage order). Errors
of one root field leave the others answered (``data.<field>: null`` plus an error with Twenty's
``extensions.code`` / ``subCode`` / ``userFriendlyMessage``). ``graphql-core`` serves the rest: parsing, introspection
and "core" fields against the schema of :mod:`twenty_emulator._graphql_schema` (whose validation errors are worded
as graphql-js words them).

Root fields served, per object: the list (``people``: filter, orderBy, first/last, after/before, offset; edges,
pageInfo, ``totalCount`` and every per-field aggregate), ``person``, ``peopleGroupBy``, ``personDuplicates``, and
create/update/delete/destroy/restore one and many and ``mergePeople`` — with relation inputs (``connect`` /
``disconnect``). Reads and writes go through the same store and checks as REST (:mod:`twenty_emulator._records`,
``_query``, ``_values``, ``_group_by``, ``_duplicates``, ``_merge``), so both APIs agree. Pinned by the recorded
scenarios g01 to g08 (``tests/conformance/recorded``).

Rate limit: each workspace root field is one query-runner execution, which calls ``throttleQueryExecution`` (first
in ``CommonBaseQueryRunnerService.execute``, after the arguments' checks). But the root fields of a request — queries
and mutations alike — run concurrently, and each reads the bucket (``getAvailableTokensCount``) before any of them
writes it back, so on a real Twenty 2.21.0 **a request costs one token whatever its number of root fields**, and when
the bucket is empty every root field is refused (``BAD_USER_INPUT`` / ``LIMIT_REACHED`` inside an HTTP 200). Seen on
the real server: 99 one-field queries, then a three-field query or mutation all admitted, then the next refused;
pinned by the cassette ``graphql-429`` (``tests/cassettes/test_rate_limit_flows.py``).
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from twenty_emulator import _duplicates, _group_by, _merge, _query
from twenty_emulator._columns import column_for, quote
from twenty_emulator._errors import ApiError
from twenty_emulator._graphql_schema import pascal, resolver_names, schema_for
from twenty_emulator._values import is_uuid
from twenty_emulator._workspace import FieldMeta, ObjectMeta

if TYPE_CHECKING:
    from graphql import DocumentNode, FieldNode, FragmentDefinitionNode, OperationDefinitionNode, SelectionSetNode
    from starlette.requests import Request

    from twenty_emulator._state import Emulator

__all__ = ["FieldError", "answer", "execute_graphql"]

QUERY_MAX_RECORDS = 200
QUERY_MAX_RECORDS_FROM_RELATION = 60
RECORDS_PER_GROUP = 10  # RECORDS_PER_GROUP_LIMIT (group-by-with-records.service.ts)
CONNECTION_MAX_DEPTH = 5
_STANDARD = "An error occurred."
_NOT_FOUND_FRIENDLY = "This record does not exist or has been deleted."

Selection = dict[str, "Selection"]


class FieldError(Exception):
    """One root field's error, formatted as Twenty's ``BaseGraphQLError.toJSON()``."""

    def __init__(self, message: str, code: str, sub_code: str | None = None, friendly: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.sub_code = sub_code
        self.friendly = friendly

    def to_json(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {}
        if self.sub_code is not None:
            extensions["subCode"] = self.sub_code
        if self.friendly is not None:
            extensions["userFriendlyMessage"] = self.friendly
        extensions["code"] = self.code
        return {"message": self.message, "extensions": extensions}


def _bad_input(message: str, sub_code: str = "INVALID_QUERY_INPUT", friendly: str = _STANDARD) -> FieldError:
    return FieldError(message, "BAD_USER_INPUT", sub_code, friendly)


_FRIENDLY = {"At least 2 record IDs are required for merge": "Please select at least 2 records to merge."}
# CommonQueryRunnerException codes the REST answer does not carry (getGroupByExpression's time zone checks).
_GROUP_BY_SUB_CODES = (
    (re.compile(r"^Time zone should be specified for a group by date"), "MISSING_TIMEZONE_FOR_DATE_GROUP_BY"),
    (re.compile(r"^Invalid timezone: "), "INVALID_TIMEZONE"),
)
_NO_FIELD = re.compile(r'^Object (\w+) doesn\'t have any "(.*)" field\.$')


def _from_api_error(err: ApiError, context: str) -> FieldError:
    """A REST error of the shared query runners → the GraphQL error Twenty's exception handlers make of it.

    ``context`` is ``filter`` or ``data``: the argument being processed, which names the sub-code."""
    body = err.body if isinstance(err.body, dict) else {}
    messages = body.get("messages")
    message = str(messages[0]) if isinstance(messages, list) and messages else str(body.get("message", err))
    if err.status == 404:
        return FieldError(message, "NOT_FOUND", "RECORD_NOT_FOUND", _NOT_FOUND_FRIENDLY)
    if err.status >= 500:
        return FieldError(message, "INTERNAL_SERVER_ERROR", "INTERNAL_SERVER_ERROR", _STANDARD)
    if body.get("error") == "UserInputError":  # graphql's UserInputError: a code and nothing else
        return FieldError(message, "BAD_USER_INPUT")
    code = body.get("code")
    if isinstance(code, str):
        return _bad_input(message, code)
    for pattern, sub_code in _GROUP_BY_SUB_CODES:
        if pattern.match(message):
            return _bad_input(message, sub_code)
    if message in _FRIENDLY:
        return _bad_input(message, "INVALID_QUERY_INPUT", _FRIENDLY[message])
    if message == "A duplicate entry was detected":  # a Postgres unique violation, not a query-runner exception
        friendly = "This record already exists. Please check your data and try again."
        return FieldError(message, "BAD_USER_INPUT", None, friendly)
    bad_uuid = re.match(r"^Invalid UUID value (.*) for field ", message)
    if bad_uuid is not None:
        return _bad_input(
            message,
            "INVALID_ARGS_FILTER" if context == "filter" else "INVALID_ARGS_DATA",
            f'Invalid value for UUID: "{bad_uuid.group(1)}"',
        )
    missing = _NO_FIELD.match(message)
    if missing is not None and context == "filter":
        friendly = f'Invalid filter : {missing.group(1)} object doesn\'t have any "{missing.group(2)}" field.'
        return _bad_input(message, "INVALID_ARGS_FILTER", friendly)
    if context == "data":
        value = re.search(r"value ('[^']*'|\S+)", message)
        friendly = f'Invalid value: "{value.group(1)}"' if value else _STANDARD
        return _bad_input(message, "INVALID_ARGS_DATA", friendly)
    return _bad_input(message, "INVALID_ARGS_FILTER" if context == "filter" else "INVALID_QUERY_INPUT")


# -- the document ------------------------------------------------------------------------------------------------


def _js_quotes(message: str) -> str:
    """graphql-core quotes names with ``'``; graphql-js (Twenty) with ``"``. Twenty's core schema, which answers
    these, has none of the workspace's fields, so it suggests none of them either."""
    return re.sub(r" Did you mean .*\?$", "", re.sub(r"'([^'\s]*)'", r'"\1"', message))


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    from graphql import OperationDefinitionNode

    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((op for op in operations if op.name is not None and op.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    from graphql import FragmentDefinitionNode

    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _top_level_fields(operation: OperationDefinitionNode, fragments: Mapping[str, Any]) -> list[FieldNode]:
    from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

    fields: list[FieldNode] = []
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                fields += [s for s in fragment.selection_set.selections if isinstance(s, FieldNode)]
        elif isinstance(selection, InlineFragmentNode):
            fields += [s for s in selection.selection_set.selections if isinstance(s, FieldNode)]
    return fields


def _selection(selection_set: SelectionSetNode | None, fragments: Mapping[str, Any]) -> Selection:
    """What ``graphql-fields`` makes of a selection: field *names* (not aliases) → their own selection, merged."""
    from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

    out: Selection = {}
    if selection_set is None:
        return out
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            _merge_selection(out, {node.name.value: _selection(node.selection_set, fragments)})
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                _merge_selection(out, _selection(fragment.selection_set, fragments))
        elif isinstance(node, InlineFragmentNode):
            _merge_selection(out, _selection(node.selection_set, fragments))
    return out


def _merge_selection(into: Selection, more: Selection) -> None:
    for key, sub in more.items():
        if key in into:
            _merge_selection(into[key], sub)
        else:
            into[key] = sub


# -- argument checks (direct-execution/utils/assert-*-args.util.ts) -----------------------------------------------

_ALLOWED_ARGS = {
    "findMany": ("filter", "orderBy", "first", "last", "before", "after", "offset"),
    "findOne": ("filter",),
    "createOne": ("data", "upsert"),
    "createMany": ("data", "upsert"),
    "updateOne": ("id", "data"),
    "updateMany": ("filter", "data"),
    "deleteOne": ("id",),
    "deleteMany": ("filter",),
    "destroyOne": ("id",),
    "destroyMany": ("filter",),
    "restoreOne": ("id",),
    "restoreMany": ("filter",),
    "findDuplicates": ("ids", "data"),
    "mergeMany": ("ids", "conflictPriorityIndex", "dryRun"),
    "groupBy": ("groupBy", "filter", "orderBy", "orderByForRecords", "viewId", "limit", "offsetForRecords"),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_args(method: str, args: dict[str, Any]) -> None:
    for key in args:
        if key not in _ALLOWED_ARGS[method]:
            raise _bad_input(f"Argument not allowed: {key}")
    if method == "findMany":
        for name, ok, kind in (
            ("first", _is_number, "a number"),
            ("last", _is_number, "a number"),
            ("filter", lambda v: isinstance(v, dict), "an object"),
            ("before", lambda v: isinstance(v, str), "a string"),
            ("after", lambda v: isinstance(v, str), "a string"),
            ("offset", _is_number, "a number"),
        ):
            if name in args and not ok(args[name]):
                raise _bad_input(f'Invalid argument: "{name}" must be {kind}')
        order = args.get("orderBy")
        if order is not None and not isinstance(order, list | dict):
            raise _bad_input('Invalid argument: "orderBy" must be an array')
        return
    if method == "groupBy":
        if not isinstance(args.get("groupBy"), list):
            raise _bad_input('Missing required argument: "groupBy" must be an array.')
        return
    if method in ("findDuplicates", "mergeMany"):
        return  # checked by the shared runners (_duplicates, _merge), with the REST API's messages
    if "id" in _ALLOWED_ARGS[method] and not (isinstance(args.get("id"), str) and is_uuid(args["id"])):
        raise _bad_input('Missing required argument: "id" (UUID)')
    if "filter" in _ALLOWED_ARGS[method] and method != "findMany" and not isinstance(args.get("filter"), dict):
        raise _bad_input('Missing required argument: "filter" (object)')
    if method == "createMany":
        if not isinstance(args.get("data"), list):
            raise _bad_input('Missing required argument: "data" (array)')
    elif "data" in _ALLOWED_ARGS[method] and not isinstance(args.get("data"), dict):
        raise _bad_input('Missing required argument: "data" (object)')
    if "upsert" in args and not isinstance(args["upsert"], bool):
        raise _bad_input('Invalid argument: "upsert" must be a boolean')


# -- running root fields -----------------------------------------------------------------------------------------


class _Runner:
    """One request's workspace fields over the emulator's records (the same store and rules as REST)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.records = emulator.records
        self.workspace = emulator.workspace
        self.root_order: list[tuple[str, Any]] = [("id", "AscNullsFirst")]

    # reading ------------------------------------------------------------------------------------------------------

    def check_filter(self, obj: ObjectMeta, raw: Any) -> _query.Filter | None:
        if not isinstance(raw, dict) or not raw:
            return None
        try:
            return _query.validate_filter(raw, obj, self.workspace)
        except ApiError as err:
            raise _from_api_error(err, "filter") from None

    def find_many(self, obj: ObjectMeta, args: dict[str, Any], selection: Selection) -> dict[str, Any]:
        first, last, before, after = (args.get(k) for k in ("first", "last", "before", "after"))
        if first and last:
            raise _bad_input("Cannot provide both first and last", "ARGS_CONFLICT")
        if before and after:
            raise _bad_input("Cannot provide both before and after", "ARGS_CONFLICT")
        if before and first:
            raise _bad_input("Cannot provide both before and first", "ARGS_CONFLICT")
        if after and last:
            raise _bad_input("Cannot provide both after and last", "ARGS_CONFLICT")
        if first is not None and first < 0:
            raise _bad_input("First argument must be non-negative", "INVALID_ARGS_FIRST")
        if last is not None and last < 0:
            raise _bad_input("Last argument must be non-negative", "INVALID_ARGS_LAST")
        order_arg = args.get("orderBy") or []
        entries = [order_arg] if isinstance(order_arg, dict) else [e for e in order_arg if isinstance(e, dict)]
        checked = self.check_filter(obj, args.get("filter"))
        try:
            order = _query.validate_order_by(entries, obj, self.workspace)
            cursor_text = before or after
            cursor = _query.decode_cursor(cursor_text) if cursor_text else None
        except ApiError as err:
            raise _from_api_error(err, "query") from None
        limit = first if first is not None else last if last is not None else QUERY_MAX_RECORDS
        lq = _query.ListQuery(obj, 0, float(limit), order, checked, after or None, before or None, cursor)
        try:
            sql = _query.list_sql(lq)
        except ApiError as err:
            raise _from_api_error(err, "query") from None
        lay = self.records.layout(obj)
        offset = int(args.get("offset") or 0)
        rows = self.records.store.execute(
            f"{lay.select} WHERE {sql.page_where} ORDER BY {sql.order_by} LIMIT ? OFFSET ?",
            [*sql.page_params, _query.fetch_count(float(limit)), offset],  # take(limit + 1), rounded by Postgres
        ).fetchall()
        shaped = [self.records.shape(obj, r, lay.columns) for r in rows]
        page, page_info = _query.build_page(shaped, order, float(limit), backward=lq.backward)
        table = quote(self.records.store.table(obj))
        aggregates = self.aggregates(obj, selection, f"{table} WHERE {sql.count_where}", sql.count_params)
        return {
            "records": [dict(r) for r in page],
            "order": _order_entries(order),
            "nested": False,
            "backward": lq.backward,  # the page's cursors are taken in scan order: startCursor is its last record
            "pageInfo": page_info,
            **aggregates,
        }

    def aggregates(self, obj: ObjectMeta, selection: Selection, source: str, params: Sequence[Any]) -> dict[str, Any]:
        """``totalCount`` and the per-field aggregates that are selected, over ``FROM <source>``."""
        wanted = [k for k in selection if k not in ("edges", "pageInfo", "__typename")]
        if not wanted:
            return {}
        out: dict[str, Any] = {}
        total = int(self.records.store.execute(f"SELECT COUNT(*) FROM {source}", list(params)).fetchone()[0])
        for key in wanted:
            if key == "totalCount":
                out[key] = total
                continue
            value = _aggregate(self, obj, key, source, params=params, total=total)
            if value is not None:
                out[key] = value
        return out

    def group_by(self, obj: ObjectMeta, args: dict[str, Any], selection: Selection) -> list[dict[str, Any]]:
        """``…GroupBy``: groups of the filtered records, with the selected aggregates, ``groupByDimensionValues`` and
        (when ``edges`` is selected) a sample of at most 10 records each. Grouping, aggregates and ordering are the
        REST group-by's (:mod:`twenty_emulator._group_by`); GraphQL answers counts as numbers."""
        checked = self.check_filter(obj, args.get("filter"))
        order_entries = args.get("orderBy") or []
        order_entries = [order_entries] if isinstance(order_entries, dict) else list(order_entries)
        wanted = [k for k in selection if k not in ("edges", "pageInfo", "groupByDimensionValues", "__typename")]
        for entry in order_entries:
            if isinstance(entry, dict) and isinstance(entry.get("aggregate"), dict):
                wanted += list(entry["aggregate"])
        offered = _group_by.available_aggregates(obj)
        try:
            dimensions = _group_by._dimensions(obj, args["groupBy"])
            aggregates = [offered[name] for name in dict.fromkeys(wanted) if name in offered]
            where, params = self.records._where(obj, checked, include_deleted=False)
            record_order = args.get("orderByForRecords") or []
            record_keys = _query.validate_order_by(
                [record_order] if isinstance(record_order, dict) else record_order, obj, self.workspace
            )
            sql_order = _query.order_sql(record_keys) if record_order else "rowid"
        except ApiError as err:
            raise _from_api_error(err, "query") from None
        lay = self.records.layout(obj)
        rows = self.records.store.execute(f"{lay.select}{where} ORDER BY {sql_order}", params).fetchall()
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for row in rows:
            record = self.records.shape(obj, row, lay.columns)
            groups.setdefault(tuple(d.value(record) for d in dimensions), []).append(record)
        items: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        offset = int(args.get("offsetForRecords") or 0)
        for key, members in groups.items():
            group: dict[str, Any] = {a.name: _js_number(_group_by._compute(a, members)) for a in aggregates}
            group["totalCount"] = len(members)
            group["groupByDimensionValues"] = [list(v) if isinstance(v, tuple) else v for v in key]
            group["records"] = members[offset : offset + RECORDS_PER_GROUP]
            group["order"] = _order_entries(record_keys)
            group["nested"] = False
            group["backward"] = False
            group["pageInfo"] = {"hasNextPage": False, "hasPreviousPage": False}
            items.append((key, group))
        try:
            _group_by._sort(items, self.group_order(order_entries, dimensions, aggregates))
        except ApiError as err:
            raise _from_api_error(err, "query") from None
        limit = args.get("limit")
        return [
            group
            for _, group in items[: int(limit) if isinstance(limit, int) and limit > 0 else _group_by.DEFAULT_GROUPS]
        ]

    def connections(self, obj: ObjectMeta, data: Any) -> Any:
        """A to-one relation written as ``{connect: {where: {…}}}`` or ``{disconnect: true}`` → its join column
        (``RelationInput``); the record to connect is found by id or by a unique field, or the write fails."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            field = obj.field(name)
            target = self.workspace.target_object(field) if field is not None and field.is_relation else None
            if field is None or target is None or field.join_column is None or not isinstance(value, dict):
                continue
            del out[name]
            if value.get("disconnect") is True:
                out[field.join_column] = None
            where = value.get("connect", {}).get("where") if isinstance(value.get("connect"), dict) else None
            if isinstance(where, dict) and where:
                out[field.join_column] = self.connected_id(field, target, where)
        return out

    def connected_id(self, field: FieldMeta, target: ObjectMeta, where: dict[str, Any]) -> str:
        lay = self.records.layout(target)
        clauses: list[str] = []
        params: list[Any] = []
        described: list[str] = []
        for key, value in where.items():
            target_field = target.field(key)
            if isinstance(value, dict) and target_field is not None and target_field.is_composite:
                for sub, sub_value in value.items():
                    clauses.append(f"{column_for(target_field, sub).sql} = ?")
                    params.append(sub_value)
                    described.append(f"{key}.{sub} = {sub_value}")
            elif target_field is not None:
                clauses.append(f"{column_for(target_field).sql} = ?")
                params.append(str(value).lower() if key == "id" else value)
                described.append(f"{key} = {value}")
        rows = (
            self.records.store.execute(f"SELECT id FROM {quote(lay.table)} WHERE {' AND '.join(clauses)}", params)
            if clauses
            else None
        )
        found = [r[0] for r in rows] if rows is not None else []
        if len(found) != 1:
            condition = " AND ".join(described)
            message = f"Expected 1 record to connect to {field.name}, but found {len(found)} for {condition}"
            friendly = f"Can't connect to {field.name}. No unique record found with condition: {condition}"
            raise FieldError(message, "BAD_USER_INPUT", None, friendly)
        return str(found[0])

    def duplicates(self, obj: ObjectMeta, args: dict[str, Any], selection: Selection) -> list[dict[str, Any]]:
        """``…Duplicates``: one connection per record checked (the REST duplicates runner's answer, reshaped).

        Checked by ``ids``, a stored record is read with the *selected* fields only (recorded: g07), so only the
        duplicate criteria whose fields the query selects can match — selecting ``id`` alone finds nothing."""
        ids = args.get("ids")
        if isinstance(ids, list) and ids and not args.get("data"):
            stored = self.records.fetch(obj, [i.lower() for i in ids if isinstance(i, str) and is_uuid(i)])
            if len(stored) == len(ids):
                node = selection.get("edges", {}).get("node", {})
                args = {"data": [{"id": i.lower(), **_selected_values(obj, stored[i.lower()], node)} for i in ids]}
        answer = self.write(lambda: _duplicates.find_duplicates(self.records, obj, args, 0), context="query")
        connections = []
        for item in answer["data"]:
            connections.append(
                {
                    "records": item[f"{obj.name_singular}Duplicates"],
                    "order": [("id", "AscNullsFirst")],
                    "nested": False,
                    "backward": False,
                    "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
                    "totalCount": item["totalCount"],
                }
            )
        return connections

    @staticmethod
    def group_order(entries: list[Any], dimensions: list[Any], aggregates: list[Any]) -> list[Any]:
        """The groups' sort keys: ``{aggregate: {totalCount: …}}`` here, every other entry as the REST group-by
        orders, then the dimensions (the REST group-by's default order)."""
        if not entries:
            return _group_by._order_keys(None, dimensions, {})
        by_name = {a.name: a for a in aggregates}
        keys: list[Any] = []
        for entry in entries:
            aggregate = entry.get("aggregate") if isinstance(entry, dict) else None
            remaining: Any = entry
            if isinstance(aggregate, dict) and "totalCount" in aggregate:
                keys.append((lambda item: item[1]["totalCount"], str(aggregate["totalCount"])))
                rest = {k: v for k, v in aggregate.items() if k != "totalCount"}
                remaining = {"aggregate": rest} if rest else None
            if remaining:
                keys += _group_by._order_keys([remaining], dimensions, by_name)
        # PostgreSQL leaves ties in no defined order; the emulator breaks them by the dimensions, as by default.
        return keys + _group_by._order_keys(None, dimensions, {})

    def find_one(self, obj: ObjectMeta, args: dict[str, Any]) -> dict[str, Any]:
        checked = self.check_filter(obj, args.get("filter"))
        lq = _query.ListQuery(obj, 0, 1.0, _query.validate_order_by([], obj), checked, None, None, None)
        sql = _query.list_sql(lq)
        lay = self.records.layout(obj)
        row = self.records.store.execute(f"{lay.select} WHERE {sql.page_where} LIMIT 1", sql.page_params).fetchone()
        if row is None:
            raise FieldError("Record not found", "NOT_FOUND", "RECORD_NOT_FOUND", _NOT_FOUND_FRIENDLY)
        return self.records.shape(obj, row, lay.columns)

    # writing ------------------------------------------------------------------------------------------------------

    def write(self, call: Callable[[], Any], context: str = "data") -> Any:
        try:
            return call()
        except ApiError as err:
            raise _from_api_error(err, context) from None

    def run(self, method: str, obj: ObjectMeta, args: dict[str, Any], selection: Selection) -> Any:
        records = self.records
        if method == "findMany":
            result = self.find_many(obj, args, selection)
            self.root_order = result["order"]
            return result
        if method == "findOne":
            return self.find_one(obj, args)
        if method == "groupBy":
            return self.group_by(obj, args, selection)
        if method == "findDuplicates":
            return self.duplicates(obj, args, selection)
        if method == "mergeMany":
            answer = self.write(lambda: _merge.merge_many(self.records, obj, args, 0), context="query")
            return next(iter(answer["data"].values()))
        if method in ("createOne", "updateOne", "updateMany"):
            args = {**args, "data": self.connections(obj, args["data"])}
        elif method == "createMany":
            args = {**args, "data": [self.connections(obj, item) for item in args["data"]]}
        if method == "createOne":
            return self.write(lambda: records.create(obj, [args["data"]], upsert=bool(args.get("upsert")))[0])
        if method == "createMany":
            created = self.write(lambda: records.create(obj, list(args["data"]), upsert=bool(args.get("upsert"))))
            if not args.get("upsert"):
                return created
            # Twenty answers the rows it updated first, then those it inserted (each in input order). A row updated
            # here was created before this batch: its createdAt is older than its updatedAt.
            return sorted(created, key=lambda r: r.get("createdAt") == r.get("updatedAt"))
        if method == "updateOne":
            return self.write(lambda: records.update(obj, args["id"], args["data"]))
        if method == "deleteOne":
            return self.write(lambda: records.delete(obj, args["id"], soft=True))
        if method == "destroyOne":
            record_id = self.write(lambda: records.check_id(args["id"]))
            before = records.fetch(obj, [record_id]).get(record_id)
            self.write(lambda: records.delete(obj, record_id, soft=False))
            return before
        if method == "restoreOne":
            record_id = self.write(lambda: records.check_id(args["id"]))
            by_id = _query.validate_filter({"id": {"eq": record_id}}, obj, self.workspace)
            restored = self.write(lambda: records.restore_many(obj, by_id))
            if not restored:
                raise FieldError("Record not found", "NOT_FOUND", "RECORD_NOT_FOUND", _NOT_FOUND_FRIENDLY)
            return restored[0]
        checked = self.check_filter(obj, args.get("filter"))
        if checked is None:
            # Unlike REST, GraphQL has no "filters are mandatory" guard: ``filter: {}`` acts on every row (seen on a
            # real 2.21.0: ``deletePeople(filter: {})`` soft-deleted the whole table).
            checked = _query.validate_filter({"id": {"is": "NOT_NULL"}}, obj, self.workspace)
        if method == "updateMany":
            return self.write(lambda: records.update_many(obj, checked, args["data"]))
        if method == "deleteMany":
            return self.write(lambda: records.delete_many(obj, checked, soft=True))
        if method == "destroyMany":
            ids = records._matching_ids(obj, checked, include_deleted=True)
            before_all = records.fetch(obj, ids)
            self.write(lambda: records.delete_many(obj, checked, soft=False))
            return [before_all[i] for i in ids if i in before_all]
        if method == "restoreMany":
            return self.write(lambda: records.restore_many(obj, checked))
        raise FieldError(f"Unknown method: {method}", "INTERNAL_SERVER_ERROR")

    def check_selection(self, obj: ObjectMeta, selection: Selection, depth: int = 0) -> None:
        """``parseSelectedFields``: a composite's unknown sub-field fails the root field (a plain Error there, so
        ``INTERNAL_SERVER_ERROR``); relations are checked through, connections through ``edges.node``."""
        if depth > CONNECTION_MAX_DEPTH:
            return
        for name, sub in selection.items():
            field = obj.field(name)
            if field is None or not sub:
                continue
            if field.is_composite:
                if any(s not in field.subfields and s != "__typename" for s in sub):
                    raise FieldError(
                        f"Sub field metadata not found for composite type: {field.type}", "INTERNAL_SERVER_ERROR"
                    )
            elif field.is_relation:
                target = self.workspace.target_object(field)
                if target is None:
                    continue
                nested = sub.get("edges", {}).get("node", {}) if field.relation_type == "ONE_TO_MANY" else sub
                self.check_selection(target, nested, depth + 1)

    # relations (processNestedRelations) -----------------------------------------------------------------------------

    def load_relations(self, obj: ObjectMeta, records: list[dict[str, Any]], selection: Selection, depth: int) -> None:
        """Put the selected relations' records into ``records`` (a to-one as a record or None, a to-many as a
        connection of at most 60 records, live ones only, in storage order), one query per relation."""
        if depth >= CONNECTION_MAX_DEPTH:
            raise _bad_input(f"Maximum depth of {CONNECTION_MAX_DEPTH} reached", "MAX_DEPTH_REACHED")
        for name, sub in selection.items():
            field = obj.field(name)
            if field is None or not field.is_relation or not sub or not records:
                continue
            target = self.workspace.target_object(field)
            if target is None:
                continue
            if field.relation_type == "MANY_TO_ONE":
                self._load_to_one(field, target, records)
            else:
                self._load_to_many(field, target, records, sub)

    def _live(self, obj: ObjectMeta) -> str:
        return ' AND "deletedAt" IS NULL' if obj.field("deletedAt") is not None else ""

    def _load_to_one(self, field: FieldMeta, target: ObjectMeta, records: list[dict[str, Any]]) -> None:
        col = column_for(field)
        found = self.records.fetch(target, [r[col.name] for r in records if r.get(col.name)])
        for r in records:
            hit = found.get(r.get(col.name) or "")
            r[field.name] = hit if hit is not None and hit.get("deletedAt") is None else None
            if r[field.name] is None:
                r[col.name] = None  # the join found nothing: Twenty answers the join column null too

    def _load_to_many(
        self, field: FieldMeta, target: ObjectMeta, records: list[dict[str, Any]], sub: Selection
    ) -> None:
        reverse = self.workspace.target_field(field)
        if reverse is None or reverse.relation_type != "MANY_TO_ONE":
            return
        col = column_for(reverse)
        lay = self.records.layout(target)
        table = quote(self.records.store.table(target))
        # One query for every parent (Twenty's lateral join): at most 60 live records each, in storage order.
        by_parent: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in records}
        parents = list(by_parent)
        for start in range(0, len(parents), 500):
            chunk = parents[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.records.store.execute(
                f"{lay.select} WHERE {col.sql} IN ({marks}){self._live(target)} ORDER BY rowid", chunk
            ).fetchall()
            for row in rows:
                related_record = self.records.shape(target, row, lay.columns)
                siblings = by_parent.get(related_record.get(col.name) or "")
                if siblings is not None and len(siblings) < QUERY_MAX_RECORDS_FROM_RELATION:
                    siblings.append(related_record)
        for r in records:
            related = by_parent[r["id"]]
            connection: dict[str, Any] = {
                "records": related,
                "order": self.root_order,  # Twenty encodes nested cursors with the root field's order
                "nested": True,
                "backward": False,
                "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
                "totalCount": len(related),
            }
            aggregates = self.aggregates(target, sub, f"{table} WHERE {col.sql} = ?{self._live(target)}", [r["id"]])
            connection.update(aggregates)
            r[field.name] = connection

    # shaping (graphql-format-result-from-selected-fields.util.ts) --------------------------------------------------

    def format_records(
        self, obj: ObjectMeta, records: list[dict[str, Any]], selection: Selection, depth: int
    ) -> list[dict[str, Any]]:
        self.load_relations(obj, records, selection, depth)
        return [self.format_record(obj, r, selection, depth) for r in records]

    def format_record(
        self, obj: ObjectMeta, record: dict[str, Any], selection: Selection, depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, sub in selection.items():
            if key == "__typename":
                out[key] = pascal(obj.name_singular)
                continue
            value = record.get(key)
            field = obj.field(key)
            if value is None or (field is not None and (field.is_composite or field.is_relation) and not sub):
                out[key] = None  # a composite or relation with no sub-field selected is not read at all
                continue
            if not sub:
                out[key] = value
                continue
            if field is not None and field.is_relation:
                target = self.workspace.target_object(field)
                if target is None:
                    out[key] = None
                elif field.relation_type == "MANY_TO_ONE":
                    out[key] = self.format_records(target, [value], sub, depth + 1)[0]
                else:
                    out[key] = self.format_connection(target, value, sub, depth + 1)
                continue
            if field is not None and field.is_composite:
                out[key] = {
                    s: ("".join(p.capitalize() for p in field.type.split("_")) if s == "__typename" else value.get(s))
                    for s in sub
                }
                continue
            out[key] = value
        return out

    def format_connection(
        self, obj: ObjectMeta, connection: dict[str, Any], selection: Selection, depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        records: list[dict[str, Any]] = connection["records"]
        node_selection = selection.get("edges", {}).get("node", {})
        nodes = self.format_records(obj, records, node_selection, depth) if node_selection else []
        wants_cursors = "cursor" in selection.get("edges", {}) or any(
            k in selection.get("pageInfo", {}) for k in ("startCursor", "endCursor")
        )
        cursors = [self.cursor(obj, r, node_selection, connection) if wants_cursors else "" for r in records]
        for key, sub in selection.items():
            if key == "__typename":
                out[key] = f"{pascal(obj.name_singular)}Connection"
            elif key == "edges":
                formatted: list[dict[str, Any]] = []
                for i, cursor in enumerate(cursors):
                    edge: dict[str, Any] = {}
                    for edge_key in sub:
                        if edge_key == "__typename":
                            edge[edge_key] = f"{pascal(obj.name_singular)}Edge"
                        elif edge_key == "cursor":
                            edge[edge_key] = cursor
                        elif edge_key == "node":
                            edge[edge_key] = nodes[i]
                    formatted.append(edge)
                out[key] = formatted
            elif key == "pageInfo":
                scan = cursors[::-1] if connection["backward"] else cursors
                info = {
                    **connection["pageInfo"],
                    "startCursor": scan[0] if scan else None,
                    "endCursor": scan[-1] if scan else None,
                }
                out[key] = {k: ("PageInfo" if k == "__typename" else info.get(k)) for k in sub}
            else:
                out[key] = connection.get(key)
        return out

    def cursor(self, obj: ObjectMeta, record: dict[str, Any], selection: Selection, connection: dict[str, Any]) -> str:
        """``encodeCursor``: the record's values of the order's fields (composites: the ordered sub-fields), then
        its ``id``, as the record was loaded — a related record with its id and selected fields; in a nested
        connection (whose cursors use the root field's order) only what is selected."""
        values: dict[str, Any] = {}
        for name, spec in connection["order"]:
            field = obj.field(name)
            if field is None:
                continue
            if field.is_composite and isinstance(spec, dict):
                held = values.get(name)
                merged: dict[str, Any] = held if isinstance(held, dict) else {}
                value = record.get(name) or {}
                merged.update({sub: value.get(sub) for sub in spec if sub in value})
                values[name] = merged
                continue
            if connection["nested"] and name not in selection:
                continue  # not loaded: JSON.stringify leaves out an undefined value
            values[name] = _as_loaded(field, record.get(name), selection.get(name, {}))
        values["id"] = record.get("id")
        text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    def format(self, method: str, obj: ObjectMeta, result: Any, selection: Selection) -> Any:
        if result is None:
            return None
        if method == "findMany":
            return self.format_connection(obj, result, selection, 0)
        if method in ("groupBy", "findDuplicates"):
            return [self.format_connection(obj, group, selection, 0) for group in result]
        if isinstance(result, list):
            return self.format_records(obj, [dict(r) for r in result], selection, 0)
        return self.format_records(obj, [dict(result)], selection, 0)[0]


def _selected_values(obj: ObjectMeta, record: Mapping[str, Any], selection: Selection) -> dict[str, Any]:
    """The writable text and composite values of ``record`` that ``selection`` reads (what Twenty's query loads)."""
    out: dict[str, Any] = {}
    for name, sub in selection.items():
        field = obj.field(name)
        if field is None or field.is_relation or field.is_system or name == "id":
            continue
        value = record.get(name)
        if field.is_composite and isinstance(value, Mapping) and sub:
            out[name] = {k: value[k] for k in sub if k in field.subfields and field.subfields[k] == "TEXT"}
        elif field.type == "TEXT" and not sub:
            out[name] = value
    return out


def _js_number(value: Any) -> Any:
    """The GraphQL formatter's rule for aggregates: a numeric string (PostgreSQL's bigint and numeric) is a number."""
    if isinstance(value, str) and value:
        try:
            number = float(value)
        except ValueError:
            return value
        if math.isfinite(number):
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value


def _order_entries(keys: Sequence[_query.OrderKey]) -> list[tuple[str, Any]]:
    """The order as Twenty holds it: one ``(name, direction | {sub: direction} | {field: direction})`` a key."""
    entries: list[tuple[str, Any]] = []
    for key in keys:
        spec: Any = key.direction
        for name in reversed(key.path[1:]):
            spec = {name: spec}
        entries.append((key.path[0], spec))
    return entries


def _as_loaded(field: FieldMeta, value: Any, selection: Selection) -> Any:
    """A value as Twenty's query loaded it: a composite with its selected sub-fields, a related record with its id
    and selected scalar fields."""
    if not isinstance(value, dict) or not selection:
        return value
    if field.is_relation:
        picked = {"id": value.get("id")}
        picked.update({k: value.get(k) for k in selection if k not in ("id", "__typename") and not selection[k]})
        return picked
    return {k: value.get(k) for k in selection if k != "__typename" and k in value}


def _aggregate(runner: _Runner, obj: ObjectMeta, key: str, source: str, *, params: Sequence[Any], total: int) -> Any:
    """One of the connection's per-field aggregates (``countEmptyX``, ``minX`` …), or None when unknown."""
    match = re.fullmatch(
        r"(countUniqueValues|countEmpty|countNotEmpty|percentageEmpty|percentageNotEmpty|countTrue|countFalse|min|max|avg|sum)(\w+)",
        key,
    )
    if match is None:
        return None
    op, cap = match.groups()
    name = cap[:1].lower() + cap[1:]
    field = obj.field(name)
    sub = None
    if field is None and name.endswith("AmountMicros"):
        field, sub = obj.field(name.removesuffix("AmountMicros")), "amountMicros"
    if field is None or field.type == "RELATION":
        return None
    store = runner.records.store
    if field.is_composite:
        subs = [sub] if sub else [s for s, t in field.subfields.items() if t in ("TEXT", "NUMERIC", "UUID")]
        cols = [column_for(field, s).sql for s in subs]
        empty = " AND ".join(f"({c} IS NULL OR {c} = '')" for c in cols) or "1"
        value_expr = " || '|' || ".join(f"COALESCE({c}, '')" for c in cols) or "''"
    else:
        c = column_for(field).sql
        is_list = field.type in ("MULTI_SELECT", "ARRAY", "FILES", "RAW_JSON")
        empty = f"({c} IS NULL OR {c} = '' OR {c} = '[]')" if is_list or field.type == "TEXT" else f"{c} IS NULL"
        value_expr = c

    if sub is not None:
        value_expr = column_for(field, sub).sql  # min/max/avg/sum of a currency: its amountMicros, as a number

    def scalar(sql: str) -> Any:
        return store.execute(f"SELECT {sql} FROM {source}", list(params)).fetchone()[0]

    if op in ("countEmpty", "countNotEmpty", "percentageEmpty", "percentageNotEmpty"):
        empties = int(scalar(f"COALESCE(SUM(CASE WHEN {empty} THEN 1 ELSE 0 END), 0)"))
        count = empties if op.endswith("Empty") and "Not" not in op else total - empties
        if op.startswith("percentage"):
            return count / total if total else 0
        return count
    if op == "countUniqueValues":
        return int(scalar(f"COUNT(DISTINCT CASE WHEN {empty} THEN NULL ELSE {value_expr} END)"))
    if op in ("countTrue", "countFalse"):
        return int(
            scalar(f"COALESCE(SUM(CASE WHEN {value_expr} = {1 if op == 'countTrue' else 0} THEN 1 ELSE 0 END), 0)")
        )
    sql_op = {"min": "MIN", "max": "MAX", "avg": "AVG", "sum": "SUM"}[op]
    return scalar(f"{sql_op}({value_expr})")


# -- the request -------------------------------------------------------------------------------------------------


def _syntax_error(exc: Any) -> dict[str, Any]:
    formatted = dict(exc.formatted)
    formatted["message"] = _js_quotes(str(formatted["message"]))
    return {"errors": [formatted]}


def _plain(result: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if result.errors:
        out["errors"] = [{**e.formatted, "message": _js_quotes(e.message)} for e in result.errors]
    if result.data is not None or not result.errors:
        out["data"] = result.data
    return out


def execute_graphql(emulator: Emulator, body: Any) -> tuple[int, dict[str, Any]]:
    """A ``POST /graphql`` body (authenticated already) → (HTTP status, answer)."""
    from graphql import GraphQLError, execute, graphql_sync, parse

    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"]:
        return 400, {"errors": [{"message": "Must provide query string."}]}
    query: str = body["query"]
    raw_variables = body.get("variables")
    variables: dict[str, Any] = raw_variables if isinstance(raw_variables, dict) else {}
    operation_name = body.get("operationName") if isinstance(body.get("operationName"), str) else None
    try:
        document = parse(query)
    except GraphQLError as exc:
        return 200, _syntax_error(exc)
    operation = _operation(document, operation_name)
    if operation is None or operation.operation.value == "subscription":
        schema = schema_for(emulator.workspace)
        return 200, _plain(graphql_sync(schema, query, variable_values=variables, operation_name=operation_name))
    fragments = _fragments(document)
    names = resolver_names(emulator.workspace)
    top = _top_level_fields(operation, fragments)
    introspection = any(f.name.value in ("__schema", "__type") for f in top)
    workspace_fields = [f for f in top if f.name.value in names]
    core = any(f.name.value not in names and f.name.value not in ("__schema", "__type") for f in top)
    if core and workspace_fields:
        message = "This query cannot be executed as a single request. Please split it into separate queries."
        return 200, {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    if core:
        schema = schema_for(emulator.workspace)
        return 200, _plain(graphql_sync(schema, query, variable_values=variables, operation_name=operation_name))
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    if introspection:
        result = execute(
            schema_for(emulator.workspace), document, variable_values=variables, operation_name=operation_name
        )
        data.update(getattr(result, "data", None) or {})  # execute() is synchronous here: no resolver awaits
        errors += [dict(e.formatted) for e in getattr(result, "errors", None) or []]
    if workspace_fields:
        data_ws, errors_ws = _workspace_fields(emulator, workspace_fields, names, fragments, variables)
        data.update(data_ws)
        errors += errors_ws
    return 200, {"data": data, **({"errors": errors} if errors else {})}


def _workspace_fields(
    emulator: Emulator,
    fields: list[FieldNode],
    names: Mapping[str, tuple[str, ObjectMeta]],
    fragments: Mapping[str, Any],
    variables: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from graphql import Undefined, value_from_ast_untyped

    seen: set[str] = set()
    for field in fields:
        if field.name.value in seen:
            error = {
                "message": f'Duplicate root resolver: "{field.name.value}"',
                "extensions": {"code": "BAD_USER_INPUT"},
            }
            return {}, [error]
        seen.add(field.name.value)
    runner = _Runner(emulator)
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    throttled: list[str | None] = []  # the one throttle answer every root field of this request gets
    for field in fields:
        method, obj = names[field.name.value]
        key = field.alias.value if field.alias is not None else field.name.value
        try:
            args: dict[str, Any] = {}
            for arg in field.arguments or ():
                value = value_from_ast_untyped(arg.value, variables)
                if value is not None and value is not Undefined:  # an unset variable is no argument
                    args[arg.name.value] = value
            _check_args(method, args)
            if not throttled:  # the root fields run concurrently: each reads the bucket before any writes it back
                throttled.append(emulator.rate_limiter.take())
            refusal = throttled[0]
            if refusal is not None:
                raise FieldError(
                    refusal, "BAD_USER_INPUT", "LIMIT_REACHED", "Rate limit reached. Please try again later."
                )
            selection = _selection(field.selection_set, fragments)
            runner.check_selection(
                obj, selection.get("edges", {}).get("node", {}) if method == "findMany" else selection
            )
            result = runner.run(method, obj, args, selection)
            data[key] = runner.format(method, obj, result, selection)
        except FieldError as failure:
            data[key] = None
            errors.append(failure.to_json())
        except ApiError as err:
            data[key] = None
            errors.append(_from_api_error(err, "query").to_json())
    return data, errors


async def answer(
    emulator: Emulator,
    request: Request,
    read_json: Callable[[Request], Awaitable[Any]],
    execute: Callable[[Emulator, Any], tuple[int, dict[str, Any]]] = execute_graphql,
) -> tuple[int, dict[str, Any]]:
    """The whole ``POST /graphql`` route: authentication as Twenty's GraphQL answers it (HTTP 200 with an
    ``UNAUTHENTICATED`` error for a wrong key; no key is an anonymous request, which knows no workspace field), then
    the body (``read_json`` answers malformed JSON as Express does), then ``execute`` (:func:`execute_graphql`, or
    the metadata API's executor for ``/metadata``)."""
    header = request.headers.get("authorization") or ""
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    body = await read_json(request)
    if not token:
        from graphql import build_schema, graphql_sync

        anonymous = build_schema("type Query { _anonymous: Boolean }")
        query = body.get("query") if isinstance(body, dict) else None
        return 200, _plain(graphql_sync(anonymous, query if isinstance(query, str) else ""))
    if token != emulator.api_key:
        friendly = {"id": "z+7x/s", "message": "You must be authenticated to perform this action."}
        extensions = {"userFriendlyMessage": friendly, "subCode": "UNAUTHENTICATED", "code": "UNAUTHENTICATED"}
        return 200, {"errors": [{"message": "Token invalid.", "extensions": extensions}]}
    emulator.count(f"POST {request.url.path}")
    return execute(emulator, body)
