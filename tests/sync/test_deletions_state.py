"""The state's bookkeeping of records deleted in Twenty (``deleted``), one contract run against both states: SQLite
and PostgreSQL (lookup chunks made tiny, as in ``test_state_contract.py``)."""

from __future__ import annotations

import attrs
import pytest
from twenty_sync._state import Deletion
from twenty_sync._state_postgres import State

from . import test_state_contract as contract

open_state = contract.open_state  # both states, on a fresh namespace
small_chunks = contract.small_chunks  # autouse: every lookup crosses chunk boundaries


@pytest.fixture
def state(open_state: contract.OpenState) -> State:
    return open_state()


SOFT = Deletion("c-1", "id-1", "2026-12-04T18:55:40.806Z", "soft")
GONE = Deletion("c-2", "id-2", "2026-12-04T19:00:00.000000+00:00", "destroyed")


def seen(found: dict[str, Deletion]) -> dict[str, Deletion]:
    """The deletions found, ``seen_at`` blanked (it is the clock's)."""
    return {k: attrs.evolve(d, seen_at="") for k, d in found.items()}


def test_recorded_deletions_are_found_by_key(state: State) -> None:
    state.record_deletions("contacts", [SOFT, GONE])
    assert seen(state.deletions("contacts", ["c-2", "c-1", "c-9"])) == {"c-1": SOFT, "c-2": GONE}


def test_deletions_are_kept_per_entity(state: State) -> None:
    state.record_deletions("contacts", [SOFT])
    assert state.deletions("businesses", ["c-1"]) == {}
    assert (state.deletion_count("contacts"), state.deletion_count("businesses")) == (1, 0)


def test_a_later_sighting_replaces_the_earlier_one(state: State) -> None:
    state.record_deletions("contacts", [SOFT])
    destroyed = attrs.evolve(SOFT, kind="destroyed", deleted_at="2026-12-05T00:00:00.000000+00:00")
    state.record_deletions("contacts", [destroyed])
    assert seen(state.deletions("contacts", ["c-1"])) == {"c-1": destroyed}


def test_undelete_forgets_only_the_keys_given(state: State) -> None:
    many = [attrs.evolve(SOFT, key=f"c-{i}", twenty_id=f"id-{i}") for i in range(10)]
    state.record_deletions("contacts", many)
    state.undelete("contacts", [f"c-{i}" for i in range(0, 10, 2)])
    assert sorted(state.deletions("contacts", [d.key for d in many])) == [f"c-{i}" for i in range(1, 10, 2)]
    assert state.deletion_count("contacts") == 5


def test_lookups_cross_chunk_boundaries(state: State) -> None:
    many = [attrs.evolve(GONE, key=f"k{i:02d}", twenty_id=f"id-{i}") for i in range(11)]
    state.record_deletions("relationships", many)
    assert sorted(state.deletions("relationships", [d.key for d in many])) == [d.key for d in many]


def test_seen_at_is_stamped_by_the_state(state: State) -> None:
    state.record_deletions("contacts", [SOFT])
    assert state.deletions("contacts", ["c-1"])["c-1"].seen_at.startswith("20")


def test_deletions_survive_reopening(open_state: contract.OpenState) -> None:
    first = open_state()
    first.record_deletions("contacts", [SOFT])
    first.close()
    assert seen(open_state().deletions("contacts", ["c-1"])) == {"c-1": SOFT}
