"""``twenty-sync``: plan, run, pull and status from a shell.

    twenty-sync plan   --source local:warehouse.sqlite3                # what a run would do (no write)
    twenty-sync run    --source 'bigquery:my-project.crm?location=EU' [--dry-run] [--apply-deletes] [--concurrency 3]
    twenty-sync pull   --target postgres:env:SUPABASE_DB_URL [--policy last_writer_wins | --store-owns FIELD ...]
    twenty-sync pull   --deleted delete --check-keys                  # records deleted in Twenty: rows deleted too
    twenty-sync status                                                 # synced counts, watermarks, last errors
    twenty-sync plan   --source postgres:env:CRM_DB --mapping mapping.toml   # the user's own tables (see below)
    twenty-sync mapping check mapping.toml                             # validate a mapping, print what it maps

Stores (``--source`` / ``--target``; defaults ``$TWENTY_SYNC_SOURCE`` / ``$TWENTY_SYNC_TARGET``, else
``local:twenty-sync.sqlite3``):

- ``local:PATH``: an embedded SQLite file;
- ``postgres:DSN``, ``postgres:env:VAR`` (the DSN read from environment variable ``VAR``) or ``postgres:secret:NAME``
  (from Google Secret Manager secret ``NAME``): a libpq connection string or URL (Supabase: the session pooler or
  direct connection string). ``?schema=NAME`` after ``env:VAR`` / ``secret:NAME``, or in a URL DSN's query, picks
  the schema (default ``public``). Prefer ``env:`` or ``secret:`` when the DSN holds a password: a command line shows
  in ``ps`` and shell history;
- ``bigquery:PROJECT.DATASET[?location=LOC][&api_endpoint=URL]``: application-default credentials; with
  ``api_endpoint`` or ``$BIGQUERY_EMULATOR_HOST``, an emulator and anonymous credentials;
- ``supabase:https://PROJECT.supabase.co[?schema=NAME]``: Supabase's REST API, the key from
  ``$SUPABASE_SERVICE_ROLE_KEY``, ``$SUPABASE_KEY``, else Secret Manager secret ``supabase-service-role-key``.

Mappings (``--mapping FILE`` on plan, run and pull; default ``$TWENTY_SYNC_MAPPING``): the source's own tables,
views or queries read through a :class:`~twenty_sync.SyncMapping` TOML file (``local:``, ``postgres:`` and
``bigquery:`` stores), instead of the seed's tables. ``pull --mapping`` writes Twenty's edits back into the mapped
tables of a ``local:`` or ``postgres:`` target (the mapped columns that changed, by key); a query is refused.

Records a CRM user deleted in Twenty (:mod:`twenty_sync._deletions`): ``pull`` marks their rows' ``deleted_at``
(``--deleted delete``: deletes the rows; ``ignore``: leaves them) and checks every ``--key-check-every`` hours (24;
``--check-keys``: now; ``--no-key-check``: never) that the synced records still exist, 200 a request; ``run`` leaves
them deleted in Twenty and logs each changed row it did not send, unless ``--restore-deleted``.

Twenty: ``--url`` / ``--api-key``, else ``TWENTY_API_URL`` / ``TWENTY_API_KEY`` or Secret Manager
(``ClientConfig.resolve``). The state lives in ``--state`` (default ``$TWENTY_SYNC_STATE``, else
``twenty-sync.state.sqlite3``). A secret missing everywhere is an error naming every place tried. Passwords and keys
never appear in the output: they are replaced by ``[redacted]``.

Exit status: 0 when every record went; 1 when some failed (see ``status``) or the run stopped (Twenty or a store
failing past its retries: run it again to resume); 2 on a usage or configuration error (a bad spec, a missing
secret). Errors are one line; an unexpected one prints its traceback. Either way, secrets are cut out.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr, suppress
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal, TextIO, cast
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import attrs

from twenty_sdk import (
    ClientConfig,
    ConfigurationError,
    GoogleSecretManager,
    RateLimit,
    TwentyClient,
    TwentyError,
    find_secret,
    scrub,
)
from twenty_sync._deletions import DeletionPolicy
from twenty_sync._engine import PUSH_ORDER, ConflictPolicy, FieldPolicy, RunReport, SyncEngine
from twenty_sync._mapped_source import MappedSource, MappedSourceError, QueryableStore
from twenty_sync._mapping import Limits
from twenty_sync._plan import Planner
from twenty_sync._records import ENTITIES
from twenty_sync._source_mapping import SyncMapping
from twenty_sync._state import SyncState
from twenty_sync._state_postgres import State
from twenty_sync.stores import Store

__all__ = [
    "BIGQUERY_EMULATOR_ENV_VAR",
    "DEFAULT_SOURCE",
    "DEFAULT_STATE",
    "MAPPING_ENV_VAR",
    "SOURCE_ENV_VAR",
    "STATE_ENV_VAR",
    "SUPABASE_KEY_ENV_VARS",
    "SUPABASE_KEY_SECRET_NAMES",
    "TARGET_ENV_VAR",
    "main",
    "open_store",
    "redact_spec",
]

DEFAULT_SOURCE = "local:twenty-sync.sqlite3"
DEFAULT_STATE = "twenty-sync.state.sqlite3"
SOURCE_ENV_VAR = "TWENTY_SYNC_SOURCE"
TARGET_ENV_VAR = "TWENTY_SYNC_TARGET"
STATE_ENV_VAR = "TWENTY_SYNC_STATE"
PHONE_REGION_ENV_VAR = "TWENTY_SYNC_DEFAULT_PHONE_REGION"
MAPPING_ENV_VAR = "TWENTY_SYNC_MAPPING"
BIGQUERY_EMULATOR_ENV_VAR = "BIGQUERY_EMULATOR_HOST"
SUPABASE_KEY_ENV_VARS: tuple[str, ...] = ("SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_KEY")
SUPABASE_KEY_SECRET_NAMES: tuple[str, ...] = ("supabase-service-role-key",)

_SPECS = (
    "local:PATH, postgres:DSN, postgres:env:VAR, postgres:secret:NAME, bigquery:PROJECT.DATASET[?location=...] "
    "or supabase:https://PROJECT.supabase.co"
)
_PASSWORD_KEYWORD = re.compile(r"\b((?:ssl)?password)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
_URL_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@")  # libpq: up to the first '@', never past a '/'
_PASSWORD_PARAMETER = re.compile(r"[?&](?:ssl)?password=([^&#]*)")


# --- secrets ------------------------------------------------------------------------------------------------------


def _dsn_secrets(dsn: str) -> list[str]:
    """The passwords a libpq connection string or URL holds, as written and decoded (for scrubbing). Read as libpq
    reads them, without a URL parser that could refuse a malformed DSN (whose error message may then show it)."""
    found: list[str] = []
    userinfo = _URL_USERINFO.search(dsn)
    if userinfo is not None:
        found.append(userinfo.group(1).partition(":")[2])
    if "://" in dsn:
        found += [match.group(1) for match in _PASSWORD_PARAMETER.finditer(dsn)]
    for match in _PASSWORD_KEYWORD.finditer("" if "://" in dsn else dsn):
        raw = match.group(2)
        found.append(raw)
        if raw.startswith("'"):
            found.append(re.sub(r"\\(.)", r"\1", raw[1:-1]))
    return [s for secret in found for s in (secret, unquote(secret)) if s]


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = scrub(text, secret)
    return text


def redact_spec(spec: str) -> str:
    """The store spec with any password in it replaced by ``[redacted]`` (for messages and the state file)."""
    return _scrub(spec, _dsn_secrets(spec))


def _resolve_secret(
    what: str,
    env_vars: Sequence[str],
    secret_names: Sequence[str],
    *,
    env: Mapping[str, str],
    secret_manager: GoogleSecretManager | bool,
) -> str:
    """The first of the environment variables, then of the Secret Manager secrets, that is set and not empty.

    Raises :class:`ConfigurationError` naming every place tried (as the SDK does for the API key)."""
    where: GoogleSecretManager | Literal[False] | None = None
    if secret_names:
        if secret_manager is False:
            where = False
        elif isinstance(secret_manager, GoogleSecretManager):
            where = attrs.evolve(secret_manager, names=tuple(secret_names))
        else:
            where = GoogleSecretManager(names=tuple(secret_names))
    hints = [f"Set {env_vars[0]}"] if env_vars else []
    hints += [f"store it in Google Secret Manager as {secret_names[0]!r}"] if secret_names else []
    hint = " or ".join(hints)
    secret, _ = find_secret(what, env_vars, env=env, secret_manager=where, hint=f"{hint[0].upper()}{hint[1:]}.")
    return secret.get_secret_value()


# --- store specs --------------------------------------------------------------------------------------------------


def _options(query: str, allowed: Sequence[str], spec: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ValueError(f"cannot read the options {query!r} of {redact_spec(spec)!r} (NAME=VALUE&...)") from None
    options = dict(pairs)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} in {redact_spec(spec)!r} (allowed: {', '.join(allowed)})")
    if any(not value for value in options.values()):
        raise ValueError(f"an empty option in {redact_spec(spec)!r}")
    return options


def _pop_schema(dsn: str) -> tuple[str, str | None]:
    """A URL DSN without its ``schema=`` query parameter (ours, not libpq's), and that schema. The rest of the DSN is
    left as written."""
    head, question, query = dsn.partition("?")
    if "://" not in head or not question:
        return dsn, None
    kept = [item for item in query.split("&") if not item.startswith("schema=")]
    schemas = [unquote(item[len("schema=") :]) for item in query.split("&") if item.startswith("schema=")]
    if not schemas:
        return dsn, None
    return head + ("?" + "&".join(kept) if kept else ""), schemas[-1]


def _postgres_dsn(
    rest: str, spec: str, env: Mapping[str, str], secret_manager: GoogleSecretManager | bool
) -> tuple[str, str | None]:
    """The DSN of a ``postgres:`` spec (inline, ``env:VAR`` or ``secret:NAME``) and the schema it names, if any."""
    source, colon, name_and_options = rest.partition(":")
    if colon and source in ("env", "secret"):
        name, _, query = name_and_options.partition("?")
        if not name:
            raise ValueError(f"postgres:{source}:NAME needs a name, not {spec!r}")
        schema = _options(query, ("schema",), spec).get("schema")
        if source == "env":
            dsn = _resolve_secret(
                f"PostgreSQL connection string for {spec!r}", (name,), (), env=env, secret_manager=False
            )
        else:
            dsn = _resolve_secret(
                f"PostgreSQL connection string for {spec!r}", (), (name,), env=env, secret_manager=secret_manager
            )
        inline, inline_schema = _pop_schema(dsn)
        return inline, schema or inline_schema
    return _pop_schema(rest)


def _cannot_open(what: str, spec: str, exc: Exception, secrets: Sequence[str]) -> ConnectionError:
    """The error for a store or state that would not open: one line, every secret met cut out."""
    return ConnectionError(_scrub(f"cannot open {what} {redact_spec(spec)!r}: {type(exc).__name__}: {exc}", secrets))


def _open_state(
    spec: str, env: Mapping[str, str], secret_manager: GoogleSecretManager | bool, secrets: list[str]
) -> State:
    """The state of ``--state``: a SQLite file path, or ``postgres:…`` (as a store spec; schema ``twenty_sync``)."""
    if not spec.startswith("postgres:"):
        if spec != ":memory:":
            Path(spec).parent.mkdir(parents=True, exist_ok=True)
        return SyncState(spec)
    secrets += _dsn_secrets(spec)
    dsn, schema = _postgres_dsn(spec.partition(":")[2], spec, env, secret_manager)
    secrets += _dsn_secrets(dsn)
    from twenty_sync._state_postgres import PostgresSyncState

    try:
        return PostgresSyncState(dsn, schema=schema or "twenty_sync")
    except ImportError:
        raise
    except Exception as exc:
        raise _cannot_open("the state", spec, exc, secrets) from None  # not chained: its message may hold a secret


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _emulator_endpoint(value: str) -> str:
    value = value.strip().rstrip("/")
    return value if "://" in value else f"http://{value}"


def _open_store(
    spec: str, env: Mapping[str, str], secret_manager: GoogleSecretManager | bool, secrets: list[str]
) -> Store:
    """Build the store of ``spec``, adding every secret it resolves to ``secrets`` (for scrubbing messages)."""
    secrets += _dsn_secrets(spec)
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise ValueError(f"a store is {_SPECS}, not {redact_spec(spec)!r}")
    build: Callable[[], Any]
    if kind == "local":
        from twenty_sync.stores import LocalStore

        build = partial(LocalStore, rest)
    elif kind == "postgres":
        dsn, schema = _postgres_dsn(rest, spec, env, secret_manager)
        secrets += _dsn_secrets(dsn)
        from twenty_sync.stores import PostgresStore

        build = partial(PostgresStore, dsn, schema=schema or "public")
    elif kind == "bigquery":
        path, _, query = rest.partition("?")
        project, dot, dataset = path.rpartition(".")
        if not dot or not project or not dataset:
            raise ValueError(f"bigquery:PROJECT.DATASET[?location=...&api_endpoint=...], not {spec!r}")
        options = _options(query, ("location", "api_endpoint"), spec)
        endpoint = options.get("api_endpoint") or env.get(BIGQUERY_EMULATOR_ENV_VAR, "").strip() or None
        from twenty_sync.stores import BigQueryStore

        build = partial(
            BigQueryStore.connect,
            project,
            dataset,
            location=options.get("location"),
            api_endpoint=_emulator_endpoint(endpoint) if endpoint else None,
        )
    elif kind == "supabase":
        parts = urlsplit(rest)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"supabase:https://PROJECT.supabase.co[?schema=NAME], not {spec!r}")
        options = _options(parts.query, ("schema",), spec)
        url = urlunsplit(parts._replace(query="", fragment=""))
        key = _resolve_secret(
            "Supabase service-role key", SUPABASE_KEY_ENV_VARS, SUPABASE_KEY_SECRET_NAMES,
            env=env, secret_manager=secret_manager,
        )  # fmt: skip
        secrets.append(key)
        from twenty_sync.stores import SupabaseRestStore

        build = partial(SupabaseRestStore.connect, url, key, schema=options.get("schema", "public"))
    else:
        raise ValueError(f"unknown store kind {kind!r}: a store is {_SPECS}")
    store: Any = None
    try:
        store = build()
        store.ensure_schema()
    except Exception as exc:
        if store is not None:
            with suppress(Exception):
                store.close()
        raise _cannot_open("the store", spec, exc, secrets) from None  # not chained: its message may hold a secret
    return cast(Store, store)


def open_store(
    spec: str, *, env: Mapping[str, str] | None = None, secret_manager: GoogleSecretManager | bool = True
) -> Store:
    """The store a spec names, its tables created if missing (see the module docstring for the spec forms).

    ``env`` replaces ``os.environ``; ``secret_manager`` is ``True`` (default names and project), ``False`` (never
    look) or a :class:`GoogleSecretManager` saying where to look. Raises ``ValueError`` for a malformed spec,
    :class:`ConfigurationError` for a secret found nowhere (naming every place tried) and ``ConnectionError`` (its
    message free of secrets) when the store does not answer.
    """
    return _open_store(spec, os.environ if env is None else env, secret_manager, [])


# --- the command --------------------------------------------------------------------------------------------------


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


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(default_phone_region=args.default_phone_region, strict=args.strict)


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    source = env.get(SOURCE_ENV_VAR, "").strip() or DEFAULT_SOURCE
    target = env.get(TARGET_ENV_VAR, "").strip() or DEFAULT_SOURCE
    state = env.get(STATE_ENV_VAR, "").strip() or DEFAULT_STATE
    parser = argparse.ArgumentParser(
        prog="twenty-sync",
        description="Sync a store with Twenty CRM.",
        epilog=f"Stores: {_SPECS}. Exit status: 0 all records went, 1 some failed, 2 could not run.",
    )
    parser.add_argument(
        "--state",
        default=state,
        help=f"the sync's state: a SQLite file, or postgres:DSN / postgres:env:VAR / postgres:secret:NAME (schema "
        f"twenty_sync; ?schema=NAME for another) (default ${STATE_ENV_VAR}, else {DEFAULT_STATE})",
    )
    parser.add_argument("--url", help="Twenty's base URL (default: $TWENTY_API_URL, else Twenty Cloud)")
    parser.add_argument("--api-key", help="the API key (default: $TWENTY_API_KEY, else Secret Manager)")
    parser.add_argument("--no-rate-limit", action="store_true", help="do not pace requests (an emulator)")
    parser.add_argument("--progress", action="store_true", default=None, help="show progress (default: on a tty)")
    parser.add_argument(
        "--default-phone-region",
        default=env.get(PHONE_REGION_ENV_VAR, "").strip() or None,
        metavar="CC",
        help=f"the country (ISO code, e.g. US) of phone numbers written without +calling code (default "
        f"${PHONE_REGION_ENV_VAR}, else none: such numbers are dropped with a warning)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse a record holding junk in an optional field (a phone 'n/a') instead of sending it without it",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    source_help = f"the store to read (default ${SOURCE_ENV_VAR}, else {DEFAULT_SOURCE})"
    mapping = env.get(MAPPING_ENV_VAR, "").strip() or None
    mapping_help = f"a mapping TOML file: read your own tables, views or queries (default ${MAPPING_ENV_VAR})"

    plan = commands.add_parser("plan", help="print what a run would do (no write)")
    plan.add_argument("--source", default=source, help=source_help)
    plan.add_argument("--mapping", default=mapping, metavar="FILE", help=mapping_help)

    run = commands.add_parser("run", help="push the source to Twenty")
    run.add_argument("--source", default=source, help=source_help)
    run.add_argument("--dry-run", action="store_true", help="print the plan instead")
    run.add_argument("--apply-deletes", action="store_true", help="soft-delete records gone from the source")
    run.add_argument("--mapping", default=mapping, metavar="FILE", help=mapping_help)
    run.add_argument("--no-schema", action="store_true", help="skip ensure_schema (the seed's or the mapping's)")
    run.add_argument(
        "--restore-deleted",
        action="store_true",
        help="send changed rows whose record a CRM user deleted in Twenty, restoring it (default: left deleted and "
        "logged)",
    )
    run.add_argument(
        "--concurrency",
        type=_positive,
        default=1,
        metavar="N",
        help="batch requests in flight at once, still paced (default 1; 2 or 3 use a real Twenty's whole limit)",
    )

    pull = commands.add_parser("pull", help="bring Twenty's edits into a store")
    pull.add_argument(
        "--target", default=target, help=f"the store to write (default ${TARGET_ENV_VAR}, else {DEFAULT_SOURCE})"
    )
    pull.add_argument("--policy", choices=("twenty_wins", "store_wins", "last_writer_wins"), default="twenty_wins")
    pull.add_argument(
        "--store-owns",
        action="append",
        metavar="FIELD",
        help="a field whose store value wins a conflict (repeatable; replaces --policy: other fields take Twenty's)",
    )
    pull.add_argument(
        "--include-own-writes",
        action="store_true",
        help="also write records Twenty holds as the last push left them (left out when the target is the store "
        "pushed from: they are there already, in the store's own spelling)",
    )
    pull.add_argument(
        "--deleted",
        choices=("mark", "delete", "ignore"),
        default="mark",
        help="the row of a record deleted in Twenty: set its deleted_at (default), delete it, or leave it",
    )
    pull.add_argument(
        "--key-check-every",
        type=float,
        default=24.0,
        metavar="HOURS",
        help="how often to check that synced records still exist, finding destroyed ones (default 24; "
        "costs one request per 200 synced records)",
    )
    pull.add_argument("--check-keys", action="store_true", help="run that check now")
    pull.add_argument("--no-key-check", action="store_true", help="never run that check")
    pull.add_argument(
        "--mapping",
        default=mapping,
        metavar="FILE",
        help=mapping_help + " (tables only: "
        "the mapped columns Twenty changed are written back by key; a query is refused)",
    )
    pull.set_defaults(push_source=source)

    check = commands.add_parser("mapping", help="check a mapping file and print what it maps")
    check.add_argument("action", choices=("check",))
    check.add_argument("file", metavar="FILE")

    commands.add_parser("status", help="synced counts, watermarks and the last run's errors")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    secret_manager: GoogleSecretManager | bool = True,
) -> int:
    """The command; ``env`` replaces ``os.environ`` and ``secret_manager`` says where to look for secrets (tests)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if env is None else env
    argv = list(sys.argv[1:] if argv is None else argv)
    secrets = _argv_secrets(argv)  # every password and key met: cut out of anything printed
    usage = io.StringIO()
    try:
        with redirect_stderr(usage):  # argparse's errors quote the arguments: a mistyped DSN would show whole
            args = _parser(env).parse_args(argv)
    except SystemExit as exc:
        err.write(_scrub(usage.getvalue(), secrets))
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _command(args, out=out, err=err, env=env, secret_manager=secret_manager, secrets=secrets)
    except (ValueError, ImportError, ConfigurationError) as exc:  # what was asked cannot be done: a usage error
        err.write(_scrub(f"twenty-sync: {exc}", secrets) + "\n")
        return 2
    except (OSError, TwentyError) as exc:  # Twenty or a store failed (after retries): the run stopped, resumable
        err.write(_scrub(f"twenty-sync: {exc}", secrets) + "\n")
        return 1
    except Exception:  # a store's own errors (psycopg, google.api_core...) or a bug: the traceback, secrets cut out
        err.write(_scrub(traceback.format_exc(), secrets))
        return 1


def _argv_secrets(argv: Sequence[str]) -> list[str]:
    """The passwords in the arguments' DSNs, and the value of ``--api-key``."""
    found = [secret for arg in argv for secret in _dsn_secrets(arg)]
    for i, arg in enumerate(argv):
        if arg == "--api-key" and i + 1 < len(argv):
            found.append(argv[i + 1])
        elif arg.startswith("--api-key="):
            found.append(arg.removeprefix("--api-key="))
    return [secret for secret in found if secret]


def _command(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    env: Mapping[str, str],
    secret_manager: GoogleSecretManager | bool,
    secrets: list[str],
) -> int:
    def write(text: str) -> None:
        out.write(_scrub(text, secrets) + "\n")

    if args.command == "mapping":
        write(SyncMapping.load(args.file).describe())
        return 0
    mapping = SyncMapping.load(args.mapping) if getattr(args, "mapping", None) else None

    def opened(spec: str) -> Store:
        store = _open_store(spec, env, secret_manager, secrets)
        if mapping is None:
            return store
        try:
            return MappedSource(cast(QueryableStore, store), mapping, limits=_limits(args))
        except MappedSourceError:
            store.close()
            raise

    state = _open_state(args.state, env, secret_manager, secrets)
    try:
        if args.command == "status":
            write(_status(state))
            return 0
        if args.command == "plan" or (args.command == "run" and args.dry_run):
            source = opened(args.source)
            entities = [e for e in PUSH_ORDER if mapping is None or mapping.get(e.name) is not None]
            try:
                plan = Planner(state, limits=_limits(args)).plan(source, entities)
            finally:
                source.close()
            write(plan.table())
            return 0
        options: dict[str, Any] = {"rate_limit": RateLimit(enabled=False)} if args.no_rate_limit else {}
        config = ClientConfig.resolve(args.url, args.api_key, env=env, secret_manager=secret_manager, **options)
        secrets.append(config.api_key.get_secret_value())
        progress = _ProgressLine(err, err.isatty() if args.progress is None else args.progress)
        with TwentyClient(config=config) as client:
            engine = SyncEngine(
                client,
                state,
                progress=progress,
                concurrency=getattr(args, "concurrency", 1),
                limits=_limits(args),
                deletions=_deletion_policy(args),
            )
            report: RunReport
            if args.command == "run":
                source = opened(args.source)
                try:
                    report = engine.run(source, ensure_schema=not args.no_schema, apply_deletes=args.apply_deletes)
                finally:
                    source.close()
            else:
                target = opened(args.target)
                try:
                    policy: ConflictPolicy | FieldPolicy = (
                        dict.fromkeys(args.store_owns, "store")
                        if args.store_owns
                        else cast(ConflictPolicy, args.policy)
                    )
                    # a mapped table is the one pushed from: the echo of our own pushes is left out there too
                    own = (mapping is not None or args.target == args.push_source) and not args.include_own_writes
                    report = engine.pull(
                        target,
                        policy=policy,
                        target_name=redact_spec(args.target),
                        skip_own_writes=own,
                        check_keys=True if args.check_keys else None,
                    )
                finally:
                    target.close()
            progress.end()
        write(report.table())
        return 1 if report.errors else 0
    finally:
        state.close()


def _deletion_policy(args: argparse.Namespace) -> DeletionPolicy:
    """What the command line says about records deleted in Twenty (the defaults where a command has no option)."""
    hours = getattr(args, "key_check_every", 24.0)
    if hours < 0:
        raise ConfigurationError(f"--key-check-every must be 0 or more hours, not {hours}")
    return DeletionPolicy(
        store=getattr(args, "deleted", "mark"),
        restore=getattr(args, "restore_deleted", False),
        key_check_every=None if getattr(args, "no_key_check", False) else timedelta(hours=hours),
    )


def _status(state: State) -> str:
    where = state.path if isinstance(state, SyncState) else repr(state)
    lines = [f"state: {where}", f"{'entity':<14}{'synced':>10}{'deleted in Twenty':>19}  last synced at"]
    for entity in ENTITIES:
        name = entity.name
        deleted = state.deletion_count(name)
        lines.append(f"{name:<14}{state.count(name):>10}{deleted:>19}  {state.last_synced_at(name) or '-'}")
    for name, mark in state.watermarks().items():
        if name.startswith("pull:"):
            entity_name, _, target = name.removeprefix("pull:").partition("@")
            into = f" into {target}" if target else ""
            lines.append(f"pull watermark {entity_name}{into}: {mark.updated_at} (id {mark.last_id})")
    run_id = state.last_run_id()
    if run_id is not None:
        errors = state.errors(run_id)
        lines.append(f"last run with errors: {run_id} ({len(errors)} errors)")
        lines.extend(f"  {e.entity} {e.key} [{e.operation}, attempt {e.attempt}]: {e.reason}" for e in errors[:20])
    return "\n".join(lines)
