"""The user's own tables through a mapping (``twenty_sync.MappedSource``), pushed to the emulator: a ``crm.customers``
shaped unlike the seed's, a companies view and a relationships query, in SQLite; the custom field provisioned and
filled; a row the mapping cannot read refused at plan time with its column and key; a second run sends nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import RELATIONSHIPS, MappedSource, MappedSourceError, SyncEngine, SyncMapping, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_mapped_Hq4Zt8"
WRITE_ROUTES = ("POST /rest/batch/{object}", "PATCH /rest/{object}/{id}", "POST /rest/{object}")

MAPPING = """
[contacts]
table = "customers"
key = "id"
updated_at = "modified_at"
fields = { canonical_name = "full_name" }
identifiers = { shape = "columns", email = "email", phone = "mobile" }

[contacts.custom.tier]
column = "tier"
type = "SELECT"
options = ["GOLD", "SILVER", "BRONZE"]

[contacts.custom.lifetimeValue]
column = "ltv"
type = "NUMBER"

[businesses]
view = "companies_v"
key = "company_ref"
fields = { business_name = "label", website = "site" }

[relationships]
query = '''
SELECT r.id AS rel_id, c.id AS customer, r.company AS company, r.position AS job
FROM roles r JOIN customers c ON c.id = r.customer_id
'''
key = "rel_id"
fields = { contact_id = "customer", business_id = "company", role = "job" }
"""

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, mobile TEXT, tier TEXT, ltv TEXT,
                        modified_at TEXT);
CREATE TABLE companies (ref TEXT PRIMARY KEY, name TEXT, domain TEXT, hidden INTEGER);
CREATE VIEW companies_v AS SELECT ref AS company_ref, name AS label, 'https://' || domain AS site FROM companies
                           WHERE hidden = 0;
CREATE TABLE roles (id TEXT PRIMARY KEY, customer_id INTEGER, company TEXT, position TEXT);
"""

CUSTOMERS = [
    (1, "Ada Lovelace", " Ada@Example.test ", "+44 20 7946 0001", "GOLD", "1200.50", "2026-01-01T00:00:00"),
    (2, "Grace Hopper", "grace@example.test", None, "SILVER", "800", "2026-01-02T00:00:00"),
    (10, "Alan Turing", "alan@example.test", None, "platinum", "5", "2026-01-03T00:00:00"),
    (11, "Edsger Dijkstra", "edsger@example.test", None, None, "n/a", "2026-01-04T00:00:00"),
]
COMPANIES = [("B-1", "Acme", "acme.test", 0), ("B-2", "Globex", "globex.test", 0), ("B-3", "Hidden", "h.test", 1)]
ROLES = [("R-1", 1, "B-1", "Founder"), ("R-2", 2, "B-2", "Admiral"), ("R-3", 10, "B-1", "Cryptanalyst")]


@attrs.define
class World:
    emulator: Emulator
    client: TwentyClient
    path: Path
    state: SyncState
    mapping: SyncMapping

    def engine(self) -> SyncEngine:
        return SyncEngine(self.client, self.state)

    def source(self) -> MappedSource:
        return MappedSource(LocalStore(self.path), self.mapping)

    def sql(self, statement: str, *params: Any) -> None:
        with sqlite3.connect(self.path) as conn:
            conn.execute(statement, params)

    def writes(self) -> int:
        return sum(self.emulator.request_counts().get(route, 0) for route in WRITE_ROUTES)

    def people(self) -> dict[str, dict[str, Any]]:
        return {p["contactId"]: p for p in self.client.records("people").iter()}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "crm.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)", CUSTOMERS)
        conn.executemany("INSERT INTO companies VALUES (?, ?, ?, ?)", COMPANIES)
        conn.executemany("INSERT INTO roles VALUES (?, ?, ?, ?)", ROLES)
    (tmp_path / "mapping.toml").write_text(MAPPING)
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=ASGISyncTransport(create_app(emulator)),
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )
    state = SyncState(tmp_path / "state.sqlite3")
    yield World(emulator, client, path, state, SyncMapping.load(tmp_path / "mapping.toml"))
    client.close()
    state.close()


