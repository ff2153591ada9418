"""``twenty-sync`` configuration: every store spec opens the right store against its local stand-in (the real test
PostgreSQL, bqemulator, a PostgREST stand-in served over loopback), defaults come from the environment, a secret found
nowhere is an error naming every place tried (exit status 2), and a DSN's password never reaches the output."""

from __future__ import annotations

import io
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import psycopg
import pytest
import uvicorn
from google.auth.credentials import AnonymousCredentials
from sdk.fake_secret_manager import FakeSecretManager
from services.bigquery import BigQueryEmulator
from services.fake_postgrest import FakePostgrest
from services.postgres import PostgresServer
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync import BUSINESSES, CONTACTS, Business, Contact
from twenty_sync._cli import main, open_store, redact_spec
from twenty_sync.stores import BigQueryStore, LocalStore, PostgresStore, Store, SupabaseRestStore

from twenty_sdk import ConfigurationError, GoogleSecretManager

TWENTY_KEY = "tw_cli_config_Qm4vR8zK"
SUPABASE_KEY = "sb_secret_cli_config_W9xL2"
PASSWORD = "pw-Zr7Kq3Vx"  # the test cluster trusts loopback connections: any password is accepted, none is checked
PROJECT = "acme-ops"  # the Secret Manager project


def cli(*args: str, env: Mapping[str, str], secret_manager: GoogleSecretManager | bool = False) -> tuple[int, str]:
    """Run the command; its exit status and everything it printed (stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, env=env, secret_manager=secret_manager)
    return code, out.getvalue() + err.getvalue()


@attrs.define
class PostgrestServer:
    """The PostgREST stand-in (``tests/services/fake_postgrest.py``) on a loopback socket, so that a spec
    ``supabase:URL`` reaches it as it would reach Supabase."""

    fake: FakePostgrest
    url: str
    api_keys: set[str] = attrs.field(factory=set)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        self.api_keys.update(v for k, v in headers if k == "apikey")
        query = scope["query_string"].decode("latin-1")
        url = f"{self.url}{scope['path']}" + (f"?{query}" if query else "")
        response = self.fake.handle(httpx.Request(scope["method"], url, headers=headers, content=body))
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status_code, "headers": raw})
        await send({"type": "http.response.body", "body": response.content})


@contextmanager
def serve_postgrest(conninfo: str) -> Iterator[PostgrestServer]:
    """A PostgREST stand-in for the database at ``conninfo``, served by uvicorn in a thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = PostgrestServer(FakePostgrest(conninfo), f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"postgrest:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the PostgREST stand-in did not start on port {port}")
        time.sleep(0.01)
    try:
        yield app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.fake.close()


@pytest.fixture
def schema(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh PostgreSQL schema name, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def dsn(postgres_server: PostgresServer) -> str:
    """A URL DSN with a password in it, as Supabase's connection strings have."""
    s = postgres_server
    return f"postgresql://{s.user}:{PASSWORD}@{s.host}:{s.port}/{s.dbname}"


@pytest.fixture
def dataset(bigquery_emulator: BigQueryEmulator) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    store = BigQueryStore.connect(bigquery_emulator.project, name, api_endpoint=bigquery_emulator.url)
    store.client.delete_dataset(name, delete_contents=True, not_found_ok=True)
    store.close()


@pytest.fixture(scope="module")
def secret_manager_server() -> Iterator[FakeSecretManager]:
    with FakeSecretManager() as server:
        yield server


@pytest.fixture
def secret_manager(secret_manager_server: FakeSecretManager) -> GoogleSecretManager:
    """Secret Manager (the local gRPC stand-in), emptied for this test, in project ``PROJECT``."""
    secret_manager_server.secrets.clear()
    secret_manager_server.requests.clear()
    return GoogleSecretManager(project=PROJECT, client=secret_manager_server.client(), timeout=5)


@pytest.fixture
def supabase(postgres_server: PostgresServer) -> Iterator[PostgrestServer]:
    with serve_postgrest(postgres_server.conninfo) as server:
        yield server


@pytest.fixture
def twenty() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=TWENTY_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        yield server


@pytest.fixture
def opened() -> Iterator[Callable[..., Any]]:
    """``opened(spec, **kwargs)``: ``open_store``, closed at the end of the test."""
    stores: list[Store] = []

    def open_(spec: str, **kwargs: Any) -> Any:
        store = open_store(spec, **kwargs)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        store.close()


def tables_in(postgres_server: PostgresServer, schema: str) -> list[str]:
    with psycopg.connect(postgres_server.conninfo) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", [schema]
        ).fetchall()
    return [row[0] for row in rows]


