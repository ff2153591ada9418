"""Fixtures for the records tests: an emulator without a rate limit, and clients of it in process (no socket), over
a loopback socket, sync and async. Pacing is off unless a test turns it on: these tests count requests, not time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport, RunningServer, serve_in_thread

from twenty_sdk import AsyncTwentyClient, RateLimit, RetryPolicy, TwentyClient, _pacing

API_KEY = "tw_records_Hq3vL9sPz2Kc7Wd"  # distinctive, so that a leak is found by a plain substring search
BASE_URL = "http://twenty.local"
NO_PACING = RateLimit(enabled=False)
QUICK_RETRY = RetryPolicy(max_retries=3, initial_delay=0.0, max_delay=0.0)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY", "TWENTY_API_URL"):
        monkeypatch.delenv(name, raising=False)
    _pacing._REGISTRY.clear()
    yield
    _pacing._REGISTRY.clear()


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))


@pytest.fixture
def twenty(emulator: Emulator) -> Iterator[TwentyClient]:
    """A client of the emulator, in process."""
    transport = ASGISyncTransport(create_app(emulator))
    with TwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw:
        yield tw


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as running:
        yield running


@pytest.fixture
def twenty_over_socket(server: RunningServer) -> Iterator[TwentyClient]:
    """A client of the emulator over a real loopback socket."""
    with TwentyClient(server.url, API_KEY, rate_limit=NO_PACING, retry=QUICK_RETRY) as tw:
        yield tw


def async_twenty(emulator: Emulator) -> AsyncTwentyClient:
    """An async client of the emulator, in process (create it inside the event loop that uses it)."""
    transport = httpx.ASGITransport(app=create_app(emulator))
    return AsyncTwentyClient(BASE_URL, API_KEY, transport=transport, rate_limit=NO_PACING, retry=QUICK_RETRY)


def person(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": {"firstName": f"P{i}", "lastName": "Test"},
        "emails": {"primaryEmail": f"p{i}@records.test"},
        **extra,
    }


def batch_requests(emulator: Emulator) -> int:
    return emulator.request_counts().get("POST /rest/batch/{object}", 0)


def list_requests(emulator: Emulator) -> int:
    return emulator.request_counts().get("GET /rest/{object}", 0)


def object_id(twenty: TwentyClient, name_plural: str) -> str:
    """An object's metadata id, read with a raw request through the client's transport."""
    objects = twenty.transport.request("GET", "/rest/metadata/objects", params={"limit": 200})["data"]["objects"]
    return str(next(o["id"] for o in objects if o["namePlural"] == name_plural))
