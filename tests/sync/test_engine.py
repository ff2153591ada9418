"""The sync engine (``twenty_sync._engine``) against the emulator in process and the local store: request counts of
an initial load, a no-op re-sync and a small change; kill and resume; bad records; pull; dry run."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from twenty_emulator import Emulator, FaultRule, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import (
    BUSINESSES,
    CONTACTS,
    RELATIONSHIPS,
    Business,
    Contact,
    Limits,
    Relationship,
    SyncEngine,
    SyncState,
)
from twenty_sync._mapping import business_to_company, contact_to_person
from twenty_sync.stores import LocalStore, Store, SupportsKeyHashes

from twenty_sdk import InternalServerError, RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_sync_Zr8pQ2mK5vX"
BATCH_ROUTE = "POST /rest/batch/{object}"
LIST_ROUTE = "GET /rest/{object}"


class RecordingTransport(httpx.BaseTransport):
    """Passes requests on and keeps, for each batch write, its object and the keys of the records it carried."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.batches: list[tuple[str, list[dict[str, Any]]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.startswith("/rest/batch/"):
            self.batches.append((request.url.path.rsplit("/", 1)[-1], json.loads(request.read())))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@attrs.define
class World:
    emulator: Emulator
    client: TwentyClient
    recorder: RecordingTransport
    source: LocalStore
    state: SyncState
    tmp: Path

    def engine(self, **options: Any) -> SyncEngine:
        return SyncEngine(self.client, self.state, **options)

    def counts(self) -> dict[str, int]:
        return self.emulator.request_counts()

    def records(self, name_plural: str) -> list[dict[str, Any]]:
        return list(self.client.records(name_plural).iter())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
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
    state = SyncState(tmp_path / "state.sqlite3")
    yield World(emulator, client, recorder, source, state, tmp_path)
    client.close()
    source.close()
    state.close()


def contact(i: int, **changes: Any) -> Contact:
    base = Contact(
        contact_id=f"C-{i:05d}",
        canonical_name=f"Ada Lovelace {i}",
        contact_identifiers={"primary_email": f"Ada.{i}@Example.test", "primary_phone": None},
        category_code="PRO",
        llm_context={"summary": f"contact {i}"},
        communication_stats={"emails": i, "ratio": 0.5},
        recommendations=["call"],
        sync_metadata={"source": "test"},
    )
    return attrs.evolve(base, **changes)


def business(i: int, **changes: Any) -> Business:
    base = Business(
        business_id=f"B-{i:05d}",
        business_name=f"Business {i}",
        website=f"https://B{i}.Example.test/",
        industry="Software",
        business_data={"employees": i},
    )
    return attrs.evolve(base, **changes)


def relationship(i: int, businesses: int, **changes: Any) -> Relationship:
    base = Relationship(f"R-{i:05d}", f"C-{i:05d}", f"B-{i % businesses:05d}", role="CTO", relationship_type="employee")
    return attrs.evolve(base, **changes)


def load(store: Store, b: int, c: int, r: int) -> None:
    store.upsert(BUSINESSES, [business(i) for i in range(b)])
    store.upsert(CONTACTS, [contact(i) for i in range(c)])
    store.upsert(RELATIONSHIPS, [relationship(i, b) for i in range(r)])


def record_requests(counts: dict[str, int]) -> int:
    """Requests to the record API (reads and writes), metadata left out."""
    return sum(n for route, n in counts.items() if route.startswith(("GET /rest/{", "POST /rest/", "PATCH /rest/{"))
               and "metadata" not in route)  # fmt: skip


# --- push ---------------------------------------------------------------------------------------------------------


def test_initial_load_takes_one_request_per_200_records(world: World) -> None:
    b, c, r = 250, 450, 401
    load(world.source, b, c, r)

    report = world.engine().run(world.source)

    expected = math.ceil(b / 200) + math.ceil(c / 200) + math.ceil(r / 200)
    assert world.counts()[BATCH_ROUTE] == expected == 8
    assert LIST_ROUTE not in world.counts()
    assert report.errors == []
    assert [e.counts["created"] for e in report.entities] == [b, c, r]
    assert len(world.records("companies")) == b
    assert len({p["contactId"] for p in world.records("people")}) == c
    assert len(world.records("contactBusinessRelationships")) == r


def test_relationships_point_at_the_synced_person_and_company(world: World) -> None:
    load(world.source, 3, 5, 5)

    world.engine().run(world.source)

    people = {p["id"]: p["contactId"] for p in world.records("people")}
    companies = {c["id"]: c["businessId"] for c in world.records("companies")}
    rels = {(x["relationshipId"], people[x["personId"]], companies[x["companyId"]], x["contactRole"])
            for x in world.records("contactBusinessRelationships")}  # fmt: skip
    assert rels == {(f"R-{i:05d}", f"C-{i:05d}", f"B-{i % 3:05d}", "CTO") for i in range(5)}


def test_no_op_resync_sends_no_write_and_reads_no_record(world: World) -> None:
    load(world.source, 50, 300, 300)
    world.engine().run(world.source)
    world.emulator.reset_counts()

    report = world.engine().run(world.source)

    assert record_requests(world.counts()) == 0
    assert report.written == 0
    assert [e.counts["unchanged"] for e in report.entities] == [50, 300, 300]


def test_changing_one_percent_sends_only_those_rows(world: World) -> None:
    load(world.source, 20, 500, 0)
    world.engine().run(world.source)
    changed = [contact(i, category_code="VIP") for i in range(0, 500, 100)]  # 5 of 500
    world.source.upsert(CONTACTS, changed)
    world.emulator.reset_counts()
    world.recorder.batches.clear()

    report = world.engine().run(world.source)

    assert world.counts()[BATCH_ROUTE] == 1
    assert [(obj, sorted(p["contactId"] for p in rows)) for obj, rows in world.recorder.batches] == [
        ("people", [c.contact_id for c in changed])
    ]
    assert report.entity("contacts").counts["updated"] == 5
    vip = {p["contactId"] for p in world.records("people") if p["categoryCode"] == "VIP"}
    assert vip == {c.contact_id for c in changed}


