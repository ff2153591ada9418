"""Twenty's GraphQL API (``POST /graphql``) on the same client: ``twenty.graphql``.

    data = twenty.graphql.execute("query($n: Int) { companies(first: $n) { edges { node { id name } } } }", {"n": 5})
    for company in twenty.graphql.iter("companies", "id name people { edges { node { id name { firstName } } } }"):
        ...                                       # every company with its people, 200 a request, streamed

What GraphQL gives that REST does not: choose the fields (and sub-fields) you read, follow relations to any depth in
one request, aggregates on any connection (``totalCount``, ``countEmptyX``, ``minX`` …).

Requests go through the client's one :class:`~twenty_sdk.Transport`: the same pacing, retries and errors as REST.
Twenty answers GraphQL errors inside an HTTP 200 (``errors[].extensions.code``); they are raised as the same
:class:`~twenty_sdk.TwentyError` classes, by code:

=================================================  ===========================================================
``extensions.code`` (``subCode``)                  exception (``.status`` as the REST twin would have it)
=================================================  ===========================================================
``BAD_USER_INPUT`` (``LIMIT_REACHED``)             :class:`RateLimitError` (429), after the retry policy's retries
``BAD_USER_INPUT``, syntax and validation errors   :class:`BadRequestError` (400)
``UNAUTHENTICATED``                                :class:`AuthenticationError` (401)
``FORBIDDEN``                                      :class:`PermissionDeniedError` (403)
``NOT_FOUND``                                      :class:`NotFoundError` (404)
``CONFLICT``                                       :class:`ConflictError` (409)
``INTERNAL_SERVER_ERROR``                          :class:`InternalServerError` (500)
=================================================  ===========================================================

The error's ``error`` is the GraphQL code, ``code`` the sub-code, ``messages`` every error's message and ``body`` the
whole answer (its ``data`` holds the root fields that did succeed). Things to know about Twenty 2.21.0's GraphQL:

- A request costs one rate-limit token whatever its number of root fields: each root field runs Twenty's throttle,
  but they run concurrently and all read the bucket before any writes it back (seen on a real 2.21.0: 98 one-field
  queries, then a three-field query and a three-field mutation admitted whole, the next request refused; cassette
  ``graphql-429``). So several root fields in one request save tokens. When the bucket is empty every root field is
  refused: such a request did nothing and is retried (queries always, mutations only when every root field was
  refused).
- The server does not check selections: a misspelt field answers ``null``. :meth:`GraphQL.validate` checks a query
  against the workspace's schema locally (``graphql-core``, the ``graphql`` extra; one introspection request).
  ``gql`` is not used: its transports would bypass this client's pacing, retries and errors, and its schema
  validation is ``graphql-core``'s ``validate``, called here directly (one dependency instead of two).
- Arguments of nested connections are ignored: a company's ``people`` holds at most 60 records, unordered.
- ``updateX``/``deleteX``/``destroyX`` many with ``filter: {}`` act on every record (REST refuses an empty filter).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from twenty_sdk._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
)
from twenty_sdk._ops import Call, Emit, Op, Pause, Stream, arun, astream, run, stream

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from twenty_sdk._transport import AsyncTransport, BaseTransport, Transport

__all__ = ["AsyncGraphQL", "GraphQL", "connection_query", "graphql_error", "is_mutation"]

T = TypeVar("T")

PATH = "/graphql"
METADATA_PATH = "/metadata"  # the schema's API (objects, fields): not rate limited
PAGE_SIZE = 200  # QUERY_MAX_RECORDS: the most records one connection page holds

_CODES: dict[str, tuple[type[APIError], int]] = {
    "BAD_USER_INPUT": (BadRequestError, 400),
    "GRAPHQL_VALIDATION_FAILED": (BadRequestError, 400),
    "GRAPHQL_PARSE_FAILED": (BadRequestError, 400),
    "UNAUTHENTICATED": (AuthenticationError, 401),
    "FORBIDDEN": (PermissionDeniedError, 403),
    "NOT_FOUND": (NotFoundError, 404),
    "CONFLICT": (ConflictError, 409),
    "INTERNAL_SERVER_ERROR": (InternalServerError, 500),
}
_INTROSPECTION_FIELDS = ("__schema", "__type", "__typename")


def _extensions(error: Any) -> Mapping[str, Any]:
    ext = error.get("extensions") if isinstance(error, Mapping) else None
    return ext if isinstance(ext, Mapping) else {}


def _rate_limited(error: Any) -> bool:
    return _extensions(error).get("subCode") == "LIMIT_REACHED"


def graphql_error(answer: Any, *, url: str = "") -> APIError | None:
    """The exception for a GraphQL answer's ``errors`` (the first error picks the class), or None without errors."""
    errors = answer.get("errors") if isinstance(answer, Mapping) else None
    if not errors or not isinstance(errors, list):
        return None
    first = errors[0]
    ext = _extensions(first)
    code = ext.get("code") if isinstance(ext.get("code"), str) else None
    sub_code = ext.get("subCode") if isinstance(ext.get("subCode"), str) else None
    cls: type[APIError]
    if sub_code == "LIMIT_REACHED":
        cls, status = RateLimitError, 429
    else:
        cls, status = _CODES.get(code or "GRAPHQL_VALIDATION_FAILED", (APIError, 400))
    messages = [str(e.get("message", "")) if isinstance(e, Mapping) else str(e) for e in errors]
    return cls(status, messages, error=code or "GRAPHQL_VALIDATION_FAILED", code=sub_code, body=answer,
               method="POST", url=url)  # fmt: skip


