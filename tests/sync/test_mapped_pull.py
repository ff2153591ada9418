"""``pull`` into the user's own mapped table (SQLite, the emulator as Twenty): a CRM edit lands in the mapped columns
only, by key; a record nobody edited in Twenty is not written (the warehouse's spelling stays); a typed list keeps
its other entries; a key the table does not have is logged, not inserted; a deletion leaves the row and is logged;
a query source is refused before any request."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport, serve_in_thread
from twenty_sync import CONTACTS, RELATIONSHIPS, MappedSource, MappedSourceError, SyncEngine, SyncMapping, SyncState
from twenty_sync._cli import main
from twenty_sync._mapped_source import written_columns
from twenty_sync._records import Contact
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_mapped_pull_7Qx"

MAPPING: dict[str, Any] = {
    "contacts": {
        "table": "customers",
        "key": "id",
        "updated_at": "modified_at",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "columns", "email": "email", "phone": "mobile"},
        "custom": {"tier": {"column": "tier", "type": "SELECT", "options": ["GOLD", "SILVER", "BRONZE"]}},
    },
    "relationships": {
        "query": "SELECT id, customer_id, company, position FROM roles",
        "key": "id",
        "fields": {"contact_id": "customer_id", "business_id": "company", "role": "position"},
    },
}
LEADS: dict[str, Any] = {
    "contacts": {
        "table": "leads",
        "key": "id",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "columns", "email": "email"},
    }
}
OBJECT: dict[str, Any] = {
    "contacts": {
        "table": "customers",
        "key": "id",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "object", "column": "ids", "email_key": "mail", "phone_key": "tel"},
    }
}
TYPED_LIST: dict[str, Any] = {
    "contacts": {
        "table": "customers",
        "key": "id",
        "fields": {"canonical_name": "full_name"},
        "identifiers": {"shape": "typed_list", "column": "ids"},
    }
}
CONTACTS_TOML = """
[contacts]
table = "customers"
key = "id"
fields = { canonical_name = "full_name" }
identifiers = { shape = "columns", email = "email", phone = "mobile" }

[contacts.custom.tier]
column = "tier"
type = "SELECT"
options = ["GOLD", "SILVER", "BRONZE"]
"""

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, mobile TEXT, tier TEXT, ids TEXT,
                        notes TEXT NOT NULL, modified_at TEXT);
CREATE TABLE roles (id TEXT PRIMARY KEY, customer_id INTEGER, company TEXT, position TEXT);
CREATE TABLE leads (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, origin TEXT NOT NULL DEFAULT 'crm');
CREATE TABLE updates (id INTEGER);
CREATE TRIGGER counted AFTER UPDATE ON customers BEGIN INSERT INTO updates VALUES (new.id); END;
"""
IDS = (
    '[{"type": "email", "value": "old@home.test"}, {"type": "email", "value": "Ada@Work.test", "is_primary": true},'
    ' {"type": "linkedin", "value": "in/ada"}, {"type": "mobile", "value": "+44 20 7946 0001"}]'
)
CUSTOMERS = [
    (1, "Ada Lovelace", " Ada@Example.test ", "+44 20 7946 0001", "GOLD", IDS, "met at the 1843 salon", "2026-01-01"),
    (2, "Grace Hopper", "grace@example.test", None, "SILVER", None, "navy", "2026-01-02"),
]


@attrs.define
class World:
    emulator: Emulator
    client: TwentyClient
    path: Path
    state: SyncState

    def engine(self) -> SyncEngine:
        return SyncEngine(self.client, self.state)

    def source(self, mapping: dict[str, Any] = MAPPING) -> MappedSource:
        return MappedSource(LocalStore(self.path), SyncMapping.from_dict(mapping, origin="crm.toml"))

    def rows(self) -> dict[int, dict[str, Any]]:
        return world_rows(self.path)

    def updates(self) -> list[int]:
        return updates(self.path)

    def edit(self, contact_id: str, data: dict[str, Any]) -> None:
        """A CRM user's edit in Twenty."""
        people = self.client.records("people")
        person = next(p for p in people.iter() if p["contactId"] == contact_id)
        people.update(person["id"], data)

    def requests(self) -> int:
        return sum(self.emulator.request_counts().values())


