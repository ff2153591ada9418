"""The README's sync section runs as written (README rule 10): its Python example against the emulator on a loopback
socket; its shell walkthrough and every store spec of its table against local stand-ins for the real services — the
emulator for Twenty, bqemulator for BigQuery, the test PostgreSQL for Supabase's database, a PostgREST stand-in for
Supabase's REST API and a local Secret Manager — each named in the README by its real address and swapped here for the
stand-in's, one visible substitution each."""

from __future__ import annotations

import io
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest
from sdk.fake_secret_manager import FakeSecretManager
from services.bigquery import BigQueryEmulator
from services.postgres import PostgresServer
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync import BUSINESSES, CONTACTS, RELATIONSHIPS, Business, Contact, Relationship, _cli
from twenty_sync._cli import main, open_store
from twenty_sync.stores import BigQueryStore

from twenty_sdk import GoogleSecretManager, TwentyClient
from twenty_sdk._config import API_KEY_ENV_VARS, BASE_URL_ENV_VAR
from twenty_sdk._secrets import DEFAULT_SECRET_NAMES, PROJECT_ENV_VARS

from .test_cli_config import PostgrestServer, serve_postgrest

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
API_KEY = "readme-sync-key-0123456789abcdef"
SUPABASE_KEY = "sb_secret_readme_0123456789"
PASSWORD = "readme-pw-Hq2Lm9"  # the test cluster trusts loopback connections: the password is carried, not checked
SECRET_PROJECT = "my-project"  # the README's GOOGLE_CLOUD_PROJECT


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Syncing a warehouse with Twenty")
    return text[start : text.index("\n## ", start)]


def sync_examples(language: str = "python") -> list[str]:
    return [body for lang, body in FENCE.findall(section()) if lang == language]


def spec_table() -> list[tuple[str, str]]:
    """The store spec table: (spec, store class) per row."""
    rows = re.findall(r"^\| `([^`]+)` \| `(\w+Store)` \|", section(), flags=re.MULTILINE)
    return [(spec.strip("'"), store) for spec, store in rows]


def test_the_sync_example_runs(tmp_path: Path) -> None:
    examples = sync_examples()
    assert examples
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        namespace: dict[str, Any] = {
            "base_url": server.url,
            "api_key": emulator.api_key,
            "warehouse_path": str(tmp_path / "warehouse.sqlite3"),
            "state_path": str(tmp_path / "state.sqlite3"),
        }
        for block in examples:
            exec(compile(block, str(README), "exec"), namespace)  # the README's own code


@attrs.frozen
class StandIns:
    twenty: RunningServer
    bigquery: BigQueryEmulator
    dataset: str
    schema: str
    dsn: str
    supabase: PostgrestServer
    secrets: FakeSecretManager
    state: Path

    def substitutions(self) -> dict[str, str]:
        """README text → the stand-in's (the longest first, so ``my-project.crm`` goes before anything shorter)."""
        return {
            "my-project.crm": f"{self.bigquery.project}.{self.dataset}",
            "https://crm.example.com": self.twenty.url,
            "https://abcd.supabase.co": f"{self.supabase.url}?schema={self.schema}",
            "postgresql://app@db.internal:5432/app": f"{self.dsn}?schema={self.schema}",
            "/var/lib/twenty-sync/state.sqlite3": str(self.state),
            "local:warehouse.sqlite3": f"local:{self.state.parent.parent / 'warehouse.sqlite3'}",
            "SUPABASE_DB_URL?schema=crm": f"SUPABASE_DB_URL?schema={self.schema}",
        }

    def env(self) -> dict[str, str]:
        """What the machine running the README has that the README does not set: here, pointers to stand-ins."""
        return {"BIGQUERY_EMULATOR_HOST": self.bigquery.url, "SUPABASE_DB_URL": f"{self.dsn}?schema={self.schema}"}

    def secret_manager(self) -> GoogleSecretManager:
        return GoogleSecretManager(client=self.secrets.client(), timeout=5)


