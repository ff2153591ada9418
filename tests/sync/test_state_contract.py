"""One contract for the sync's state, run against both: :class:`SyncState` (a SQLite file) and
:class:`PostgresSyncState` (a fresh schema on the session's real PostgreSQL, dropped afterwards). Lookup chunks and
``changes_since`` pages are made tiny so that every test crosses their boundaries. Then what only the PostgreSQL state
does (reconnects, refuses a non-UTF-8 database, keeps passwords out of reprs), and the engine run on it: an initial
load, a no-op re-run, a run killed inside ``record`` and resumed."""

from __future__ import annotations

import inspect
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import attrs
import psycopg
import pytest
from services.postgres import PostgresServer
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import StateRow, SyncError, SyncState, Watermark
from twenty_sync import _state as sqlite_state
from twenty_sync import _state_postgres as postgres_state
from twenty_sync._state_postgres import PostgresSyncState, State
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

from .test_engine import (
    API_KEY,
    BATCH_ROUTE,
    RecordingTransport,
    World,
    assert_twenty_equals_source,
    load,
    record_requests,
)

OpenState = Callable[..., State]  # open_state(namespace="main"): a state on that namespace (again, if opened before)

NOW_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_state, "_CHUNK", 4)
    monkeypatch.setattr(postgres_state, "_CHUNK", 4)
    monkeypatch.setattr(postgres_state, "_PAGE", 3)


@pytest.fixture(params=["sqlite", "postgres"])
def open_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenState]:
    opened: list[State] = []
    schemas: list[str] = []
    prefix = f"t_{uuid.uuid4().hex[:12]}"
    server: PostgresServer | None = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")

    def open_(namespace: str = "main") -> State:
        state: State
        if server is None:
            state = SyncState(tmp_path / f"{namespace}.sqlite3")
        else:
            schemas.append(f"{prefix}_{namespace}")
            state = PostgresSyncState(server.conninfo, schema=schemas[-1])
        opened.append(state)
        return state

    yield open_
    for state in opened:
        state.close()
    if server is not None:
        with psycopg.connect(server.conninfo, autocommit=True) as conn:
            for schema in dict.fromkeys(schemas):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def state(open_state: OpenState) -> State:
    return open_state()


def row(key: str, n: int = 0, **changes: Any) -> StateRow:
    fields: dict[str, Any] = {
        "source_hash": f"s{n}-{key}",
        "payload_hash": f"p{n}-{key}",
        "twenty_id": f"id-{key}",
        "twenty_hash": f"t{n}-{key}",
        "unique_value": f"{key}@example.test",
    }
    fields.update(changes)
    return StateRow(key, **fields)


def stored(state: State, entity: str, keys: Sequence[str]) -> list[StateRow]:
    """The state's rows of ``keys``, ``synced_at`` blanked (it is the clock's)."""
    found = state.get_many(entity, keys)
    return [attrs.evolve(r, synced_at="") for r in (found[k] for k in keys if k in found)]


class Interrupted(Sequence[StateRow]):
    """Rows that stop the process (KeyboardInterrupt) once ``after`` of them were read."""

    def __init__(self, rows: Sequence[StateRow], after: int) -> None:
        self.rows, self.after = list(rows), after

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> StateRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[StateRow]: ...

    def __getitem__(self, index: int | slice) -> StateRow | Sequence[StateRow]:
        if isinstance(index, slice):
            return Interrupted(self.rows[index], self.after)
        if index >= self.after:
            raise KeyboardInterrupt
        return self.rows[index]

    def __iter__(self) -> Iterator[StateRow]:
        for i, r in enumerate(self.rows):
            if i == self.after:
                raise KeyboardInterrupt
            yield r


ODD_KEYS = [
    "é",
    "Z",
    "a",
    "😀",
    "ß",
    "B",
    "aa",
    "A",
    "e\u0301",
    "\u00ff",
    "\uffff",
    "\U0001d538",
    "10",
    "9",
    " x",
    "a b",
]


# --- the contract, for both states --------------------------------------------------------------------------------


def test_postgres_state_has_the_sqlite_states_methods_with_the_same_signatures() -> None:
    public = {n for n in vars(SyncState) if not n.startswith("_")} | {"__repr__"}

    for name in public:
        expected, actual = (
            inspect.signature(getattr(SyncState, name)),
            inspect.signature(getattr(PostgresSyncState, name)),
        )
        assert actual == expected, name


