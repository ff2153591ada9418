"""Shared by the fault tests: a seeded messy sample (``demo.generate_sample``) in a local store, and what Twenty holds,
keyed by the source's keys, to compare with what it should hold."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from twenty_sync import BUSINESSES, CONTACTS, RELATIONSHIPS, SyncState
from twenty_sync.stores import LocalStore

from twenty_sdk import TwentyClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "demo"))
from twenty_demo import Sample, generate_sample

__all__ = ["KEYS", "OBJECTS", "Sample", "expected_keys", "generate_sample", "snapshot", "state_ids", "write_source"]

OBJECTS = {"businesses": "companies", "contacts": "people", "relationships": "contactBusinessRelationships"}
KEYS = {"businesses": "businessId", "contacts": "contactId", "relationships": "relationshipId"}
VOLATILE = {"id", "createdAt", "updatedAt", "deletedAt", "position", "personId", "companyId", "searchVector"}


def write_source(path: Path, sample: Sample) -> LocalStore:
    store = LocalStore(path)
    store.ensure_schema()
    store.upsert(BUSINESSES, sample.businesses)
    store.upsert(CONTACTS, sample.contacts)
    store.upsert(RELATIONSHIPS, sample.relationships)
    return store


def expected_keys(sample: Sample) -> dict[str, Counter[str]]:
    """Each key the source holds and Twenty can take, once."""
    records = {"businesses": sample.businesses, "contacts": sample.contacts, "relationships": sample.relationships}
    return {
        entity: Counter(r.key for r in rows if r.key not in sample.rejected[entity]) for entity, rows in records.items()
    }


def snapshot(client: TwentyClient) -> tuple[dict[str, Counter[str]], dict[str, dict[str, Any]]]:
    """Per entity: how many records carry each key (duplicates show as counts > 1), and each record's fields but
    the volatile ones (ids, timestamps), a relationship's person and company named by their source keys."""
    raw = {entity: list(client.records(plural).iter()) for entity, plural in OBJECTS.items()}
    counts = {entity: Counter(str(r[KEYS[entity]]) for r in rows) for entity, rows in raw.items()}
    person = {p["id"]: p["contactId"] for p in raw["contacts"]}
    company = {c["id"]: c["businessId"] for c in raw["businesses"]}
    fields: dict[str, dict[str, Any]] = {}
    for entity, rows in raw.items():
        for r in rows:
            kept = {k: v for k, v in r.items() if k not in VOLATILE and not k.startswith(("created", "updated"))}
            if entity == "relationships":
                kept["person"] = person.get(r.get("personId"))
                kept["company"] = company.get(r.get("companyId"))
            fields[f"{entity}:{r[KEYS[entity]]}"] = kept
    return counts, fields


def state_ids(state: SyncState, entity: str) -> dict[str, str]:
    return {row.key: row.twenty_id for row in state.rows(entity)}
