"""The ASGI application: Twenty's REST routes (records, metadata, OpenAPI) over an :class:`Emulator`.

Order of checks, as Twenty does them: authentication (403 without a token, 401 with a wrong one), then the rate
limit for record routes, then the route itself. Any unexpected exception answers Twenty's 500 body, never a trace.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import attrs
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from twenty_emulator import _duplicates, _graphql, _graphql_metadata, _group_by, _js, _merge, _metadata_api, _query
from twenty_emulator._errors import ApiError, bad_request, express_bad_request
from twenty_emulator._faults import FaultDecision, rules_from_json
from twenty_emulator._state import Emulator
from twenty_emulator._workspace import ObjectMeta

__all__ = ["create_app"]

log = logging.getLogger("twenty_emulator")

JSON_TYPE = "application/json; charset=utf-8"
_PRIVATE = "/_emulator"


class JSONAnswer(Response):
    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:  # a non-finite number: JSON.stringify writes null, never NaN / Infinity
            text = json.dumps(_finite(content), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


class _DroppedConnectionError(Exception):
    """Raised mid-answer to make the server close the connection without a complete response.

    ``received`` and ``expected`` are the body's bytes sent and announced, for an in-process transport to word the
    error as httpx does over a socket.
    """

    def __init__(self, received: int, expected: int) -> None:
        super().__init__(f"connection dropped by fault injection (sent {received} of {expected} body bytes)")
        self.received = received
        self.expected = expected


class _DroppingResponse(Response):
    """Starts an answer, sends part of it, then breaks off: what a client sees when a server dies mid-response."""

    _PARTIAL = b'{"data":'
    _ANNOUNCED = 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(self._ANNOUNCED).encode())],
            }
        )
        await send({"type": "http.response.body", "body": self._PARTIAL, "more_body": True})
        log.debug("%s %s: connection dropped by fault injection", scope.get("method"), scope.get("path"))
        raise _DroppedConnectionError(len(self._PARTIAL), self._ANNOUNCED)


def _is_deliberate_drop(exc: BaseException | None) -> bool:
    if isinstance(exc, _DroppedConnectionError):
        return True
    if isinstance(exc, BaseExceptionGroup):  # an anyio task group may wrap it
        return exc.split(_DroppedConnectionError)[1] is None
    return False


class _QuietDrops(logging.Filter):
    """Keeps a deliberate drop out of the ASGI server's error log (uvicorn logs a traceback for every exception that
    breaks off an answer; the emulator has logged the drop on one debug line already). Every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _is_deliberate_drop(record.exc_info[1]))


_QUIET_DROPS = _QuietDrops()
_SERVER_LOGGERS = ("uvicorn.error",)


class _SlowResponse(JSONAnswer):
    """Sends its body in pieces spread over ``slow_ms``."""

    def __init__(self, content: Any, status_code: int, slow_ms: float) -> None:
        super().__init__(content, status_code)
        self.slow_ms = slow_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        body = self.body
        pieces = 10
        step = max(1, len(body) // pieces)
        chunks = [body[i : i + step] for i in range(0, len(body), step)] or [b""]
        for i, chunk in enumerate(chunks):
            await asyncio.sleep(self.slow_ms / 1000 / len(chunks))
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})


# -- JSON bodies -------------------------------------------------------------------------------------------------


def _v8_json_error(text: str, exc: json.JSONDecodeError) -> str:
    """Python's JSON error → the message Node's JSON.parse gives (what Twenty's body parser answers)."""
    pos = exc.pos
    where = f"in JSON at position {pos} (line {exc.lineno} column {exc.colno})"
    if pos >= len(text.rstrip()) or (exc.msg.startswith("Expecting value") and pos >= len(text)):
        if exc.msg.startswith("Expecting ',' delimiter") or exc.msg.startswith("Expecting property name"):
            pass
        else:
            return "Unexpected end of JSON input"
    if exc.msg.startswith("Expecting ',' delimiter"):
        opener = _innermost_open(text[:pos])
        if opener == "[":
            return f"Expected ',' or ']' after array element {where}"
        return f"Expected ',' or '}}' after property value {where}"
    if exc.msg.startswith("Expecting property name"):
        return f"Expected double-quoted property name {where}"
    if exc.msg.startswith("Expecting ':' delimiter"):
        return f"Expected ':' after property name {where}"
    token = text[pos] if pos < len(text) else ""
    snippet = text if len(text) <= 10 else text[:10] + "..."
    return f"Unexpected token '{token}', \"{snippet}\" is not valid JSON"


