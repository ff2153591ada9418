"""Records a CRM user deleted in a real Twenty 2.21.0 (replayed from a cassette; see conftest.py): a pull sees a
soft-deleted record and, by the key check, a destroyed one; a push of their changed rows leaves both deleted (no
request); the restore policy brings the soft-deleted one back with its id and the destroyed one as a new record.

The records are the test's own (keys ``CAS-D…``, emails ``@cassette-deletions.test``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
from twenty_sync import CONTACTS, Contact, SyncEngine, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import Filter

from .conftest import client, played

CONTACT_KEYS = ("CAS-D1", "CAS-D2", "CAS-D3")
LIVE_AND_DELETED = "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"


def contact(key: str, **changes: Any) -> Contact:
    base = Contact(key, f"Deleted {key}", {"primary_email": f"{key.lower()}@cassette-deletions.test"})
    return attrs.evolve(base, **changes)


def _clean(twenty: object) -> None:
    """Destroy the test's records, live or in the trash (a replay sends exactly what the recording did)."""
    people = twenty.records("people")  # type: ignore[attr-defined]
    people.delete_many(Filter.raw(f"contactId[like]:CAS-D%,{LIVE_AND_DELETED}"), soft=False)


def test_deletions_made_in_twenty_are_pulled_and_not_undone(tmp_path: Path) -> None:
    warehouse = LocalStore(tmp_path / "warehouse.sqlite3")
    warehouse.ensure_schema()
    warehouse.upsert(CONTACTS, [contact(k) for k in CONTACT_KEYS])
    mine = Filter.like("contactId", "CAS-D%")
    with played("sync-deletions"), client() as twenty:
        _clean(twenty)
        state = SyncState(tmp_path / "state.sqlite3")
        engine = SyncEngine(twenty, state)
        assert engine.run(warehouse, entities=[CONTACTS], ensure_schema=False).written == 3
        people = twenty.records("people")
        ids = {p["contactId"]: p["id"] for p in people.list(filter=mine.text).records}

        # a CRM user deletes D1 (to the trash) and destroys D2
        people.delete(ids["CAS-D1"])
        people.destroy(ids["CAS-D2"])
        pulled = engine.pull(warehouse, entities=[CONTACTS], filter=mine, skip_own_writes=True, check_keys=True)
        found = state.deletions("contacts", CONTACT_KEYS)
        assert {k: d.kind for k, d in found.items()} == {"CAS-D1": "soft", "CAS-D2": "destroyed"}
        assert sorted(k for batch in warehouse.deleted_marks(CONTACTS) for k, _ in batch) == ["CAS-D1", "CAS-D2"]
        assert pulled.entity("contacts").counts["deleted"] == 2

        # the warehouse changes both: a push leaves them deleted, at no request
        warehouse.upsert(CONTACTS, [contact(k, category_code="CHANGED") for k in ("CAS-D1", "CAS-D2")])
        before = people.requests
        kept = engine.run(warehouse, entities=[CONTACTS], ensure_schema=False)
        assert people.requests == before
        assert kept.entity("contacts").counts["kept_deleted"] == 2
        trash = people.list(filter=f"{mine.text},deletedAt[is]:NOT_NULL").records
        assert [p["contactId"] for p in trash] == ["CAS-D1"]

        # the policy says restore: D1 back with its id, D2 made again, whole
        back = engine.run(warehouse, entities=[CONTACTS], ensure_schema=False, restore_deleted=True)
        assert back.entity("contacts").counts["restored"] == 2
        now = {p["contactId"]: p for p in people.list(filter=mine.text).records}
        assert now["CAS-D1"]["id"] == ids["CAS-D1"]
        assert now["CAS-D2"]["id"] != ids["CAS-D2"]
        assert now["CAS-D2"]["emails"]["primaryEmail"] == "cas-d2@cassette-deletions.test"  # whole, not a diff
        assert (now["CAS-D1"]["categoryCode"], now["CAS-D2"]["categoryCode"]) == ("CHANGED", "CHANGED")
        assert state.deletions("contacts", CONTACT_KEYS) == {}
        _clean(twenty)
        state.close()
    warehouse.close()