def test_a_change_twenty_normalises_away_is_not_sent(world: World) -> None:
    load(world.source, 0, 10, 0)
    world.engine().run(world.source)
    shouted = {"primary_email": "ADA.3@EXAMPLE.TEST", "primary_phone": None}  # only the email's case changed
    world.source.upsert(CONTACTS, [contact(3, contact_identifiers=shouted)])
    world.emulator.reset_counts()

    report = world.engine().run(world.source)
    again = world.engine().run(world.source)

    assert record_requests(world.counts()) == 0
    assert report.entity("contacts").counts["refresh"] == 0  # counted as unchanged
    assert report.entity("contacts").counts["unchanged"] == 10
    assert again.entity("contacts").counts["unchanged"] == 10


def test_dry_run_makes_no_request(world: World) -> None:
    load(world.source, 5, 10, 10)

    report = world.engine().run(world.source, dry_run=True)

    assert world.counts() == {}
    assert report.plan is not None
    assert [e.counts["create"] for e in report.plan.entities] == [5, 10, 10]
    assert "contacts" in report.plan.table()


def test_deletes_are_reported_not_applied_unless_asked(world: World) -> None:
    load(world.source, 2, 10, 0)
    world.engine().run(world.source)
    world.source.delete(CONTACTS, ["C-00001", "C-00002"])

    plan = world.engine().plan(world.source)
    kept = world.engine().run(world.source)
    people_after_report = len(world.records("people"))
    applied = world.engine().run(world.source, apply_deletes=True)

    assert plan.entities[1].counts["delete"] == 2
    assert kept.entity("contacts").counts["skipped"] == 2
    assert people_after_report == 10
    assert applied.entity("contacts").counts["deleted"] == 2
    assert sorted(p["contactId"] for p in world.records("people")) == [
        f"C-{i:05d}" for i in range(10) if i not in (1, 2)
    ]
    assert world.state.count("contacts") == 8


# --- kill and resume ----------------------------------------------------------------------------------------------


def assert_twenty_equals_source(world: World, b: int, c: int, r: int) -> None:
    people = world.records("people")
    companies = world.records("companies")
    rels = world.records("contactBusinessRelationships")
    assert Counter(p["contactId"] for p in people) == Counter(f"C-{i:05d}" for i in range(c))
    assert Counter(x["businessId"] for x in companies) == Counter(f"B-{i:05d}" for i in range(b))
    assert Counter(x["relationshipId"] for x in rels) == Counter(f"R-{i:05d}" for i in range(r))
    ids = {p["id"]: p["contactId"] for p in people}
    assert all(ids[x["personId"]] == f"C-{x['relationshipId'][2:]}" for x in rels)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_a_run_killed_after_k_batches_converges_when_run_again(world: World, k: int) -> None:
    b, c, r = 210, 600, 420  # 2 + 3 + 3 batches
    load(world.source, b, c, r)
    batches = 0

    def kill_after_k(operation: str, entity: str, done: int) -> None:
        nonlocal batches
        batches += 1
        if batches == k:
            world.emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=1.0)])

    with pytest.raises(InternalServerError):
        world.engine(progress=kill_after_k).run(world.source)
    world.emulator.faults.clear()
    world.emulator.reset_counts()

    world.engine().run(world.source)

    remaining = 8 - k
    assert world.counts()[BATCH_ROUTE] == remaining
    assert record_requests(world.counts()) == remaining  # the resumed run read nothing from Twenty
    assert_twenty_equals_source(world, b, c, r)


def test_a_run_killed_after_a_write_landed_but_before_the_state_saved_it_converges(world: World) -> None:
    b, c, r = 10, 450, 100
    load(world.source, b, c, r)
    original = world.state.record
    calls = 0

    def record_then_die(entity: str, rows: Any) -> None:
        nonlocal calls
        if rows:
            calls += 1
            if calls == 2:  # the first contacts batch landed in Twenty; the process dies before saving it
                raise KeyboardInterrupt
        original(entity, rows)

    world.state.record = record_then_die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        world.engine().run(world.source)
    world.state.record = original  # type: ignore[method-assign]

    world.engine().run(world.source)

    assert_twenty_equals_source(world, b, c, r)


# --- bad records --------------------------------------------------------------------------------------------------


def test_bad_records_are_logged_with_key_and_reason_and_the_rest_lands(world: World) -> None:
    world.source.upsert(
        BUSINESSES,
        [business(0), business(1),
         business(2, website="https://b1.example.test")],  # the same domain as B-00001, once normalised
    )  # fmt: skip
    contacts = [contact(i) for i in range(10)] + [
        contact(10, contact_identifiers={"primary_email": "bob@"}),  # invalid email
        contact(11, contact_identifiers={"primary_email": "ada.3@example.test"}),  # a duplicate of C-00003
        contact(12, llm_context="x" * 2000),  # oversized text (limit 1000 below)
        contact(13, canonical_name="Nul \x00 Byte"),
        contact(14, canonical_name="Zoë \u200fمحمد\u200e 张伟 😀 e\u0301"),  # odd but valid Unicode: lands
    ]
    world.source.upsert(CONTACTS, contacts)
    world.source.upsert(
        RELATIONSHIPS, [relationship(1, 2), relationship(10, 2), relationship(14, 2)]
    )  # R-00010 refers to a contact that failed

    report = world.engine(limits=Limits(max_text=1000)).run(world.source)

    errors = {(e.entity, e.key): e for e in world.state.errors(report.run_id)}
    assert set(errors) == {
        ("businesses", "B-00002"),
        ("contacts", "C-00010"),
        ("contacts", "C-00011"),
        ("contacts", "C-00012"),
        ("contacts", "C-00013"),
        ("relationships", "R-00010"),
    }
    assert "already belongs to businesses 'B-00001'" in errors["businesses", "B-00002"].reason
    assert "not a valid email" in errors["contacts", "C-00010"].reason
    assert "already belongs to contacts 'C-00003'" in errors["contacts", "C-00011"].reason
    assert "over the limit" in errors["contacts", "C-00012"].reason
    assert "NUL byte" in errors["contacts", "C-00013"].reason
    assert "contact 'C-00010'" in errors["relationships", "R-00010"].reason
    assert all(e.operation == "upsert" and e.attempt == 1 for e in errors.values())
    people = {p["contactId"]: p for p in world.records("people")}
    assert sorted(people) == [f"C-{i:05d}" for i in [*range(10), 14]]
    assert people["C-00014"]["name"] == {"firstName": "Zoë", "lastName": "\u200fمحمد\u200e 张伟 😀 e\u0301"}
    assert sorted(x["businessId"] for x in world.records("companies")) == ["B-00000", "B-00001"]
    assert sorted(x["relationshipId"] for x in world.records("contactBusinessRelationships")) == ["R-00001", "R-00014"]


