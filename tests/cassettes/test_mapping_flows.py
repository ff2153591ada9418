"""The user's own tables through a mapping, against a real Twenty 2.21.0 (replayed from a cassette; see conftest.py):
a SQLite table, view and query shaped unlike the seed's; the mapping's custom SELECT provisioned by the run; a row
whose tier is outside the options refused at plan time and never sent; a re-run that sends nothing; a pull into the
user's table that leaves the run's echo alone and brings a CRM user's edit back into its columns only.

The records and the field are the test's own (keys ``CASMAP-…``, emails ``@cassette-mapping.test``, the field
``cassetteTier``); both are removed at the end, so the shared server is left as it was found.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from twenty_sync import CONTACTS, MappedSource, SyncEngine, SyncMapping, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import Filter

from .conftest import client, played

MAPPING = {
    "contacts": {
        "table": "customers",
        "key": "ref",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "columns", "email": "email", "phone": "mobile"},
        "custom": {"cassetteTier": {"column": "tier", "type": "SELECT", "options": ["GOLD", "SILVER"]}},
    },
    "businesses": {"view": "firms_v", "key": "ref", "fields": {"business_name": "name", "website": "site"}},
    "relationships": {
        "query": "SELECT r.ref, c.ref AS person, r.firm, r.title FROM roles r JOIN customers c ON c.id = r.customer",
        "key": "ref",
        "fields": {"contact_id": "person", "business_id": "firm", "role": "title"},
    },
}


def _database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, ref TEXT, full_name TEXT, email TEXT, mobile TEXT,
                                    tier TEXT);
            CREATE TABLE firms (ref TEXT PRIMARY KEY, name TEXT, domain TEXT);
            CREATE VIEW firms_v AS SELECT ref, name, 'https://' || domain AS site FROM firms;
            CREATE TABLE roles (ref TEXT PRIMARY KEY, customer INTEGER, firm TEXT, title TEXT);
            INSERT INTO customers VALUES
                (1, 'CASMAP-1', 'Ada Lovelace', ' Ada@Cassette-Mapping.test ', '+1 415 555 0101', 'GOLD'),
                (2, 'CASMAP-2', 'Grace Hopper', 'grace@cassette-mapping.test', NULL, 'SILVER'),
                (3, 'CASMAP-3', 'Alan Turing', 'alan@cassette-mapping.test', NULL, 'platinum');
            INSERT INTO firms VALUES ('CASMAP-F1', 'Cassette Mapping Ltd', 'cassette-mapping.test');
            INSERT INTO roles VALUES ('CASMAP-R1', 1, 'CASMAP-F1', 'CTO'), ('CASMAP-R3', 3, 'CASMAP-F1', 'Codes');
            """
        )


def _customer(tmp_path: Path, ref: str) -> tuple[str, str, str, str]:
    with sqlite3.connect(tmp_path / "crm.sqlite3") as conn:
        row = conn.execute("SELECT full_name, email, mobile, tier FROM customers WHERE ref = ?", (ref,)).fetchone()
    return (row[0], row[1], row[2], row[3])


def _clean(twenty: object) -> None:
    records = twenty.records  # type: ignore[attr-defined]
    records("contactBusinessRelationships").delete_many(Filter.like("relationshipId", "CASMAP-%"), soft=False)
    records("people").delete_many(Filter.like("contactId", "CASMAP-%"), soft=False)
    records("companies").delete_many(Filter.like("businessId", "CASMAP-%"), soft=False)


def test_a_mapped_source_provisions_its_custom_field_refuses_what_it_cannot_read_then_sends_nothing(
    tmp_path: Path,
) -> None:
    _database(tmp_path / "crm.sqlite3")
    source = MappedSource(LocalStore(tmp_path / "crm.sqlite3"), SyncMapping.from_dict(MAPPING))
    with played("sync-mapping"), client() as twenty:
        _clean(twenty)
        engine = SyncEngine(twenty, SyncState(tmp_path / "state.sqlite3"))
        try:
            plan = engine.plan(source)
            contacts = next(e for e in plan.entities if e.entity == "contacts")
            assert [(c.key, c.reason) for c in contacts.samples["invalid"]] == [
                ("CASMAP-3", "tier: 'platinum' is not one of the options GOLD, SILVER")
            ]

            first = engine.run(source)
            refused = [(entity, key) for entity, key, _ in first.errors]
            assert refused == [("contacts", "CASMAP-3"), ("relationships", "CASMAP-R3")]  # R3: its person refused
            assert first.entity("contacts").counts["created"] == 2
            assert first.entity("relationships").counts["created"] == 1  # CASMAP-R3's person was refused
            people = {
                p["contactId"]: p for p in twenty.records("people").iter(filter=Filter.like("contactId", "CASMAP-%"))
            }
            assert sorted(people) == ["CASMAP-1", "CASMAP-2"]
            ada = people["CASMAP-1"]
            assert (ada["cassetteTier"], ada["emails"]["primaryEmail"]) == ("GOLD", "ada@cassette-mapping.test")
            assert ada["phones"]["primaryPhoneCallingCode"] == "+1"

            again = engine.run(source, ensure_schema=False)
            assert [e.requests for e in again.entities] == [0, 0, 0]
            assert again.entity("contacts").counts["held"] == 1

            # Pull into the user's own table: the echo of the run writes nothing (the warehouse's spelling of Ada's
            # email stays); a CRM user's edit of her name and tier comes back into those columns only.
            before = _customer(tmp_path, "CASMAP-1")
            engine.pull(source, entities=[CONTACTS], filter=Filter.like("contactId", "CASMAP-%"))
            assert _customer(tmp_path, "CASMAP-1") == before
            twenty.records("people").update(
                ada["id"], {"cassetteTier": "SILVER", "name": {"firstName": "Augusta", "lastName": "Ada King"}}
            )
            engine.pull(source, entities=[CONTACTS], filter=Filter.like("contactId", "CASMAP-%"))
            assert _customer(tmp_path, "CASMAP-1") == (
                "Augusta Ada King",
                " Ada@Cassette-Mapping.test ",
                "+1 415 555 0101",
                "SILVER",
            )
        finally:
            _clean(twenty)
            field = next((f for f in twenty.metadata.object("person").fields if f.name == "cassetteTier"), None)
            if field is not None:
                twenty.metadata.delete_field(field)
    source.close()
