"""Records a CRM user deleted in Twenty, end to end on the emulator: a pull sees soft deletions (in its own pages,
at no extra request) and destroyed records (the key check), records them in the state and the store under the
policy; a push of a changed row leaves them deleted unless the policy restores them."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import attrs
import pytest
from twenty_sync import CONTACTS, RELATIONSHIPS, SyncEngine
from twenty_sync._deletions import DeletionPolicy
from twenty_sync.stores import LocalStore

from . import test_engine
from .test_engine import BATCH_ROUTE, LIST_ROUTE, World, contact, load, read

world = test_engine.world  # the fixture: an emulator in process, a client, a local source store and a state


def person(world: World, key: str) -> dict[str, Any]:
    return next(p for p in world.records("people") if p["contactId"] == key)


def in_trash(world: World, name_plural: str) -> list[dict[str, Any]]:
    return list(world.client.records(name_plural).iter(filter="deletedAt[is]:NOT_NULL"))


def marks(store: LocalStore, entity: Any = CONTACTS) -> dict[str, Any]:
    return {k: at for batch in store.deleted_marks(entity) for k, at in batch}


def app_store(world: World) -> LocalStore:
    app = LocalStore(world.tmp / "app.sqlite3")
    app.ensure_schema()
    return app


def synced(world: World, n: int = 5, **options: Any) -> tuple[SyncEngine, LocalStore]:
    """n contacts pushed, then pulled once into an app store (the pull watermark set)."""
    load(world.source, 0, n, 0)
    engine = world.engine(**options)
    engine.run(world.source)
    app = app_store(world)
    engine.pull(app)
    return engine, app


# --- pull: soft deletions ---------------------------------------------------------------------------------------


def test_a_pull_marks_the_row_of_a_record_soft_deleted_in_twenty(world: World) -> None:
    engine, app = synced(world)
    gone = world.client.records("people").delete(person(world, "C-00002")["id"])

    report = engine.pull(app)

    assert marks(app) == {"C-00002": marks(app)["C-00002"]}
    assert marks(app)["C-00002"].isoformat(timespec="milliseconds").replace("+00:00", "Z") == gone["deletedAt"]
    assert sorted(read(app, CONTACTS)) == [f"C-{i:05d}" for i in range(5)]  # the row is kept: only marked
    assert report.entity("contacts").counts["deleted"] == 1


def test_a_pull_sees_soft_deletions_at_no_extra_request(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").delete(person(world, "C-00002")["id"])
    world.emulator.reset_counts()

    engine.pull(app)

    assert world.counts()[LIST_ROUTE] == 3  # one page per entity, as without deletions


def test_a_pull_records_a_soft_deletion_in_the_state(world: World) -> None:
    engine, app = synced(world)
    twenty_id = person(world, "C-00003")["id"]
    world.client.records("people").delete(twenty_id)

    engine.pull(app)

    (deletion,) = world.state.deletions("contacts", ["C-00003"]).values()
    assert (deletion.key, deletion.twenty_id, deletion.kind) == ("C-00003", twenty_id, "soft")


def test_a_first_pull_sees_records_already_in_twentys_trash(world: World) -> None:
    load(world.source, 0, 4, 0)
    engine = world.engine()
    engine.run(world.source)
    world.client.records("people").delete(person(world, "C-00001")["id"])
    app = app_store(world)

    engine.pull(app)

    assert sorted(read(app, CONTACTS)) == ["C-00000", "C-00002", "C-00003"]  # never written: nothing to mark
    assert list(world.state.deletions("contacts", ["C-00001"])) == ["C-00001"]


def test_a_record_restored_in_twenty_is_unmarked_at_the_next_pull(world: World) -> None:
    engine, app = synced(world)
    twenty_id = person(world, "C-00002")["id"]
    world.client.records("people").delete(twenty_id)
    engine.pull(app)
    world.client.records("people").restore([twenty_id])

    engine.pull(app)

    assert marks(app) == {}
    assert world.state.deletions("contacts", ["C-00002"]) == {}


def test_the_delete_policy_deletes_the_store_row(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(store="delete"))
    world.client.records("people").delete(person(world, "C-00002")["id"])

    engine.pull(app)

    assert "C-00002" not in read(app, CONTACTS)
    assert len(read(app, CONTACTS)) == 4


def test_the_ignore_policy_leaves_the_store_alone_but_the_state_knows(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(store="ignore"))
    world.client.records("people").delete(person(world, "C-00002")["id"])

    engine.pull(app)

    assert (marks(app), len(read(app, CONTACTS))) == ({}, 5)
    assert list(world.state.deletions("contacts", ["C-00002"])) == ["C-00002"]


def test_a_row_changed_in_the_store_is_marked_not_deleted_when_the_store_wins(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(store="delete"))
    app.upsert(CONTACTS, [contact(2, category_code="EDITED IN THE APP")])
    world.client.records("people").delete(person(world, "C-00002")["id"])

    report = engine.pull(app, policy="store_wins")

    assert read(app, CONTACTS)["C-00002"].category_code == "EDITED IN THE APP"
    assert list(marks(app)) == ["C-00002"]
    assert [(e, k) for e, k, _ in report.warnings] == [("contacts", "C-00002")]


def test_a_deleted_relationship_is_pulled_like_a_person(world: World) -> None:
    load(world.source, 2, 3, 3)
    engine = world.engine()
    engine.run(world.source)
    app = app_store(world)
    engine.pull(app)
    rel = next(r for r in world.records("contactBusinessRelationships") if r["relationshipId"] == "R-00001")
    world.client.records("contactBusinessRelationships").delete(rel["id"])

    engine.pull(app)

    assert list(marks(app, RELATIONSHIPS)) == ["R-00001"]


# --- pull: destroyed records, the key check ---------------------------------------------------------------------


def test_the_key_check_finds_a_destroyed_record(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").destroy(person(world, "C-00004")["id"])

    report = engine.pull(app, check_keys=True)

    (deletion,) = world.state.deletions("contacts", ["C-00004"]).values()
    assert deletion.kind == "destroyed"
    assert list(marks(app)) == ["C-00004"]
    assert report.entity("contacts").counts["deleted"] == 1


@pytest.mark.parametrize("via", ["rest", "graphql"])
def test_the_key_check_costs_one_request_per_200_synced_records(world: World, via: Any) -> None:
    engine, app = synced(world, n=450, deletions=DeletionPolicy(key_check_via=via))
    world.emulator.reset_counts()

    report = engine.pull(app, check_keys=True)

    checked = {"rest": world.counts().get(LIST_ROUTE, 0) - 3, "graphql": world.counts().get("POST /graphql", 0)}
    assert checked[via] == math.ceil(450 / 200)
    assert report.entity("contacts").counts["checked"] == 3
    assert report.entity("contacts").requests == 1 + 3  # the page of changes (none) and the check


def test_the_key_check_over_graphql_finds_what_rest_finds(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(key_check_via="graphql"))
    world.client.records("people").destroy(person(world, "C-00001")["id"])
    world.client.records("people").delete(person(world, "C-00003")["id"])

    engine.pull(app, check_keys=True)

    found = world.state.deletions("contacts", [f"C-{i:05d}" for i in range(5)])
    assert {k: d.kind for k, d in found.items()} == {"C-00001": "destroyed", "C-00003": "soft"}


def test_the_key_check_waits_for_its_period_from_the_first_pull(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(key_check_every=timedelta(hours=1)))
    world.client.records("people").destroy(person(world, "C-00004")["id"])
    world.emulator.reset_counts()

    engine.pull(app)

    assert world.counts()[LIST_ROUTE] == 3  # the changes only: the check is not due
    assert world.state.deletions("contacts", ["C-00004"]) == {}


def test_a_due_key_check_runs_without_being_asked(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(key_check_every=timedelta(0)))
    world.client.records("people").destroy(person(world, "C-00004")["id"])

    engine.pull(app)

    assert list(world.state.deletions("contacts", ["C-00004"])) == ["C-00004"]


def test_no_key_check_when_the_policy_says_never(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(key_check_every=None))
    world.emulator.reset_counts()

    engine.pull(app)

    assert world.counts()[LIST_ROUTE] == 3


# --- push: the guard ----------------------------------------------------------------------------------------------


def test_a_push_of_a_changed_row_does_not_restore_a_record_soft_deleted_in_twenty(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").delete(person(world, "C-00002")["id"])
    engine.pull(app)
    world.source.upsert(CONTACTS, [contact(2, category_code="CHANGED IN THE WAREHOUSE")])
    world.emulator.reset_counts()

    report = engine.run(world.source, ensure_schema=False)

    assert BATCH_ROUTE not in world.counts()  # 0 requests
    assert [p["contactId"] for p in in_trash(world, "people")] == ["C-00002"]
    assert report.entity("contacts").counts["kept_deleted"] == 1


def test_a_row_left_deleted_is_logged_with_its_key_and_why(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").delete(person(world, "C-00002")["id"])
    engine.pull(app)
    world.source.upsert(CONTACTS, [contact(2, category_code="CHANGED")])

    report = engine.run(world.source, ensure_schema=False)

    (logged,) = [e for e in world.state.errors(report.run_id) if e.key == "C-00002"]
    assert logged.reason.startswith("warning: not pushed: soft-deleted (in the trash) in Twenty at ")
    assert "kept_deleted" in report.table()


def test_a_push_does_not_recreate_a_record_destroyed_in_twenty(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").destroy(person(world, "C-00004")["id"])
    engine.pull(app, check_keys=True)
    world.source.upsert(CONTACTS, [contact(4, category_code="CHANGED")])

    report = engine.run(world.source, ensure_schema=False)

    assert "C-00004" not in {p["contactId"] for p in world.records("people")}
    assert report.entity("contacts").counts["kept_deleted"] == 1


def test_the_restore_policy_restores_a_soft_deleted_record_with_its_id(world: World) -> None:
    engine, app = synced(world)
    twenty_id = person(world, "C-00002")["id"]
    world.client.records("people").delete(twenty_id)
    engine.pull(app)
    world.source.upsert(CONTACTS, [contact(2, category_code="CHANGED")])

    report = engine.run(world.source, ensure_schema=False, restore_deleted=True)

    back = person(world, "C-00002")
    assert (back["id"], back["deletedAt"], back["categoryCode"]) == (twenty_id, None, "CHANGED")
    assert report.entity("contacts").counts["restored"] == 1
    assert world.state.deletions("contacts", ["C-00002"]) == {}
    assert [k for _, k, _ in report.warnings] == ["C-00002"]  # logged either way


def test_the_restore_policy_creates_a_destroyed_record_again_whole(world: World) -> None:
    engine, app = synced(world, deletions=DeletionPolicy(restore=True))
    world.client.records("people").destroy(person(world, "C-00004")["id"])
    engine.pull(app, check_keys=True)
    world.source.upsert(CONTACTS, [contact(4, category_code="CHANGED")])

    report = engine.run(world.source, ensure_schema=False)

    back = person(world, "C-00004")
    assert back["categoryCode"] == "CHANGED"
    assert back["emails"]["primaryEmail"] == "ada.4@example.test"  # every field, not only the one that changed
    assert report.entity("contacts").counts["restored"] == 1


def test_an_unchanged_row_of_a_deleted_record_costs_nothing(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").delete(person(world, "C-00002")["id"])
    engine.pull(app)
    world.emulator.reset_counts()

    report = engine.run(world.source, ensure_schema=False)

    assert BATCH_ROUTE not in world.counts()
    assert report.entity("contacts").counts["kept_deleted"] == 0  # nothing to send: nothing left out


def test_a_table_without_deletions_keeps_its_columns(world: World) -> None:
    engine, _ = synced(world)
    report = engine.run(world.source, ensure_schema=False)
    assert "kept_deleted" not in report.table()
    assert "restored" not in report.table()


def test_the_policy_refuses_an_unknown_store_action() -> None:
    with pytest.raises(ValueError, match="store"):
        DeletionPolicy(store="erase")  # type: ignore[arg-type]


def test_policies_are_values() -> None:
    assert DeletionPolicy() == DeletionPolicy(store="mark", restore=False)
    assert attrs.evolve(DeletionPolicy(), restore=True).restore


# --- plan ---------------------------------------------------------------------------------------------------------


def test_the_plan_shows_changed_rows_of_records_deleted_in_twenty(world: World) -> None:
    engine, app = synced(world)
    world.client.records("people").delete(person(world, "C-00002")["id"])
    engine.pull(app)
    world.source.upsert(CONTACTS, [contact(2, category_code="CHANGED"), contact(3, category_code="CHANGED")])

    plan = engine.plan(world.source)

    contacts = next(e for e in plan.entities if e.entity == "contacts")
    assert (contacts.counts["update"], contacts.counts["deleted_in_twenty"]) == (2, 1)
    assert "contacts deleted in Twenty C-00002: soft-deleted in Twenty at " in plan.table()
    assert "1 of the creates and updates are of records a CRM user deleted in Twenty" in plan.table()