def test_a_refused_record_is_held_back_until_its_row_changes(world: World) -> None:
    world.source.upsert(CONTACTS, [contact(0), contact(1, contact_identifiers={"primary_email": "bob@"})])
    first = world.engine().run(world.source)
    world.emulator.reset_counts()

    second = world.engine().run(world.source)

    assert [(e.key, e.attempt) for e in world.state.errors(first.run_id)] == [("C-00001", 1)]
    assert world.state.errors(second.run_id) == []
    assert second.entity("contacts").held == 1
    assert record_requests(world.counts()) == 0


def test_a_held_record_whose_row_changes_is_sent_again_and_attempts_counted(world: World) -> None:
    world.source.upsert(CONTACTS, [contact(0), contact(1, contact_identifiers={"primary_email": "bob@"})])
    world.engine().run(world.source)
    world.source.upsert(CONTACTS, [contact(1, contact_identifiers={"primary_email": "bob@x"})])  # still bad
    second = world.engine().run(world.source)
    world.source.upsert(CONTACTS, [contact(1)])

    third = world.engine().run(world.source)

    assert [e.attempt for e in world.state.errors(second.run_id)] == [2]
    assert third.errors == []
    assert third.entity("contacts").counts["created"] == 1


def test_a_refusal_is_held_under_its_settings_and_other_settings_send_it_again(world: World) -> None:
    junk = {"primary_email": "a@x.test", "primary_phone": "n/a"}
    world.source.upsert(CONTACTS, [contact(1, contact_identifiers=junk)])
    first = world.engine(strict=True).run(world.source)
    again = world.engine(strict=True).run(world.source)

    relaxed = world.engine().run(world.source)  # not strict: the refusal no longer holds, the contact goes

    assert first.entity("contacts").failed == 1
    assert again.entity("contacts").held == 1
    assert relaxed.entity("contacts").counts["created"] == 1


def unchecked_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Phones sent as written, unchecked: stands for any rule of Twenty's the sync does not know yet."""
    monkeypatch.setattr("twenty_sync._mapping.clean_phone", lambda text, region: {"primaryPhoneNumber": text})


def test_a_record_twenty_refused_for_its_own_value_is_not_sent_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    unchecked_phones(monkeypatch)
    bad = {"primary_email": "a@x.test", "primary_phone": "n/a"}
    world.source.upsert(CONTACTS, [contact(0), contact(1, contact_identifiers=bad)])
    first = world.engine().run(world.source)
    world.emulator.reset_counts()

    second = world.engine().run(world.source)

    assert [e.reason for e in world.state.errors(first.run_id)] == [
        "Provided phone number is invalid n/a (Error, INVALID_PHONE_NUMBER)"
    ]
    assert second.entity("contacts").held == 1
    assert record_requests(world.counts()) == 0


def test_a_junk_phone_lands_the_contact_without_it_and_logs_a_warning(world: World) -> None:
    junk = {"primary_email": "ok@x.test", "primary_phone": "n/a"}
    world.source.upsert(CONTACTS, [contact(0), contact(1, contact_identifiers=junk)])

    report = world.engine().run(world.source)

    (logged,) = world.state.errors(report.run_id)
    assert (logged.key, logged.reason) == (
        "C-00001",
        "warning: primary_phone: 'n/a' is not a phone number: sent without it",
    )
    assert report.errors == []
    assert report.warnings == [("contacts", "C-00001", "primary_phone: 'n/a' is not a phone number: sent without it")]
    assert report.entity("contacts").counts["warned"] == 1
    assert sorted(p["contactId"] for p in world.records("people")) == ["C-00000", "C-00001"]


def test_a_national_phone_lands_parsed_with_the_default_region(world: World) -> None:
    national = {"primary_email": "ok@x.test", "primary_phone": " (415) 555-0101 "}
    world.source.upsert(CONTACTS, [contact(1, contact_identifiers=national)])

    report = world.engine(default_phone_region="US").run(world.source)

    assert report.errors == report.warnings == []
    (person,) = world.records("people")
    assert person["phones"]["primaryPhoneNumber"] == "4155550101"
    assert person["phones"]["primaryPhoneCallingCode"] == "+1"


def test_a_record_twenty_refuses_is_logged_and_the_batch_lands(world: World) -> None:
    # a person a CRM user made holds the email contact 1 now claims, and contact 1 exists already: two matches
    world.source.upsert(CONTACTS, [contact(0), contact(1)])
    world.engine().run(world.source)
    world.client.people.create({"emails": {"primaryEmail": "taken@x.test"}})
    world.source.upsert(
        CONTACTS, [contact(0, category_code="NEW"), contact(1, contact_identifiers={"primary_email": "taken@x.test"})]
    )

    report = world.engine().run(world.source)

    (error,) = world.state.errors(report.run_id)
    assert error.key == "C-00001"
    assert report.entity("contacts").counts["updated"] == 1
    assert {p["contactId"]: p["categoryCode"] for p in world.records("people") if p["contactId"]}["C-00000"] == "NEW"


# --- pull ---------------------------------------------------------------------------------------------------------


def read(store: Store, entity: Any) -> dict[str, Any]:
    return {r.key: r for batch in store.read_all(entity) for r in batch}


