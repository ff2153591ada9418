"""One running emulator: a workspace's metadata and records, its API key, rate limiter, faults and counters."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from pathlib import Path

from twenty_emulator._faults import Faults
from twenty_emulator._ratelimit import RateLimiter
from twenty_emulator._records import Records
from twenty_emulator._store import Store
from twenty_emulator._workspace import Workspace

__all__ = ["Emulator"]


class Emulator:
    """A Twenty-compatible workspace held in memory (or in a SQLite file).

    ``workspace``: metadata to boot from — a :class:`Workspace`, a path to a file in the shape of
    ``GET /rest/metadata/objects``, or None for Twenty 2.21.0's standard objects.
    ``api_key``: the Bearer token the server accepts (a random one when not given; read it from ``.api_key``).
    ``api_key_name``: the name shown in ``createdBy`` / ``updatedBy`` actors.
    """

    def __init__(
        self,
        workspace: Workspace | str | Path | None = None,
        *,
        api_key: str | None = None,
        api_key_name: str = "My api key",
        database: str = ":memory:",
        rate_limiter: RateLimiter | None = None,
        faults: Faults | None = None,
    ) -> None:
        if workspace is None:
            workspace = Workspace.standard()
        elif not isinstance(workspace, Workspace):
            workspace = Workspace.load(workspace)
        self.workspace = workspace
        self.api_key = api_key or "tw_emulator_" + secrets.token_urlsafe(24)
        self.api_key_name = api_key_name
        self.store = Store(workspace, database)
        self.records = Records(self.store, api_key_name)
        self.rate_limiter = rate_limiter if rate_limiter is not None else RateLimiter()
        self.faults = faults if faults is not None else Faults()
        self.counters: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Emulator objects={len(self.workspace.objects)} api_key_name={self.api_key_name!r}>"

    def count(self, route: str) -> None:
        with self._lock:
            self.counters[route] += 1

    def request_counts(self) -> dict[str, int]:
        """Requests served so far, by ``METHOD route`` (e.g. ``"POST /rest/batch/{object}"``)."""
        with self._lock:
            return dict(self.counters)

    def reset_counts(self) -> None:
        with self._lock:
            self.counters.clear()

    def metadata_changed(self) -> None:
        """Called after every metadata write: derived layouts and the OpenAPI documents are recomputed."""
        with self._lock:
            self.workspace.version += 1

    @property
    def metadata_version(self) -> int:
        """How many metadata writes the workspace has seen (its layouts and OpenAPI documents key on it)."""
        return self.workspace.version
