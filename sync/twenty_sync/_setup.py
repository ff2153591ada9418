"""``python -m twenty_sync._setup`` (``nox -s setup``): provision and verify the seed's schema on a workspace.

    python -m twenty_sync._setup                     # on a fresh emulator: prints what it created, then runs again
    python -m twenty_sync._setup --url URL           # on a real workspace (key: TWENTY_API_KEY, or Secret Manager)
    python -m twenty_sync._setup --url URL --dry-run # the plan only: reads, writes nothing
    python -m twenty_sync._setup --mapping FILE      # the schema a mapping of your own tables writes to

It runs :meth:`~twenty_sdk.Metadata.ensure_schema` with :data:`~twenty_sync.SEED_SCHEMA`, prints the report (one row
per object, field and relation), then runs it a second time to show that nothing is left to do (0 writes). Drift is
reported, never changed, unless ``--allow-destructive``.

Without ``--url`` it starts the emulator (``twenty-sdk[emulator]``) in a child process on a free loopback port, with
an API key of its own, and stops it at the end: the SDK talks to it over HTTP like to any Twenty, and does not import
it. With ``--url`` the key is resolved by :meth:`~twenty_sdk.ClientConfig.resolve` (``TWENTY_API_KEY``,
``TWENTY_CRM_API_KEY``, then Google Secret Manager, in ``--project`` if given). The key is never printed.

Exit status: 0 the schema is in place; 1 drift was found (see the report); 2 an error (a bad schema, an API error, no
key, the emulator would not start).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TextIO

import httpx

from twenty_sdk import ClientConfig, GoogleSecretManager, Metadata, ObjectSpec, SchemaError, Transport, TwentyError
from twenty_sync._seed_schema import SEED_SCHEMA
from twenty_sync._source_mapping import SourceMappingError, SyncMapping

__all__ = ["main", "provision"]

EMULATOR_START_TIMEOUT = 30.0


def provision(
    config: ClientConfig,
    *,
    schema: Sequence[ObjectSpec] = SEED_SCHEMA,
    dry_run: bool = False,
    allow_destructive: bool = False,
    out: TextIO = sys.stdout,
    http_client: httpx.Client | None = None,
) -> int:
    """Ensure ``schema`` (default: the seed's) on the workspace ``config`` points at, print the report, then check
    that a second run has nothing to do. Returns the exit status (0 in place, 1 drift, 2 error)."""
    with Transport(config, http_client=http_client) as transport:
        metadata = Metadata(transport)
        try:
            report = metadata.ensure_schema(schema, dry_run=dry_run, allow_destructive=allow_destructive)
        except SchemaError as exc:
            print(f"error: {exc}", file=out)
            return 2
        except TwentyError as exc:
            print(f"error: {exc}", file=out)
            for note in getattr(exc, "__notes__", ()):
                print(f"  {note}", file=out)
            return 2
        print(report, file=out)
        if not dry_run:
            again = metadata.ensure_schema(schema, allow_destructive=allow_destructive)
            print(f"second run: {again.summary()}", file=out)
            if again.writes:
                print("error: the second run still wrote something", file=out)
                return 2
    if report.has_drift:
        print(f"drift: {len(report.drifted)} item(s) differ from the seed schema and were left alone", file=out)
        return 1
    return 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _emulator() -> Iterator[tuple[str, str]]:
    """A fresh emulator in a child process: ``(base URL, API key)``; stopped on exit."""
    port = _free_port()
    key = "tw_setup_" + secrets.token_urlsafe(24)
    command = [sys.executable, "-m", "twenty_emulator._cli", "serve", "--port", str(port), "--api-key", key]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter running the emulator module
        [*command, "--no-rate-limit"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + EMULATOR_START_TIMEOUT
        while True:
            if process.poll() is not None:
                detail = (process.stderr.read() if process.stderr else "").strip().splitlines()[-3:]
                hint = " (install it: pip install 'twenty-sdk[emulator]')" if "No module named" in str(detail) else ""
                raise RuntimeError(f"the emulator exited with status {process.returncode}{hint}: {' '.join(detail)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not answer on {url} within {EMULATOR_START_TIMEOUT:.0f}s")
            time.sleep(0.05)
        yield url, key
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m twenty_sync._setup",
        description="Provision and verify the seed's schema (custom fields and objects) on a Twenty workspace.",
    )
    ap.add_argument("--url", help="the workspace's base URL (default: a fresh emulator started for this run)")
    ap.add_argument("--project", help="Google Cloud project holding the API key in Secret Manager (with --url)")
    ap.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    ap.add_argument("--mapping", metavar="FILE", help="provision what this mapping writes to (default: the seed's)")
    ap.add_argument(
        "--allow-destructive",
        action="store_true",
        help="repair drift in place where possible (uniqueness, select options); never changes types or deletes",
    )
    return ap


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        schema = SyncMapping.load(args.mapping).schema() if args.mapping else SEED_SCHEMA
    except SourceMappingError as exc:
        print(f"error: {exc}", file=out)
        return 2

    def run(config: ClientConfig) -> int:
        return provision(config, schema=schema, dry_run=args.dry_run, allow_destructive=args.allow_destructive, out=out)

    if args.url:
        try:
            manager = GoogleSecretManager(project=args.project) if args.project else True
            config = ClientConfig.resolve(args.url, secret_manager=manager)
        except TwentyError as exc:
            print(f"error: {exc}", file=out)
            return 2
        print(f"workspace: {config.base_url} (API key from {config.api_key_source})", file=out)
        return run(config)
    try:
        with _emulator() as (url, key):
            print(f"workspace: a fresh emulator at {url} (Twenty 2.21.0's standard workspace)", file=out)
            return run(ClientConfig(base_url=url, api_key=key))
    except RuntimeError as exc:
        print(f"error: {exc}", file=out)
        return 2


if __name__ == "__main__":
    sys.exit(main())