def test_pull_picks_up_an_edit_made_in_twenty(world: World) -> None:
    load(world.source, 2, 5, 5)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    engine.pull(app)
    person = next(p for p in world.records("people") if p["contactId"] == "C-00002")
    world.client.records("people").update(person["id"], {"categoryCode": "EDITED", "name": {"firstName": "Augusta"}})
    world.emulator.reset_counts()

    report = engine.pull(app)

    pulled = read(app, CONTACTS)
    assert pulled["C-00002"].category_code == "EDITED"
    assert pulled["C-00002"].canonical_name == "Augusta Lovelace 2"
    assert report.entity("contacts").counts["updated"] == 1
    assert report.entity("businesses").counts["updated"] == 0
    assert world.counts()[LIST_ROUTE] == 3  # one page per entity
    assert BATCH_ROUTE not in world.counts()
    app.close()


def test_first_pull_brings_every_record_to_an_empty_store(world: World) -> None:
    load(world.source, 3, 7, 7)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()

    engine.pull(app)

    # equal as Twenty holds them: the same payloads (emails and links normalised, a null phone left out)
    for entity, to_twenty in ((CONTACTS, contact_to_person), (BUSINESSES, business_to_company)):
        pulled, source = read(app, entity), read(world.source, entity)
        assert {k: to_twenty(v) for k, v in pulled.items()} == {k: to_twenty(v) for k, v in source.items()}
    assert read(app, RELATIONSHIPS) == read(world.source, RELATIONSHIPS)
    app.close()


def test_pulling_into_the_source_skips_own_writes_and_the_next_push_sends_nothing(world: World) -> None:
    load(world.source, 2, 5, 5)
    engine = world.engine()
    engine.run(world.source)
    person = next(p for p in world.records("people") if p["contactId"] == "C-00004")
    world.client.records("people").update(person["id"], {"categoryCode": "EDITED"})

    report = engine.pull(world.source, skip_own_writes=True)
    world.emulator.reset_counts()
    push = engine.run(world.source)

    assert report.entity("contacts").counts["updated"] == 1
    assert report.entity("contacts").counts["unchanged"] == 4
    assert read(world.source, CONTACTS)["C-00004"].category_code == "EDITED"
    assert record_requests(world.counts()) == 0
    assert push.written == 0


def test_an_email_edited_in_twenty_comes_back_with_every_other_identifier(world: World) -> None:
    identifiers = {"primary_email": "ada.1@example.test", "linkedin": "ada-l", "emails": ["ada@home.test"]}
    world.source.upsert(CONTACTS, [contact(1, contact_identifiers=identifiers)])
    engine = world.engine()
    engine.run(world.source, entities=(CONTACTS,))
    person = world.records("people")[0]
    world.client.records("people").update(person["id"], {"emails": {"primaryEmail": "countess@example.test"}})

    engine.pull(world.source, entities=(CONTACTS,), skip_own_writes=True)

    back = read(world.source, CONTACTS)["C-00001"]
    assert back.contact_identifiers == {**identifiers, "primary_email": "countess@example.test"}
    world.emulator.reset_counts()
    assert engine.run(world.source, entities=(CONTACTS,)).written == 0  # Twenty already holds what came back


def test_each_pull_target_has_its_own_watermark(world: World) -> None:
    load(world.source, 0, 4, 0)
    engine = world.engine()
    engine.run(world.source, entities=(CONTACTS,))
    first = LocalStore(world.tmp / "first.sqlite3")
    second = LocalStore(world.tmp / "second.sqlite3")
    for store in (first, second):
        store.ensure_schema()
    engine.pull(first, entities=(CONTACTS,), target_name="first")
    person = next(p for p in world.records("people") if p["contactId"] == "C-00001")
    world.client.records("people").update(person["id"], {"categoryCode": "EDITED"})

    engine.pull(first, entities=(CONTACTS,), target_name="first")
    engine.pull(second, entities=(CONTACTS,), target_name="second")  # its first pull: every record

    assert read(first, CONTACTS)["C-00001"].category_code == "EDITED"
    assert sorted(read(second, CONTACTS)) == [f"C-{i:05d}" for i in range(4)]
    assert read(second, CONTACTS)["C-00001"].category_code == "EDITED"
    assert set(world.state.watermarks()) >= {"pull:contacts@first", "pull:contacts@second"}
    engine.pull(world.source, entities=(CONTACTS,))  # the default name keeps the earlier versions' watermark
    assert "pull:contacts" in world.state.watermarks()
    first.close()
    second.close()


def test_pull_boundary_rows_are_not_pulled_twice(world: World) -> None:
    load(world.source, 0, 3, 0)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    first = engine.pull(app, entities=(CONTACTS,))

    second = engine.pull(app, entities=(CONTACTS,))

    assert first.entity("contacts").counts["updated"] == 3  # "updated": records the state knew (pushed before)
    assert second.entity("contacts").counts == Counter()
    app.close()


@pytest.mark.parametrize(("policy", "expected"), [("twenty_wins", "TWENTY"), ("store_wins", "STORE")])
def test_conflict_policy_decides_between_twenty_and_the_store(world: World, policy: Any, expected: str) -> None:
    load(world.source, 0, 3, 0)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    engine.pull(app)
    app.upsert(CONTACTS, [contact(1, category_code="STORE")])
    person = next(p for p in world.records("people") if p["contactId"] == "C-00001")
    world.client.records("people").update(person["id"], {"categoryCode": "TWENTY"})

    engine.pull(app, policy=policy)

    assert read(app, CONTACTS)["C-00001"].category_code == expected
    app.close()


def test_last_writer_wins_takes_the_later_edit(world: World) -> None:
    load(world.source, 0, 3, 0)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    engine.pull(app)
    person = next(p for p in world.records("people") if p["contactId"] == "C-00001")
    world.client.records("people").update(person["id"], {"categoryCode": "TWENTY"})
    app.upsert(CONTACTS, [contact(1, category_code="STORE-LATER")])

    engine.pull(app, policy="last_writer_wins")

    assert read(app, CONTACTS)["C-00001"].category_code == "STORE-LATER"
    app.close()


