"""Fault injection: per-route rates of errors, 429s, dropped connections, latency and slow bodies, reproducible under
a seed; steered in process (``emulator.faults``) or over HTTP (``/_emulator/faults``), with request counters by route
template."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule, Faults, RateLimiter, _app
from twenty_emulator._testing import RunningServer, client, serve_in_thread

MIXED = [FaultRule(route="*", error_rate=0.2, rate_limit_rate=0.2, error_status=502)]


def _emulator(rules: list[FaultRule] | None = None, seed: int = 0) -> Emulator:
    return Emulator(api_key="k", rate_limiter=RateLimiter(enabled=False), faults=Faults(rules, seed=seed))


def _statuses(http: httpx.Client, n: int = 200, path: str = "/rest/people") -> list[int]:
    return [http.get(path).status_code for _ in range(n)]


class _RecordedSleeps:
    """``asyncio`` as the emulator's app module sees it, with every ``sleep`` recorded (then slept for real): the
    tests read what the emulator waited, not the clock."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.seconds.append(delay)
        await asyncio.sleep(delay)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> _RecordedSleeps:
    recorded = _RecordedSleeps()
    monkeypatch.setattr(_app, "asyncio", recorded)
    return recorded


def _run(rules: list[FaultRule], seed: int) -> list[int]:
    with client(_emulator(rules, seed)) as http:
        return _statuses(http)


# -- reproducibility ---------------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_statuses() -> None:
    first = _run(MIXED, seed=7)
    assert first == _run(MIXED, seed=7)
    assert set(first) == {200, 429, 502}


def test_another_seed_gives_other_statuses() -> None:
    assert _run(MIXED, seed=7) != _run(MIXED, seed=8)


def test_rates_are_roughly_honoured() -> None:
    counts = Counter(_run(MIXED, seed=3))
    assert 20 <= counts[502] <= 60
    assert 20 <= counts[429] <= 60
    assert counts[200] == 200 - counts[502] - counts[429]


def test_setting_the_seed_again_replays_the_sequence(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set(MIXED, seed=11)
    first = _statuses(twenty_client, 50)
    twenty_emulator.faults.set(MIXED, seed=11)
    assert _statuses(twenty_client, 50) == first


def test_the_http_endpoint_seeds_like_the_constructor(twenty_client: httpx.Client) -> None:
    rules = [{"route": "*", "error_rate": 0.2, "rate_limit_rate": 0.2, "error_status": 502}]
    assert twenty_client.put("/_emulator/faults", json={"rules": rules, "seed": 7}).status_code == 200
    assert _statuses(twenty_client) == _run(MIXED, seed=7)


# -- what each fault does ----------------------------------------------------------------------------------------------


def test_an_injected_error_has_the_configured_status_and_twentys_shape(twenty_emulator: Emulator) -> None:
    twenty_emulator.faults.set([FaultRule(error_rate=1.0, error_status=502)])
    with client(twenty_emulator) as http:
        response = http.get("/rest/people")
    assert (response.status_code, response.json()) == (
        502,
        {"statusCode": 502, "error": "InternalServerErrorException", "messages": ["Injected fault"]},
    )


def test_an_injected_429_is_twentys_429(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(rate_limit_rate=1.0)])
    response = twenty_client.get("/rest/people")
    assert (response.status_code, response.json()) == (
        429,
        {"statusCode": 429, "error": "HttpException", "messages": ["Limit reached (100 tokens per 60000 ms)"]},
    )
    assert "retry-after" not in response.headers


def test_a_rule_applies_only_to_its_route(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=1.0)])
    assert twenty_client.post("/rest/batch/people", json=[{}]).status_code == 503
    assert twenty_client.post("/rest/people", json={}).status_code == 201
    assert twenty_client.get("/rest/people").status_code == 200


def test_a_rule_can_target_metadata_routes(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(route="GET /rest/metadata/*", error_rate=1.0, error_status=500)])
    assert twenty_client.get("/rest/metadata/objects").status_code == 500
    assert twenty_client.get("/rest/people").status_code == 200


def test_a_faulted_write_writes_nothing(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(route="POST *", error_rate=1.0)])
    assert twenty_client.post("/rest/batch/people", json=[{}, {}]).status_code == 503
    twenty_emulator.faults.clear()
    assert twenty_client.get("/rest/people").json()["totalCount"] == 0


def test_latency_delays_matching_requests(
    twenty_emulator: Emulator, twenty_client: httpx.Client, sleeps: _RecordedSleeps
) -> None:
    twenty_emulator.faults.set([FaultRule(route="GET /rest/companies", latency_ms=80)])
    assert twenty_client.get("/rest/people").status_code == 200
    assert sleeps.seconds == []  # another route: no delay
    assert twenty_client.get("/rest/companies").status_code == 200
    assert sleeps.seconds == [0.08]


def test_authentication_is_checked_before_faults(twenty_emulator: Emulator) -> None:
    twenty_emulator.faults.set([FaultRule(error_rate=1.0)])
    with client(twenty_emulator, authenticated=False) as anonymous:
        assert anonymous.get("/rest/people").status_code == 403


def test_private_endpoints_are_never_faulted(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(error_rate=1.0), FaultRule(drop_rate=1.0)])
    assert twenty_client.get("/_emulator/counters").status_code == 200
    assert twenty_client.delete("/_emulator/faults").json() == {"rules": []}
    assert twenty_client.get("/rest/people").status_code == 200