# --- each spec form opens its store ---------------------------------------------------------------------------------


def test_local_spec_opens_a_local_store(opened: Callable[..., Any], tmp_path: Path) -> None:
    store = opened(f"local:{tmp_path / 'w.sqlite3'}", env={})

    assert isinstance(store, LocalStore)
    assert (tmp_path / "w.sqlite3").exists()


def test_postgres_url_spec_with_a_schema_creates_the_tables_there(
    opened: Callable[..., Any], postgres_server: PostgresServer, dsn: str, schema: str
) -> None:
    store = opened(f"postgres:{dsn}?schema={schema}", env={})

    assert isinstance(store, PostgresStore)
    assert store.schema == schema
    assert tables_in(postgres_server, schema) == ["businesses", "contacts", "relationships"]


def test_postgres_keyword_spec_opens_a_postgres_store(
    opened: Callable[..., Any], postgres_server: PostgresServer
) -> None:
    store = opened(f"postgres:{postgres_server.conninfo} password={PASSWORD}", env={})

    assert isinstance(store, PostgresStore)
    assert store.schema == "public"


def test_postgres_env_spec_reads_the_dsn_from_that_variable(
    opened: Callable[..., Any], postgres_server: PostgresServer, dsn: str, schema: str
) -> None:
    store = opened(f"postgres:env:SUPABASE_DB_URL?schema={schema}", env={"SUPABASE_DB_URL": dsn})

    assert isinstance(store, PostgresStore)
    assert tables_in(postgres_server, schema) == ["businesses", "contacts", "relationships"]


def test_postgres_secret_spec_reads_the_dsn_from_secret_manager(
    opened: Callable[..., Any],
    postgres_server: PostgresServer,
    secret_manager_server: FakeSecretManager,
    secret_manager: GoogleSecretManager,
    dsn: str,
    schema: str,
) -> None:
    secret_manager_server.add(PROJECT, "supabase-db-url", f"{dsn}?schema={schema}")

    store = opened("postgres:secret:supabase-db-url", env={}, secret_manager=secret_manager)

    assert isinstance(store, PostgresStore)
    assert store.schema == schema
    assert secret_manager_server.requests == [f"projects/{PROJECT}/secrets/supabase-db-url/versions/latest"]