def make_crm(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", CUSTOMERS)
        conn.execute("INSERT INTO roles VALUES ('R-1', 1, 'B-1', 'Founder')")
    return path


def updates(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM updates ORDER BY rowid")]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = make_crm(tmp_path / "crm.sqlite3")
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    client = TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=ASGISyncTransport(create_app(emulator)),
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )
    state = SyncState(tmp_path / "state.sqlite3")
    yield World(emulator, client, path, state)
    client.close()
    state.close()


def cli(*args: str) -> int:
    return main(list(args), stdout=io.StringIO(), stderr=io.StringIO())


def world_rows(path: Path) -> dict[int, dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM customers")}


def pushed(world: World, mapping: dict[str, Any] = MAPPING) -> None:
    """The table pushed, then a first pull (the echo of the push: nothing to write)."""
    world.engine().run(world.source(mapping), entities=[CONTACTS])
    world.engine().pull(world.source(mapping), entities=[CONTACTS])


def test_a_crm_edit_lands_in_the_mapped_columns_and_nothing_else_in_the_row(world: World) -> None:
    pushed(world)
    before = world.rows()
    world.edit("2", {"name": {"firstName": "Grace", "lastName": "Murray"}, "emails": {"primaryEmail": "gm@navy.test"},
                     "tier": "BRONZE"})  # fmt: skip

    report = world.engine().pull(world.source(), entities=[CONTACTS])

    after = world.rows()
    assert report.errors == []
    assert {k: v for k, v in after[2].items() if v != before[2][k]} == {
        "full_name": "Grace Murray",
        "email": "gm@navy.test",
        "tier": "BRONZE",
    }
    assert after[1] == before[1]
    assert world.updates() == [2]


def test_a_record_unchanged_in_twenty_is_not_written_back(world: World) -> None:
    world.engine().run(world.source(), entities=[CONTACTS])

    world.engine().pull(world.source(), entities=[CONTACTS])

    assert world.updates() == []
    assert world.rows()[1]["email"] == " Ada@Example.test "  # not Twenty's "ada@example.test"


def test_an_edit_of_one_field_keeps_the_warehouse_spelling_of_the_others(world: World) -> None:
    pushed(world)
    world.edit("1", {"tier": "SILVER"})

    world.engine().pull(world.source(), entities=[CONTACTS])

    ada = world.rows()[1]
    assert (ada["tier"], ada["email"], ada["mobile"]) == ("SILVER", " Ada@Example.test ", "+44 20 7946 0001")


def test_a_typed_list_takes_the_new_primary_email_and_keeps_its_other_entries(world: World) -> None:
    pushed(world, TYPED_LIST)
    world.edit("1", {"emails": {"primaryEmail": "ada@newwork.test", "additionalEmails": None}})

    world.engine().pull(world.source(TYPED_LIST), entities=[CONTACTS])

    assert world.rows()[1]["ids"] == (
        '[{"type": "email", "value": "old@home.test"}, {"type": "email", "value": "ada@newwork.test", '
        '"is_primary": true}, {"type": "linkedin", "value": "in/ada"}, {"type": "mobile", "value": "+44 20 7946 0001"}]'
    )


def test_an_identifier_object_takes_the_new_email_and_keeps_its_other_keys(world: World) -> None:
    with sqlite3.connect(world.path) as conn:
        ids = '{"mail": "ada@old.test", "tel": "+44 20 7946 0001", "src": "crm"}'
        conn.execute("UPDATE customers SET ids = ? WHERE id = 1", (ids,))
    pushed(world, OBJECT)
    world.edit("1", {"emails": {"primaryEmail": "ada@new.test", "additionalEmails": None}})

    world.engine().pull(world.source(OBJECT), entities=[CONTACTS])

    assert json.loads(world.rows()[1]["ids"]) == {"mail": "ada@new.test", "tel": "+44 20 7946 0001", "src": "crm"}
    assert world.updates() == [1, 1]  # the set-up here, then Ada's pull


def test_the_cli_pull_writes_a_crm_edit_into_the_mapped_table_and_leaves_the_echo_out(tmp_path: Path) -> None:
    path = make_crm(tmp_path / "crm.sqlite3")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(CONTACTS_TOML)
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    spec = ["--mapping", str(mapping)]
    with serve_in_thread(emulator) as running:
        common = ["--state", str(tmp_path / "state.sqlite3"), "--url", running.url, "--api-key", API_KEY]
        cli(*common, "--no-rate-limit", "run", "--source", f"local:{path}", *spec)
        echo = cli(*common, "--no-rate-limit", "pull", "--target", f"local:{path}", *spec)
        with TwentyClient(running.url, API_KEY) as client:
            people = client.records("people")
            people.update(next(p for p in people.iter() if p["contactId"] == "2")["id"], {"tier": "BRONZE"})
        edited = cli(*common, "--no-rate-limit", "pull", "--target", f"local:{path}", *spec)

    assert (echo, edited) == (0, 0)
    assert updates(path) == [2]
    assert world_rows(path)[2]["tier"] == "BRONZE"


def test_a_key_the_table_does_not_have_is_logged_not_inserted(world: World) -> None:
    pushed(world)
    world.client.records("people").create({"name": {"firstName": "Alan", "lastName": "Turing"}, "contactId": "99"})

    report = world.engine().pull(world.source(), entities=[CONTACTS])

    assert sorted(world.rows()) == [1, 2]
    assert [(e, k) for e, k, _ in report.errors] == [("contacts", "99")]
    assert report.errors[0][2].endswith(
        "no row with this key in table customers (column id), and no new row: notes NOT NULL without a default, and "
        "Twenty's record gives no value for it (mapped or not)"
    )
    assert [(e.key, e.reason) for e in world.state.errors() if e.key == "99"] == [("99", report.errors[0][2])]


def test_a_new_key_is_inserted_when_the_mapping_fills_every_required_column(world: World) -> None:
    pushed(world, LEADS)
    world.client.records("people").create(
        {
            "name": {"firstName": "Alan", "lastName": "Turing"},
            "emails": {"primaryEmail": "alan@x.test"},
            "contactId": "99",
        }
    )

    report = world.engine().pull(world.source(LEADS), entities=[CONTACTS])

    with sqlite3.connect(world.path) as conn:
        assert conn.execute("SELECT * FROM leads").fetchall() == [(99, "Alan Turing", "alan@x.test", "crm")]
    assert (report.errors, report.entity("contacts").counts["created"]) == ([], 1)


def test_a_record_deleted_in_twenty_leaves_the_row_and_is_logged(world: World) -> None:
    pushed(world)
    people = world.client.records("people")
    people.delete(next(p for p in people.iter() if p["contactId"] == "2")["id"])

    report = world.engine().pull(world.source(), entities=[CONTACTS])

    assert sorted(world.rows()) == [1, 2]
    assert world.updates() == []
    assert [(e, k) for e, k, _ in report.warnings] == [("contacts", "2")]
    assert "the deletion is in the state only" in report.warnings[0][2]


def test_a_row_changed_in_the_table_keeps_its_value_under_store_wins(world: World) -> None:
    pushed(world)
    with sqlite3.connect(world.path) as conn:
        conn.execute("UPDATE customers SET tier = 'BRONZE', modified_at = '2999-01-01T00:00:00' WHERE id = 2")
    world.edit("2", {"tier": "GOLD"})

    world.engine().pull(world.source(), entities=[CONTACTS], policy="store_wins")

    assert world.rows()[2]["tier"] == "BRONZE"
    assert world.updates() == [2]  # the table's own edit only


def test_a_query_source_is_refused_before_any_request(world: World) -> None:
    with pytest.raises(MappedSourceError, match=r"\[relationships\] reads a query: its rows cannot be written back"):
        world.engine().pull(world.source(), entities=[RELATIONSHIPS])

    assert world.requests() == 0


# --- the inverse rules, one column type at a time -----------------------------------------------------------------

CUSTOM_TYPES = SyncMapping.from_dict(
    {
        "contacts": {
            "table": "t",
            "key": "id",
            "custom": {
                "score": {"column": "score", "type": "NUMBER"},
                "vip": {"column": "vip", "type": "BOOLEAN"},
                "since": {"column": "since", "type": "DATE_TIME"},
                "tags": {"column": "tags", "type": "MULTI_SELECT", "options": ["A", "B", "C"]},
                "workEmail": {"column": "work_email", "type": "EMAILS"},
                "deskPhone": {"column": "desk", "type": "PHONES"},
                "homepage": {"column": "home", "type": "LINKS"},
            },
        }
    }
).get("contacts")
COLUMNS = {
    "id": 7,
    "score": "12.0",
    "vip": 1,
    "since": "2026-01-01T00:00:00+00:00",
    "tags": "A, B",
    "work_email": " Ada@Work.test ",
    "desk": "+44 20 7946 0001",
    "home": "HTTPS://Ada.test",
}
AS_TWENTY = {
    "score": 12,
    "vip": True,
    "since": "2026-01-01T00:00:00.000Z",
    "tags": ["A", "B"],
    "workEmail": {"primaryEmail": "ada@work.test", "additionalEmails": ["x@y.test"]},
    "deskPhone": {
        "primaryPhoneNumber": "2079460001",
        "primaryPhoneCallingCode": "+44",
        "primaryPhoneCountryCode": "GB",
    },
    "homepage": {"primaryLinkUrl": "https://ada.test", "primaryLinkLabel": "", "secondaryLinks": None},
}


def written(twenty: dict[str, Any]) -> dict[str, Any]:
    assert CUSTOM_TYPES is not None
    return written_columns(CUSTOM_TYPES, COLUMNS, Contact("7", ""), {**AS_TWENTY, **twenty})


def test_custom_values_twenty_only_normalised_are_not_written() -> None:
    assert written({}) == {}


@pytest.mark.parametrize(
    ("twenty", "columns"),
    [
        ({"score": 12.5}, {"score": 12.5}),
        ({"vip": False}, {"vip": False}),
        ({"since": "2026-02-01T10:00:00.000Z"}, {"since": "2026-02-01T10:00:00+00:00"}),
        ({"tags": ["A", "C"]}, {"tags": "A, C"}),
        ({"workEmail": {"primaryEmail": "ada@home.test"}}, {"work_email": "ada@home.test"}),
        (
            {"deskPhone": {"primaryPhoneNumber": "2079460002", "primaryPhoneCallingCode": "+44"}},
            {"desk": "+44 2079460002"},
        ),
        ({"homepage": {"primaryLinkUrl": "https://ada.example"}}, {"home": "https://ada.example"}),
        ({"workEmail": {"primaryEmail": ""}}, {"work_email": None}),
    ],
    ids=["number", "boolean", "date-time", "multi-select", "email", "phone", "link", "emptied"],
)
def test_a_custom_value_changed_in_twenty_is_written_in_its_column_type(
    twenty: dict[str, Any], columns: dict[str, Any]
) -> None:
    assert written(twenty) == columns
