"""Keep contacts, businesses and relationships in step between a warehouse (BigQuery), an app database (Supabase /
PostgreSQL), an embedded local store and Twenty.

    from twenty_sdk import TwentyClient
    from twenty_sync import SyncEngine, SyncState
    from twenty_sync.stores import LocalStore

    engine = SyncEngine(TwentyClient(), SyncState("twenty-sync.state.sqlite3"))
    print(engine.plan(LocalStore("warehouse.sqlite3")))       # creates / updates / unchanged / deletes
    report = engine.run(LocalStore("warehouse.sqlite3"))      # 200 records per request; errors in sync_errors
    engine.pull(LocalStore("app.sqlite3"))                    # Twenty's edits since the last pull, deletions too

Your own tables, views or queries instead of the seed's: ``MappedSource(store, SyncMapping.load("mapping.toml"))``
(see :mod:`twenty_sync._source_mapping`); ``run`` provisions the mapping's fields, custom ones included.

The state lives in a SQLite file by default, or in PostgreSQL (``PostgresSyncState(dsn)``) for runs from containers
that keep no file. Or from a shell: ``twenty-sync plan | run | pull | status`` (``python -m twenty_sync``).
"""

from twenty_sync._deletions import DeletionPolicy
from twenty_sync._engine import (
    PUSH_ORDER,
    ConflictPolicy,
    EntityReport,
    FieldOwner,
    FieldPolicy,
    Progress,
    RunReport,
    SyncEngine,
)
from twenty_sync._mapped_source import MappedRecord, MappedSource, MappedSourceError
from twenty_sync._mapping import (
    OBJECTS,
    Limits,
    MappingError,
    TwentyObject,
    business_to_company,
    company_to_business,
    contact_to_person,
    payload_hash,
    person_to_contact,
    relationship_from_twenty,
    relationship_to_twenty,
)
from twenty_sync._plan import Change, EntityPlan, Op, Planner, SyncPlan, merge_join
from twenty_sync._records import (
    BUSINESSES,
    CONTACTS,
    ENTITIES,
    RELATIONSHIPS,
    Business,
    Contact,
    Entity,
    Relationship,
)
from twenty_sync._seed_schema import RELATIONSHIP_OBJECT, SEED_SCHEMA
from twenty_sync._source_mapping import CustomField, EntityMapping, Identifiers, SourceMappingError, SyncMapping
from twenty_sync._state import Deletion, StateRow, SyncError, SyncState, Watermark
from twenty_sync._state_postgres import PostgresSyncState, State

__all__ = [
    "BUSINESSES",
    "Business",
    "CONTACTS",
    "Change",
    "ConflictPolicy",
    "Contact",
    "CustomField",
    "Deletion",
    "DeletionPolicy",
    "ENTITIES",
    "Entity",
    "EntityMapping",
    "EntityPlan",
    "EntityReport",
    "FieldOwner",
    "FieldPolicy",
    "Identifiers",
    "Limits",
    "MappedRecord",
    "MappedSource",
    "MappedSourceError",
    "MappingError",
    "OBJECTS",
    "Op",
    "PUSH_ORDER",
    "Planner",
    "PostgresSyncState",
    "Progress",
    "RELATIONSHIPS",
    "RELATIONSHIP_OBJECT",
    "Relationship",
    "RunReport",
    "SEED_SCHEMA",
    "SourceMappingError",
    "State",
    "StateRow",
    "SyncEngine",
    "SyncError",
    "SyncMapping",
    "SyncPlan",
    "SyncState",
    "TwentyObject",
    "Watermark",
    "business_to_company",
    "company_to_business",
    "contact_to_person",
    "merge_join",
    "payload_hash",
    "person_to_contact",
    "relationship_from_twenty",
    "relationship_to_twenty",
]