def test_rows_stream_in_code_point_order_of_the_key(state: State) -> None:
    state.record("contacts", [row(k) for k in ODD_KEYS])

    assert [r.key for r in state.rows("contacts", batch_size=3)] == sorted(ODD_KEYS)


@pytest.mark.parametrize("batch_size", [1, 4, 5, 20, 21])
def test_rows_page_across_batch_size_without_loss_or_repeat(state: State, batch_size: int) -> None:
    keys = [f"k{i:02d}" for i in range(20)]
    state.record("contacts", [row(k) for k in reversed(keys)])
    state.record("businesses", [row("k05"), row("zz")])

    assert [r.key for r in state.rows("contacts", batch_size=batch_size)] == keys


def test_rows_of_an_empty_entity_are_none(state: State) -> None:
    assert list(state.rows("contacts")) == []


def test_record_keeps_every_field_and_stamps_synced_at_with_the_states_clock(state: State) -> None:
    rows = [row("a"), row("b", twenty_hash=None, unique_value=None)]
    before = state.now()

    state.record("contacts", rows)

    after = state.now()
    assert stored(state, "contacts", ["a", "b"]) == rows
    stamps = {r.synced_at for r in state.rows("contacts")}
    assert len(stamps) == 1  # one stamp per call
    (stamp,) = stamps
    assert NOW_FORMAT.match(stamp)
    assert before <= stamp <= after


def test_record_of_a_known_key_replaces_its_row(state: State) -> None:
    state.record("contacts", [row("a", 1), row("b", 1)])

    state.record("contacts", [row("a", 2, unique_value=None)])

    assert stored(state, "contacts", ["a", "b"]) == [row("a", 2, unique_value=None), row("b", 1)]
    assert state.count("contacts") == 2


def test_record_of_nothing_changes_nothing(state: State) -> None:
    state.record("contacts", [])

    assert state.count("contacts") == 0
    assert state.last_synced_at("contacts") is None


@pytest.mark.parametrize("failure", ["a row the database refuses", "the process stopped mid-way"])
def test_a_record_failing_mid_way_leaves_nothing_behind(state: State, failure: str) -> None:
    state.record("contacts", [row("k0", 1)])
    synced_at = state.last_synced_at("contacts")
    batch: Sequence[StateRow] = [row("k0", 2), row("k1"), row("k2"), row("k3"), row("k4"), row("k5")]
    expected: type[BaseException]
    if failure == "a row the database refuses":
        batch = [*batch[:4], row("k4", source_hash=None), batch[5]]  # NOT NULL, after 4 rows went in
        expected = Exception
    else:
        batch = Interrupted(batch, after=4)
        expected = KeyboardInterrupt

    with pytest.raises(expected):
        state.record("contacts", batch)

    assert [r.key for r in state.rows("contacts")] == ["k0"]
    assert stored(state, "contacts", ["k0"]) == [row("k0", 1)]
    assert state.last_synced_at("contacts") == synced_at
    state.record("contacts", [row("k1")])  # and the state goes on
    assert state.count("contacts") == 2


def test_get_many_finds_known_keys_across_chunks_and_skips_the_rest(state: State) -> None:
    keys = [f"k{i}" for i in range(10)] + ["é", "😀"]
    state.record("contacts", [row(k) for k in keys])
    state.record("businesses", [row("other")])

    found = state.get_many("contacts", [*keys, "k1", "missing", "other", "K1"])

    assert sorted(found) == sorted(keys)
    assert all(found[k].key == k and found[k].twenty_id == f"id-{k}" for k in keys)
    assert state.get_many("contacts", []) == {}


def test_by_twenty_ids_maps_twenty_ids_to_rows(state: State) -> None:
    state.record("contacts", [row(f"k{i}") for i in range(9)])
    state.record("businesses", [row("k1")])

    found = state.by_twenty_ids("contacts", ["id-k1", "id-k8", "id-k1", "id-nope", "id-k3", "id-k4", "id-k5"])

    assert {i: r.key for i, r in found.items()} == {f"id-k{n}": f"k{n}" for n in (1, 3, 4, 5, 8)}
    assert state.by_twenty_ids("people", ["id-k1"]) == {}