def _nothing_applied(answer: Mapping[str, Any], mutation: bool) -> bool:
    """A throttled answer that is safe to send again: every error is the throttle's, and (for a mutation) no root
    field answered, so nothing was written."""
    errors = answer.get("errors") or []
    if not errors or not all(_rate_limited(e) for e in errors):
        return False
    if not mutation:
        return True
    data = answer.get("data")
    return not isinstance(data, Mapping) or all(value is None for value in data.values())


_FIRST_KEYWORD = re.compile(r"^(?:\s|,|#[^\n]*)*(query|mutation|subscription|\{)")


def is_mutation(query: str) -> bool:
    """Whether the document's first operation is a mutation (not retried after a lost answer unless asked)."""
    match = _FIRST_KEYWORD.match(query)
    return match is not None and match.group(1) == "mutation"


def connection_query(
    connection: str, fields: str, *, type_name: str | None = None, with_filter: bool = False, with_order: bool = False
) -> str:
    """The query :meth:`GraphQL.iter` pages with: ``connection(first: $first, after: $after …) { edges { node {
    <fields> } } pageInfo { hasNextPage endCursor } }``; ``type_name`` (``Person``) types the filter and order
    variables."""
    variables = ["$first: Int", "$after: String"]
    args = ["first: $first", "after: $after"]
    if with_filter or with_order:
        if not type_name:
            raise ValueError(f"filter= and order_by= on {connection!r} need type_name= (e.g. 'Person')")
        if with_filter:
            variables.append(f"$filter: {type_name}FilterInput")
            args.append("filter: $filter")
        if with_order:
            variables.append(f"$orderBy: [{type_name}OrderByInput]")
            args.append("orderBy: $orderBy")
    return (
        f"query({', '.join(variables)}) {{ {connection}({', '.join(args)}) {{ "
        f"edges {{ node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


_STANDARD_TYPES = {"people": "Person", "companies": "Company", "opportunities": "Opportunity", "notes": "Note",
                   "tasks": "Task"}  # fmt: skip


def _graphql_core(*names: str) -> tuple[Any, ...]:
    """Names from ``graphql-core``, imported on first use (``import twenty_sdk`` stays light)."""
    try:
        import graphql
    except ImportError:
        raise ImportError("checking queries locally needs graphql-core: pip install 'twenty-sdk[graphql]'") from None
    return tuple(getattr(graphql, name) for name in names)


def _unknown_connection(connection: str) -> str:
    raise ValueError(f"the workspace has no object whose plural name is {connection!r}")


class _Base:
    def __init__(self, transport: BaseTransport[Any]) -> None:
        self._transport = transport
        self._schema: GraphQLSchema | None = None
        self._type_names: dict[str, str] = dict(_STANDARD_TYPES)

    @property
    def url(self) -> str:
        return f"{self._transport.base_url}{PATH}"

    def _payload(self, query: str, variables: Mapping[str, Any] | None, operation_name: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = dict(variables)
        if operation_name:
            payload["operationName"] = operation_name
        return payload

    def _settle(
        self, answer: Any, mutation: bool, attempt: int, path: str = PATH, sent_at: float | None = None
    ) -> tuple[bool, Any]:
        """(retry?, data): tells the pacer about a throttled answer (``sent_at``: the pacer's clock before the request
        was handed to the transport, so that a request sent on an old schedule does not stretch the spacing again);
        raises the answer's error when not retrying."""
        if isinstance(answer, Mapping) and _nothing_applied(answer, mutation):
            pacer = self._transport.pacer
            if pacer.enabled:
                pacer.on_rate_limited(str(answer["errors"][0].get("message") or ""), sent_at=sent_at)
            if attempt <= self._transport.retry.max_retries:
                return True, None
        error = graphql_error(answer, url=f"{self._transport.base_url}{path}")
        if error is not None:
            raise error
        data = answer.get("data") if isinstance(answer, Mapping) else None
        return False, data if isinstance(data, dict) else {}

    def _iter_args(
        self,
        connection: str,
        fields: str,
        filter: Mapping[str, Any] | None,
        order_by: Any,
        type_name: str | None,
    ) -> tuple[str, dict[str, Any]]:
        name = type_name or _STANDARD_TYPES.get(connection)
        query = connection_query(
            connection, fields, type_name=name, with_filter=filter is not None, with_order=order_by is not None
        )
        variables: dict[str, Any] = {}
        if filter is not None:
            variables["filter"] = dict(filter)
        if order_by is not None:
            variables["orderBy"] = order_by
        return query, variables

    def _check(self, query: str, schema: GraphQLSchema) -> None:
        graphql_error_type, parse, validate = _graphql_core("GraphQLError", "parse", "validate")

        try:
            document = parse(query)
        except graphql_error_type as exc:
            raise BadRequestError(
                400, [exc.message], error="GRAPHQL_PARSE_FAILED", method="POST", url=self.url
            ) from None
        problems = validate(schema, document)
        if problems:
            raise BadRequestError(
                400, [p.message for p in problems], error="GRAPHQL_VALIDATION_FAILED", method="POST", url=self.url
            )

    @staticmethod
    def _page(data: Mapping[str, Any], connection: str) -> tuple[list[Any], str | None]:
        page = data.get(connection)
        if not isinstance(page, Mapping):
            return [], None
        nodes = [edge.get("node") for edge in page.get("edges") or [] if isinstance(edge, Mapping)]
        info = page.get("pageInfo") or {}
        cursor = info.get("endCursor") if info.get("hasNextPage") else None
        return nodes, cursor if isinstance(cursor, str) else None

    # -- the operations, written once (sans-I/O: twenty_sdk._ops); GraphQL and AsyncGraphQL only drive them ---------

    def _execute_op(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        idempotent: bool | None,
        path: str,
    ) -> Op[dict[str, Any]]:
        mutation = is_mutation(query)
        retry_lost = (not mutation) if idempotent is None else idempotent
        payload = self._payload(query, variables, operation_name)
        attempt = 0
        while True:
            attempt += 1
            sent_at = self._transport.pacer.clock()  # read as the request is handed to the transport
            answer = yield Call("POST", path, json=payload, idempotent=retry_lost)
            again, data = self._settle(answer, mutation, attempt, path, sent_at)
            if not again:
                return dict(data)
            yield Pause(attempt)

    def _connection_op(
        self, query: str, variables: Mapping[str, Any] | None, connection: str
    ) -> Stream[dict[str, Any]]:
        after: str | None = None
        while True:
            data = yield from self._execute_op(query, {**(variables or {}), "after": after}, None, None, PATH)
            nodes, cursor = self._page(data, connection)
            yield Emit(nodes)
            if cursor is None:
                return
            if cursor == after:
                raise PaginationError(f"the cursor of {connection!r} stopped moving at {cursor!r}")
            after = cursor

    def _type_name_op(self, connection: str) -> Op[str]:
        if connection not in self._type_names:
            from twenty_sdk._metadata import PAGE_SIZE as METADATA_PAGE
            from twenty_sdk._metadata import _list_objects

            for info in (yield from _list_objects(METADATA_PAGE)):
                self._type_names[info.name_plural] = info.name_singular[:1].upper() + info.name_singular[1:]
        return self._type_names.get(connection) or _unknown_connection(connection)

    def _iter_op(
        self,
        connection: str,
        fields: str,
        *,
        filter: Mapping[str, Any] | None,
        order_by: Any,
        page_size: int,
        type_name: str | None,
    ) -> Stream[dict[str, Any]]:
        if type_name is None and connection not in _STANDARD_TYPES and (filter is not None or order_by is not None):
            type_name = yield from self._type_name_op(connection)
        query, variables = self._iter_args(connection, fields, filter, order_by, type_name)
        yield from self._connection_op(query, {**variables, "first": page_size}, connection)

    def _schema_op(self) -> Op[GraphQLSchema]:
        if self._schema is None:
            build_client_schema, get_introspection_query = _graphql_core(
                "build_client_schema", "get_introspection_query"
            )
            introspection = yield from self._execute_op(get_introspection_query(), None, None, None, PATH)
            self._schema = build_client_schema(introspection)
        return self._schema


class GraphQL(_Base):
    """``twenty.graphql`` on a :class:`~twenty_sdk.TwentyClient`."""

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self._sync = transport

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        idempotent: bool | None = None,
        path: str = PATH,
    ) -> dict[str, Any]:
        """Send one document; return its ``data``. Raises the :class:`~twenty_sdk.TwentyError` of the first
        error (the answer, partial data included, is the error's ``body``). Queries are retried after a 5xx or a
        lost answer; mutations only with ``idempotent=True`` (an upsert, or creates with ids). ``path="/metadata"``
        sends it to the metadata API instead (objects and fields: ``{ objects { edges { node { nameSingular } } } }``).
        """
        return self._run(self._execute_op(query, variables, operation_name, idempotent, path))

    def _run(self, op: Op[T]) -> T:
        return run(op, self._sync.request, self._sync.pause_before_retry)

    def iter(
        self,
        connection: str,
        fields: str,
        *,
        filter: Mapping[str, Any] | None = None,
        order_by: Any = None,
        page_size: int = PAGE_SIZE,
        type_name: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every node of a root connection (``"people"``), ``page_size`` a request, following ``endCursor``.

        ``fields`` is the node's selection, nested relations included (``"id name people { edges { node { id } } }"``).
        ``filter`` and ``order_by`` are GraphQL's (``{"name": {"eq": "Acme"}}``, ``[{"createdAt": "AscNullsFirst"}]``);
        their variables are typed with the object's type (``type_name``, e.g. ``"Pet"``; read from the workspace's
        metadata when not given, for objects other than the standard five).
        """
        op = self._iter_op(
            connection, fields, filter=filter, order_by=order_by, page_size=page_size, type_name=type_name
        )
        yield from stream(op, self._sync.request, self._sync.pause_before_retry)

    def type_name(self, connection: str) -> str:
        """The GraphQL type of a root connection's nodes (``"pets"`` → ``"Pet"``), read from the workspace's
        metadata (one unthrottled request, cached)."""
        return self._run(self._type_name_op(connection))

    def iter_connection(
        self, query: str, variables: Mapping[str, Any] | None = None, *, connection: str
    ) -> Iterator[dict[str, Any]]:
        """The nodes of your own paged query: it declares ``$after: String``, passes it to the root field
        ``connection`` and selects ``edges { node { … } }`` and ``pageInfo { hasNextPage endCursor }``."""
        yield from stream(
            self._connection_op(query, variables, connection), self._sync.request, self._sync.pause_before_retry
        )

    def schema(self) -> GraphQLSchema:
        """The workspace's schema, from one introspection request (cached; needs ``graphql-core``)."""
        return self._run(self._schema_op())

    def validate(self, query: str) -> None:
        """Check ``query`` against the workspace's schema (Twenty itself answers ``null`` for a misspelt field);
        raises :class:`~twenty_sdk.BadRequestError` listing every problem."""
        self._check(query, self.schema())


class AsyncGraphQL(_Base):
    """``twenty.graphql`` on an :class:`~twenty_sdk.AsyncTwentyClient`: :class:`GraphQL`, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        super().__init__(transport)
        self._async = transport

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        idempotent: bool | None = None,
        path: str = PATH,
    ) -> dict[str, Any]:
        """See :meth:`GraphQL.execute`."""
        return await self._run(self._execute_op(query, variables, operation_name, idempotent, path))

    async def _run(self, op: Op[T]) -> T:
        return await arun(op, self._async.request, self._async.pause_before_retry)

    async def iter(
        self,
        connection: str,
        fields: str,
        *,
        filter: Mapping[str, Any] | None = None,
        order_by: Any = None,
        page_size: int = PAGE_SIZE,
        type_name: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """See :meth:`GraphQL.iter`."""
        op = self._iter_op(
            connection, fields, filter=filter, order_by=order_by, page_size=page_size, type_name=type_name
        )
        async for node in astream(op, self._async.request, self._async.pause_before_retry):
            yield node

    async def type_name(self, connection: str) -> str:
        """See :meth:`GraphQL.type_name`."""
        return await self._run(self._type_name_op(connection))

    async def iter_connection(
        self, query: str, variables: Mapping[str, Any] | None = None, *, connection: str
    ) -> AsyncIterator[dict[str, Any]]:
        """See :meth:`GraphQL.iter_connection`."""
        op = self._connection_op(query, variables, connection)
        async for node in astream(op, self._async.request, self._async.pause_before_retry):
            yield node

    async def schema(self) -> GraphQLSchema:
        """See :meth:`GraphQL.schema`."""
        return await self._run(self._schema_op())

    async def validate(self, query: str) -> None:
        """See :meth:`GraphQL.validate`."""
        self._check(query, await self.schema())
