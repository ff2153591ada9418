"""``ensure_schema`` under fault storms on the metadata routes: 5xx, 429s and dropped connections from the emulator
(decided before it serves the request), and creates that land but whose answer is lost (the emulator cannot do that
itself: :class:`LoseAnswers` applies the request, then drops the connection or answers a gateway's 502). Whatever the
storm, the run ends with every declared object and field in the workspace exactly once, and a second run writes
nothing."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule
from twenty_emulator._app import create_app
from twenty_emulator._testing import ASGISyncTransport, serve_in_thread
from twenty_sync import SEED_SCHEMA

from twenty_sdk import (
    APIError,
    AsyncMetadata,
    AsyncTransport,
    ClientConfig,
    FieldSpec,
    InternalServerError,
    Metadata,
    ObjectSpec,
    RelationSpec,
    RetryPolicy,
    SchemaItem,
    Transport,
)

from .conftest import BASE_URL, ok, raw_object, writes

SEED_ITEMS = {spec.name_singular for spec in SEED_SCHEMA if spec.custom} | {
    f"{spec.name_singular}.{field.name}" for spec in SEED_SCHEMA for field in spec.fields
}  # what a fresh workspace gets: the custom object, every field and relation
SEEDS = [1, 2, 3, 4, 5]
METADATA = "* /rest/metadata/*"  # the reads (retried by the transport) and the creates
CREATES = "POST /rest/metadata/*"
RETRY = RetryPolicy(max_retries=20, initial_delay=0.0, max_delay=0.0)  # 0.5 ** 21: no seed exhausts it
STORMS = {
    "5xx": [FaultRule(route=METADATA, error_rate=0.5, error_status=503)],
    "429": [FaultRule(route=METADATA, rate_limit_rate=0.5)],
    "mixed": [FaultRule(route=METADATA, error_rate=0.3, rate_limit_rate=0.2, error_status=502)],
}


class LoseAnswers(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Lets a metadata create through to the emulator, then, at ``rate``, loses its answer: the connection drops
    (``httpx.ReadError``) or a gateway answers 502, although the write was applied."""

    def __init__(self, inner: Any, rate: float, seed: int) -> None:
        self.inner = inner
        self.rate = rate
        self.rng = random.Random(seed)
        self.lost = 0

    def _lose(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if not (
            request.method == "POST"
            and request.url.path.startswith("/rest/metadata/")
            and response.status_code < 300
            and self.rng.random() < self.rate
        ):
            return response
        self.lost += 1
        if self.rng.random() < 0.5:
            raise httpx.ReadError("connection lost after the server applied the request", request=request)
        body = {"statusCode": 502, "error": "Bad Gateway", "messages": ["upstream answer lost"]}
        return httpx.Response(502, json=body, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return self._lose(request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self._lose(request, response)

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()


def _config(emulator: Emulator, base_url: str = BASE_URL, retry: RetryPolicy = RETRY) -> ClientConfig:
    return ClientConfig(base_url=base_url, api_key=emulator.api_key, retry=retry)


def _sync(emulator: Emulator, *, lose_rate: float = 0.0, seed: int = 0) -> LoseAnswers:
    """The emulator in process, behind a :class:`LoseAnswers` (which loses nothing at rate 0)."""
    return LoseAnswers(ASGISyncTransport(create_app(emulator)), lose_rate, seed)


def _transport(emulator: Emulator, lose: LoseAnswers, retry: RetryPolicy = RETRY) -> Transport:
    return Transport(_config(emulator, retry=retry), http_client=httpx.Client(transport=lose), sleep=lambda _s: None)


def paths(items: tuple[SchemaItem, ...]) -> set[str]:
    return {item.path for item in items}


def assert_each_item_once(http: httpx.Client) -> None:
    """Every object of the seed's schema, and each field it declares (and each relation's reverse field), once."""
    objects = ok(http.get("/rest/metadata/objects", params={"limit": 200}))["data"]["objects"]
    assert Counter(o["nameSingular"] for o in objects)["contactBusinessRelationship"] == 1
    counts = {o["nameSingular"]: Counter(f["name"] for f in o["fields"]) for o in objects}
    for spec in SEED_SCHEMA:
        for field in spec.fields:
            assert counts[spec.name_singular][field.name] == 1, f"{spec.name_singular}.{field.name}"
            if isinstance(field, RelationSpec):
                assert counts[field.target][field.target_field_name] == 1, f"{field.target}.{field.target_field_name}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("storm", sorted(STORMS))
def test_ensure_schema_creates_each_item_once_through_a_storm(
    storm: str, seed: int, emulator: Emulator, http: httpx.Client
) -> None:
    emulator.faults.set(STORMS[storm], seed=seed)
    with _transport(emulator, _sync(emulator)) as transport:
        report = Metadata(transport).ensure_schema(SEED_SCHEMA)
        assert paths(report.created) == SEED_ITEMS
        assert report.writes == len(SEED_ITEMS)
        fields_created = len(SEED_ITEMS) - 1
        assert emulator.request_counts()["POST /rest/metadata/fields"] > fields_created  # the storm hit the creates

        emulator.reset_counts()
        again = Metadata(transport).ensure_schema(SEED_SCHEMA)  # faults still on: reads only
    assert again.writes == 0
    assert writes(emulator) == {}
    emulator.faults.clear()
    assert_each_item_once(http)


@pytest.mark.parametrize("seed", SEEDS)
def test_creates_that_land_but_lose_their_answer_are_not_sent_twice(
    seed: int, emulator: Emulator, http: httpx.Client
) -> None:
    emulator.faults.set([FaultRule(route=METADATA, error_rate=0.2, error_status=500)], seed=seed)
    lose = _sync(emulator, lose_rate=0.5, seed=seed)
    with _transport(emulator, lose) as transport:
        report = Metadata(transport).ensure_schema(SEED_SCHEMA)
        again = Metadata(transport).ensure_schema(SEED_SCHEMA)

    assert lose.lost >= 5  # at this rate, many of the creates landed unanswered
    assert paths(report.created) == SEED_ITEMS
    assert again.writes == 0
    emulator.faults.clear()
    assert_each_item_once(http)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_async_ensure_schema_creates_each_item_once_through_a_storm(
    seed: int, emulator: Emulator, http: httpx.Client
) -> None:
    emulator.faults.set(STORMS["mixed"], seed=seed)
    lose = LoseAnswers(httpx.ASGITransport(app=create_app(emulator)), rate=0.4, seed=seed)

    async def no_sleep(_seconds: float) -> None:
        return None

    async def main() -> tuple[set[str], int]:
        async with (
            httpx.AsyncClient(transport=lose) as http_client,
            AsyncTransport(_config(emulator), http_client=http_client, sleep=no_sleep) as transport,
        ):
            metadata = AsyncMetadata(transport)
            first = await metadata.ensure_schema(SEED_SCHEMA)
            second = await metadata.ensure_schema(SEED_SCHEMA)
            return paths(first.created), second.writes

    created, second_writes = asyncio.run(main())

    assert lose.lost > 0
    assert created == SEED_ITEMS
    assert second_writes == 0
    emulator.faults.clear()
    assert_each_item_once(http)


@pytest.fixture
def loopback(emulator: Emulator) -> Iterator[str]:
    with serve_in_thread(emulator) as server:
        yield server.url


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_dropped_connections_over_a_socket_are_survived(
    seed: int, emulator: Emulator, loopback: str, http: httpx.Client
) -> None:
    emulator.faults.set([FaultRule(route=CREATES, drop_rate=0.4)], seed=seed)
    with Transport(_config(emulator, loopback), sleep=lambda _s: None) as transport:
        report = Metadata(transport).ensure_schema(SEED_SCHEMA)
        again = Metadata(transport).ensure_schema(SEED_SCHEMA)

    assert paths(report.created) == SEED_ITEMS
    assert again.writes == 0
    emulator.faults.clear()
    assert_each_item_once(http)


def test_a_create_that_keeps_failing_is_tried_max_retries_plus_one_times(emulator: Emulator) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/metadata/fields", error_rate=1.0, error_status=503)])
    slept: list[float] = []
    retry = RetryPolicy(max_retries=3, initial_delay=0.25, max_delay=0.25)
    transport = Transport(
        _config(emulator, retry=retry), http_client=httpx.Client(transport=ASGISyncTransport(create_app(emulator)))
    )
    transport._sleep = slept.append
    schema = [ObjectSpec("person", "people", custom=False, fields=[FieldSpec("code", "TEXT", "Code")])]

    with transport, pytest.raises(InternalServerError) as caught:
        Metadata(transport).ensure_schema(schema)

    assert caught.value.status == 503
    assert writes(emulator) == {"POST /rest/metadata/fields": 4}
    assert len(slept) == 3
    assert all(0 <= s <= 0.25 for s in slept)
    assert "ensure_schema stopped after 0 write(s)" in "".join(caught.value.__notes__)


def test_a_create_refused_with_a_400_is_not_retried(emulator: Emulator) -> None:
    schema = [ObjectSpec("person", "people", custom=False, fields=[FieldSpec("code", "TEXT", "Code")])]
    emulator.faults.set([FaultRule(route="POST /rest/metadata/fields", error_rate=1.0, error_status=400)])

    with _transport(emulator, _sync(emulator)) as transport, pytest.raises(APIError) as caught:
        Metadata(transport).ensure_schema(schema)

    assert caught.value.status == 400
    assert writes(emulator) == {"POST /rest/metadata/fields": 1}


class ConcurrentWriter(httpx.BaseTransport):
    """While our create of ``person.code`` is on its way, another writer creates ``person.code`` as a NUMBER; ours
    then fails with a 503."""

    def __init__(self, emulator: Emulator) -> None:
        self.inner = ASGISyncTransport(create_app(emulator))
        self.other = httpx.Client(
            transport=self.inner, base_url=BASE_URL, headers={"Authorization": f"Bearer {emulator.api_key}"}
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/rest/metadata/fields":
            person = raw_object(self.other, "person")
            body = {"objectMetadataId": person["id"], "name": "code", "label": "Code", "type": "NUMBER"}
            ok(self.other.post("/rest/metadata/fields", json=body))
            return httpx.Response(503, json={"statusCode": 503, "messages": ["busy"]}, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_field_found_different_after_a_failed_create_is_reported_not_accepted(emulator: Emulator) -> None:
    schema = [ObjectSpec("person", "people", custom=False, fields=[FieldSpec("code", "TEXT", "Code")])]
    http_client = httpx.Client(transport=ConcurrentWriter(emulator))
    with (
        Transport(_config(emulator), http_client=http_client, sleep=lambda _s: None) as transport,
        pytest.raises(InternalServerError) as caught,
    ):
        Metadata(transport).ensure_schema(schema)

    notes = "".join(caught.value.__notes__)
    assert "create field person.code: it exists now, but differs from the declaration: type is NUMBER" in notes