def test_a_source_of_truth_per_field_merges_a_conflict(world: World) -> None:
    load(world.source, 0, 3, 0)
    engine = world.engine()
    engine.run(world.source)
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    engine.pull(app)
    app.upsert(CONTACTS, [contact(1, category_code="STORE", subcategory_code="STORE")])
    person = next(p for p in world.records("people") if p["contactId"] == "C-00001")
    world.client.records("people").update(person["id"], {"categoryCode": "TWENTY", "subcategoryCode": "TWENTY"})

    engine.pull(app, policy={"category_code": "store", "subcategory_code": "twenty"})

    pulled = read(app, CONTACTS)["C-00001"]
    assert (pulled.category_code, pulled.subcategory_code) == ("STORE", "TWENTY")
    app.close()


def test_sync_contact_to_all_propagates_one_contact_warehouse_to_twenty_to_app(world: World) -> None:
    load(world.source, 0, 5, 0)
    engine = world.engine()
    engine.run(world.source)
    world.source.upsert(CONTACTS, [contact(2, category_code="NEW"), contact(3, category_code="NOT-THIS-ONE")])
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    world.recorder.batches.clear()

    engine.sync_contact_to_all("C-00002", world.source, app)

    assert [[p["contactId"] for p in rows] for _, rows in world.recorder.batches] == [["C-00002"]]
    assert list(read(app, CONTACTS)) == ["C-00002"]
    assert read(app, CONTACTS)["C-00002"].category_code == "NEW"
    app.close()


# --- other stores -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "sizes"), [("postgres", (20, 250, 250)), ("bigquery", (5, 10, 10))])
def test_push_from_another_store_loads_and_resyncs_to_nothing(
    world: World,
    make_store: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    sizes: tuple[int, int, int],
) -> None:
    store = make_store(kind)
    load(store, *sizes)

    world.engine().run(store)
    first = world.counts()[BATCH_ROUTE]
    world.emulator.reset_counts()
    if isinstance(store, SupportsKeyHashes):  # the re-sync is decided on (key, hash) pairs: no row is read
        monkeypatch.setattr(store, "read_all", None)
    again = world.engine().run(store)

    assert first == sum(math.ceil(n / 200) for n in sizes)
    assert record_requests(world.counts()) == 0
    assert again.written == 0


def test_plan_over_a_store_computing_hashes_reads_no_row(world: World, make_store: Callable[..., Any]) -> None:
    store = make_store("bigquery")
    load(store, 3, 6, 0)
    engine = world.engine()
    engine.run(store, entities=(BUSINESSES, CONTACTS))
    store.upsert(CONTACTS, [contact(1, category_code="VIP")])
    store.delete(CONTACTS, ["C-00005"])
    store.upsert(CONTACTS, [contact(9)])

    plan = engine.plan(store, (BUSINESSES, CONTACTS))

    assert isinstance(store, SupportsKeyHashes)
    assert plan.entities[0].counts == Counter({"unchanged": 3})
    assert plan.entities[1].counts == Counter({"unchanged": 4, "update": 1, "delete": 1, "create": 1})


# --- Twenty unavailable for a while -------------------------------------------------------------------------------


class FailBatchesWith(httpx.BaseTransport):
    """Answers 503 to every batch write carrying one of ``keys`` (each retry too); the rest goes through."""

    def __init__(self, inner: httpx.BaseTransport, keys: set[str]) -> None:
        self.inner = inner
        self.keys = keys
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.startswith("/rest/batch/"):
            body = json.loads(request.read())
            if any(row.get("contactId") in self.keys or self.keys == {"*"} for row in body):
                self.refused += 1
                return httpx.Response(503, json={"statusCode": 503, "error": "Service Unavailable", "messages": []})
        return self.inner.handle_request(request)


def client_through(world: World, transport: httpx.BaseTransport) -> TwentyClient:
    return TwentyClient(
        "http://twenty.local",
        API_KEY,
        transport=transport,
        rate_limit=RateLimit(enabled=False),
        retry=RetryPolicy(max_retries=1, initial_delay=0.0, max_delay=0.0),
    )


def test_a_batch_twenty_keeps_refusing_is_logged_and_the_run_goes_on(world: World) -> None:
    load(world.source, 2, 600, 0)
    failing = FailBatchesWith(ASGISyncTransport(create_app(world.emulator)), {"C-00250"})  # the 2nd contacts batch
    with client_through(world, failing) as client:
        report = SyncEngine(client, world.state).run(world.source, entities=(BUSINESSES, CONTACTS))

    assert failing.refused == 2  # the first attempt and its retry
    assert report.entity("contacts").counts == Counter({"created": 400, "failed": 200})
    logged = world.state.errors(report.run_id)
    assert sorted(e.key for e in logged) == [f"C-{i:05d}" for i in range(200, 400)]
    assert all("503" in e.reason and "next run" in e.reason for e in logged)
    assert {p["contactId"] for p in world.records("people")} == {f"C-{i:05d}" for i in (*range(200), *range(400, 600))}

    world.emulator.reset_counts()
    again = world.engine().run(world.source, entities=(BUSINESSES, CONTACTS))
    assert world.counts()[BATCH_ROUTE] == 1  # only the batch that failed
    assert again.entity("contacts").counts == Counter({"created": 200, "unchanged": 400})
    assert not again.errors


def test_twenty_down_stops_the_run_after_a_few_batches_with_their_records_logged(world: World) -> None:
    load(world.source, 0, 1000, 0)
    failing = FailBatchesWith(ASGISyncTransport(create_app(world.emulator)), {"*"})
    with client_through(world, failing) as client, pytest.raises(InternalServerError):
        SyncEngine(client, world.state, max_consecutive_failures=2).run(world.source, entities=(CONTACTS,))

    assert failing.refused == 4  # 2 batches, each tried twice; the 3 others were not attempted
    logged = world.state.errors()
    assert len(logged) == 400
    assert world.state.count("contacts") == 0
    with pytest.raises(ValueError, match="max_consecutive_failures"):
        SyncEngine(world.client, world.state, max_consecutive_failures=0)