@pytest.fixture
def stand_ins(
    bigquery_emulator: BigQueryEmulator, postgres_server: PostgresServer, tmp_path: Path
) -> Iterator[StandIns]:
    dataset, schema = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    s = postgres_server
    dsn = f"postgresql://{s.user}:{PASSWORD}@{s.host}:{s.port}/{s.dbname}"
    warehouse = BigQueryStore.connect(bigquery_emulator.project, dataset, api_endpoint=bigquery_emulator.url)
    warehouse.ensure_schema()
    warehouse.upsert(BUSINESSES, [Business("B1", "Acme", website="https://acme.example")])
    warehouse.upsert(
        CONTACTS, [Contact(f"C{i}", f"Ada {i}", {"primary_email": f"ada{i}@acme.example"}) for i in (1, 2)]
    )
    warehouse.upsert(RELATIONSHIPS, [Relationship("R1", "C1", "B1", role="CTO", relationship_type="employee")])
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with (
        serve_in_thread(emulator) as twenty,
        serve_postgrest(postgres_server.conninfo) as supabase,
        FakeSecretManager() as secrets,
    ):
        secrets.add(SECRET_PROJECT, "twenty-crm-api-key", API_KEY)
        secrets.add(SECRET_PROJECT, "supabase-db-url", f"{dsn}?schema={schema}")
        secrets.add(SECRET_PROJECT, "supabase-service-role-key", SUPABASE_KEY)
        yield StandIns(twenty, bigquery_emulator, dataset, schema, dsn, supabase, secrets, tmp_path / "var" / "s.db")
    warehouse.client.delete_dataset(dataset, delete_contents=True, not_found_ok=True)
    warehouse.close()
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def substituted(text: str, substitutions: dict[str, str]) -> str:
    for real, stand_in in substitutions.items():
        text = text.replace(real, stand_in)
    return text


def test_the_shell_walkthrough_runs(stand_ins: StandIns, postgres_server: PostgresServer) -> None:
    blocks = sync_examples("bash")
    assert len(blocks) == 1
    script = blocks[0]
    substitutions = stand_ins.substitutions()
    used = {real: stand_in for real, stand_in in substitutions.items() if real in script}
    assert set(used) >= {"my-project.crm", "https://crm.example.com", "https://abcd.supabase.co"}
    env = stand_ins.env()
    env.pop("SUPABASE_DB_URL")  # the walkthrough reads the connection string from Secret Manager
    printed: list[str] = []

    for line in substituted(script, used).splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        assert words[0] == "twenty-sync", f"a README line the test cannot run: {line!r}"
        out, err = io.StringIO(), io.StringIO()
        code = main(words[1:], stdout=out, stderr=err, env=env, secret_manager=stand_ins.secret_manager())
        assert code == 0, f"{line}\n{out.getvalue()}{err.getvalue()}"
        printed.append(out.getvalue() + err.getvalue())

    plan, _, _, _, status = printed
    assert plan.splitlines()[2].split()[:2] == ["businesses", "1"]
    assert plan.splitlines()[3].split()[:2] == ["contacts", "2"]
    assert stand_ins.secrets.requests.count(f"projects/{SECRET_PROJECT}/secrets/twenty-crm-api-key/versions/latest")
    with TwentyClient(stand_ins.twenty.url, API_KEY) as twenty:
        assert len(twenty.people.list().records) == 2
    with psycopg.connect(postgres_server.conninfo) as conn:
        rows = conn.execute(f'SELECT contact_id FROM "{stand_ins.schema}".contacts ORDER BY 1').fetchall()
    assert rows == [("C1",), ("C2",)]
    assert stand_ins.supabase.api_keys == {SUPABASE_KEY}
    assert f"state: {stand_ins.state}" in status
    assert all(PASSWORD not in text and API_KEY not in text for text in printed)


def test_every_spec_in_the_table_opens_its_store(stand_ins: StandIns) -> None:
    rows = spec_table()
    assert {store for _, store in rows} == {"LocalStore", "BigQueryStore", "PostgresStore", "SupabaseRestStore"}
    env = stand_ins.env() | {"GOOGLE_CLOUD_PROJECT": SECRET_PROJECT, "SUPABASE_SERVICE_ROLE_KEY": SUPABASE_KEY}
    for spec, store_class in rows:  # in the table's order: the postgres: rows create what supabase: reads
        store = open_store(
            substituted(spec, stand_ins.substitutions()), env=env, secret_manager=stand_ins.secret_manager()
        )
        try:
            assert type(store).__name__ == store_class, spec
        finally:
            store.close()


def test_the_configuration_table_names_what_the_code_reads() -> None:
    names = [
        BASE_URL_ENV_VAR, *API_KEY_ENV_VARS, *DEFAULT_SECRET_NAMES, *PROJECT_ENV_VARS, _cli.SOURCE_ENV_VAR,
        _cli.TARGET_ENV_VAR, _cli.STATE_ENV_VAR, _cli.BIGQUERY_EMULATOR_ENV_VAR, *_cli.SUPABASE_KEY_ENV_VARS,
        *_cli.SUPABASE_KEY_SECRET_NAMES, _cli.DEFAULT_SOURCE, _cli.DEFAULT_STATE, _cli.MAPPING_ENV_VAR,
    ]  # fmt: skip
    assert [name for name in names if f"`{name}`" not in section()] == []
