"""Lost answers (``lose_rate``, ``lose_status``): the request is applied, then its answer is lost — the connection
drops, or a gateway answers its error page. And drops as a client sees them: ``httpx.RemoteProtocolError`` in process
as over a socket, with nothing but one debug line in the server's log."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send
from twenty_emulator import Emulator, FaultRule, Faults, RateLimiter
from twenty_emulator._app import _DroppedConnectionError, _QuietDrops
from twenty_emulator._cli import parse_fault
from twenty_emulator._testing import ASGISyncTransport, RunningServer, async_client, client, serve_in_thread

PEOPLE = "/rest/people"
BATCH = "POST /rest/batch/*"


def _emulator(rules: list[FaultRule] | None = None, seed: int = 0) -> Emulator:
    return Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False), faults=Faults(rules, seed=seed))


def _people(emulator: Emulator) -> list[dict[str, object]]:
    emulator.faults.clear()
    with client(emulator) as http:
        return list(http.get(PEOPLE, params={"limit": 200}).json()["data"]["people"])


def _outcomes(rules: list[FaultRule], seed: int, n: int = 100) -> list[str]:
    """Each create's fate: its status, or "lost" when the connection broke."""
    seen: list[str] = []
    with client(_emulator(rules, seed)) as http:
        for i in range(n):
            try:
                seen.append(str(http.post(PEOPLE, json={"jobTitle": f"t{i}"}).status_code))
            except httpx.RemoteProtocolError:
                seen.append("lost")
    return seen


# -- the rule ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [{"lose_rate": 1.5}, {"lose_rate": -0.1}, {"lose_status": 200}, {"lose_status": 600}, {"lose_status": True}],
)
def test_a_bad_lost_answer_setting_is_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        FaultRule(**settings)  # type: ignore[arg-type]


def test_the_cli_reads_lose_rate_and_an_integer_lose_status() -> None:
    rule = parse_fault("POST /rest/batch/*:lose_rate=0.2,lose_status=504")
    assert rule == FaultRule(route=BATCH, lose_rate=0.2, lose_status=504)
    assert isinstance(rule.lose_status, int)