def test_owners_maps_unique_values_to_keys(state: State) -> None:
    state.record("contacts", [row(f"k{i}") for i in range(6)] + [row("none", unique_value=None)])

    owners = state.owners("contacts", ["k0@example.test", "k5@example.test", "nobody@example.test", "k2@example.test"])

    assert owners == {"k0@example.test": "k0", "k5@example.test": "k5", "k2@example.test": "k2"}
    assert state.owners("businesses", ["k0@example.test"]) == {}


def test_count_and_last_synced_at_are_per_entity(state: State) -> None:
    assert (state.count("contacts"), state.last_synced_at("contacts")) == (0, None)
    state.record("contacts", [row("a"), row("b")])
    first = state.last_synced_at("contacts")
    state.record("contacts", [row("c")])
    state.record("businesses", [row("x")])

    assert state.count("contacts") == 3
    assert state.count("businesses") == 1
    last = state.last_synced_at("contacts")
    assert first is not None
    assert last is not None
    assert first <= last == max(r.synced_at for r in state.rows("contacts"))


def test_record_keeps_the_per_field_hashes(state: State) -> None:
    state.record("contacts", [row("a", field_hashes='{"name":"h1"}'), row("b")])

    assert [r.field_hashes for r in stored(state, "contacts", ["a", "b"])] == ['{"name":"h1"}', None]


def test_refused_records_are_kept_per_entity_and_version(state: State) -> None:
    state.refuse("contacts", "v1", [("a", "h-a", "bad phone"), ("b", "h-b", "bad email")])
    state.refuse("businesses", "v1", [("a", "h-x", "bad link")])

    assert state.refused("contacts", "v1") == {"a": ("h-a", "bad phone"), "b": ("h-b", "bad email")}
    assert state.refused("contacts", "v2") == {}
    assert state.refused("businesses", "v1") == {"a": ("h-x", "bad link")}


def test_a_second_refusal_of_a_key_replaces_the_first(state: State) -> None:
    state.refuse("contacts", "v1", [("a", "h1", "first")])
    state.refuse("contacts", "v2", [("a", "h2", "second"), ("a", "h3", "third")])

    assert state.refused("contacts", "v1") == {}
    assert state.refused("contacts", "v2") == {"a": ("h3", "third")}


def test_a_refused_key_that_lands_is_no_longer_refused(state: State) -> None:
    state.refuse("contacts", "v1", [("a", "h1", "bad"), ("b", "h2", "bad")])

    state.record("contacts", [row("a")])

    assert state.refused("contacts", "v1") == {"b": ("h2", "bad")}


def test_a_state_from_before_field_hashes_and_refusals_is_migrated_on_open(
    open_state: OpenState, request: pytest.FixtureRequest
) -> None:
    old = open_state()
    old.record("contacts", [row("a")])
    old.close()
    if isinstance(old, SyncState):  # take the file back to its earlier shape
        with sqlite3.connect(old.path) as conn:
            conn.execute("ALTER TABLE synced DROP COLUMN field_hashes")
            conn.execute("DROP TABLE refused")
    else:
        assert isinstance(old, PostgresSyncState)
        server: PostgresServer = request.getfixturevalue("postgres_server")
        with psycopg.connect(server.conninfo, autocommit=True) as conn:
            conn.execute(f'ALTER TABLE "{old.schema}".synced DROP COLUMN field_hashes')
            conn.execute(f'DROP TABLE "{old.schema}".refused')

    state = open_state()
    state.refuse("contacts", "v1", [("b", "h", "bad")])

    assert stored(state, "contacts", ["a"]) == [row("a")]
    assert state.refused("contacts", "v1") == {"b": ("h", "bad")}


def test_now_is_iso_8601_utc_with_microseconds_and_increases(state: State) -> None:
    first, second = state.now(), state.now()

    assert NOW_FORMAT.match(first)
    assert NOW_FORMAT.match(second)
    assert datetime.fromisoformat(first).tzinfo == UTC
    assert first <= second
    assert abs((datetime.now(UTC) - datetime.fromisoformat(first)).total_seconds()) < 60


def test_forget_drops_rows_and_changes_since_reports_them(state: State) -> None:
    state.record("contacts", [row(k) for k in ["a", "b", "c", "é", "😀", "Z"]])
    since = state.now()
    state.forget("contacts", ["😀", "b", "é", "never-synced", "b"])
    state.record("contacts", [row("d"), row("ß"), row("a", 2)])
    state.forget("businesses", ["c"])

    changed, gone = state.changes_since("contacts", since)

    assert [r.key for r in changed] == sorted(["a", "d", "ß"])
    assert list(gone) == sorted(["b", "never-synced", "é", "😀"])
    assert [r.key for r in state.rows("contacts")] == sorted(["a", "c", "d", "ß", "Z"])


