"""Building the clients: configuration, resources, closing, and a light ``import twenty_sdk``."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from twenty_sdk import (
    AsyncRecords,
    AsyncTwentyClient,
    ClientConfig,
    ConfigurationError,
    Metadata,
    Records,
    TwentyClient,
)

from .conftest import API_KEY, NO_PACING


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWENTY_API_KEY", API_KEY)
    monkeypatch.setenv("TWENTY_API_URL", "https://crm.example.com/rest/")
    with TwentyClient() as twenty:
        assert twenty.config.base_url == "https://crm.example.com"
        assert twenty.config.api_key.get_secret_value() == API_KEY


def test_a_missing_key_names_the_places_tried() -> None:
    with pytest.raises(ConfigurationError, match="TWENTY_API_KEY"):
        TwentyClient("http://twenty.local", secret_manager=False)


def test_config_and_options_are_exclusive() -> None:
    config = ClientConfig(base_url="http://twenty.local", api_key=API_KEY)
    with TwentyClient(config=config) as twenty:
        assert twenty.config is config
    with pytest.raises(TypeError, match="not both"):
        TwentyClient("http://twenty.local", config=config)
    with pytest.raises(TypeError, match="not both"):
        AsyncTwentyClient(config=config, timeout=3)


def test_the_resources() -> None:
    with TwentyClient("http://twenty.local", API_KEY) as twenty:
        for name in ("people", "companies", "opportunities", "notes", "tasks"):
            resource = getattr(twenty, name)
            assert isinstance(resource, Records)
            assert resource.name_plural == name
        assert isinstance(twenty.metadata, Metadata)
        assert twenty.records("petOwners").name_plural == "petOwners"
    twenty_async = AsyncTwentyClient("http://twenty.local", API_KEY)
    assert isinstance(twenty_async.people, AsyncRecords)


def test_the_key_is_not_in_the_reprs() -> None:
    with TwentyClient("http://twenty.local", API_KEY) as twenty:
        for text in (repr(twenty), repr(twenty.people), repr(twenty.transport), repr(twenty.config)):
            assert API_KEY not in text


def test_closing_closes_our_connections_but_not_yours() -> None:
    with TwentyClient("http://twenty.local", API_KEY) as ours:
        pass
    assert ours.transport._client.is_closed
    yours = httpx.Client()
    with TwentyClient("http://twenty.local", API_KEY, http_client=yours):
        pass
    assert not yours.is_closed
    yours.close()


def test_a_mock_transport_sees_the_bearer_key_and_our_paths() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"person": {"id": "00000000-0000-4000-8000-000000000001"}}})

    with TwentyClient(
        "http://twenty.local", API_KEY, transport=httpx.MockTransport(answer), rate_limit=NO_PACING
    ) as twenty:
        twenty.people.get("00000000-0000-4000-8000-000000000001", depth=1)
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert str(seen[0].url) == "http://twenty.local/rest/people/00000000-0000-4000-8000-000000000001?depth=1"


def test_importing_the_sdk_loads_no_generated_model() -> None:
    code = (
        "import sys, twenty_sdk\n"
        "c = twenty_sdk.TwentyClient('http://twenty.local', 'k')\n"
        "print(sorted(m for m in sys.modules if m.startswith('twenty_generated.models.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
