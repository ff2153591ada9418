"""Fixtures for the metadata tests: a fresh emulator (Twenty 2.21.0's standard workspace, rate limit off), the SDK's
:class:`Metadata` talking to it in process, and a raw httpx client for checking what Twenty holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import client

from twenty_sdk import ClientConfig, Metadata, Transport

BASE_URL = "http://twenty.local"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY", "TWENTY_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(rate_limiter=RateLimiter(enabled=False))


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    """Raw access to the same workspace (authenticated), to set things up and to check results."""
    with client(emulator) as c:
        yield c


@pytest.fixture
def metadata(emulator: Emulator) -> Iterator[Metadata]:
    with client(emulator) as http_client:
        config = ClientConfig(base_url=BASE_URL, api_key=emulator.api_key)
        with Transport(config, http_client=http_client, sleep=lambda _s: None) as transport:
            yield Metadata(transport)


def writes(emulator: Emulator) -> dict[str, int]:
    """The write requests served so far, by route."""
    return {route: n for route, n in emulator.request_counts().items() if not route.startswith("GET ")}


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def raw_object(http: httpx.Client, name: str) -> dict[str, Any]:
    """An object's metadata, fields included, straight from the API."""
    for obj in ok(http.get("/rest/metadata/objects", params={"limit": 200}))["data"]["objects"]:
        if obj["nameSingular"] == name:
            return dict(obj)
    raise AssertionError(f"no object {name}")


def raw_fields(http: httpx.Client, name: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in raw_object(http, name)["fields"]}


def add_field(http: httpx.Client, object_name: str, **body: Any) -> dict[str, Any]:
    """Create a field with a raw request (the state a test starts from)."""
    body = {"objectMetadataId": raw_object(http, object_name)["id"], **body}
    return dict(ok(http.post("/rest/metadata/fields", json=body))["data"]["createOneField"])
