"""The API key appears in no exception message, no repr and no log record (ours, httpx's or httpcore's, at DEBUG),
across every kind of failure, over a real loopback socket."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import Iterator

import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread

from twenty_sdk import (
    AsyncTransport,
    ClientConfig,
    ConfigurationError,
    GoogleSecretManager,
    Pacer,
    RateLimit,
    RetryPolicy,
    TwentyError,
)
from twenty_sdk import Transport as SyncTransport
from twenty_sdk._config import resolve_api_key

from .conftest import API_KEY
from .fake_secret_manager import FakeSecretManager

WRONG_KEY = "tw_wrong_key_Yh4Nc0Dd"
SM_KEY = "tw_secret_manager_key_Ue2Bj8"
KEYS = (API_KEY, WRONG_KEY, SM_KEY)


@pytest.fixture
def server() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as running:
        yield running


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make(url: str, key: str = API_KEY, **kwargs: object) -> SyncTransport:
    config = ClientConfig(base_url=url, api_key=key, retry=RetryPolicy(max_retries=2), **kwargs)  # type: ignore[arg-type]
    return SyncTransport(config, pacer=Pacer(RateLimit(short_limit=1000)), sleep=lambda _: None)


def shown(exc: BaseException) -> list[str]:
    """Everything a user may see of an exception: message, repr, the whole chained traceback, its attributes."""
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    texts += [repr(v) for v in vars(exc).values()]
    if exc.__cause__ is not None:
        texts += [str(exc.__cause__), repr(exc.__cause__)]
    return texts


def test_no_key_in_errors_reprs_or_debug_logs(server: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    faults = server.emulator.faults
    texts: list[str] = []
    errors: list[TwentyError] = []

    def expect_error(transport: SyncTransport, method: str, path: str, **kwargs: object) -> None:
        with pytest.raises(TwentyError) as caught:
            transport.request(method, path, **kwargs)  # type: ignore[arg-type]
        errors.append(caught.value)

    with make(server.url) as t, make(server.url, WRONG_KEY) as wrong:
        texts += [repr(t), repr(t.config), repr(t.pacer), str(t.config.api_key)]
        t.request("GET", "/rest/people")  # a success, logged at DEBUG
        expect_error(wrong, "GET", "/rest/people")  # 401 with the wrong key
        expect_error(t, "GET", "/rest/people/00000000-0000-4000-8000-000000000000")  # 404
        expect_error(t, "POST", "/rest/people", json={"city": "x"})  # 400
        faults.set([FaultRule(route="GET /rest/*", error_rate=1.0, error_status=503)], seed=1)
        expect_error(t, "GET", "/rest/people")  # 5xx, retried, then raised
        faults.set([FaultRule(route="GET /rest/*", rate_limit_rate=1.0)], seed=1)
        expect_error(t, "GET", "/rest/people")  # 429, retried, then raised
        faults.set([FaultRule(route="POST /rest/*", drop_rate=1.0)], seed=1)
        expect_error(t, "POST", "/rest/people", json={})  # dropped connection
        faults.set([FaultRule(route="GET /rest/*", latency_ms=300)], seed=1)
    with make(server.url, timeout=0.05) as slow:
        expect_error(slow, "GET", "/rest/people")  # timeouts
    faults.clear()
    with make(f"http://127.0.0.1:{closed_port()}") as refused:
        expect_error(refused, "POST", "/rest/batch/people", json=[])  # connection refused, retried, raised

    async def async_failures() -> None:
        config = ClientConfig(base_url=server.url, api_key=API_KEY, retry=RetryPolicy(max_retries=1))
        async with AsyncTransport(config, pacer=Pacer(RateLimit(enabled=False)), sleep=_no_sleep) as at:
            texts.append(repr(at))
            faults.set([FaultRule(route="GET /rest/*", error_rate=1.0, error_status=500)], seed=1)
            with pytest.raises(TwentyError) as caught:
                await at.request("GET", "/rest/people")
            errors.append(caught.value)
            faults.set([FaultRule(route="GET /rest/*", drop_rate=1.0)], seed=1)
            with pytest.raises(TwentyError) as caught:
                await at.request("GET", "/rest/people")
            errors.append(caught.value)
        faults.clear()

    asyncio.run(async_failures())

    kinds = {type(e).__name__ for e in errors}
    assert kinds >= {
        "AuthenticationError",
        "NotFoundError",
        "BadRequestError",
        "InternalServerError",
        "RateLimitError",
        "APIConnectionError",
        "APITimeoutError",
    }
    for error in errors:
        texts += shown(error)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts += [formatter.format(record) for record in caplog.records]
    loggers = {record.name for record in caplog.records}
    assert {"twenty_sdk", "httpx", "httpcore.http11"} <= loggers  # the test did see the libraries' DEBUG logs

    for key in KEYS:
        leaks = [text for text in texts if key in text]
        assert not leaks, f"the key leaked in: {leaks[0][:300]}"


def test_no_key_in_secret_manager_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeSecretManager() as fake:
        fake.add("p", "twenty-crm-api-key", SM_KEY)
        found, source = resolve_api_key(
            env={"GOOGLE_CLOUD_PROJECT": "p"}, secret_manager=GoogleSecretManager(client=fake.client())
        )
        config = ClientConfig(base_url="http://127.0.0.1:1", api_key=found, api_key_source=source)
        with pytest.raises(ConfigurationError) as caught:
            resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": "q"}, secret_manager=GoogleSecretManager(client=fake.client()))
    assert found.get_secret_value() == SM_KEY
    texts = [repr(found), str(found), repr(config), source, *shown(caught.value)]
    texts += [record.getMessage() for record in caplog.records]
    assert not [text for text in texts if SM_KEY in text]


async def _no_sleep(_: float) -> None:
    return None
