"""Keep contacts, businesses and relationships in step between a warehouse (BigQuery), an app database (Supabase /
PostgreSQL), an embedded local store and Twenty.

    from twenty_sdk import TwentyClient
    from twenty_sync import SyncEngine, SyncState
    from twenty_sync.stores import LocalStore

    engine = SyncEngine(TwentyClient(), SyncState("twenty-sync.state.sqlite3"))
    print(engine.plan(LocalStore("warehouse.sqlite3")))       # creates / updates / unchanged / deletes
    report = engine.run(LocalStore("warehouse.sqlite3"))      # 200 records per request; errors in sync_errors
    engine.pull(LocalStore("app.sqlite3"))                    # Twenty's edits since the last pull

The state lives in a SQLite file by default, or in PostgreSQL (``PostgresSyncState(dsn)``) for runs from containers
that keep no file. Or from a shell: ``twenty-sync plan | run | pull | status`` (``python -m twenty_sync``).
"""

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
from twenty_sync._state import StateRow, SyncError, SyncState, Watermark
from twenty_sync._state_postgres import PostgresSyncState, State

__all__ = [
    "BUSINESSES",
    "Business",
    "CONTACTS",
    "Change",
    "ConflictPolicy",
    "Contact",
    "ENTITIES",
    "Entity",
    "EntityPlan",
    "EntityReport",
    "FieldOwner",
    "FieldPolicy",
    "Limits",
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
    "State",
    "StateRow",
    "SyncEngine",
    "SyncError",
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