def test_changes_since_leaves_out_forgotten_keys_synced_again(state: State) -> None:
    state.record("contacts", [row("a"), row("b")])
    since = state.now()
    state.forget("contacts", ["a", "b"])
    state.record("contacts", [row("a", 2)])

    changed, gone = state.changes_since("contacts", since)

    assert [r.key for r in changed] == ["a"]
    assert list(gone) == ["b"]


def test_changes_since_includes_its_bound_and_none_means_everything(state: State) -> None:
    state.record("contacts", [row("a"), row("b")])
    state.record("contacts", [row(k) for k in ["c", "é", "d", "e", "f", "g", "h"]])
    state.forget("contacts", ["a"])
    last = state.last_synced_at("contacts")

    changed, gone = state.changes_since("contacts", last)
    everything, none = state.changes_since("contacts", None)

    assert [r.key for r in changed] == sorted(["c", "é", "d", "e", "f", "g", "h"])  # stamped exactly ``last``
    assert list(gone) == ["a"]  # forgotten after ``last``
    assert [r.key for r in everything] == sorted(["b", "c", "é", "d", "e", "f", "g", "h"])
    assert list(none) == []


def test_changes_since_later_than_everything_is_empty(state: State) -> None:
    state.record("contacts", [row("a")])
    state.forget("contacts", ["b"])

    changed, gone = state.changes_since("contacts", state.now())

    assert (list(changed), list(gone)) == ([], [])


def test_forget_of_nothing_or_unknown_keys_is_harmless(state: State) -> None:
    state.record("contacts", [row("a")])

    state.forget("contacts", [])
    state.forget("contacts", ["x", "x"])

    assert [r.key for r in state.rows("contacts")] == ["a"]


def test_watermark_round_trip(state: State) -> None:
    assert state.watermark("pull:contacts") is None

    state.set_watermark("pull:contacts", Watermark("2026-01-01T00:00:00Z", "id-1"))
    state.set_watermark("pull:businesses", Watermark("2025-01-01T00:00:00Z", ""))
    assert state.watermark("pull:contacts") == Watermark("2026-01-01T00:00:00Z", "id-1")

    state.set_watermark("pull:contacts", Watermark("2026-02-01T00:00:00Z", "id-2"))
    assert state.watermark("pull:contacts") == Watermark("2026-02-01T00:00:00Z", "id-2")

    state.clear_watermark("pull:contacts")
    state.clear_watermark("never-set")
    assert state.watermark("pull:contacts") is None
    assert state.watermark("pull:businesses") == Watermark("2025-01-01T00:00:00Z", "")
    state.set_watermark("pull:contacts@postgres:app", Watermark("2026-03-01T00:00:00Z", "id-3"))
    assert state.watermarks() == {
        "pull:businesses": Watermark("2025-01-01T00:00:00Z", ""),
        "pull:contacts@postgres:app": Watermark("2026-03-01T00:00:00Z", "id-3"),
    }
    assert list(state.watermarks()) == sorted(state.watermarks())


def test_errors_count_attempts_per_store_entity_key_and_operation(state: State) -> None:
    assert (state.errors(), state.last_run_id()) == ([], None)
    state.log_errors("run-1", "local", "contacts", "create", [("k1", "bad email"), ("k2", "too long")])
    state.log_errors("run-2", "local", "contacts", "create", [("k1", "bad email again"), ("k1", "and again")])
    state.log_errors("run-2", "local", "contacts", "update", [("k1", "other operation")])
    state.log_errors("run-2", "bigquery", "contacts", "create", [("k1", "other store")])
    state.log_errors("run-2", "local", "businesses", "create", [("k1", "other entity")])
    state.log_errors("run-3", "local", "contacts", "create", [])

    assert [(e.run_id, e.store, e.entity, e.key, e.operation, e.reason, e.attempt) for e in state.errors()] == [
        ("run-1", "local", "contacts", "k1", "create", "bad email", 1),
        ("run-1", "local", "contacts", "k2", "create", "too long", 1),
        ("run-2", "local", "contacts", "k1", "create", "bad email again", 2),
        ("run-2", "local", "contacts", "k1", "create", "and again", 3),
        ("run-2", "local", "contacts", "k1", "update", "other operation", 1),
        ("run-2", "bigquery", "contacts", "k1", "create", "other store", 1),
        ("run-2", "local", "businesses", "k1", "create", "other entity", 1),
    ]
    assert state.last_run_id() == "run-2"