# --- a unique value changing hands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("giver", "taker"), [(1, 2), (2, 1)], ids=["giver-first", "taker-first"])
def test_an_email_moving_from_one_contact_to_another_lands_in_one_run(world: World, giver: int, taker: int) -> None:
    load(world.source, 0, 3, 0)
    world.engine().run(world.source, entities=(CONTACTS,))
    moved = f"ada.{giver}@example.test"
    world.source.upsert(
        CONTACTS,
        [contact(giver, contact_identifiers={"primary_email": "new.address@example.test"}),
         contact(taker, contact_identifiers={"primary_email": moved})],
    )  # fmt: skip
    world.emulator.reset_counts()

    report = world.engine().run(world.source, entities=(CONTACTS,))

    assert not report.errors
    assert report.entity("contacts").counts == Counter({"updated": 2, "unchanged": 1})
    emails = {p["contactId"]: p["emails"]["primaryEmail"] for p in world.records("people")}
    assert emails[f"C-{taker:05d}"] == moved
    assert emails[f"C-{giver:05d}"] == "new.address@example.test"
    assert len(emails) == 3  # no record was merged into another
    assert world.counts()[BATCH_ROUTE] == 2  # the giver's batch, then the taker's
    assert world.engine().run(world.source, entities=(CONTACTS,)).written == 0


def test_an_email_still_held_by_its_owner_is_refused_after_the_second_look(world: World) -> None:
    load(world.source, 0, 3, 0)
    world.engine().run(world.source, entities=(CONTACTS,))
    world.source.upsert(CONTACTS, [contact(2, contact_identifiers={"primary_email": "ada.1@example.test"})])

    report = world.engine().run(world.source, entities=(CONTACTS,))

    assert [(k, r) for _, k, r in report.errors] == [
        ("C-00002", "primaryEmail 'ada.1@example.test' already belongs to contacts 'C-00001'")
    ]
    assert {p["contactId"]: p["emails"]["primaryEmail"] for p in world.records("people")}["C-00002"] == (
        "ada.2@example.test"
    )


# --- batches in flight at once --------------------------------------------------------------------------------------


class InFlight(httpx.BaseTransport):
    """Counts batch writes in flight at once (each held ``delay`` seconds, as a real Twenty takes its time)."""

    def __init__(self, inner: httpx.BaseTransport, delay: float = 0.03) -> None:
        import threading

        self.inner = inner
        self.delay = delay
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import time

        if not (request.method == "POST" and request.url.path.startswith("/rest/batch/")):
            return self.inner.handle_request(request)
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.delay)
            return self.inner.handle_request(request)
        finally:
            with self.lock:
                self.now -= 1


def twenty_state(world: World) -> dict[str, Any]:
    people = {p["contactId"]: (p["emails"]["primaryEmail"], p["categoryCode"]) for p in world.records("people")}
    companies = {c["businessId"]: c["name"] for c in world.records("companies")}
    ids = {p["id"]: p["contactId"] for p in world.records("people")}
    rels = {r["relationshipId"]: ids[r["personId"]] for r in world.records("contactBusinessRelationships")}
    return {"people": people, "companies": companies, "relationships": rels}


def test_batches_in_flight_at_once_land_what_one_at_a_time_lands(world: World, tmp_path: Path) -> None:
    load(world.source, 5, 1000, 600)
    world.source.upsert(CONTACTS, [contact(700, contact_identifiers={"primary_email": "ada.3@example.test"})])
    counter = InFlight(ASGISyncTransport(create_app(world.emulator)))
    with client_through(world, counter) as client:
        report = SyncEngine(client, world.state, concurrency=3).run(world.source)

    assert 1 < counter.most <= 3
    assert report.entity("contacts").counts == Counter({"created": 999, "failed": 1})
    assert [(k, r) for _, k, r in report.errors] == [
        ("C-00700", "primaryEmail 'ada.3@example.test' already belongs to contacts 'C-00003'")
    ]  # in flight or landed, C-00003 held the email: C-00700 was never sent with it
    landed = twenty_state(world)

    reference = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with client_through(world, ASGISyncTransport(create_app(reference))) as client:
        SyncEngine(client, SyncState(tmp_path / "one.sqlite3")).run(world.source)
        world_one = attrs.evolve(world, emulator=reference, client=client)
        assert landed == twenty_state(world_one)
    assert world.engine(concurrency=3).run(world.source).written == 0


