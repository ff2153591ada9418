"""The API key — a distinctive long string made at run time, so no file holds it — never shows: not in the DEBUG
logs of ``twenty_sdk``, ``twenty_sync``, ``httpx`` and ``httpcore`` during a sync with failures, not in the errors
(``BatchError``, ``APIError``, ``ConfigurationError``: message, repr, traceback), not in ``repr`` of a client or a
config, not in ``sync_errors`` nor anywhere in the state file, not in the CLI's output (key given by flag or by
environment); and no file of ``codegen/snapshots`` or ``tests`` holds a real-looking key (a JWT, as Twenty's are).
``tests/sdk/test_no_key_leaks.py`` covers the transport alone, failure by failure."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync import CONTACTS, Contact, SyncEngine, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import (
    APIError,
    BatchError,
    ClientConfig,
    ConfigurationError,
    RateLimit,
    RetryPolicy,
    TwentyClient,
    TwentyError,
)
from twenty_sdk._config import resolve_api_key

KEY = "tw_leakcheck_" + secrets.token_hex(24)  # 61 characters, in no file
ROOT = Path(__file__).resolve().parents[2]
LOGGERS = ("twenty_sdk", "twenty_sync", "httpx", "httpcore")
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(Emulator(api_key=KEY, rate_limiter=RateLimiter(enabled=False))) as running:
        yield running


def shown(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    texts += [repr(v) for v in vars(exc).values()]
    return texts


def no_key(texts: list[str], where: str) -> None:
    leaks = [t for t in texts if KEY in t or KEY[-20:] in t]
    assert not leaks, f"the key leaked in {where}: {leaks[0][:300]}"


def contacts(n: int) -> list[Contact]:
    good = [Contact(f"C-{i}", f"Ada {i}", {"primary_email": f"ada{i}@x.test"}) for i in range(n)]
    return [
        *good,
        Contact("C-bad", "Bad", {"primary_email": "bad@"}),
        Contact("C-phone", "P", {"primary_phone": "n/a"}),
    ]


def test_no_key_in_logs_errors_reprs_or_state_during_a_sync_with_failures(
    server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    source = LocalStore(tmp_path / "source.sqlite3")
    source.ensure_schema()
    source.upsert(CONTACTS, contacts(30))
    state = SyncState(tmp_path / "state.sqlite3")
    texts: list[str] = []
    errors: list[BaseException] = []
    retry = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)
    with TwentyClient(server.url, KEY, rate_limit=RateLimit(enabled=False), retry=retry) as client:
        texts += [repr(client), repr(client.config), str(client.config), repr(client.config.api_key), repr(state)]
        server.emulator.faults.set([FaultRule(route="*", error_rate=0.2, rate_limit_rate=0.2, drop_rate=0.1)], seed=5)
        for _ in range(3):  # a sync with failures: transient faults, records the sync or Twenty refuse
            try:
                report = SyncEngine(client, state).run(source)
                texts.append(report.table())
            except TwentyError as exc:
                errors.append(exc)
        server.emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=1.0)], seed=5)
        with pytest.raises(APIError) as caught:
            SyncEngine(client, state, max_consecutive_failures=1).run(source)  # a run ended by a 5xx
        errors.append(caught.value)
        server.emulator.faults.clear()
        with pytest.raises(BatchError) as batch:  # a batch with a refused record
            client.records("people").upsert_many(
                [{"name": {"firstName": "A"}, "phones": {"primaryPhoneNumber": "n/a"}}], key="id", max_failures=0
            )
        errors.append(batch.value)
    with TwentyClient(server.url, "tw_wrong_" + KEY[::-1], rate_limit=RateLimit(enabled=False)) as wrong:
        with pytest.raises(APIError) as unauthorised:
            wrong.records("people").list()
        errors.append(unauthorised.value)
    with pytest.raises(ConfigurationError) as bad_url:
        ClientConfig(base_url="ftp://twenty.test", api_key=KEY)
    errors.append(bad_url.value)
    with pytest.raises(ConfigurationError) as no_key_found:
        resolve_api_key(env={}, secret_manager=False)
    errors.append(no_key_found.value)

    assert any(isinstance(e, BatchError) for e in errors)
    for error in errors:
        texts += shown(error)
    logged = [f"{r.name} {r.levelname} {r.getMessage()} {r.args!r}" for r in caplog.records]
    assert {r.name.split(".")[0] for r in caplog.records} >= {"twenty_sdk", "httpx", "httpcore"}
    sync_errors = [f"{e!r}" for e in state.errors()]
    assert sync_errors  # the failures were logged
    state.close()
    source.close()

    no_key(texts, "an error, a repr or a report")
    no_key(logged, "the DEBUG logs")
    no_key(sync_errors, "sync_errors")
    for path in tmp_path.iterdir():  # the state file (and its journal, if any) and the source
        assert KEY.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_key_in_the_cli_output(server: RunningServer, tmp_path: Path, how: str) -> None:
    source = LocalStore(tmp_path / "source.sqlite3")
    source.ensure_schema()
    source.upsert(CONTACTS, contacts(5))
    source.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    flag = ["--api-key", KEY] if how == "flag" else []
    if how == "env":
        env["TWENTY_API_KEY"] = KEY
    server.emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=0.2, drop_rate=0.1)], seed=3)
    outputs: list[str] = []
    for args in (
        ["--progress", "run", "--source", f"local:{tmp_path / 'source.sqlite3'}"],  # records refused: exit 1
        ["status"],
        ["pull", "--target", f"local:{tmp_path / 'app.sqlite3'}"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "twenty_sync", "--state", str(tmp_path / "state.sqlite3"), "--url", server.url,
             "--no-rate-limit", *flag, *args],
            capture_output=True, cwd=ROOT, env=env, timeout=60, check=False,
        )  # fmt: skip
        outputs += [done.stdout.decode(), done.stderr.decode()]
    server.emulator.faults.set([FaultRule(route="*", error_rate=1.0, error_status=501)], seed=3)  # not retried
    failed = subprocess.run(
        [sys.executable, "-m", "twenty_sync", "--state", str(tmp_path / "state.sqlite3"), "--url", server.url,
         "--no-rate-limit", *flag, "run", "--source", f"local:{tmp_path / 'source.sqlite3'}"],
        capture_output=True, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert failed.returncode == 1  # the run stopped on Twenty's error (2 is for usage errors)
    assert "twenty-sync:" in failed.stderr.decode()
    outputs += [failed.stdout.decode(), failed.stderr.decode()]
    assert "C-bad" in "".join(outputs)
    no_key(outputs, f"the CLI's output (key by {how})")
    assert KEY.encode() not in (tmp_path / "state.sqlite3").read_bytes()


def _files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".sqlite3"}:
                yield path


def test_no_real_looking_key_in_codegen_snapshots_or_test_fixtures() -> None:
    files = list(_files(ROOT / "codegen" / "snapshots", ROOT / "tests"))
    assert any(p.suffix == ".json" for p in files)
    found = {str(p.relative_to(ROOT)): m.group()[:24] for p in files for m in [JWT.search(p.read_bytes())] if m}
    assert found == {}
    header = re.compile(rb"(?i)authorization[\"']?\s*[:=]\s*[\"']?Bearer\s+([A-Za-z0-9._-]{40,})")
    assert {str(p.relative_to(ROOT)) for p in files if header.search(p.read_bytes())} == set()
