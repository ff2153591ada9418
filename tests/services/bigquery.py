"""bqemulator (PyPI: a BigQuery REST API over DuckDB) for the tests: started once per session as a subprocess on
free loopback ports, stopped at the end.

It is started through ``_bqemulator_main.py``, which switches off DuckDB's spatial extension (bqemulator would
download it at start-up and fails when it cannot; see that file), with ``BQEMU_ENABLE_FORMAT_EXTENSIONS=false`` (no
avro download either) and an in-memory catalog. ``google-cloud-bigquery`` talks to it with
``client_options=ClientOptions(api_endpoint=server.url)`` and ``AnonymousCredentials()``.

Versions: bqemulator 1.4 needs DuckDB < 2 (DuckDB 2 refuses a second statement on a connection with an unfetched
result, which breaks its ``insertAll``) and numpy (its built-in UDFs); the ``test`` dependency group pins both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import httpx
import pytest

__all__ = ["BigQueryEmulator", "bigquery_emulator", "start_bqemulator"]

PROJECT = "test-project"
_LAUNCHER = Path(__file__).with_name("_bqemulator_main.py")
_START_TIMEOUT = 90.0


@attrs.frozen
class BigQueryEmulator:
    url: str
    project: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def start_bqemulator(project: str = PROJECT) -> Iterator[BigQueryEmulator]:
    rest_port, grpc_port = _free_port(), _free_port()
    url = f"http://127.0.0.1:{rest_port}"
    env = {
        **os.environ,
        "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false",
        "BQEMU_LOG_LEVEL": "warning",
        "BQEMU_LOG_FORMAT": "console",
    }
    with tempfile.NamedTemporaryFile(prefix="bqemulator-", suffix=".log", delete=False) as log_file:
        log = Path(log_file.name)
        args = [
            sys.executable, str(_LAUNCHER), "start", "--rest-host", "127.0.0.1", "--rest-port", str(rest_port),
            "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port), "--project", project, "--ephemeral",
        ]  # fmt: skip
        process = subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bqemulator exited with {process.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/bigquery/v2/projects/{project}/datasets", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"bqemulator did not answer within {_START_TIMEOUT}s:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield BigQueryEmulator(url=url, project=project, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def bigquery_emulator() -> Iterator[BigQueryEmulator]:
    """bqemulator for the whole session (started on first use, a few seconds)."""
    try:
        import bqemulator  # noqa: F401
    except ImportError:
        reason = "bqemulator is not installed (it is in the 'test' dependency group)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with start_bqemulator() as server:
        yield server
