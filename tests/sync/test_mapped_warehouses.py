"""Mapped sources in the real databases, pushed to the emulator: a PostgreSQL table, view and three-table query (on the
session's throw-away PostgreSQL), and a BigQuery table and query (on bqemulator). The identifiers are a typed list in
a JSON column; the user's ``tier`` is a custom SELECT; unreadable rows are refused with column and key."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import CONTACTS, MappedSource, MappedSourceError, SyncEngine, SyncMapping, SyncPlan, SyncState

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_mapped_wh_P3nV"

CONTACTS_MAPPING: dict[str, Any] = {
    "key": "id",
    "fields": {"canonical_name": "full_name"},
    "identifiers": {"shape": "typed_list", "column": "ids", "type_key": "kind", "value_key": "val"},
    "custom": {
        "tier": {"column": "tier", "type": "SELECT", "options": ["GOLD", "SILVER"]},
        "lifetimeValue": {"column": "ltv", "type": "NUMBER"},
    },
}
ROWS = [  # id, full_name, ids (JSON text), tier, ltv
    (1, "Ada Lovelace", '[{"kind": "email", "val": "ada@wh.test"}]', "GOLD", "1200.5"),
    (2, "Grace Hopper", '[{"kind": "mobile", "val": "+1 415 555 0101"}, {"kind": "email", "val": "grace@wh.test"}]',
     "SILVER", "800"),
    (10, "Alan Turing", '{"kind": "email", "val": "alan@wh.test"}', "GOLD", "5"),
    (11, "Edsger Dijkstra", '[{"kind": "email", "val": "edsger@wh.test"}]', "PLATINUM", "7"),
]  # fmt: skip


@pytest.fixture
def twenty() -> Iterator[tuple[Emulator, TwentyClient]]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=ASGISyncTransport(create_app(emulator)),
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )
    yield emulator, client
    client.close()


def invalid(plan: SyncPlan, entity: str) -> dict[str, str | None]:
    found = next(e for e in plan.entities if e.entity == entity)
    return {c.key: c.reason for c in found.samples.get("invalid", [])}


def push_twice(
    twenty: tuple[Emulator, TwentyClient], state: SyncState, source: MappedSource
) -> tuple[SyncPlan, dict[str, dict[str, Any]], int]:
    """The plan, then a run; the people in Twenty; the requests a second run made."""
    emulator, client = twenty
    engine = SyncEngine(client, state)
    plan = engine.plan(source)
    engine.run(source)
    people = {p["contactId"]: p for p in client.records("people").iter()}
    before = sum(emulator.request_counts().values())
    engine.run(source, ensure_schema=False)
    return plan, people, sum(emulator.request_counts().values()) - before


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


@pytest.fixture
def crm_schema(postgres_server: Any) -> Iterator[tuple[str, str]]:
    import psycopg

    schema = f"crm_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(
            f'CREATE TABLE "{schema}".customers (id integer PRIMARY KEY, full_name text, ids jsonb, tier text, '
            "ltv numeric, modified_at timestamptz DEFAULT now())"
        )
        conn.execute(f'CREATE TABLE "{schema}".firms (ref text PRIMARY KEY, name text, site text, active boolean)')
        conn.execute(f'CREATE VIEW "{schema}".firms_v AS SELECT ref, name, site FROM "{schema}".firms WHERE active')
        conn.execute(f'CREATE TABLE "{schema}".roles (id text PRIMARY KEY, customer_id integer, firm text, title text)')
        with conn.cursor() as cur:
            cur.executemany(f'INSERT INTO "{schema}".customers (id, full_name, ids, tier, ltv) VALUES '
                            "(%s, %s, %s::jsonb, %s, %s::numeric)", ROWS)  # fmt: skip
            cur.executemany(
                f'INSERT INTO "{schema}".firms VALUES (%s, %s, %s, %s)',
                [("F-1", "Acme", "acme.test", True), ("F-2", "Globex", "globex.test", False)],
            )
            cur.executemany(
                f'INSERT INTO "{schema}".roles VALUES (%s, %s, %s, %s)',
                [("R-1", 1, "F-1", "Founder"), ("R-2", 2, "F-1", "Admiral")],
            )
    yield postgres_server.conninfo, schema
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_mapping(schema: str) -> SyncMapping:
    return SyncMapping.from_dict(
        {
            "contacts": {"table": f"{schema}.customers", "updated_at": "modified_at", **CONTACTS_MAPPING},
            "businesses": {
                "view": f"{schema}.firms_v",
                "key": "ref",
                "fields": {"business_name": "name", "website": "site"},
            },
            "relationships": {
                "query": f"SELECT r.id, c.id AS person, f.ref AS firm, r.title FROM {schema}.roles r "
                f"JOIN {schema}.customers c ON c.id = r.customer_id JOIN {schema}.firms f ON f.ref = r.firm",
                "key": "id",
                "fields": {"contact_id": "person", "business_id": "firm", "role": "title"},
            },
        },
        origin="postgres.toml",
    )


def test_postgres_table_view_and_query_land_in_twenty_with_the_custom_field(
    crm_schema: tuple[str, str], twenty: tuple[Emulator, TwentyClient], tmp_path: Any
) -> None:
    from twenty_sync.stores import PostgresStore

    conninfo, schema = crm_schema
    state = SyncState(tmp_path / "state.sqlite3")
    source = MappedSource(PostgresStore(conninfo), postgres_mapping(schema))
    try:
        plan, people, second = push_twice(twenty, state, source)
    finally:
        source.close()
        state.close()

    assert invalid(plan, "contacts") == {
        "10": 'ids: expected a list of typed identifiers, not {"kind": "email", "val": "alan@wh.test"}',
        "11": "tier: 'PLATINUM' is not one of the options GOLD, SILVER",
    }
    assert sorted(people) == ["1", "2"]
    assert (people["2"]["emails"]["primaryEmail"], people["2"]["phones"]["primaryPhoneNumber"]) == (
        "grace@wh.test",
        "4155550101",
    )
    assert (people["1"]["tier"], people["1"]["lifetimeValue"]) == ("GOLD", 1200.5)
    _, client = twenty
    companies = [c["businessId"] for c in client.records("companies").iter()]
    assert companies == ["F-1"]  # F-2 is not in the view
    roles = {r["relationshipId"]: r["personId"] for r in client.records("contactBusinessRelationships").iter()}
    assert roles == {"R-1": people["1"]["id"], "R-2": people["2"]["id"]}
    assert second == 0


def test_a_crm_edit_is_pulled_into_the_postgres_table_columns_it_maps_only(
    crm_schema: tuple[str, str], twenty: tuple[Emulator, TwentyClient], tmp_path: Any
) -> None:
    import psycopg
    from twenty_sync.stores import PostgresStore

    conninfo, schema = crm_schema
    state = SyncState(tmp_path / "state.sqlite3")
    source = MappedSource(PostgresStore(conninfo), postgres_mapping(schema))
    _, client = twenty
    engine = SyncEngine(client, state)
    select = f'SELECT id, full_name, ids, tier, ltv, modified_at FROM "{schema}".customers ORDER BY id'
    try:
        engine.run(source, entities=[CONTACTS])
        with psycopg.connect(conninfo) as conn:
            before = conn.execute(select).fetchall()
        grace = next(p for p in client.records("people").iter() if p["contactId"] == "2")
        client.records("people").update(
            grace["id"],
            {"name": {"firstName": "Grace", "lastName": "Murray"}, "emails": {"primaryEmail": "gm@navy.test"},
             "tier": "GOLD"},
        )  # fmt: skip
        report = engine.pull(source, entities=[CONTACTS])
        with psycopg.connect(conninfo) as conn:
            after = conn.execute(select).fetchall()
    finally:
        source.close()
        state.close()

    assert report.errors == []
    assert after[0] == before[0]  # Ada: unchanged in Twenty, not written
    assert after[1] == (
        2,
        "Grace Murray",
        [{"kind": "mobile", "val": "+1 415 555 0101"}, {"kind": "email", "val": "gm@navy.test"}],
        "GOLD",
        *before[1][4:],
    )


def test_a_new_person_in_twenty_is_inserted_into_the_postgres_table(
    crm_schema: tuple[str, str], twenty: tuple[Emulator, TwentyClient], tmp_path: Any
) -> None:
    import psycopg
    from twenty_sync.stores import PostgresStore

    conninfo, schema = crm_schema
    state = SyncState(tmp_path / "state.sqlite3")
    source = MappedSource(PostgresStore(conninfo), postgres_mapping(schema))
    _, client = twenty
    engine = SyncEngine(client, state)
    try:
        engine.run(source, entities=[CONTACTS])
        client.records("people").create(
            {"name": {"firstName": "Alan", "lastName": "Turing"}, "emails": {"primaryEmail": "alan@wh.test"},
             "tier": "SILVER", "contactId": "77"}
        )  # fmt: skip
        report = engine.pull(source, entities=[CONTACTS])
        with psycopg.connect(conninfo) as conn:
            row = conn.execute(f'SELECT full_name, ids, tier, ltv FROM "{schema}".customers WHERE id = 77').fetchone()
    finally:
        source.close()
        state.close()

    assert report.errors == []
    assert row == ("Alan Turing", [{"kind": "email", "val": "alan@wh.test", "is_primary": True}], "SILVER", None)


# --- BigQuery -----------------------------------------------------------------------------------------------------


@pytest.fixture
def bigquery_source(make_store: Callable[..., Any]) -> Any:
    store = make_store("bigquery")
    table = f"`{store.project}.{store.dataset}.customers`"
    store._run(f"CREATE TABLE {table} (id INT64, full_name STRING, ids STRING, tier STRING, ltv STRING, site STRING)")
    values = ", ".join(f"({i}, '{name}', '{ids}', '{tier}', '{ltv}', 'c{i}.test')" for i, name, ids, tier, ltv in ROWS)
    store._run(f"INSERT INTO {table} (id, full_name, ids, tier, ltv, site) VALUES {values}")
    return store


def test_a_bigquery_table_and_query_land_in_twenty_with_the_custom_field(
    bigquery_source: Any, twenty: tuple[Emulator, TwentyClient], tmp_path: Any
) -> None:
    mapping = SyncMapping.from_dict(
        {
            "contacts": {"table": "customers", **CONTACTS_MAPPING},
            "businesses": {
                "query": f"SELECT CONCAT('B-', CAST(id AS STRING)) AS ref, full_name AS name, site FROM "
                f"`{bigquery_source.project}.{bigquery_source.dataset}.customers` WHERE id < 3",
                "key": "ref",
                "fields": {"business_name": "name", "website": "site"},
            },
        },
        origin="bigquery.toml",
    )
    state = SyncState(tmp_path / "state.sqlite3")
    try:
        plan, people, second = push_twice(twenty, state, MappedSource(bigquery_source, mapping))
    finally:
        state.close()

    assert set(invalid(plan, "contacts")) == {"10", "11"}
    assert sorted(people) == ["1", "2"]
    assert people["1"]["tier"] == "GOLD"
    _, client = twenty
    assert sorted(c["businessId"] for c in client.records("companies").iter()) == ["B-1", "B-2"]
    assert second == 0


def test_a_pull_into_a_bigquery_mapped_table_is_refused_before_any_request(
    bigquery_source: Any, twenty: tuple[Emulator, TwentyClient], tmp_path: Any
) -> None:
    emulator, client = twenty
    mapping = SyncMapping.from_dict({"contacts": {"table": "customers", **CONTACTS_MAPPING}}, origin="bq.toml")
    state = SyncState(tmp_path / "state.sqlite3")
    try:
        with pytest.raises(MappedSourceError, match=r"\[contacts\] reads table customers on a bigquery store, which"):
            SyncEngine(client, state).pull(MappedSource(bigquery_source, mapping))
    finally:
        state.close()

    assert sum(emulator.request_counts().values()) == 0
