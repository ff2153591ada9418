"""Authentication, as Twenty answers it: 403 without a token, 401 with a wrong one — on every API route and on the
emulator's private endpoints — and the emulator listens on loopback unless told otherwise."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._cli import _is_loopback, _parser
from twenty_emulator._testing import RunningServer, client, serve_in_thread

MISSING = {"statusCode": 403, "messages": ["Missing authentication token"], "error": "FORBIDDEN_EXCEPTION"}
INVALID = {"statusCode": 401, "messages": ["Token invalid."], "error": "UNAUTHENTICATED"}

ROUTES = [
    ("GET", "/rest/people"),
    ("GET", "/rest/people/c0000099-0000-4000-a000-000000000001"),
    ("POST", "/rest/people"),
    ("POST", "/rest/batch/people"),
    ("PATCH", "/rest/restore/people"),
    ("DELETE", "/rest/people"),
    ("GET", "/rest/nonexistent"),
    ("GET", "/rest/metadata/objects"),
    ("POST", "/rest/metadata/fields"),
    ("GET", "/rest/open-api/core"),
    ("GET", "/rest/open-api/metadata"),
    ("GET", "/_emulator/counters"),
    ("DELETE", "/_emulator/counters"),
    ("PUT", "/_emulator/faults"),
    ("DELETE", "/_emulator/faults"),
    ("DELETE", "/_emulator/rate-limit"),
]


@pytest.fixture
def anonymous(twenty_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(twenty_emulator, authenticated=False) as http:
        yield http


@pytest.fixture(scope="module")
def stranger() -> Iterator[httpx.Client]:
    """A client without the API key, shared by the read-only checks below."""
    with client(Emulator(), authenticated=False) as http:
        yield http


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_token_is_403(stranger: httpx.Client, method: str, path: str) -> None:
    response = stranger.request(method, path, json={"rules": [{"error_rate": 1.0}]})
    assert (response.status_code, response.json()) == (403, MISSING)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_wrong_token_is_401(stranger: httpx.Client, method: str, path: str) -> None:
    response = stranger.request(
        method, path, json={"rules": [{"error_rate": 1.0}]}, headers={"Authorization": "Bearer invalid.token.value"}
    )
    assert (response.status_code, response.json()) == (401, INVALID)


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "k"])
def test_a_header_without_a_bearer_token_is_403(stranger: httpx.Client, header: str) -> None:
    response = stranger.get("/rest/people", headers={"Authorization": header})
    assert (response.status_code, response.json()) == (403, MISSING)


def test_the_scheme_is_case_insensitive(anonymous: httpx.Client, twenty_emulator: Emulator) -> None:
    response = anonymous.get("/rest/people", headers={"Authorization": f"bearer {twenty_emulator.api_key}"})
    assert response.status_code == 200


def test_refused_requests_write_nothing_and_are_not_counted(anonymous: httpx.Client, twenty_emulator: Emulator) -> None:
    anonymous.post("/rest/people", json={"name": {"firstName": "Eve"}})
    anonymous.put("/_emulator/faults", json={"rules": [{"error_rate": 1.0}]})
    assert twenty_emulator.request_counts() == {}
    assert twenty_emulator.faults.rules == []
    with client(twenty_emulator) as http:
        assert http.get("/rest/people").json()["totalCount"] == 0


def test_refused_requests_take_no_rate_limit_token() -> None:
    emulator = Emulator(api_key="k", rate_limiter=RateLimiter(short_limit=2, long_limit=2, clock=lambda: 100.0))
    with client(emulator, authenticated=False) as anonymous:
        for _ in range(5):
            assert anonymous.get("/rest/people").status_code == 403
    with client(emulator) as http:
        assert [http.get("/rest/people").status_code for _ in range(3)] == [200, 200, 429]


def test_the_generated_api_key_is_random_and_long() -> None:
    keys = {Emulator().api_key for _ in range(3)}
    assert len(keys) == 3
    assert all(len(k) >= 32 for k in keys)


def test_the_health_check_needs_no_token(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}


# -- where it listens --------------------------------------------------------------------------------------------------


def test_serve_in_thread_binds_loopback_by_default(twenty_server: RunningServer) -> None:
    assert inspect.signature(serve_in_thread).parameters["host"].default == "127.0.0.1"
    assert twenty_server.host == "127.0.0.1"
    assert twenty_server.url.startswith("http://127.0.0.1:")


def test_the_loopback_server_answers_and_checks_the_token(twenty_server: RunningServer) -> None:
    key = twenty_server.emulator.api_key
    assert httpx.get(twenty_server.url + "/rest/people").status_code == 403
    assert httpx.get(twenty_server.url + "/rest/people", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(twenty_server.url + "/rest/people", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_the_cli_binds_loopback_by_default() -> None:
    args = _parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 3000)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.test", False),
    ],
)
def test_non_loopback_hosts_are_recognised_for_the_warning(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback
