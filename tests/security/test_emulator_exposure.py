"""The emulator's exposure, beyond ``tests/emulator/test_auth.py`` (403/401 on every route, the parser's and
``serve_in_thread``'s loopback defaults): what ``twenty-emulator serve`` really binds, the warning for a non-loopback
``--host``, and that a refused token is not echoed back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import uvicorn
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._cli import main
from twenty_emulator._testing import serve_in_thread

WARNING = "reachable from other machines"


@pytest.fixture
def bound(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``uvicorn.run`` replaced: records what ``serve`` would bind instead of serving."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    return seen


def test_serve_binds_loopback_by_default_and_warns_of_nothing(
    bound: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--api-key", "k"]) == 0
    assert (bound["host"], bound["port"]) == ("127.0.0.1", 3000)
    assert WARNING not in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.test"])
def test_a_non_loopback_host_prints_a_warning(
    bound: dict[str, Any], capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["serve", "--host", host, "--api-key", "k"]) == 0
    assert bound["host"] == host
    err = capsys.readouterr().err
    assert f"warning: serving on {host}" in err
    assert WARNING in err


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_a_loopback_host_prints_no_warning(
    bound: dict[str, Any], capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["serve", "--host", host, "--api-key", "k"]) == 0
    assert WARNING not in capsys.readouterr().err


def test_a_refused_token_is_not_echoed_and_unauthenticated_requests_change_nothing() -> None:
    presented = "tw_presented_wrong_token_" + "x7" * 20
    emulator = Emulator(api_key="the-right-key", rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        assert server.host == "127.0.0.1"
        wrong = httpx.post(
            server.url + "/rest/batch/people",
            json=[{"name": {"firstName": "Eve"}}],
            headers={"Authorization": f"Bearer {presented}"},
        )
        anonymous = httpx.put(server.url + "/_emulator/faults", json={"rules": [{"error_rate": 1.0}]})
        assert (wrong.status_code, anonymous.status_code) == (401, 403)
        assert presented not in wrong.text
        assert presented not in str(dict(wrong.headers))
        assert "the-right-key" not in wrong.text + anonymous.text
        assert emulator.faults.rules == []
        ok = httpx.get(server.url + "/rest/people", headers={"Authorization": "Bearer the-right-key"})
        assert ok.json()["totalCount"] == 0
