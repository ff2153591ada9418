"""Twenty's throttle as the SDK meets it, recorded on a real Twenty 2.21.0 with its default limits (100 requests per
second and per minute; see conftest.py): a burst past the limit is refused with Twenty's answer, and a client
that knows nothing of it (a new process) draws one 429, drains its pacer, waits and goes on -- paced, no storm.

Recorded with ``TWENTY_RECORD_URL_DEFAULT_LIMITS`` (a server started with ``RATE_LIMITS=default``, its buckets full:
idle for a minute); replayed on a fake clock, so nothing sleeps."""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml
from twenty_emulator import Emulator, RateLimiter, Workspace, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import ClientConfig, Pacer, RateLimit, RateLimitError, RetryPolicy, Transport, TwentyClient

from .conftest import CASSETTES, REPLAY_KEY, played

RECORD_URL = os.environ.get("TWENTY_RECORD_URL_DEFAULT_LIMITS", "")
URL = RECORD_URL or "http://127.0.0.1:3001"
RECORDED_WORKSPACE = Path(__file__).parents[1] / "conformance" / "recorded" / "workspace-metadata.json"
PARAMS = {"limit": "0", "filter": "emails.primaryEmail[like]:%@cassette-429.test"}
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TWENTY_RECORD_URL")) and not RECORD_URL,
    reason="needs a server with Twenty's default limits: set TWENTY_RECORD_URL_DEFAULT_LIMITS",
)


def _key() -> str:
    return (os.environ.get("TWENTY_API_KEY") or "") if RECORD_URL else REPLAY_KEY


class _Clock:
    """Real time when recording; a clock that sleeping moves forward when replaying."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def time(self) -> float:
        return time.monotonic() if RECORD_URL else self.now

    def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)
        if RECORD_URL:
            time.sleep(seconds)
        else:
            self.now += max(0.0, seconds)


def _transport(clock: _Clock, *, paced: bool, retries: int) -> Transport:
    limits = RateLimit() if paced else RateLimit(enabled=False)
    retry = RetryPolicy(max_retries=retries, initial_delay=0.05, max_delay=0.2)
    config = ClientConfig(base_url=URL, api_key=_key(), retry=retry, rate_limit=limits)
    sleep: Callable[[float], None] = clock.sleep
    return Transport(config, pacer=Pacer(limits, clock=clock.time, sleep=sleep), sleep=sleep)


def test_429_a_burst_past_the_limit_is_refused_then_a_paced_client_recovers_without_a_storm() -> None:
    clock = _Clock()
    with played("sdk-429") as cassette:
        with _transport(clock, paced=False, retries=0) as burst:
            answers = [burst.request("GET", "/rest/people", params=PARAMS) for _ in range(100)]
            assert all(a["totalCount"] == 0 for a in answers)  # the 100 tokens of a full bucket
            with pytest.raises(RateLimitError) as refused:
                burst.request("GET", "/rest/people", params=PARAMS)
        assert refused.value.status == 429
        assert "Limit reached (100 tokens per" in str(refused.value)

        with _transport(clock, paced=True, retries=4) as fresh:  # another process: its pacer thinks the buckets full
            waited_before = clock.slept
            for _ in range(3):
                assert fresh.request("GET", "/rest/people", params=PARAMS)["totalCount"] == 0
            # the first request drew the 429 and drained the pacer: the rest waited for refills, none was refused
            assert clock.slept - waited_before >= 1.0
        statuses = [answer["status"]["code"] for _, answer in cassette.data]
        assert statuses == [200] * 100 + [429] + [429] + [200] * 3  # one 429 for the newcomer, then no storm


ONE_FIELD = '{ people(filter: {emails: {primaryEmail: {like: "%@cassette-429.test"}}}) { totalCount } }'
THREE_FIELDS = (
    '{ people(filter: {emails: {primaryEmail: {like: "%@cassette-429.test"}}}) { totalCount }'
    ' companies(filter: {name: {like: "%cassette-429%"}}) { totalCount }'
    ' opportunities(filter: {name: {like: "%cassette-429%"}}) { totalCount } }'
)
THREE_MUTATIONS = (
    'mutation { updatePeople(filter: {emails: {primaryEmail: {like: "%@cassette-429.test"}}}, data: {jobTitle: "x"})'
    ' { id } updateCompanies(filter: {name: {like: "%cassette-429%"}}, data: {employees: 1}) { id }'
    ' updateOpportunities(filter: {name: {like: "%cassette-429%"}}, data: {name: "x"}) { id } }'
)


def _graphql_client(clock: _Clock) -> TwentyClient:
    limits = RateLimit(enabled=False)  # a burst, not paced: the server's bucket decides
    sleep: Callable[[float], None] = clock.sleep
    return TwentyClient(
        URL,
        _key(),
        retry=RetryPolicy(max_retries=0),
        rate_limit=limits,
        pacer=Pacer(limits, clock=clock.time, sleep=sleep),
    )


def test_429_graphql_a_request_costs_one_token_whatever_its_root_fields() -> None:
    """Each root field runs Twenty's throttle, but concurrently, all reading the bucket before any writes it back: 98
    one-field queries, then three root fields (a query, then a mutation) are admitted whole, and the next request is
    refused on every one of its root fields."""
    clock = _Clock()
    with played("graphql-429") as cassette, _graphql_client(clock) as twenty:
        for _ in range(98):
            assert twenty.graphql.execute(ONE_FIELD) == {"people": {"totalCount": 0}}
        assert twenty.graphql.execute(THREE_FIELDS) == {
            "people": {"totalCount": 0},
            "companies": {"totalCount": 0},
            "opportunities": {"totalCount": 0},
        }
        assert twenty.graphql.execute(THREE_MUTATIONS) == {
            "updatePeople": [],
            "updateCompanies": [],
            "updateOpportunities": [],
        }
        with pytest.raises(RateLimitError) as refused:
            twenty.graphql.execute(THREE_FIELDS)
    assert refused.value.code == "LIMIT_REACHED"
    assert refused.value.messages == ["Limit reached (100 tokens per 60000 ms)"] * 3
    assert len(cassette.data) == 101  # 100 tokens: 98 + 1 + 1, then the refusal


def test_the_emulator_throttles_graphql_as_the_recorded_server_did() -> None:
    """The graphql-429 cassette's requests, replayed on an emulator with Twenty's default limits and a clock that
    moves 20 ms per request, as the recording's did (faster than the long bucket's 600 ms per token, slower than the
    short bucket's 10 ms): the same answers."""
    recorded = yaml.safe_load((CASSETTES / "graphql-429.yaml").read_text(encoding="utf-8"))["interactions"]
    ticks = itertools.count(1_000.0, 0.02)
    workspace = Workspace.from_json(json.loads(RECORDED_WORKSPACE.read_text(encoding="utf-8")))  # the dev seed's fields
    emulator = Emulator(workspace, api_key="k", rate_limiter=RateLimiter(clock=lambda: next(ticks)))
    with httpx.Client(transport=ASGISyncTransport(create_app(emulator)), base_url="http://emulator") as http:
        for i, interaction in enumerate(recorded):
            body = json.loads(interaction["request"]["body"])
            answer = http.post("/graphql", json=body, headers={"Authorization": "Bearer k"})
            expected = interaction["response"]
            assert answer.status_code == expected["status"]["code"], i
            assert answer.json() == json.loads(expected["body"]["string"]), i