def _outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """The position and character of everything in JSON text that is outside its strings (quotes left out)."""
    in_string = escaped = False
    for pos, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        else:
            yield pos, ch


def _innermost_open(prefix: str) -> str:
    stack: list[str] = []
    for _, ch in _outside_strings(prefix):
        if ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else "{"


class _NotJsonError(ValueError):
    """``NaN`` / ``Infinity``: Python's json reads them, JSON.parse does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonError(name)


def _constant_error(text: str) -> str:
    """Node's message for the first ``NaN`` / ``Infinity`` outside a string (JSON has no capital letter elsewhere)."""
    for pos, ch in _outside_strings(text):
        if ch in "NI":
            exc = json.JSONDecodeError("Expecting value", text, pos)
            if pos and text[pos - 1] == "-":
                return f"No number after minus sign in JSON at position {pos} (line {exc.lineno} column {exc.colno})"
            return _v8_json_error(text, exc)
    return "Unexpected end of JSON input"


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _well_formed(value: Any) -> Any:
    """Lone UTF-16 surrogates (``"\\ud800"``) become U+FFFD, as when Node hands the string on as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_well_formed(k): _well_formed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_well_formed(v) for v in value]
    return value


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text, parse_int=_js.js_int, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise express_bad_request(_v8_json_error(text, exc)) from exc
    except _NotJsonError as exc:
        raise express_bad_request(_constant_error(text)) from exc
    return _well_formed(value) if _ESCAPED_SURROGATE.search(text) else value


# -- record routes -----------------------------------------------------------------------------------------------


def _cap(name: str) -> str:
    return name[0].upper() + name[1:]


def _resolve_object(emulator: Emulator, name: str) -> ObjectMeta:
    ws = emulator.workspace
    obj = ws.object_by_plural(name)
    if obj is not None and obj.is_active:
        return obj
    singular = ws.object_by_singular(name)
    if singular is not None:
        raise bad_request(f"object '{name}' not found. Did you mean '{singular.name_plural}'?")
    raise bad_request(f"object '{name}' not found. eg: companies")


def _flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


_RECORD_ROUTE = re.compile(r"^/rest/(?:(?P<prefix>batch|restore)/)?(?P<object>[^/]+)(?:/(?P<rest>[^/]+))?/?$")


async def _records_route(emulator: Emulator, request: Request, path: str, query: dict[str, str]) -> tuple[int, Any]:
    if len([part for part in path.removeprefix("/rest").split("/") if part]) > 2:
        # parse-core-path.utils.ts refuses any longer path, /rest/restore/<object>/<id> included (recorded: p02)
        examples = "/rest/companies/id or /rest/companies or /rest/batch/companies"
        raise bad_request(f"Query path '{path}' invalid. Valid examples: {examples}")
    match = _RECORD_ROUTE.match(path)
    if match is None:
        raise ApiError(404, {"statusCode": 404, "message": f"Cannot {request.method} {path}", "error": "Not Found"})
    prefix, name, rest = match.group("prefix"), match.group("object"), match.group("rest")
    method = request.method
    obj = _resolve_object(emulator, name)
    records = emulator.records
    singular, plural = _cap(obj.name_singular), _cap(obj.name_plural)

    if prefix == "batch":
        if method != "POST" or rest is not None:
            raise bad_request(f"Cannot {method} {path}")
        body = await _json_body(request)
        if not isinstance(body, list):
            raise ApiError(
                400, {"statusCode": 400, "error": "TypeError", "messages": ["args.data.forEach is not a function"]}
            )
        created = records.create(obj, body, upsert=_flag(query, "upsert"))
        return 201, {"data": {f"create{plural}": created}}

    if prefix == "restore":
        restored = records.restore_many(obj, query.get("filter"))
        return 200, {"data": {f"restore{plural}": restored}}

    if rest == "duplicates" and method == "POST":
        body = await _json_body(request)
        return 200, _duplicates.find_duplicates(records, obj, body, _query.parse_depth(query.get("depth")))

    if rest == "merge" and method == "PATCH":
        body = await _json_body(request)
        return 200, _merge.merge_many(records, obj, body, _query.parse_depth(query.get("depth")))

    if rest == "groupBy" and method == "GET":
        return 200, _group_by.group_by(records, obj, query)

    if rest is None:
        if method == "GET":
            result = records.list_page(obj, query)
            return 200, {
                "data": {obj.name_plural: result.records},
                "totalCount": result.total,
                "pageInfo": result.page_info,
            }
        if method == "POST":
            body = await _json_body(request)
            created = records.create(obj, [body if body is not None else {}], upsert=_flag(query, "upsert"))
            return 201, {"data": {f"create{singular}": created[0]}}
        if method in ("PATCH", "PUT"):
            body = await _json_body(request)
            updated = records.update_many(obj, query.get("filter"), body if body is not None else {})
            return 200, {"data": {f"update{plural}": updated}}
        if method == "DELETE":
            deleted = records.delete_many(obj, query.get("filter"), soft=_flag(query, "soft_delete"))
            return 200, {"data": {f"delete{plural}": deleted}}
    else:
        if method == "GET":
            depth = _query.parse_depth(query.get("depth"))
            return 200, {"data": {obj.name_singular: records.get(obj, rest, depth)}}
        if method in ("PATCH", "PUT"):
            body = await _json_body(request)
            return 200, {"data": {f"update{singular}": records.update(obj, rest, body if body is not None else {})}}
        if method == "DELETE":
            return 200, {"data": {f"delete{singular}": records.delete(obj, rest, soft=_flag(query, "soft_delete"))}}
    raise ApiError(404, {"statusCode": 404, "message": f"Cannot {method} {path}", "error": "Not Found"})


# -- the app -----------------------------------------------------------------------------------------------------


def _auth(emulator: Emulator, request: Request) -> None:
    header = request.headers.get("authorization")
    if not header or not header.lower().startswith("bearer ") or not header[7:].strip():
        raise ApiError(
            403, {"statusCode": 403, "messages": ["Missing authentication token"], "error": "FORBIDDEN_EXCEPTION"}
        )
    if header[7:].strip() != emulator.api_key:
        raise ApiError(401, {"statusCode": 401, "messages": ["Token invalid."], "error": "UNAUTHENTICATED"})


def _route_key(method: str, path: str) -> str:
    """A request's route with its object and id replaced, for the request counters."""
    parts = path.rstrip("/").split("/")
    if len(parts) >= 3 and parts[1] == "rest":
        if parts[2] in ("metadata", "open-api"):
            generic = parts[:4] + (["{id}"] if len(parts) > 4 else [])
        elif parts[2] in ("batch", "restore"):
            generic = [*parts[:3], "{object}"] + (["{id}"] if len(parts) > 4 else [])
        else:
            tail = parts[3:4]
            generic = [*parts[:2], "{object}"] + (
                [tail[0] if tail[0] in ("duplicates", "merge", "groupBy") else "{id}"] if tail else []
            )
        return f"{method} {'/'.join(generic)}"
    return f"{method} {path}"


