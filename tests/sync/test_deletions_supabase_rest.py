"""The deletion-mark contract of ``test_deletions_stores.py`` run against ``SupabaseRestStore`` (PostgREST's
``PATCH`` with ``is``/``not.is``/``neq`` filters, through the stand-in PostgREST on the real test PostgreSQL)."""

from __future__ import annotations

import inspect

import pytest
from services.fake_postgrest import FakePostgrest
from twenty_sync._records import CONTACTS
from twenty_sync.stores import SupabaseRestStore

from . import test_deletions_stores as contract
from . import test_supabase_rest_store
from .test_stores import contact

rest = test_supabase_rest_store.rest  # the fixture: tables made by PostgresStore, read and written over REST


@pytest.fixture
def store(rest: tuple[SupabaseRestStore, FakePostgrest]) -> SupabaseRestStore:
    return rest[0]


# every test of the contract that takes a store, against this one
for _name in dir(contract):
    if _name.startswith("test_") and "store" in inspect.signature(getattr(contract, _name)).parameters:
        globals()[_name] = getattr(contract, _name)


def test_marks_travel_as_patch_requests(rest: tuple[SupabaseRestStore, FakePostgrest]) -> None:
    store, fake = rest
    store.upsert(CONTACTS, [contact(1)])
    fake.requests.clear()
    store.mark_deleted(CONTACTS, [("contact-001", contract.AT)])
    assert fake.requests == ["PATCH /rest/v1/contacts"]
