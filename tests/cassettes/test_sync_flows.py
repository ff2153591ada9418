"""The sync's key flows against a real Twenty 2.21.0 (replayed from cassettes; see conftest.py): a first run, a
re-run that sends nothing, a change that sends only itself without erasing what a CRM user added, and a pull of an
edit made in Twenty.

The records are the test's own (keys ``CAS-…``, emails ``@cassette-sync.test``); the seed's schema is provisioned by
the run (on a workspace that has it, ``ensure_schema`` only reads).
"""

from __future__ import annotations

from pathlib import Path

import attrs
from twenty_sync import CONTACTS, Business, Contact, Relationship, SyncEngine, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import Filter

from .conftest import client, played

BUSINESS = Business(business_id="CAS-B1", business_name="Cassette Acme", website="https://Cassette-Acme.test/")
ADA = Contact(
    contact_id="CAS-C1",
    canonical_name="Ada Lovelace",
    contact_identifiers={"primary_email": " Ada@Cassette-Sync.test ", "primary_phone": "+1 415 555 0101"},
)
GRACE = Contact(
    contact_id="CAS-C2",
    canonical_name="Grace Hopper",
    contact_identifiers={"primary_email": "grace@cassette-sync.test"},
)
WORKS = Relationship(
    relationship_id="CAS-R1", contact_id="CAS-C1", business_id="CAS-B1", role="CTO", relationship_type="employee"
)


def _clean(twenty: object) -> None:
    """Leave nothing of an earlier recording behind (a replay sends exactly what the recording did)."""
    records = twenty.records  # type: ignore[attr-defined]
    records("contactBusinessRelationships").delete_many(Filter.like("relationshipId", "CAS-%"), soft=False)
    records("people").delete_many(Filter.like("contactId", "CAS-%"), soft=False)
    records("companies").delete_many(Filter.like("businessId", "CAS-%"), soft=False)


def test_run_rerun_change_and_pull(tmp_path: Path) -> None:
    warehouse = LocalStore(tmp_path / "warehouse.sqlite3")
    warehouse.ensure_schema()
    warehouse.upsert(Business.entity, [BUSINESS])
    warehouse.upsert(Contact.entity, [ADA, GRACE])
    warehouse.upsert(Relationship.entity, [WORKS])
    with played("sync-flows"), client() as twenty:
        _clean(twenty)
        engine = SyncEngine(twenty, SyncState(tmp_path / "state.sqlite3"))

        first = engine.run(warehouse)
        assert (first.written, first.errors) == (4, [])
        ada = twenty.people.list(filter="contactId[eq]:CAS-C1").records[0]
        assert ada.emails.primary_email == "ada@cassette-sync.test"  # cleaned (spaces) and lower-cased

        assert engine.run(warehouse).written == 0  # nothing changed: no write

        # a CRM user adds a second phone and a secondary link in Twenty; the warehouse renames the business
        twenty.people.update(
            ada.id,
            {
                "phones": {
                    "primaryPhoneNumber": "4155550101",
                    "primaryPhoneCountryCode": "US",
                    "additionalPhones": [{"number": "4155550199", "countryCode": "US"}],
                }
            },
        )
        acme = twenty.companies.list(filter="businessId[eq]:CAS-B1").records[0]
        twenty.companies.update(
            acme.id,
            {
                "domainName": {
                    "primaryLinkUrl": "https://cassette-acme.test",
                    "secondaryLinks": [{"url": "https://blog.cassette-acme.test", "label": "blog"}],
                }
            },
        )
        warehouse.upsert(Business.entity, [attrs.evolve(BUSINESS, business_name="Cassette Acme Inc")])
        warehouse.upsert(Contact.entity, [attrs.evolve(ADA, canonical_name="Ada King Lovelace")])
        change = engine.run(warehouse)
        assert change.written == 2
        acme = twenty.companies.list(filter="businessId[eq]:CAS-B1").records[0]
        assert acme.name == "Cassette Acme Inc"
        assert [link.url for link in acme.domain_name.secondary_links] == ["https://blog.cassette-acme.test"]
        ada = twenty.people.list(filter="contactId[eq]:CAS-C1").records[0]
        assert ada.name.last_name == "King Lovelace"
        assert [p.number for p in ada.phones.additional_phones] == ["4155550199"]  # the CRM user's phone survived

        # an edit made in Twenty comes back to the warehouse
        grace = twenty.people.list(filter="contactId[eq]:CAS-C2").records[0]
        twenty.people.update(grace.id, {"jobTitle": "Rear Admiral", "categoryCode": "NAVY"})
        pulled = engine.pull(warehouse, entities=[CONTACTS], filter=Filter.like("contactId", "CAS-%"))
        assert pulled.entity("contacts").counts["updated"] >= 1
        (back,) = [c for batch in warehouse.read_all(Contact.entity) for c in batch if c.contact_id == "CAS-C2"]
        assert back.category_code == "NAVY"
        _clean(twenty)