def test_plan_refuses_the_rows_the_mapping_cannot_read_with_their_column_and_key(world: World) -> None:
    plan = world.engine().plan(world.source())

    contacts = next(e for e in plan.entities if e.entity == "contacts")
    assert (contacts.counts["create"], contacts.counts["invalid"]) == (2, 2)
    reasons = {c.key: c.reason for c in contacts.samples["invalid"]}
    assert reasons == {
        "10": "tier: 'platinum' is not one of the options GOLD, SILVER, BRONZE",
        "11": "ltv: 'n/a' is not a number",
    }
    assert world.writes() == 0


def test_a_run_provisions_the_custom_fields_and_fills_them(world: World) -> None:
    report = world.engine().run(world.source())

    people = world.people()
    assert sorted(people) == ["1", "2"]
    ada = people["1"]
    assert (ada["name"], ada["emails"]["primaryEmail"]) == (
        {"firstName": "Ada", "lastName": "Lovelace"},
        "ada@example.test",
    )
    assert (ada["tier"], ada["lifetimeValue"]) == ("GOLD", 1200.5)
    assert ada["phones"]["primaryPhoneCallingCode"] == "+44"
    fields = {f.name: f for f in world.client.metadata.object("person").fields}
    assert (fields["tier"].type, [o.value for o in fields["tier"].options]) == ("SELECT", ["GOLD", "SILVER", "BRONZE"])
    assert fields["lifetimeValue"].type == "NUMBER"
    assert "categoryCode" not in fields  # a seed field this mapping does not fill is not provisioned
    assert report.entity("contacts").counts["created"] == 2


def test_refused_rows_go_to_sync_errors_and_the_rest_lands(world: World) -> None:
    report = world.engine().run(world.source())

    errors = {(entity, key): reason for entity, key, reason in report.errors}
    assert errors[("contacts", "10")].startswith("tier: 'platinum'")
    assert errors[("contacts", "11")].startswith("ltv: 'n/a'")
    assert report.entity("contacts").counts["failed"] == 2
    assert report.entity("relationships").counts["created"] == 2  # R-3's contact (10) was refused: not sent


def test_a_view_and_a_query_are_sources_like_a_table(world: World) -> None:
    world.engine().run(world.source())

    companies = {c["businessId"]: c for c in world.client.records("companies").iter()}
    assert sorted(companies) == ["B-1", "B-2"]  # B-3 is hidden by the view
    assert companies["B-1"]["domainName"]["primaryLinkUrl"] == "https://acme.test"
    relationships = {r["relationshipId"]: r for r in world.client.records("contactBusinessRelationships").iter()}
    assert relationships["R-1"]["contactRole"] == "Founder"
    assert relationships["R-1"]["personId"] == world.people()["1"]["id"]


def test_a_second_run_of_an_unchanged_source_makes_no_request(world: World) -> None:
    world.engine().run(world.source())
    before = sum(world.emulator.request_counts().values())

    report = world.engine().run(world.source(), ensure_schema=False)

    assert sum(world.emulator.request_counts().values()) == before
    assert report.entity("contacts").counts["held"] == 2  # refused for their own values, not sent again


def test_a_fixed_row_lands_on_the_next_run(world: World) -> None:
    world.engine().run(world.source())
    world.sql("UPDATE customers SET tier = 'GOLD' WHERE id = 10")

    report = world.engine().run(world.source(), ensure_schema=False)

    assert report.entity("contacts").counts["created"] == 1
    assert world.people()["10"]["tier"] == "GOLD"


def test_a_changed_column_updates_only_the_fields_it_fills(world: World) -> None:
    world.engine().run(world.source())
    world.sql("UPDATE customers SET tier = 'BRONZE' WHERE id = 2")

    report = world.engine().run(world.source(), ensure_schema=False)

    assert report.entity("contacts").counts["updated"] == 1
    grace = world.people()["2"]
    assert (grace["tier"], grace["emails"]["primaryEmail"]) == ("BRONZE", "grace@example.test")


def test_a_pull_into_a_mapping_with_a_query_source_is_refused_before_any_request(world: World) -> None:
    with pytest.raises(MappedSourceError, match=r"\[relationships\] reads a query: its rows cannot be written back"):
        world.engine().pull(world.source())
    with pytest.raises(MappedSourceError, match=r"\[relationships\] reads a query: its rows cannot be written back"):
        world.engine().pull(world.source(), entities=[RELATIONSHIPS])

    assert sum(world.emulator.request_counts().values()) == 0
