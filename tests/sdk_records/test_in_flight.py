"""The one rule both ``upsert_many(concurrency=N)`` drivers (threads and tasks) follow: a chunk waits while ``N`` are
in flight, or while one in flight claims a unique key it holds."""

from __future__ import annotations

from twenty_sdk._batching import InFlight, Item


def _chunk(*emails: str) -> list[Item]:
    return [
        Item(indexes=[i], records=[{}], payload={}, keys=(("emails.primaryEmail", e),)) for i, e in enumerate(emails)
    ]


def test_a_chunk_sharing_a_key_with_one_in_flight_waits() -> None:
    pending: InFlight[str] = InFlight(limit=4)
    pending.claim("first", InFlight.keys_of(_chunk("a@x.io", "b@x.io")))
    assert pending.must_wait(InFlight.keys_of(_chunk("c@x.io", "b@x.io")))


def test_a_chunk_sharing_no_key_goes_while_there_is_room() -> None:
    pending: InFlight[str] = InFlight(limit=2)
    pending.claim("first", InFlight.keys_of(_chunk("a@x.io")))
    assert not pending.must_wait(InFlight.keys_of(_chunk("c@x.io")))


def test_a_chunk_waits_when_the_limit_is_in_flight() -> None:
    pending: InFlight[str] = InFlight(limit=1)
    pending.claim("first", InFlight.keys_of(_chunk("a@x.io")))
    assert pending.must_wait(InFlight.keys_of(_chunk("c@x.io")))


def test_releasing_a_chunk_frees_its_keys() -> None:
    pending: InFlight[str] = InFlight(limit=4)
    pending.claim("first", InFlight.keys_of(_chunk("a@x.io")))
    pending.release("first")
    assert not pending.must_wait(InFlight.keys_of(_chunk("a@x.io")))
    assert len(pending) == 0