def test_bigquery_spec_with_an_api_endpoint_uses_anonymous_credentials(
    opened: Callable[..., Any], bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    store = opened(f"bigquery:{bigquery_emulator.project}.{dataset}?api_endpoint={bigquery_emulator.url}", env={})

    assert isinstance(store, BigQueryStore)
    assert (store.project, store.dataset, store.location) == (bigquery_emulator.project, dataset, None)
    assert isinstance(store.client._credentials, AnonymousCredentials)
    assert {t.table_id for t in store.client.list_tables(dataset)} == {"businesses", "contacts", "relationships"}


def test_bigquery_spec_takes_the_emulator_from_the_environment_and_a_location(
    opened: Callable[..., Any], bigquery_emulator: BigQueryEmulator, dataset: str
) -> None:
    host = bigquery_emulator.url.removeprefix("http://")  # host:port, as emulators' docs write it

    store = opened(f"bigquery:{bigquery_emulator.project}.{dataset}?location=EU", env={"BIGQUERY_EMULATOR_HOST": host})

    assert isinstance(store, BigQueryStore)
    assert store.location == "EU"
    assert store.client.location == "EU"
    assert isinstance(store.client._credentials, AnonymousCredentials)
    assert {t.table_id for t in store.client.list_tables(dataset)} == {"businesses", "contacts", "relationships"}


@pytest.mark.parametrize("variable", ["SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_KEY"])
def test_supabase_spec_opens_a_rest_store_with_the_key_from_the_environment(
    opened: Callable[..., Any], supabase: PostgrestServer, postgres_server: PostgresServer, schema: str, variable: str
) -> None:
    PostgresStore(postgres_server.conninfo, schema=schema).ensure_schema()  # PostgREST cannot create tables

    store = opened(f"supabase:{supabase.url}?schema={schema}", env={variable: SUPABASE_KEY})

    assert isinstance(store, SupabaseRestStore)
    assert supabase.api_keys == {SUPABASE_KEY}
    assert supabase.fake.requests[0] == "GET /rest/v1/contacts"


def test_supabase_key_comes_from_secret_manager_when_no_variable_is_set(
    opened: Callable[..., Any],
    supabase: PostgrestServer,
    postgres_server: PostgresServer,
    secret_manager_server: FakeSecretManager,
    secret_manager: GoogleSecretManager,
    schema: str,
) -> None:
    PostgresStore(postgres_server.conninfo, schema=schema).ensure_schema()
    secret_manager_server.add(PROJECT, "supabase-service-role-key", SUPABASE_KEY)

    store = opened(f"supabase:{supabase.url}?schema={schema}", env={}, secret_manager=secret_manager)

    assert isinstance(store, SupabaseRestStore)
    assert supabase.api_keys == {SUPABASE_KEY}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nowhere", "a store is local:PATH, postgres:DSN, postgres:env:VAR"),
        ("mysql:db", "unknown store kind 'mysql'"),
        ("bigquery:just-a-project", "bigquery:PROJECT.DATASET"),
        ("bigquery:p.d?region=EU", "unknown option 'region'"),
        ("supabase:abcd.supabase.co", "supabase:https://PROJECT.supabase.co"),
        ("postgres:env:", "postgres:env:NAME needs a name"),
    ],
)
def test_a_malformed_spec_is_a_usage_error(spec: str, message: str, tmp_path: Path) -> None:
    code, printed = cli("--state", str(tmp_path / "s.sqlite3"), "plan", "--source", spec, env={})

    assert code == 2
    assert message in printed


# --- defaults from the environment ----------------------------------------------------------------------------------


def test_source_and_state_default_to_the_environment(tmp_path: Path) -> None:
    warehouse = LocalStore(tmp_path / "warehouse.sqlite3")
    warehouse.ensure_schema()
    warehouse.upsert(BUSINESSES, [Business("B-1", "Acme")])
    warehouse.close()
    env = {"TWENTY_SYNC_SOURCE": f"local:{tmp_path / 'warehouse.sqlite3'}", "TWENTY_SYNC_STATE": str(tmp_path / "s")}

    code, printed = cli("plan", env=env)
    _, status = cli("status", env=env)

    assert code == 0
    assert printed.splitlines()[2].split() == ["businesses", "1", "0", "0", "0", "0", "0"]
    assert status.splitlines()[0] == f"state: {tmp_path / 's'}"


def test_a_flag_overrides_the_environment(tmp_path: Path) -> None:
    env = {"TWENTY_SYNC_SOURCE": "nowhere", "TWENTY_SYNC_STATE": str(tmp_path / "s")}

    code, _ = cli("plan", "--source", f"local:{tmp_path / 'w.sqlite3'}", env=env)

    assert code == 0


