"""Shared fixtures for the SDK tests: a clean environment, a fake clock, a local Secret Manager."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from twenty_sdk import _pacing

from .fake_secret_manager import FakeSecretManager

API_KEY = "tw_test_Zq8sK2mVx7PpL1"  # distinctive, so a leak is found by a plain substring search


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Twenty or Google settings leak in from the machine; application-default credentials point at a missing
    file, so google.auth fails at once instead of probing a metadata server over the network."""
    for name in ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY", "TWENTY_API_URL", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-credentials.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "true")


@pytest.fixture(autouse=True)
def fresh_pacers() -> Iterator[None]:
    """Each test starts with no shared pacer from an earlier one."""
    _pacing._REGISTRY.clear()
    yield
    _pacing._REGISTRY.clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def secret_manager_server() -> Iterator[FakeSecretManager]:
    with FakeSecretManager() as server:
        yield server


@pytest.fixture
def secret_manager(secret_manager_server: FakeSecretManager) -> FakeSecretManager:
    """The module's fake Secret Manager, emptied for this test."""
    secret_manager_server.secrets.clear()
    secret_manager_server.denied.clear()
    secret_manager_server.requests.clear()
    return secret_manager_server