def test_the_http_endpoint_sets_lost_answers(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    rules = [{"route": BATCH, "lose_rate": 0.3}, {"route": "PATCH *", "lose_rate": 1, "lose_status": 502}]
    answer = twenty_client.put("/_emulator/faults", json={"rules": rules, "seed": 4}).json()
    assert [(r["lose_rate"], r["lose_status"]) for r in answer["rules"]] == [(0.3, None), (1, 502)]
    assert twenty_emulator.faults.rules == [
        FaultRule(route=BATCH, lose_rate=0.3),
        FaultRule(route="PATCH *", lose_rate=1.0, lose_status=502),
    ]


def test_the_http_endpoint_refuses_a_bad_lose_status(twenty_client: httpx.Client) -> None:
    response = twenty_client.put("/_emulator/faults", json={"rules": [{"lose_rate": 1, "lose_status": 201}]})
    assert response.status_code == 400
    assert "lose_status" in str(response.json()["messages"])


# -- the write is applied, the answer is lost --------------------------------------------------------------------------


def test_a_lost_create_is_applied_and_its_answer_is_a_broken_connection() -> None:
    emulator = _emulator([FaultRule(route="POST /rest/people", lose_rate=1.0)])
    with client(emulator) as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(PEOPLE, json={"jobTitle": "landed"})
    assert [p["jobTitle"] for p in _people(emulator)] == ["landed"]


def test_a_lost_batch_upsert_is_applied_and_a_retry_does_not_duplicate_it() -> None:
    emulator = _emulator([FaultRule(route=BATCH, lose_rate=1.0)])
    rows = [{"emails": {"primaryEmail": f"p{i}@example.com"}, "jobTitle": "v1"} for i in range(3)]
    with client(emulator) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("/rest/batch/people", json=rows, params={"upsert": "true"})
        assert len(_people(emulator)) == 3  # landed although the client never heard so
        retried = http.post("/rest/batch/people", json=rows, params={"upsert": "true"})
    assert retried.status_code == 201
    assert sorted(p["emails"]["primaryEmail"] for p in _people(emulator)) == [  # type: ignore[index]
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
    ]


@pytest.mark.parametrize(("status", "title"), [(502, "502 Bad Gateway"), (504, "504 Gateway Timeout")])
def test_a_lost_answer_with_a_status_is_a_gateways_error_page(status: int, title: str) -> None:
    emulator = _emulator([FaultRule(route="POST /rest/people", lose_rate=1.0, lose_status=status)])
    with client(emulator) as http:
        response = http.post(PEOPLE, json={"jobTitle": "landed"})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{title}</title>" in response.text
    assert [p["jobTitle"] for p in _people(emulator)] == ["landed"]


def test_a_lost_update_is_applied() -> None:
    emulator = _emulator()
    with client(emulator) as http:
        pid = http.post(PEOPLE, json={"jobTitle": "v1"}).json()["data"]["createPerson"]["id"]
        emulator.faults.set([FaultRule(route="PATCH *", lose_rate=1.0, lose_status=504)])
        assert http.patch(f"{PEOPLE}/{pid}", json={"jobTitle": "v2"}).status_code == 504
    assert [p["jobTitle"] for p in _people(emulator)] == ["v2"]


def test_a_lost_request_counts_as_made() -> None:
    emulator = _emulator([FaultRule(route=BATCH, lose_rate=1.0)])
    with client(emulator) as http:
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                http.post("/rest/batch/people", json=[{}])
    assert emulator.request_counts() == {"POST /rest/batch/{object}": 2}


def test_an_unauthenticated_request_is_refused_not_lost() -> None:
    emulator = _emulator([FaultRule(lose_rate=1.0)])
    with client(emulator, authenticated=False) as anonymous:
        assert anonymous.post(PEOPLE, json={}).status_code == 403
    assert emulator.request_counts() == {}


def test_a_refused_write_loses_its_answer_too() -> None:
    emulator = _emulator([FaultRule(route="POST /rest/people", lose_rate=1.0, lose_status=502)])
    with client(emulator) as http:
        assert http.post(PEOPLE, json={"noSuchField": 1}).status_code == 502  # the 400 never reached the client
    assert _people(emulator) == []


# -- reproducible under a seed -----------------------------------------------------------------------------------------

MIXED = [FaultRule(route="*", error_rate=0.2, lose_rate=0.2, lose_status=504)]


def test_the_same_seed_loses_the_same_answers() -> None:
    first = _outcomes(MIXED, seed=7)
    assert first == _outcomes(MIXED, seed=7)
    assert set(first) == {"201", "503", "504"}


def test_another_seed_loses_other_answers() -> None:
    assert _outcomes(MIXED, seed=7) != _outcomes(MIXED, seed=8)


def test_the_lose_rate_is_roughly_honoured_and_every_lost_write_landed() -> None:
    emulator = _emulator([FaultRule(route="POST /rest/people", lose_rate=0.3)], seed=3)
    counts: Counter[str] = Counter()
    with client(emulator) as http:
        for i in range(200):
            try:
                counts[str(http.post(PEOPLE, json={"jobTitle": f"t{i}"}).status_code)] += 1
            except httpx.RemoteProtocolError:
                counts["lost"] += 1
    assert 40 <= counts["lost"] <= 80
    assert counts["201"] == 200 - counts["lost"]
    assert len(_people(emulator)) == 200


def test_an_unused_lose_rate_leaves_the_other_faults_sequence_unchanged() -> None:
    before = [FaultRule(route="*", error_rate=0.2, rate_limit_rate=0.2, error_status=502)]
    after = [FaultRule(route="*", error_rate=0.2, rate_limit_rate=0.2, error_status=502, lose_rate=0.0)]
    assert _outcomes(before, seed=5) == _outcomes(after, seed=5)


# -- over a socket -----------------------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(_emulator()) as running:
        yield running


def _socket_error(server: RunningServer, rule: FaultRule) -> httpx.RemoteProtocolError:
    server.emulator.faults.set([rule])
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as http:
        with pytest.raises(httpx.RemoteProtocolError) as caught:  # not a ReadError: the body was read, then cut off
            http.post(PEOPLE, json={"jobTitle": "over a socket", "avatarUrl": "x" * 20_000})
        assert http.get("/rest/companies").status_code == 200  # the server lives on
    return caught.value


def test_a_lost_answer_over_a_socket_is_a_protocol_error_and_the_write_landed(server: RunningServer) -> None:
    _socket_error(server, FaultRule(route="POST /rest/people", lose_rate=1.0))
    assert [p["jobTitle"] for p in _people(server.emulator)] == ["over a socket"]


def test_in_process_a_drop_is_the_protocol_error_a_socket_gives(server: RunningServer) -> None:
    over_socket = _socket_error(server, FaultRule(route="POST /rest/people", drop_rate=1.0))
    server.emulator.faults.set([FaultRule(route="POST /rest/people", drop_rate=1.0)])
    with client(server.emulator) as http:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            http.post(PEOPLE, json={})
        assert http.get(PEOPLE).status_code == 200  # the transport lives on
    assert str(caught.value) == str(over_socket)
    assert caught.value.request.url.path == PEOPLE


def test_in_process_an_async_client_sees_a_drop_as_a_protocol_error() -> None:
    emulator = _emulator([FaultRule(route="POST /rest/people", lose_rate=1.0)])

    async def post() -> None:
        async with async_client(emulator) as http:
            await http.post(PEOPLE, json={"jobTitle": "async"})

    with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
        asyncio.run(post())
    assert [p["jobTitle"] for p in _people(emulator)] == ["async"]


def test_in_process_an_apps_real_error_is_not_disguised_as_a_drop() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("a real bug")

    with (
        httpx.Client(transport=ASGISyncTransport(broken), base_url="http://twenty.local") as http,
        pytest.raises(RuntimeError, match="a real bug"),
    ):
        http.get("/")


# -- a deliberate drop is quiet in the server's log --------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def uvicorn_log(server: RunningServer) -> Iterator[list[logging.LogRecord]]:
    """What uvicorn's error logger (where it writes an app's tracebacks) passes to its handlers; added once the server
    runs, as uvicorn's logging setup replaces the logger's handlers."""
    handler = _Records()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    "rule",
    [FaultRule(route="POST *", drop_rate=1.0), FaultRule(route="POST *", lose_rate=1.0)],
    ids=["drop", "lose"],
)
def test_a_deliberate_drop_logs_one_debug_line_and_no_traceback(
    server: RunningServer, uvicorn_log: list[logging.LogRecord], caplog: pytest.LogCaptureFixture, rule: FaultRule
) -> None:
    caplog.set_level(logging.DEBUG, logger="twenty_emulator")
    _socket_error(server, rule)
    assert [r for r in uvicorn_log if r.levelno >= logging.WARNING or r.exc_info] == []
    drops = [r for r in caplog.records if r.name == "twenty_emulator" and "dropped" in r.getMessage()]
    assert [(r.levelno, r.getMessage(), r.exc_info) for r in drops] == [
        (logging.DEBUG, "POST /rest/people: connection dropped by fault injection", None)
    ]


def _record(exc: BaseException) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Exception in ASGI application",
        None,
        (
            type(exc),
            exc,
            None,
        ),
    )


def test_the_log_filter_hides_only_deliberate_drops() -> None:
    drop = _DroppedConnectionError(8, 1000)
    quiet = _QuietDrops()
    assert not quiet.filter(_record(drop))
    assert not quiet.filter(_record(ExceptionGroup("wrapped", [drop])))
    assert quiet.filter(_record(RuntimeError("a real bug")))
    assert quiet.filter(_record(ExceptionGroup("mixed", [drop, RuntimeError("a real bug")])))
    plain = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "no exception", None, None)
    assert quiet.filter(plain)