def test_source_and_target_default_to_the_environment(
    twenty: RunningServer, postgres_server: PostgresServer, dsn: str, schema: str, tmp_path: Path
) -> None:
    warehouse = LocalStore(tmp_path / "warehouse.sqlite3")
    warehouse.ensure_schema()
    warehouse.upsert(CONTACTS, [Contact("C-1", "Ada", {"primary_email": "ada@x.test"})])
    warehouse.close()
    env = {
        "TWENTY_API_URL": twenty.url,
        "TWENTY_API_KEY": TWENTY_KEY,
        "TWENTY_SYNC_STATE": str(tmp_path / "state.sqlite3"),
        "TWENTY_SYNC_SOURCE": f"local:{tmp_path / 'warehouse.sqlite3'}",
        "TWENTY_SYNC_TARGET": f"postgres:env:APP_DB_URL?schema={schema}",
        "APP_DB_URL": dsn,
    }

    run_code, run = cli("--no-rate-limit", "run", env=env)
    pull_code, pull = cli("--no-rate-limit", "pull", env=env)

    assert (run_code, pull_code) == (0, 0), run + pull
    with psycopg.connect(postgres_server.conninfo) as conn:
        assert conn.execute(f'SELECT contact_id FROM "{schema}".contacts').fetchall() == [("C-1",)]


# --- secrets found nowhere --------------------------------------------------------------------------------------------


def test_a_missing_supabase_key_names_every_place_tried(secret_manager: GoogleSecretManager, tmp_path: Path) -> None:
    code, printed = cli(
        "--state", str(tmp_path / "s.sqlite3"), "plan", "--source", "supabase:https://abcd.supabase.co",
        env={"SUPABASE_KEY": "  "}, secret_manager=secret_manager,
    )  # fmt: skip

    assert code == 2
    assert printed == (
        "twenty-sync: No Supabase service-role key found. Tried, in order:\n"
        "  - environment variable SUPABASE_SERVICE_ROLE_KEY: not set\n"
        "  - environment variable SUPABASE_KEY: set but empty\n"
        f"  - Google Secret Manager secret 'supabase-service-role-key' in project '{PROJECT}' (version latest): "
        "not found\n"
        "Set SUPABASE_SERVICE_ROLE_KEY or store it in Google Secret Manager as 'supabase-service-role-key'.\n"
    )


def test_a_missing_dsn_variable_is_named(tmp_path: Path) -> None:
    code, printed = cli("--state", str(tmp_path / "s.sqlite3"), "plan", "--source", "postgres:env:APP_DB_URL", env={})

    assert code == 2
    assert "No PostgreSQL connection string for 'postgres:env:APP_DB_URL' found." in printed
    assert "  - environment variable APP_DB_URL: not set\n" in printed


def test_a_missing_dsn_secret_names_the_secret(secret_manager: GoogleSecretManager) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store("postgres:secret:app-db-url", env={}, secret_manager=secret_manager)

    assert caught.value.attempts == [
        f"Google Secret Manager secret 'app-db-url' in project '{PROJECT}' (version latest): not found"
    ]


def test_a_missing_twenty_key_names_every_place_tried(tmp_path: Path) -> None:
    code, printed = cli("--state", str(tmp_path / "s.sqlite3"), "run", "--source", f"local:{tmp_path / 'w'}", env={})

    assert code == 2
    assert "No Twenty API key found" in printed
    assert "environment variable TWENTY_API_KEY: not set" in printed
    assert "Google Secret Manager: not tried: disabled" in printed


# --- a password never shows -----------------------------------------------------------------------------------------


def test_a_dsn_password_is_redacted_in_specs() -> None:
    assert (
        redact_spec(f"postgres:postgresql://app:{PASSWORD}@db:5432/x")
        == "postgres:postgresql://app:[redacted]@db:5432/x"
    )
    assert (
        redact_spec(f"postgres:host=db password='{PASSWORD}' dbname=x")
        == "postgres:host=db password=[redacted] dbname=x"
    )
    assert (
        redact_spec(f"postgres:postgresql://db/x?password={PASSWORD}")
        == "postgres:postgresql://db/x?password=[redacted]"
    )
    assert redact_spec("postgres:env:APP_DB_URL") == "postgres:env:APP_DB_URL"


