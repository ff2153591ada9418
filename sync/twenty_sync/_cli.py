"""``twenty-sync``: plan, run, pull and status from a shell.

    twenty-sync plan   --source local:warehouse.sqlite3                # what a run would do (no write)
    twenty-sync run    --source bigquery:my-project.crm [--dry-run] [--apply-deletes] [--no-schema]
    twenty-sync pull   --target postgres:"host=... dbname=app" [--policy last_writer_wins | --store-owns FIELD ...]
    twenty-sync status                                                 # synced counts, watermarks, last errors

Stores: ``local:PATH`` (default ``local:twenty-sync.sqlite3``), ``postgres:DSN``, ``bigquery:PROJECT.DATASET``.
Twenty: ``--url`` / ``--api-key``, else ``TWENTY_API_URL`` / ``TWENTY_API_KEY`` or Secret Manager
(``ClientConfig.resolve``). The state lives in ``--state`` (default ``twenty-sync.state.sqlite3``).
Exit status: 0 when every record went, 1 when some failed (see ``status``), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO, cast

from twenty_sdk import RateLimit, TwentyClient, TwentyError
from twenty_sync._engine import PUSH_ORDER, ConflictPolicy, FieldPolicy, RunReport, SyncEngine
from twenty_sync._plan import Planner
from twenty_sync._records import ENTITIES
from twenty_sync._state import SyncState
from twenty_sync.stores import Store

__all__ = ["main", "open_store"]

DEFAULT_SOURCE = "local:twenty-sync.sqlite3"
DEFAULT_STATE = "twenty-sync.state.sqlite3"


def open_store(spec: str) -> Store:
    """A store from ``local:PATH``, ``postgres:DSN`` or ``bigquery:PROJECT.DATASET`` (tables created if missing)."""
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise ValueError(f"a store is local:PATH, postgres:DSN or bigquery:PROJECT.DATASET, not {spec!r}")
    store: Any
    if kind == "local":
        from twenty_sync.stores import LocalStore

        store = LocalStore(rest)
    elif kind == "postgres":
        from twenty_sync.stores import PostgresStore

        store = PostgresStore(rest)
    elif kind == "bigquery":
        from twenty_sync.stores import BigQueryStore

        project, dot, dataset = rest.partition(".")
        if not dot:
            raise ValueError(f"bigquery:PROJECT.DATASET, not {spec!r}")
        store = BigQueryStore.connect(project, dataset)
    else:
        raise ValueError(f"unknown store kind {kind!r} (local, postgres, bigquery)")
    store.ensure_schema()
    return cast(Store, store)


class _ProgressLine:
    """A one-line progress display on stderr (rewritten in place on a terminal)."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.shown = False

    def __call__(self, operation: str, entity: str, done: int) -> None:
        if self.enabled:
            self.stream.write(f"\r{operation} {entity}: {done} records")
            self.stream.flush()
            self.shown = True

    def end(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.shown = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twenty-sync", description="Sync a store with Twenty CRM.")
    parser.add_argument("--state", default=DEFAULT_STATE, help=f"the sync's state file (default {DEFAULT_STATE})")
    parser.add_argument("--url", help="Twenty's base URL (default: $TWENTY_API_URL, else Twenty Cloud)")
    parser.add_argument("--api-key", help="the API key (default: $TWENTY_API_KEY, else Secret Manager)")
    parser.add_argument("--no-rate-limit", action="store_true", help="do not pace requests (an emulator)")
    parser.add_argument("--progress", action="store_true", default=None, help="show progress (default: on a tty)")
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser("plan", help="print what a run would do (no write)")
    plan.add_argument("--source", default=DEFAULT_SOURCE)

    run = commands.add_parser("run", help="push the source to Twenty")
    run.add_argument("--source", default=DEFAULT_SOURCE)
    run.add_argument("--dry-run", action="store_true", help="print the plan instead")
    run.add_argument("--apply-deletes", action="store_true", help="soft-delete records gone from the source")
    run.add_argument("--no-schema", action="store_true", help="skip ensure_schema(SEED_SCHEMA)")

    pull = commands.add_parser("pull", help="bring Twenty's edits into a store")
    pull.add_argument("--target", default=DEFAULT_SOURCE)
    pull.add_argument("--policy", choices=("twenty_wins", "store_wins", "last_writer_wins"), default="twenty_wins")
    pull.add_argument(
        "--store-owns",
        action="append",
        metavar="FIELD",
        help="a field whose store value wins a conflict (repeatable; replaces --policy: other fields take Twenty's)",
    )

    commands.add_parser("status", help="synced counts, watermarks and the last run's errors")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    state = SyncState(args.state)
    try:
        if args.command == "status":
            out.write(_status(state) + "\n")
            return 0
        if args.command == "plan" or (args.command == "run" and args.dry_run):
            source = open_store(args.source)
            try:
                plan = Planner(state).plan(source, PUSH_ORDER)
            finally:
                source.close()
            out.write(plan.table() + "\n")
            return 0
        options: dict[str, Any] = {"rate_limit": RateLimit(enabled=False)} if args.no_rate_limit else {}
        progress = _ProgressLine(err, err.isatty() if args.progress is None else args.progress)
        with TwentyClient(args.url, args.api_key, **options) as client:
            engine = SyncEngine(client, state, progress=progress)
            report: RunReport
            if args.command == "run":
                source = open_store(args.source)
                try:
                    report = engine.run(source, ensure_schema=not args.no_schema, apply_deletes=args.apply_deletes)
                finally:
                    source.close()
            else:
                target = open_store(args.target)
                try:
                    policy: ConflictPolicy | FieldPolicy = (
                        dict.fromkeys(args.store_owns, "store")
                        if args.store_owns
                        else cast(ConflictPolicy, args.policy)
                    )
                    report = engine.pull(target, policy=policy, target_name=args.target)
                finally:
                    target.close()
            progress.end()
        out.write(report.table() + "\n")
        return 1 if report.errors else 0
    except (ValueError, ImportError, TwentyError) as exc:
        err.write(f"twenty-sync: {exc}\n")
        return 2
    finally:
        state.close()


def _status(state: SyncState) -> str:
    lines = [f"state: {state.path}", f"{'entity':<14}{'synced':>10}  last synced at"]
    for entity in ENTITIES:
        lines.append(f"{entity.name:<14}{state.count(entity.name):>10}  {state.last_synced_at(entity.name) or '-'}")
    for entity in ENTITIES:
        mark = state.watermark(f"pull:{entity.name}")
        if mark is not None:
            lines.append(f"pull watermark {entity.name}: {mark.updated_at} (id {mark.last_id})")
    run_id = state.last_run_id()
    if run_id is not None:
        errors = state.errors(run_id)
        lines.append(f"last run with errors: {run_id} ({len(errors)} errors)")
        lines.extend(f"  {e.entity} {e.key} [{e.operation}, attempt {e.attempt}]: {e.reason}" for e in errors[:20])
    return "\n".join(lines)
