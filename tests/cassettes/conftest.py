"""Cassettes: the SDK's and the sync's key flows against a real Twenty 2.21.0, recorded once, replayed offline.

Replay (the default, and what CI does): every request a test sends must match one recorded from the real server —
method, URL, query and JSON body — in order, and every recorded request must be sent; anything else fails the test
(``record_mode="none"``; an unmatched request raises ``CannotOverwriteExistingCassetteException``).

Record (``nox -s record -- --url URL``, key in ``$TWENTY_API_KEY``): the same tests run against that server and
rewrite their cassettes. The API key never reaches a cassette: the ``Authorization`` header is dropped before
recording (``test_no_secret_in_any_cassette`` greps them). Record against a server whose rate limits are raised
(``../shared/real-twenty``'s default), except ``test_429_*``, which need Twenty's default limits.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.cassette import Cassette

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

CASSETTES = Path(__file__).parent / "recorded"
RECORD_URL = os.environ.get("TWENTY_RECORD_URL", "")
RECORDING = bool(RECORD_URL)
REPLAY_URL = "http://127.0.0.1:3000"  # where the cassettes were recorded (requests must match it)
REPLAY_KEY = "cassette-replay-key"


def _api_key() -> str:
    if not RECORDING:
        return REPLAY_KEY
    key = os.environ.get("TWENTY_API_KEY") or os.environ.get("TWENTY_CRM_API_KEY")
    if not key:
        raise pytest.UsageError("recording cassettes needs the server's key in $TWENTY_API_KEY")
    return key


def _json_body(request: Any) -> Any:
    body = request.body
    if body is None or body == b"" or body == "":
        return None
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    try:
        return json.loads(text)
    except ValueError:
        return text


def same_json_body(r1: Any, r2: Any) -> None:
    """Bodies match when they hold the same JSON value (key order aside)."""
    assert _json_body(r1) == _json_body(r2), f"{_json_body(r1)!r} != {_json_body(r2)!r}"


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in ("set-cookie", "x-request-id", "etag", "date"):
            del headers[name]
    return response


def recorder() -> vcr.VCR:
    machine = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORDING else "none",
        match_on=("method", "scheme", "host", "port", "path", "query", "json_body"),
        filter_headers=["authorization", "cookie"],
        before_record_response=_scrub_response,
        decode_compressed_response=True,
        serializer="yaml",
    )
    machine.register_matcher("json_body", same_json_body)
    return machine


@contextmanager
def played(name: str) -> Iterator[Cassette]:
    """Run the block with cassette ``name``; in replay, every recorded request must have been sent."""
    if RECORDING:
        (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)  # "all" appends to what is there: start afresh
    with recorder().use_cassette(f"{name}.yaml", allow_playback_repeats=False) as cassette:
        yield cassette
    if not RECORDING:
        unplayed = [i for i, _ in enumerate(cassette.data) if not cassette.play_counts[i]]
        assert not unplayed, f"{name}: {len(unplayed)} recorded request(s) were never sent (first: #{unplayed[0]})"


def client(**options: Any) -> TwentyClient:
    """A client of the recording server (replay: of its recorded answers), unpaced and not retrying on the clock:
    the recorded server's limits were raised, and a replay must not sleep."""
    options.setdefault("rate_limit", RateLimit(enabled=False))
    options.setdefault("retry", RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0))
    return TwentyClient(RECORD_URL or REPLAY_URL, _api_key(), **options)


@pytest.fixture
def cassette() -> Callable[[str], Any]:
    return played