@pytest.mark.parametrize(
    "spec",
    [
        "postgres:postgresql://app:{pw}@127.0.0.1:1/x",  # nothing listens: connection refused
        "postgres:postgresql://app:{pw}@[::1/x",  # libpq quotes a malformed URL whole in its error
        "postgres:host=127.0.0.1 port=1 password={pw}",
        "postgres:env:APP_DB_URL",
    ],
)
def test_a_password_never_appears_when_the_connection_fails(spec: str, tmp_path: Path) -> None:
    env = {"APP_DB_URL": f"postgresql://app:{PASSWORD}@127.0.0.1:1/x"}

    code, printed = cli("--state", str(tmp_path / "s.sqlite3"), "plan", "--source", spec.format(pw=PASSWORD), env=env)

    assert code == 1  # a store unreachable: the command failed at run time (2 is for usage errors)
    assert "twenty-sync: cannot open the store" in printed
    assert PASSWORD not in printed


def test_a_password_never_appears_in_a_usage_error(tmp_path: Path) -> None:
    dsn = f"postgres:postgresql://app:{PASSWORD}@db/x"

    code, printed = cli("--state", str(tmp_path / "s"), "--api-key", TWENTY_KEY, "plan", dsn, env={})  # no --source

    assert code == 2
    assert "unrecognized arguments: postgres:postgresql://app:[redacted]@db/x" in printed
    assert PASSWORD not in printed


def test_a_password_never_appears_in_output_or_state(
    twenty: RunningServer, postgres_server: PostgresServer, dsn: str, schema: str, tmp_path: Path
) -> None:
    store = PostgresStore(dsn, schema=schema)
    store.ensure_schema()
    store.upsert(
        CONTACTS, [Contact("C-1", "Ada", {"primary_email": "ada@x.test"}), Contact("C-2", "B", {"primary_email": "b@"})]
    )
    store.close()
    state = tmp_path / "state.sqlite3"
    spec = f"postgres:{dsn}?schema={schema}"
    common = ["--state", str(state), "--url", twenty.url, "--api-key", TWENTY_KEY, "--no-rate-limit", "--progress"]

    printed = ""
    for args in (["plan", "--source", spec], ["run", "--source", spec], ["pull", "--target", spec], ["status"]):
        _, text = cli(*common, *args, env={})
        printed += text

    assert "C-2: primary_email: 'b@' is not a valid email address" in printed  # a run that logged an error
    assert PASSWORD not in printed
    assert PASSWORD.encode() not in state.read_bytes()


# --- the state in PostgreSQL ------------------------------------------------------------------------------------------


def test_the_state_can_live_in_postgres(
    twenty: RunningServer, postgres_server: PostgresServer, dsn: str, schema: str, tmp_path: Path
) -> None:
    warehouse = LocalStore(tmp_path / "warehouse.sqlite3")
    warehouse.ensure_schema()
    warehouse.upsert(CONTACTS, [Contact("C-1", "Ada", {"primary_email": "ada@x.test"}), Contact("C-2", "B", None)])
    warehouse.close()
    env = {
        "TWENTY_API_URL": twenty.url,
        "TWENTY_API_KEY": TWENTY_KEY,
        "TWENTY_SYNC_STATE": f"postgres:env:STATE_DB_URL?schema={schema}",
        "TWENTY_SYNC_SOURCE": f"local:{tmp_path / 'warehouse.sqlite3'}",
        "STATE_DB_URL": dsn,
    }

    first, out1 = cli("--no-rate-limit", "run", env=env)
    again, out2 = cli("--no-rate-limit", "run", env=env)
    status, out3 = cli("status", env=env)

    assert (first, again, status) == (0, 0, 0), out1 + out2 + out3
    assert "created" in out1
    with psycopg.connect(postgres_server.conninfo) as conn:
        synced = conn.execute(f'SELECT key FROM "{schema}".synced WHERE entity = %s ORDER BY key', ("contacts",))
        assert synced.fetchall() == [("C-1",), ("C-2",)]
    assert f"schema='{schema}'" in out3
    assert PASSWORD not in out1 + out2 + out3
    assert not any(tmp_path.glob("*.state.sqlite3"))  # no state file was made