def _fault_answer(decision: FaultDecision) -> Response:
    if decision.kind == "drop":
        return _DroppingResponse()
    if decision.kind == "rate_limit":
        return JSONAnswer(
            {"statusCode": 429, "error": "HttpException", "messages": ["Limit reached (100 tokens per 60000 ms)"]}, 429
        )
    return JSONAnswer(
        {"statusCode": decision.status, "error": "InternalServerErrorException", "messages": ["Injected fault"]},
        decision.status,
    )


def _lost_answer(status: int) -> Response:
    """The answer to a request that was applied, lost on its way back: a dropped connection (``status`` 0), or the
    error page a gateway (nginx) serves when the upstream's answer never reached it."""
    if not status:
        return _DroppingResponse()
    title = f"{status} {HTTPStatus(status).phrase}"
    page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
    return Response(page + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", status, media_type="text/html")


def create_app(emulator: Emulator) -> Starlette:
    """The ASGI app serving ``emulator``. ``app.state.emulator`` holds it.

    Also keeps the drops it injects out of the ASGI server's error log (a filter on uvicorn's logger).
    """
    for name in _SERVER_LOGGERS:
        logging.getLogger(name).addFilter(_QUIET_DROPS)  # no-op when already there

    async def rest(request: Request) -> Response:
        path = request.url.path
        method = request.method
        decision = emulator.faults.decide(method, path)
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        try:
            _auth(emulator, request)
        except ApiError as err:
            return JSONAnswer(err.body, err.status)
        emulator.count(_route_key(method, path))
        if decision.kind in ("drop", "error", "rate_limit"):  # before the request is applied
            if decision.kind == "drop":
                try:  # read the request in full: unread bytes would make the close a reset, not a cut-off answer
                    await request.body()
                except ClientDisconnect:
                    return Response(status_code=499)
            return _fault_answer(decision)
        response = await apply(request, decision.slow_body_ms)
        if decision.kind == "lose" and response.status_code != 499:  # applied, then the answer is lost
            return _lost_answer(decision.status)
        return response

    async def apply(request: Request, slow_body_ms: float) -> Response:
        path = request.url.path
        method = request.method
        query = dict(request.query_params.multi_items())
        try:
            if path.startswith("/rest/open-api/"):
                status, body = _metadata_api.open_api(emulator, path, str(request.base_url).rstrip("/"))
            elif path.startswith("/rest/metadata/") or path == "/rest/metadata":
                body_json = await _json_body(request) if method in ("POST", "PATCH", "PUT") else None
                try:
                    status, body = _metadata_api.handle(emulator, method, path, query, body_json)
                finally:
                    if method != "GET":
                        emulator.metadata_changed()
            else:
                refusal = emulator.rate_limiter.take()
                if refusal is not None:
                    return JSONAnswer({"statusCode": 429, "error": "HttpException", "messages": [refusal]}, 429)
                status, body = await _records_route(emulator, request, path, query)
        except ApiError as err:
            status, body = err.status, err.body
        except ClientDisconnect:
            log.debug("client went away during %s %s", method, path)
            return Response(status_code=499)  # nobody is listening; nothing to answer
        except Exception:
            log.exception("unexpected error answering %s %s", method, path)
            status, body = (
                500,
                {"statusCode": 500, "error": "InternalServerErrorException", "messages": ["Internal server error"]},
            )
        if slow_body_ms:
            return _SlowResponse(body, status, slow_body_ms)
        return JSONAnswer(body, status)

    async def private(request: Request) -> Response:
        """Counters, faults and rate-limit controls for tests and benchmarks (API key required)."""
        try:
            _auth(emulator, request)
        except ApiError as err:
            return JSONAnswer(err.body, err.status)
        what = request.path_params["what"]
        if what == "counters":
            if request.method == "DELETE":
                emulator.reset_counts()
            return JSONAnswer({"counters": emulator.request_counts()})
        if what == "faults":
            if request.method == "PUT":
                try:
                    rules, seed = rules_from_json(await _json_body(request))
                except ApiError as err:
                    return JSONAnswer(err.body, err.status)
                except (TypeError, ValueError) as exc:
                    return JSONAnswer(bad_request(str(exc)).body, 400)
                emulator.faults.set(rules, seed)
            elif request.method == "DELETE":
                emulator.faults.clear()
            return JSONAnswer({"rules": [attrs.asdict(r) for r in emulator.faults.rules]})
        if what == "rate-limit" and request.method == "DELETE":
            emulator.rate_limiter.reset()
            return JSONAnswer({"reset": True})
        return JSONAnswer(
            {"statusCode": 404, "error": "NotFoundException", "messages": ["unknown emulator endpoint"]}, 404
        )

    async def graphql(request: Request) -> Response:
        try:
            status, body = await _graphql.answer(emulator, request, _json_body)  # records through GraphQL
        except ApiError as err:
            status, body = err.status, err.body
        return JSONAnswer(body, status)

    async def graphql_metadata(request: Request) -> Response:
        try:  # the workspace's schema through GraphQL (a subset of Twenty's /metadata)
            status, body = await _graphql.answer(emulator, request, _json_body, _graphql_metadata.execute_metadata)
        except ApiError as err:
            status, body = err.status, err.body
        return JSONAnswer(body, status)

    async def health(request: Request) -> Response:
        return JSONAnswer({"status": "ok"})

    async def unknown_route(request: Request) -> Response:
        """Any other path: NestJS's 404 body, as Twenty answers it (never a plain-text page)."""
        message = f"Cannot {request.method} {request.url.path}"
        return JSONAnswer({"statusCode": 404, "message": message, "error": "Not Found"}, 404)

    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    app = Starlette(
        routes=[
            Route("/healthz", health),
            Route(_PRIVATE + "/{what}", private, methods=methods),
            Route("/rest/{path:path}", rest, methods=methods),
            Route("/graphql", graphql, methods=["POST"]),
            Route("/metadata", graphql_metadata, methods=["POST"]),
            Route("/{path:path}", unknown_route, methods=methods),
        ]
    )
    app.state.emulator = emulator
    return app
