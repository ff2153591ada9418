"""The emulator's own promises, tested through the fixtures its pytest plugin gives users.

The plugin's fixtures are imported rather than enabled with ``pytest_plugins``: pytest refuses ``pytest_plugins`` in a
conftest below the rootdir when the whole suite runs from the repository root.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from twenty_emulator.pytest_plugin import twenty_client, twenty_emulator, twenty_server

__all__ = ["Api", "api", "twenty_client", "twenty_emulator", "twenty_server"]


class Api:
    """A thin wrapper over an authenticated client that never accepts a 500 or a non-JSON answer."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        response = self.client.request(method, path, json=body, params=params or None)
        assert response.status_code < 500, response.text
        return response.status_code, response.json()

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        status, answer = self.call(method, path, body, **params)
        assert status in (200, 201), answer
        return answer

    def fail(self, method: str, path: str, body: Any = None, *, status: int = 400, **params: Any) -> Any:
        got, answer = self.call(method, path, body, **params)
        assert got == status, answer
        return answer

    def count(self, plural: str = "people", **params: Any) -> int:
        return int(self.ok("GET", f"/rest/{plural}", limit=0, **params)["totalCount"])

    def batch(self, plural: str, rows: list[dict[str, Any]], *, upsert: bool = False) -> list[dict[str, Any]]:
        params = {"upsert": "true"} if upsert else {}
        key = {"people": "createPeople", "companies": "createCompanies"}[plural]
        return list(self.ok("POST", f"/rest/batch/{plural}", rows, **params)["data"][key])


@pytest.fixture
def api(twenty_client: httpx.Client) -> Api:
    return Api(twenty_client)