def test_a_run_stopping_with_batches_in_flight_records_what_landed(world: World) -> None:
    load(world.source, 0, 1400, 0)
    failing = FailBatchesWith(InFlight(ASGISyncTransport(create_app(world.emulator))), {"*"})
    calls = 0
    inner = failing.handle_request

    def first_four_pass(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path.startswith("/rest/batch/"):
            calls += 1
            if calls <= 4:
                return failing.inner.handle_request(request)
        return inner(request)

    failing.handle_request = first_four_pass  # type: ignore[method-assign]
    with client_through(world, failing) as client, pytest.raises(InternalServerError):
        SyncEngine(client, world.state, concurrency=3, max_consecutive_failures=2).run(
            world.source, entities=(CONTACTS,)
        )

    in_twenty = {p["contactId"] for p in world.records("people")}
    assert len(in_twenty) == 800  # four batches landed
    assert world.state.count("contacts") == 800  # and the state knows each of them
    world.emulator.reset_counts()
    world.engine().run(world.source, entities=(CONTACTS,))
    assert world.counts()[BATCH_ROUTE] == 3  # only what had not landed
    with pytest.raises(ValueError, match="concurrency"):
        SyncEngine(world.client, world.state, concurrency=0)


# --- a new version of the mapping ---------------------------------------------------------------------------------


def test_a_state_written_under_another_mapping_has_every_record_mapped_again(world: World) -> None:
    from twenty_sync._mapping import MAPPING_VERSION

    load(world.source, 3, 450, 0)
    world.engine().run(world.source)
    assert world.state.meta("mapping_version") == MAPPING_VERSION  # a new state starts at the current version
    # as if the contacts had been sent by an earlier mapping: their last payload differs from today's
    old = [attrs.evolve(r, payload_hash="sent-by-an-earlier-mapping") for r in world.state.rows("contacts")]
    world.state.record("contacts", old)
    world.state.set_meta("mapping_version", "1")
    world.emulator.reset_counts()

    report = world.engine().run(world.source)

    assert report.entity("contacts").counts == Counter({"updated": 450})  # unchanged in the source, yet sent
    assert report.entity("businesses").counts == Counter({"unchanged": 3})  # mapped again, same payload: not sent
    assert world.counts()[BATCH_ROUTE] == 3
    assert world.state.meta("mapping_version") == MAPPING_VERSION
    world.emulator.reset_counts()
    assert world.engine().run(world.source).written == 0
    assert record_requests(world.counts()) == 0


def test_a_partial_run_leaves_the_remapping_to_be_finished(world: World) -> None:
    load(world.source, 2, 5, 0)
    world.engine().run(world.source)
    world.state.set_meta("mapping_version", "1")

    world.engine().run(world.source, entities=(CONTACTS,))  # not every entity: the version stays

    assert world.state.meta("mapping_version") == "1"
    assert world.engine().plan(world.source).entities[1].counts == Counter({"unchanged": 5, "refresh": 5})


def test_a_state_file_from_before_versions_were_kept_is_remapped_a_new_one_is_not(tmp_path: Path) -> None:
    import sqlite3

    from twenty_sync._mapping import MAPPING_VERSION

    old = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(old)  # the layout of a state written before the meta table existed
    conn.execute(
        "CREATE TABLE synced (entity TEXT NOT NULL, key TEXT NOT NULL, source_hash TEXT NOT NULL, "
        "payload_hash TEXT NOT NULL, twenty_hash TEXT, twenty_id TEXT NOT NULL, unique_value TEXT, "
        "synced_at TEXT NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID"
    )
    conn.execute("INSERT INTO synced VALUES ('contacts', 'C-1', 'h', 'p', NULL, 'id-1', NULL, '2026-01-01')")
    conn.commit()
    conn.close()

    assert SyncState(old).meta("mapping_version") is None
    assert SyncState(tmp_path / "new.sqlite3").meta("mapping_version") == MAPPING_VERSION


# --- pulls written in large pieces --------------------------------------------------------------------------------


def test_a_pull_writes_its_store_in_large_pieces_and_resumes_after_a_crash(world: World) -> None:
    load(world.source, 0, 1000, 0)
    world.engine().run(world.source, entities=(CONTACTS,))
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    writes: list[int] = []
    upsert = app.upsert

    def counted(entity: Any, records: Any) -> Any:
        records = list(records)
        writes.append(len(records))
        if len(writes) == 2:
            raise KeyboardInterrupt  # the process dies writing the second piece
        return upsert(entity, records)

    app.upsert = counted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        world.engine(pull_write_size=400).pull(app, entities=(CONTACTS,), target_name="app")
    assert writes == [400, 400]  # pages of 200 gathered into pieces of 400: 1 store write per 2 pages
    assert len(read(app, CONTACTS)) == 400

    app.upsert = upsert  # type: ignore[method-assign]
    world.emulator.reset_counts()
    report = world.engine(pull_write_size=400).pull(app, entities=(CONTACTS,), target_name="app")

    assert report.entity("contacts").counts["updated"] == 600  # from the last watermark: nothing lost or repeated
    assert sorted(read(app, CONTACTS)) == [f"C-{i:05d}" for i in range(1000)]
    assert world.counts()[LIST_ROUTE] == 4  # 600 records and the watermark's own (updatedAt[gte]): 4 pages
    app.close()


def test_records_twenty_refuses_cost_one_request_each_not_a_bisection(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    unchecked_phones(monkeypatch)
    bad = {7: "n/a", 80: "(415) 555-0101", 150: "call me"}
    world.source.upsert(
        CONTACTS,
        [
            contact(i, contact_identifiers={"primary_email": f"p{i}@x.test", "primary_phone": bad.get(i)})
            for i in range(200)
        ],
    )

    report = world.engine().run(world.source, entities=(CONTACTS,))

    assert sorted(key for _, key, _ in report.errors) == [f"C-{i:05d}" for i in bad]
    assert world.counts()[BATCH_ROUTE] == 1 + len(bad) == report.entity("contacts").requests


def test_the_report_counts_every_request_retries_included(world: World) -> None:
    load(world.source, 0, 300, 0)
    world.emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=0.3)], seed=4)

    report = world.engine().run(world.source, entities=(CONTACTS,))

    sent = len(world.recorder.batches)  # every attempt that left the client, faulted ones too
    assert sent > math.ceil(300 / 200)  # the faults made the SDK retry
    assert report.entity("contacts").requests == sent
    assert report.table().splitlines()[3].endswith(f"{sent:>10}")


# --- field-level writes: what a CRM user added survives -----------------------------------------------------------

SECONDARY = [{"url": "https://blog.b1.example.test", "label": "Blog"}]
EXTRA_PHONE = {"number": "612345678", "countryCode": "FR", "callingCode": "+33"}


def crm_user_adds_links(world: World, business_id: str) -> None:
    (company,) = [c for c in world.records("companies") if c["businessId"] == business_id]
    world.client.companies.update(
        company["id"],
        {"domainName": {**company["domainName"], "primaryLinkLabel": "Home", "secondaryLinks": SECONDARY}},
    )


def crm_user_adds_a_phone_and_an_email(world: World, contact_id: str) -> None:
    (person,) = [p for p in world.records("people") if p["contactId"] == contact_id]
    world.client.people.update(
        person["id"],
        {
            "phones": {**person["phones"], "additionalPhones": [EXTRA_PHONE]},
            "emails": {**person["emails"], "additionalEmails": ["ada.home@example.test"]},
        },
    )


def test_an_update_sends_only_the_fields_that_changed(world: World) -> None:
    load(world.source, 2, 0, 0)
    world.engine().run(world.source)
    world.source.upsert(BUSINESSES, [business(1, business_name="Renamed")])
    world.recorder.batches.clear()

    world.engine().run(world.source)

    assert world.recorder.batches == [("companies", [{"businessId": "B-00001", "name": "Renamed"}])]


