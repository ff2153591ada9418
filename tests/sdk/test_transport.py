"""The transports against the emulator in process (and httpx.MockTransport where a failure cannot be staged there):
the Bearer key, JSON, error mapping, retries of 5xx storms and 429s, pacing of record routes only.
Retry backoff and pacing run on a fake clock: nothing here sleeps for real."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter
from twenty_emulator._testing import async_client, client

from twenty_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncTransport,
    AuthenticationError,
    BadRequestError,
    ClientConfig,
    InternalServerError,
    NotFoundError,
    Pacer,
    RateLimit,
    RetryPolicy,
    Transport,
)

from .conftest import API_KEY, FakeClock

BASE = "http://twenty.local"
# At a 50 % fault rate, 21 failures in a row happen to one request in 2 million: "retried until success".
PATIENT = RetryPolicy(max_retries=20)


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))


def config(**kwargs: object) -> ClientConfig:
    return ClientConfig(base_url=BASE, api_key=kwargs.pop("api_key", API_KEY), **kwargs)  # type: ignore[arg-type]


def fake_pacer(clock: FakeClock, limits: RateLimit | None = None) -> Pacer:
    return Pacer(limits or RateLimit(), clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep)


@pytest.fixture
def transport_for(emulator: Emulator, clock: FakeClock) -> Iterator[Callable[..., Transport]]:
    """Transports on the in-process emulator, sending the key themselves (the test client has none)."""
    made: list[Transport] = []

    def make(*, retry: RetryPolicy = PATIENT, limits: RateLimit | None = None, api_key: str = API_KEY) -> Transport:
        transport = Transport(
            config(retry=retry, api_key=api_key),
            http_client=client(emulator, authenticated=False),
            pacer=fake_pacer(clock, limits),
            sleep=clock.sleep,
            rng=random.Random(0),
        )
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def create_people(emulator: Emulator, n: int) -> list[str]:
    with client(emulator) as http:
        answer = http.post("/rest/batch/people", json=[{"name": {"firstName": f"P{i}"}} for i in range(n)])
        assert answer.status_code == 201, answer.text
        return [p["id"] for p in answer.json()["data"]["createPeople"]]


# -- the happy path ----------------------------------------------------------------------------------------------------


def test_get_returns_the_decoded_body(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    create_people(emulator, 2)
    body = transport_for().request("GET", "/rest/people", params={"limit": 1})
    assert len(body["data"]["people"]) == 1
    assert body["totalCount"] == 2


def test_post_sends_json_and_returns_the_created_record(transport_for: Callable[..., Transport]) -> None:
    body = transport_for().request("POST", "/rest/people", json={"name": {"firstName": "Ada"}})
    assert body["data"]["createPerson"]["name"]["firstName"] == "Ada"


def test_each_request_carries_the_bearer_key_and_our_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {}})

    with Transport(config(), transport=httpx.MockTransport(handler), pacer=Pacer(RateLimit(enabled=False))) as t:
        t.request("GET", "/rest/people", headers={"X-Trace": "1"})
    (request,) = seen
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("twenty-sdk/")
    assert request.headers["x-trace"] == "1"
    assert str(request.url) == f"{BASE}/rest/people"


def test_the_key_is_not_a_default_header_of_the_http_client() -> None:
    transport = Transport(config(), pacer=Pacer(RateLimit(enabled=False)))
    try:
        assert "authorization" not in transport._client.headers
    finally:
        transport.close()


def test_tls_verification_is_on_by_default() -> None:
    assert config().verify is True


def test_a_caller_supplied_authorization_header_cannot_replace_the_key() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={})

    with Transport(config(), transport=httpx.MockTransport(handler), pacer=Pacer(RateLimit(enabled=False))) as t:
        t.request("GET", "/rest/people", headers={"Authorization": "Bearer other"})
    assert seen == [f"Bearer {API_KEY}"]


def test_an_empty_answer_decodes_to_none() -> None:
    with Transport(
        config(), transport=httpx.MockTransport(lambda r: httpx.Response(204)), pacer=Pacer(RateLimit(enabled=False))
    ) as t:
        assert t.request("DELETE", "/rest/people/1") is None


def test_an_answer_that_is_not_json_is_an_api_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>login</html>")

    with (
        Transport(config(), transport=httpx.MockTransport(handler), pacer=Pacer(RateLimit(enabled=False))) as t,
        pytest.raises(APIError) as caught,
    ):
        t.request("GET", "/rest/people")
    assert caught.value.status == 200
    assert caught.value.messages[0] == "the answer is not JSON"


def test_a_full_url_is_refused() -> None:
    with Transport(config(), pacer=Pacer(RateLimit(enabled=False))) as t, pytest.raises(ValueError, match="relative"):
        t.request("GET", "https://elsewhere.example.com/rest/people")


# -- errors from the emulator ------------------------------------------------------------------------------------------


def test_a_missing_record_raises_not_found(transport_for: Callable[..., Transport]) -> None:
    with pytest.raises(NotFoundError) as caught:
        transport_for().request("GET", "/rest/people/00000000-0000-4000-8000-000000000000")
    assert caught.value.messages == ["Record not found"]


def test_an_unknown_field_raises_bad_request(transport_for: Callable[..., Transport]) -> None:
    with pytest.raises(BadRequestError) as caught:
        transport_for().request("POST", "/rest/people", json={"city": "Paris"})
    assert caught.value.messages == ['Object person doesn\'t have any "city" field.']


def test_a_wrong_key_raises_authentication_error(transport_for: Callable[..., Transport]) -> None:
    with pytest.raises(AuthenticationError) as caught:
        transport_for(api_key="tw_wrong_key").request("GET", "/rest/people")
    assert caught.value.messages == ["Token invalid."]
    assert caught.value.error == "UNAUTHENTICATED"


def test_client_errors_are_not_retried(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    with pytest.raises(BadRequestError):
        transport_for().request("GET", "/rest/people", params={"limit": "abc"})
    assert emulator.request_counts() == {"GET /rest/{object}": 1}


# -- retries -----------------------------------------------------------------------------------------------------------


def test_a_5xx_storm_is_retried_until_success(
    emulator: Emulator, transport_for: Callable[..., Transport], clock: FakeClock
) -> None:
    emulator.faults.set([FaultRule(route="GET /rest/*", error_rate=0.5, error_status=503)], seed=1)
    transport = transport_for(limits=RateLimit(enabled=False))
    for _ in range(30):
        assert "people" in transport.request("GET", "/rest/people")["data"]
    sent = emulator.request_counts()["GET /rest/{object}"]
    assert sent > 40  # about half of them failed first
    assert len([s for s in clock.sleeps if s >= 0]) == sent - 30  # one backoff per retry, on the fake clock


def test_retries_give_up_after_max_retries(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    emulator.faults.set([FaultRule(route="GET /rest/*", error_rate=1.0, error_status=502)], seed=1)
    with pytest.raises(InternalServerError) as caught:
        transport_for(retry=RetryPolicy(max_retries=3)).request("GET", "/rest/people")
    assert caught.value.status == 502
    assert emulator.request_counts()["GET /rest/{object}"] == 4


def test_a_5xx_on_a_plain_post_is_not_retried(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/*", error_rate=1.0, error_status=503)], seed=1)
    with pytest.raises(InternalServerError):
        transport_for().request("POST", "/rest/people", json={"name": {"firstName": "Ada"}})
    assert emulator.request_counts()["POST /rest/{object}"] == 1


def test_a_5xx_on_an_idempotent_post_is_retried(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=0.5, error_status=503)], seed=3)
    transport = transport_for()
    rows = [{"emails": {"primaryEmail": f"p{i}@example.com"}} for i in range(3)]
    for _ in range(10):
        body = transport.request("POST", "/rest/batch/people", params={"upsert": "true"}, json=rows, idempotent=True)
        assert len(body["data"]["createPeople"]) == 3
    assert emulator.request_counts()["POST /rest/batch/{object}"] > 10
    emulator.faults.clear()
    assert transport.request("GET", "/rest/people")["totalCount"] == 3  # upserts: no duplicates


def test_a_429_is_retried_after_waiting_for_the_bucket(
    emulator: Emulator, transport_for: Callable[..., Transport], clock: FakeClock
) -> None:
    emulator.faults.set([FaultRule(route="GET /rest/*", rate_limit_rate=1.0)], seed=1)
    transport = transport_for(retry=RetryPolicy(max_retries=2))
    with pytest.raises(APIError) as caught:
        transport.request("GET", "/rest/people")
    assert caught.value.status == 429
    emulator.faults.set([FaultRule(route="GET /rest/*", rate_limit_rate=0.5)], seed=2)
    clock.sleeps.clear()
    patient = transport_for()
    for _ in range(10):
        patient.request("GET", "/rest/people")
    # "Limit reached (100 tokens per 60000 ms)" emptied the long bucket: the retries waited for its refill (> 0.6 s)
    assert any(s > 0.6 for s in clock.sleeps)


def test_a_429_on_a_plain_post_is_retried(emulator: Emulator, transport_for: Callable[..., Transport]) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/*", rate_limit_rate=0.5)], seed=5)
    transport = transport_for()
    for i in range(10):
        transport.request("POST", "/rest/people", json={"name": {"firstName": f"P{i}"}})
    emulator.faults.clear()
    assert transport.request("GET", "/rest/people")["totalCount"] == 10  # refused requests did nothing


# -- pacing ------------------------------------------------------------------------------------------------------------


def test_record_routes_are_paced(transport_for: Callable[..., Transport], clock: FakeClock) -> None:
    transport = transport_for(limits=RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0))
    start = clock.now
    for _ in range(15):
        transport.request("GET", "/rest/people")
    assert clock.now - start == pytest.approx((15 - 3) * 0.225)  # a burst of 5 less 2 of headroom, then 5/s + margin


def test_metadata_and_openapi_routes_are_not_paced(transport_for: Callable[..., Transport], clock: FakeClock) -> None:
    transport = transport_for(limits=RateLimit(short_limit=1, long_limit=1, long_initial=0))
    for _ in range(5):
        transport.request("GET", "/rest/metadata/objects")
        transport.request("GET", "/rest/open-api/core")
    assert clock.sleeps == []
    transport.request("GET", "/rest/people")
    assert clock.sleeps == [pytest.approx(60.025)]  # one token's interval and the margin


def test_transports_of_one_workspace_share_a_pacer() -> None:
    first = Transport(config(), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    second = Transport(config(), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    other = Transport(config(api_key="tw_other"), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert first.pacer is second.pacer
    assert other.pacer is not first.pacer


# -- network failures (MockTransport) ----------------------------------------------------------------------------------


def failing(exc_type: type[httpx.TransportError], failures: int) -> tuple[httpx.MockTransport, list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) <= failures:
            raise exc_type("boom", request=request)
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handler), calls


@pytest.mark.parametrize(
    ("method", "exc_type", "idempotent", "retried"),
    [
        ("GET", httpx.ReadTimeout, None, True),
        ("POST", httpx.ReadTimeout, None, False),
        ("POST", httpx.ReadTimeout, True, True),
        ("POST", httpx.ConnectError, None, True),
        ("POST", httpx.ConnectTimeout, None, True),
        ("PATCH", httpx.RemoteProtocolError, None, True),
        ("POST", httpx.RemoteProtocolError, None, False),
    ],
)
def test_network_failures_are_retried_per_the_policy(
    method: str, exc_type: type[httpx.TransportError], idempotent: bool | None, retried: bool, clock: FakeClock
) -> None:
    mock, calls = failing(exc_type, failures=2)
    with Transport(config(), transport=mock, pacer=fake_pacer(clock), sleep=clock.sleep) as t:
        if retried:
            assert t.request(method, "/rest/people", idempotent=idempotent) == {"ok": True}
            assert len(calls) == 3
        else:
            with pytest.raises(APIConnectionError) as caught:
                t.request(method, "/rest/people", idempotent=idempotent)
            assert len(calls) == 1
            assert isinstance(caught.value.__cause__, exc_type)


def test_a_timeout_raises_api_timeout_error_once_retries_are_spent(clock: FakeClock) -> None:
    mock, calls = failing(httpx.ReadTimeout, failures=100)
    retry = RetryPolicy(max_retries=2)
    with (
        Transport(config(retry=retry), transport=mock, pacer=fake_pacer(clock), sleep=clock.sleep) as t,
        pytest.raises(APITimeoutError) as caught,
    ):
        t.request("GET", "/rest/people")
    assert len(calls) == 3
    assert caught.value.method == "GET"
    assert caught.value.url == f"{BASE}/rest/people"
    assert "ReadTimeout" in str(caught.value)


# -- async -------------------------------------------------------------------------------------------------------------


def async_transport(emulator: Emulator, clock: FakeClock, **kwargs: object) -> AsyncTransport:
    return AsyncTransport(
        config(**kwargs),
        http_client=async_client(emulator, authenticated=False),
        pacer=fake_pacer(clock),
        sleep=clock.async_sleep,
        rng=random.Random(0),
    )


def test_async_transport_gets_and_raises_like_the_sync_one(emulator: Emulator, clock: FakeClock) -> None:
    async def main() -> None:
        async with async_transport(emulator, clock, retry=PATIENT) as t:
            created = await t.request("POST", "/rest/people", json={"name": {"firstName": "Ada"}})
            person_id = created["data"]["createPerson"]["id"]
            got = await t.request("GET", f"/rest/people/{person_id}")
            assert got["data"]["person"]["name"]["firstName"] == "Ada"
            with pytest.raises(NotFoundError):
                await t.request("GET", "/rest/people/00000000-0000-4000-8000-000000000000")

    asyncio.run(main())


def test_async_transport_retries_a_5xx_storm(emulator: Emulator, clock: FakeClock) -> None:
    emulator.faults.set([FaultRule(route="GET /rest/*", error_rate=0.5, error_status=500)], seed=4)

    async def main() -> None:
        async with async_transport(emulator, clock, retry=PATIENT) as t:
            for _ in range(20):
                await t.request("GET", "/rest/people")

    asyncio.run(main())
    assert emulator.request_counts()["GET /rest/{object}"] > 20


def test_async_transport_does_not_retry_a_plain_post_after_a_5xx(emulator: Emulator, clock: FakeClock) -> None:
    emulator.faults.set([FaultRule(route="POST /rest/*", error_rate=1.0, error_status=500)], seed=4)

    async def main() -> None:
        async with async_transport(emulator, clock, retry=PATIENT) as t:
            with pytest.raises(InternalServerError):
                await t.request("POST", "/rest/people", json={})

    asyncio.run(main())
    assert emulator.request_counts()["POST /rest/{object}"] == 1


def test_async_transport_paces_concurrent_tasks(emulator: Emulator, clock: FakeClock) -> None:
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    pacer = Pacer(
        RateLimit(short_limit=5, short_window=1.0, long_limit=10, long_window=2.0), clock=clock, async_sleep=record
    )

    async def main() -> None:
        t = AsyncTransport(config(), http_client=async_client(emulator, authenticated=False), pacer=pacer)
        async with t:
            await asyncio.gather(*(t.request("GET", "/rest/people") for _ in range(12)))

    asyncio.run(main())
    assert sorted(waited) == pytest.approx([0.225 * k for k in range(1, 10)])  # 3 at once, then 5/s + margin