def test_errors_filter_by_run_limit_and_carry_the_states_time(state: State) -> None:
    before = state.now()
    state.log_errors("run-1", "local", "contacts", "create", [("k1", "r1")])
    state.log_errors("run-2", "local", "contacts", "create", [(f"k{i}", f"r{i}") for i in range(5)])

    assert [e.key for e in state.errors("run-2")] == [f"k{i}" for i in range(5)]
    assert [e.key for e in state.errors("run-2", limit=2)] == ["k0", "k1"]
    assert [e.run_id for e in state.errors(limit=1)] == ["run-1"]
    assert state.errors("run-9") == []
    error = state.errors("run-1")[0]
    assert isinstance(error, SyncError)
    assert NOW_FORMAT.match(error.time)
    assert before <= error.time <= state.now()


def test_state_id_is_stable_across_reconnects_and_the_data_stays(open_state: OpenState) -> None:
    first = open_state()
    state_id = first.state_id
    first.record("contacts", [row("a")])
    first.set_watermark("m", Watermark("t", "i"))
    first.close()

    again = open_state()

    assert re.fullmatch(r"[0-9a-f]{12}", state_id)
    assert again.state_id == state_id
    assert [r.key for r in again.rows("contacts")] == ["a"]
    assert again.watermark("m") == Watermark("t", "i")


def test_states_in_different_namespaces_are_independent(open_state: OpenState) -> None:
    one, two = open_state("one"), open_state("two")

    one.record("contacts", [row("a")])
    one.set_watermark("m", Watermark("t", "i"))
    one.log_errors("run-1", "local", "contacts", "create", [("a", "r")])
    two.log_errors("run-2", "local", "contacts", "create", [("a", "r")])

    assert one.state_id != two.state_id
    assert (two.count("contacts"), two.watermark("m")) == (0, None)
    assert [e.attempt for e in two.errors()] == [1]
    assert two.last_run_id() == "run-2"


# --- only the PostgreSQL state ------------------------------------------------------------------------------------


