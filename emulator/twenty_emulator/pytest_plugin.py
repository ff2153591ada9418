"""pytest fixtures for testing code that talks to Twenty, against the emulator.

Enable in a ``conftest.py``::

    pytest_plugins = ["twenty_emulator.pytest_plugin"]

Fixtures (a fresh, empty standard workspace for each test, rate limit off):
- ``twenty_emulator``: the :class:`~twenty_emulator.Emulator` (``.api_key``, ``.request_counts()``, ``.faults``);
- ``twenty_client``: a synchronous ``httpx.Client`` calling it in process;
- ``twenty_server``: the same emulator served on a loopback port (``.url``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._state import Emulator
from twenty_emulator._testing import RunningServer, client, serve_in_thread

__all__ = ["twenty_client", "twenty_emulator", "twenty_server"]


@pytest.fixture
def twenty_emulator() -> Emulator:
    return Emulator(rate_limiter=RateLimiter(enabled=False))


@pytest.fixture
def twenty_client(twenty_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(twenty_emulator) as c:
        yield c


@pytest.fixture
def twenty_server(twenty_emulator: Emulator) -> Iterator[RunningServer]:
    with serve_in_thread(twenty_emulator) as server:
        yield server