def test_a_renamed_business_keeps_the_links_a_crm_user_added(world: World) -> None:
    load(world.source, 2, 0, 0)
    world.engine().run(world.source)
    crm_user_adds_links(world, "B-00001")
    world.source.upsert(BUSINESSES, [business(1, business_name="Renamed")])

    world.engine().run(world.source)

    (company,) = [c for c in world.records("companies") if c["businessId"] == "B-00001"]
    assert company["name"] == "Renamed"
    assert company["domainName"]["primaryLinkLabel"] == "Home"
    assert company["domainName"]["secondaryLinks"] == SECONDARY


def test_a_new_website_keeps_the_label_and_secondary_links_with_one_read_per_batch(world: World) -> None:
    load(world.source, 3, 0, 0)
    world.engine().run(world.source)
    crm_user_adds_links(world, "B-00001")
    world.source.upsert(BUSINESSES, [business(i, website=f"https://new{i}.example.test") for i in range(3)])
    world.emulator.reset_counts()

    report = world.engine().run(world.source)

    assert (world.counts()[LIST_ROUTE], world.counts()[BATCH_ROUTE]) == (1, 1)
    assert report.entity("businesses").requests == 2
    (company,) = [c for c in world.records("companies") if c["businessId"] == "B-00001"]
    assert company["domainName"] == {
        "primaryLinkUrl": "https://new1.example.test",
        "primaryLinkLabel": "Home",
        "secondaryLinks": SECONDARY,
    }


def test_a_new_phone_keeps_the_additional_phone_and_email_a_crm_user_added(world: World) -> None:
    world.source.upsert(
        CONTACTS,
        [contact(1, contact_identifiers={"primary_email": "ada@example.test", "primary_phone": "+1 202 555 0100"})],
    )
    world.engine().run(world.source)
    crm_user_adds_a_phone_and_an_email(world, "C-00001")
    world.source.upsert(
        CONTACTS,
        [contact(1, contact_identifiers={"primary_email": "ada@example.test", "primary_phone": "+1 202 555 0199"})],
    )

    world.engine().run(world.source)

    (person,) = world.records("people")
    assert person["phones"]["primaryPhoneNumber"] == "2025550199"
    assert person["phones"]["additionalPhones"] == [EXTRA_PHONE]
    assert person["emails"]["additionalEmails"] == ["ada.home@example.test"]


def test_a_state_without_field_hashes_sends_whole_payloads_and_still_keeps_crm_additions(world: World) -> None:
    load(world.source, 2, 0, 0)
    world.engine().run(world.source)
    rows = list(world.state.rows("businesses"))
    world.state.record("businesses", [attrs.evolve(r, field_hashes=None) for r in rows])  # as an older release left it
    crm_user_adds_links(world, "B-00001")
    world.source.upsert(BUSINESSES, [business(1, business_name="Renamed")])
    world.recorder.batches.clear()

    world.engine().run(world.source)

    ((_, (sent,)),) = world.recorder.batches
    assert set(sent) > {"businessId", "name", "domainName"}
    (company,) = [c for c in world.records("companies") if c["businessId"] == "B-00001"]
    assert company["domainName"]["secondaryLinks"] == SECONDARY


def test_transient_failures_in_a_row_are_counted_per_run_not_across_runs(world: World) -> None:
    load(world.source, 0, 10, 0)
    world.emulator.faults.set([FaultRule(route="POST /rest/batch/*", error_rate=1.0)])
    engine = world.engine(max_consecutive_failures=2)

    first = engine.run(world.source, entities=(CONTACTS,))
    second = engine.run(world.source, entities=(CONTACTS,))  # one failed batch again: not the second in a row

    assert first.entity("contacts").failed == second.entity("contacts").failed == 10


def test_the_plan_counts_a_held_record_as_unchanged_and_held(world: World) -> None:
    world.source.upsert(CONTACTS, [contact(0), contact(1, contact_identifiers={"primary_email": "bob@"})])
    world.engine().run(world.source)

    plan = world.engine().plan(world.source, (CONTACTS,))

    assert (plan.entities[0].counts["unchanged"], plan.entities[0].counts["held"]) == (2, 1)
    assert "held: refused before" in plan.table()


def test_a_record_destroyed_in_twenty_is_made_whole_again_by_the_next_run(world: World) -> None:
    load(world.source, 0, 2, 0)
    world.engine().run(world.source)
    (gone,) = [p for p in world.records("people") if p["contactId"] == "C-00001"]
    world.client.people.destroy(gone["id"])
    world.source.upsert(CONTACTS, [contact(1, category_code="VIP")])
    world.engine().run(world.source)  # only the changed field goes: a new record with just that
    (partial,) = [p for p in world.records("people") if p["contactId"] == "C-00001"]

    world.engine().run(world.source)

    (back,) = [p for p in world.records("people") if p["contactId"] == "C-00001"]
    assert partial["emails"]["primaryEmail"] == ""
    assert back["categoryCode"] == "VIP"
    assert back["emails"]["primaryEmail"] == "ada.1@example.test"


@pytest.mark.parametrize(
    ("reason", "for_good"),
    [
        ("Invalid string value 'bob@' for email field \"emails.primaryEmail\"", True),
        ("Provided phone number is invalid n/a (Error, INVALID_PHONE_NUMBER)", True),
        ("Provided country code and calling code are conflicting", True),
        ("A duplicate entry was detected", False),
        ("UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT", False),
        (  # as a real Twenty words it (recorded: p08): no code
            "Multiple records found with the same unique field values for id (id: c0000108-0000-4000-a000-000000000001)"
            "; emails (emails.primaryEmail: b@p08.parity.test). Cannot determine which record to update. "
            "(BadRequestException)",
            False,
        ),
        ('insert or update on table "person" violates foreign key constraint "FK_1"', False),
    ],
)
def test_only_refusals_about_a_records_own_values_are_remembered(reason: str, for_good: bool) -> None:
    from twenty_sync._engine import refused_for_good

    assert refused_for_good(reason) is for_good