@pytest.mark.parametrize(
    "settings",
    [
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"error_status": 42},
        {"latency_ms": -1},
        {"route": 5},
        {"error_rate": "x"},
    ],
)
def test_a_bad_fault_rule_is_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the setting
        FaultRule(**settings)  # type: ignore[arg-type]


# -- over a real socket ------------------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(_emulator()) as running:
        yield running


def test_a_dropped_connection_is_a_protocol_error_not_an_answer(server: RunningServer) -> None:
    server.emulator.faults.set([FaultRule(route="GET /rest/people", drop_rate=1.0)])
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get("/rest/people")
        assert http.get("/rest/companies").status_code == 200  # the server lives on


def test_drops_follow_the_seed_too(server: RunningServer) -> None:
    def outcomes() -> list[str]:
        server.emulator.faults.set([FaultRule(route="GET /rest/people", drop_rate=0.5)], seed=5)
        seen: list[str] = []
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as http:
            for _ in range(20):
                try:
                    seen.append(str(http.get("/rest/people").status_code))
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    seen.append("drop")
        return seen

    first = outcomes()
    assert set(first) == {"200", "drop"}
    assert outcomes() == first


def test_a_slow_body_arrives_complete(server: RunningServer, sleeps: _RecordedSleeps) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as http:
        http.post("/rest/batch/people", json=[{"jobTitle": f"t{i}"} for i in range(50)])
        expected = http.get("/rest/people", params={"limit": 50})
        assert sleeps.seconds == []
        server.emulator.faults.set([FaultRule(route="GET /rest/people", slow_body_ms=200)])
        slow = http.get("/rest/people", params={"limit": 50})
    assert len(sleeps.seconds) > 1  # the body in pieces, a pause before each: 0.2 s in all
    assert sum(sleeps.seconds) == pytest.approx(0.2)
    assert slow.status_code == 200
    assert slow.content == expected.content
    assert len(slow.json()["data"]["people"]) == 50


# -- the private endpoints ---------------------------------------------------------------------------------------------


def test_put_faults_sets_rules_and_answers_them(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    answer = twenty_client.put(
        "/_emulator/faults", json={"rules": [{"route": "POST /rest/*", "error_rate": 0.3}], "seed": 1}
    ).json()
    assert answer == {
        "rules": [
            {
                "route": "POST /rest/*",
                "error_rate": 0.3,
                "error_status": 503,
                "rate_limit_rate": 0.0,
                "drop_rate": 0.0,
                "latency_ms": 0.0,
                "slow_body_ms": 0.0,
                "lose_rate": 0.0,
                "lose_status": None,
            }
        ]
    }
    assert twenty_emulator.faults.rules == [FaultRule(route="POST /rest/*", error_rate=0.3)]
    assert twenty_client.get("/_emulator/faults").json() == answer


def test_delete_faults_clears_them(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(error_rate=1.0)])
    assert twenty_client.delete("/_emulator/faults").json() == {"rules": []}
    assert twenty_emulator.faults.rules == []
    assert twenty_client.get("/rest/people").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"rules": "x"}',
        b'{"rules": [1]}',
        b'{"rules": [{"bogus": 1}]}',
        b'{"rules": [{"error_rate": 2}]}',
        b'{"rules": [], "seed": "x"}',
        b'{"ruels": []}',
    ],
)
def test_put_faults_refuses_a_bad_body_and_keeps_the_rules(
    twenty_emulator: Emulator, twenty_client: httpx.Client, body: bytes
) -> None:
    twenty_emulator.faults.set([FaultRule(latency_ms=1)])
    response = twenty_client.put("/_emulator/faults", content=body)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert twenty_emulator.faults.rules == [FaultRule(latency_ms=1)]


def test_request_counts_are_keyed_by_route_template(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    pid = twenty_client.post("/rest/people", json={}).json()["data"]["createPerson"]["id"]
    twenty_client.post("/rest/batch/people", json=[{}])
    twenty_client.post("/rest/batch/companies", json=[{}])
    twenty_client.get(f"/rest/people/{pid}")
    twenty_client.get("/rest/companies")
    twenty_client.patch("/rest/restore/people")
    twenty_client.get("/rest/metadata/objects")
    twenty_client.get("/rest/open-api/core")
    twenty_client.get("/_emulator/counters")  # the private endpoints are not counted
    assert twenty_emulator.request_counts() == {
        "POST /rest/{object}": 1,
        "POST /rest/batch/{object}": 2,
        "GET /rest/{object}/{id}": 1,
        "GET /rest/{object}": 1,
        "PATCH /rest/restore/{object}": 1,
        "GET /rest/metadata/objects": 1,
        "GET /rest/open-api/core": 1,
    }


def test_faulted_requests_are_counted(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_emulator.faults.set([FaultRule(error_rate=1.0)])
    _statuses(twenty_client, 3)
    assert twenty_emulator.request_counts() == {"GET /rest/{object}": 3}


def test_the_counters_endpoint_reads_and_resets(twenty_emulator: Emulator, twenty_client: httpx.Client) -> None:
    twenty_client.post("/rest/batch/people", json=[{}])
    assert twenty_client.get("/_emulator/counters").json() == {"counters": {"POST /rest/batch/{object}": 1}}
    assert twenty_client.delete("/_emulator/counters").json() == {"counters": {}}
    assert twenty_emulator.request_counts() == {}


def test_an_unknown_private_endpoint_is_404(twenty_client: httpx.Client) -> None:
    response = twenty_client.get("/_emulator/nothing")
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404
