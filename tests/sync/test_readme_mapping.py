"""The README's "Your own tables" runs as written: its TOML mapping over a PostgreSQL schema shaped like the README's
``crm`` (on the test PostgreSQL), its shell lines through ``twenty-sync`` and its Python example, against the emulator
on a loopback socket. The README's addresses are swapped for the stand-ins', one visible substitution each."""

from __future__ import annotations

import io
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from services.postgres import PostgresServer
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync._cli import main

from twenty_sdk import TwentyClient

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
API_KEY = "readme-mapping-key-0123456789"


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Your own tables")
    section = text[start : text.index("\n## ", start)]
    return [body for lang, body in FENCE.findall(section) if lang == language]


@pytest.fixture
def crm(postgres_server: PostgresServer) -> Iterator[tuple[str, str]]:
    """A schema shaped like the README's ``crm``: (its name, a DSN); one customer with a tier outside the options."""
    schema = f"crm_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        for statement in (
            f"CREATE SCHEMA {schema}",
            f"CREATE TABLE {schema}.customers (id integer PRIMARY KEY, full_name text, email text, mobile text, "
            "tier text, modified_at timestamptz DEFAULT now())",
            f"CREATE TABLE {schema}.companies (company_id text PRIMARY KEY, legal_name text, homepage text)",
            f"CREATE VIEW {schema}.companies_v AS SELECT * FROM {schema}.companies",
            f"CREATE TABLE {schema}.employments (id text PRIMARY KEY, customer_id integer, company_id text, "
            "title text)",
            f"INSERT INTO {schema}.customers (id, full_name, email, mobile, tier) VALUES "
            "(1, 'Ada Lovelace', ' Ada@Acme.example ', '+44 20 7946 0001', 'GOLD'), "
            "(2, 'Grace Hopper', 'grace@acme.example', NULL, 'SILVER'), "
            "(3, 'Alan Turing', 'alan@acme.example', NULL, 'platinum')",
            f"INSERT INTO {schema}.companies VALUES ('CO-1', 'Acme Ltd', 'https://acme.example')",
            f"INSERT INTO {schema}.employments VALUES ('E-1', 1, 'CO-1', 'CTO'), ('E-2', 2, 'CO-1', 'Admiral')",
        ):
            conn.execute(statement.encode())
    s = postgres_server
    yield schema, f"postgresql://{s.user}@{s.host}:{s.port}/{s.dbname}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture
def twenty() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as running:
        yield running


def substitutions(twenty: RunningServer, schema: str, dsn: str) -> dict[str, str]:
    """README text → the stand-in's, in this order (the URL holds ``crm.`` too)."""
    return {
        "https://crm.example.com": twenty.url,
        "postgresql://app@db.internal:5432/app": dsn,
        "crm.": f"{schema}.",
    }


def substituted(text: str, subs: dict[str, str]) -> str:
    for real, stand_in in subs.items():
        text = text.replace(real, stand_in)
    return text


def write_mapping(tmp_path: Path, subs: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    (toml,) = blocks("toml")
    assert "crm.customers" in toml
    (tmp_path / "mapping.toml").write_text(substituted(toml, subs))
    monkeypatch.chdir(tmp_path)


def test_the_shell_lines_check_plan_and_run_the_mapping(
    crm: tuple[str, str], twenty: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema, dsn = crm
    subs = substitutions(twenty, schema, dsn)
    write_mapping(tmp_path, subs, monkeypatch)
    (script,) = blocks("bash")
    env = {"TWENTY_API_KEY": API_KEY, "TWENTY_SYNC_STATE": str(tmp_path / "state.sqlite3")}
    results: list[tuple[int, str]] = []

    for line in substituted(script, subs).splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        assert words[0] == "twenty-sync", f"a README line the test cannot run: {line!r}"
        out, err = io.StringIO(), io.StringIO()
        code = main(["--no-rate-limit", *words[1:]], stdout=out, stderr=err, env=env)
        results.append((code, out.getvalue() + err.getvalue()))

    (checked, check), (planned, plan), (ran, _), (again, rerun) = results
    assert (checked, planned, ran, again) == (0, 0, 1, 0)
    assert "contacts → person: table crm_" in check
    assert "  tier                     → tier (custom SELECT [GOLD, SILVER, BRONZE])" in check
    assert "contacts invalid 3: tier: 'platinum' is not one of the options GOLD, SILVER, BRONZE" in plan
    rows = [line.split() for line in rerun.splitlines()[3:6]]
    assert [(row[0], row[1], row[2], row[-1]) for row in rows] == [  # entity, created, updated, requests
        ("businesses", "0", "0", "0"),
        ("contacts", "0", "0", "0"),
        ("relationships", "0", "0", "0"),
    ]
    with TwentyClient(twenty.url, API_KEY) as client:
        people = {p["contactId"]: p for p in client.records("people").iter()}
        assert sorted(people) == ["1", "2"]
        assert (people["1"]["tier"], people["1"]["emails"]["primaryEmail"]) == ("GOLD", "ada@acme.example")
        roles = {r["relationshipId"]: r["contactRole"] for r in client.records("contactBusinessRelationships").iter()}
        assert roles == {"E-1": "CTO", "E-2": "Admiral"}


def test_the_python_example_runs(
    crm: tuple[str, str], twenty: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema, dsn = crm
    write_mapping(tmp_path, substitutions(twenty, schema, dsn), monkeypatch)
    (example,) = blocks("python")
    namespace: dict[str, Any] = {
        "crm_dsn": dsn,
        "base_url": twenty.url,
        "api_key": API_KEY,
        "state_path": str(tmp_path / "state.sqlite3"),
    }

    exec(compile(example, str(README), "exec"), namespace)  # the README's own code

    report = namespace["report"]
    assert [key for _, key, _ in report.errors] == ["3"]
    assert report.entity("contacts").counts["created"] == 2
    assert namespace["pulled"].errors == []
    with psycopg.connect(dsn) as conn:
        ada = conn.execute(f"SELECT full_name, email, mobile, tier FROM {schema}.customers WHERE id = 1").fetchone()
    assert ada == ("Ada Lovelace", " Ada@Acme.example ", "+44 20 7946 0001", "SILVER")  # the tier, nothing else