@pytest.fixture
def schema(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_postgres_state_repr_names_the_server_and_schema_never_the_password(
    postgres_server: PostgresServer, schema: str
) -> None:
    s = postgres_server
    for conninfo in (
        f"{s.conninfo} password=s3cr3t-pw",
        f"postgresql://{s.user}:s3cr3t-pw@{s.host}:{s.port}/{s.dbname}",
    ):
        state = PostgresSyncState(conninfo, schema=schema)
        try:
            assert (
                repr(state)
                == f"PostgresSyncState(host={s.host!r}, port={s.port}, dbname={s.dbname!r}, schema={schema!r})"
            )
            assert "s3cr3t" not in f"{state!r} {state!s}"
        finally:
            state.close()


def test_postgres_state_connection_errors_do_not_show_the_password() -> None:
    with pytest.raises(psycopg.OperationalError) as caught:
        PostgresSyncState("host=127.0.0.1 port=1 user=u dbname=d password=s3cr3t-pw connect_timeout=5")

    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in repr(caught.value)


@pytest.fixture
def icu_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A database whose default collation is ICU's en-US (where "a" < "B" < "é" < "ß" < "Z"): its conninfo."""
    dbname = f"icu_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as admin:
        try:
            admin.execute(
                f"CREATE DATABASE {dbname} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu "
                "ICU_LOCALE 'en-US' LOCALE 'C'"
            )
        except psycopg.Error as exc:  # PostgreSQL < 15, or built without ICU
            pytest.skip(f"no ICU database here: {exc}")
        try:
            yield postgres_server.conninfo.replace(f"dbname={postgres_server.dbname}", f"dbname={dbname}")
        finally:
            admin.execute(f"DROP DATABASE {dbname} WITH (FORCE)")


def test_postgres_state_orders_keys_by_code_point_in_a_database_that_collates_otherwise(icu_database: str) -> None:
    state = PostgresSyncState(icu_database)
    try:
        with psycopg.connect(icu_database) as conn:
            default_order = [k for (k,) in conn.execute("SELECT k FROM unnest(%s::text[]) k ORDER BY k", (ODD_KEYS,))]
        assert default_order != sorted(ODD_KEYS)  # the database's own order is not code point order
        since = state.now()
        state.record("contacts", [row(k) for k in ODD_KEYS])
        state.forget("contacts", ODD_KEYS[::2])

        kept = sorted(ODD_KEYS[1::2])
        assert [r.key for r in state.rows("contacts", batch_size=2)] == kept
        changed, gone = state.changes_since("contacts", since)
        assert [r.key for r in changed] == kept
        assert list(gone) == sorted(ODD_KEYS[::2])
    finally:
        state.close()


def test_postgres_state_reconnects_after_its_connection_dies(postgres_server: PostgresServer, schema: str) -> None:
    state = PostgresSyncState(postgres_server.conninfo, schema=schema)
    try:
        state.record("contacts", [row("a")])
        pid = state._connection().info.backend_pid
        with psycopg.connect(postgres_server.conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):  # the call under way when the server went away fails
            state.count("contacts")

        assert state.count("contacts") == 1  # the next one reconnects
        assert state._connection().info.backend_pid != pid
    finally:
        state.close()


def test_postgres_state_refuses_a_database_not_in_utf8(postgres_server: PostgresServer) -> None:
    dbname = f"ascii_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {dbname} ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
        try:
            conninfo = postgres_server.conninfo.replace(f"dbname={postgres_server.dbname}", f"dbname={dbname}")
            with pytest.raises(ValueError, match=r"SQL_ASCII.*UTF8"):
                PostgresSyncState(conninfo)
        finally:
            admin.execute(f"DROP DATABASE {dbname} WITH (FORCE)")


# --- the engine on the PostgreSQL state ---------------------------------------------------------------------------


@pytest.fixture
def pg_world(tmp_path: Path, postgres_server: PostgresServer, schema: str) -> Iterator[World]:
    """test_engine's ``world``, its state in PostgreSQL."""
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    recorder = RecordingTransport(ASGISyncTransport(create_app(emulator)))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=recorder,
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )
    source = LocalStore(tmp_path / "source.sqlite3")
    source.ensure_schema()
    state: Any = PostgresSyncState(postgres_server.conninfo, schema=schema)
    yield World(emulator, client, recorder, source, state, tmp_path)
    client.close()
    source.close()
    state.close()


def test_engine_on_postgres_state_loads_then_a_rerun_sends_no_write(pg_world: World) -> None:
    b, c, r = 30, 250, 120
    load(pg_world.source, b, c, r)

    first = pg_world.engine().run(pg_world.source)
    pg_world.emulator.reset_counts()
    second = pg_world.engine().run(pg_world.source)

    assert first.errors == []
    assert [e.counts["created"] for e in first.entities] == [b, c, r]
    assert [pg_world.state.count(n) for n in ("businesses", "contacts", "relationships")] == [b, c, r]
    assert record_requests(pg_world.counts()) == 0
    assert second.written == 0
    assert [e.counts["unchanged"] for e in second.entities] == [b, c, r]
    assert_twenty_equals_source(pg_world, b, c, r)


def test_engine_on_postgres_state_killed_inside_record_resumes_without_duplicates(pg_world: World) -> None:
    b, c, r = 10, 450, 100
    load(pg_world.source, b, c, r)
    original = pg_world.state.record
    calls = 0

    def record_killed_on_second_batch(entity: str, rows: Sequence[StateRow]) -> None:
        nonlocal calls
        if rows:
            calls += 1
            if calls == 2:  # the first contacts batch landed in Twenty; the process dies while saving it
                rows = Interrupted(rows, after=len(rows) // 2)
        original(entity, rows)

    pg_world.state.record = record_killed_on_second_batch  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        pg_world.engine().run(pg_world.source)
    pg_world.state.record = original  # type: ignore[method-assign]
    assert (pg_world.state.count("businesses"), pg_world.state.count("contacts")) == (b, 0)

    pg_world.engine().run(pg_world.source)
    pg_world.emulator.reset_counts()
    last = pg_world.engine().run(pg_world.source)

    assert_twenty_equals_source(pg_world, b, c, r)
    assert BATCH_ROUTE not in pg_world.counts()
    assert last.written == 0
