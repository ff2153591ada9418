"""Twenty's name rules checked locally: a bad schema raises SchemaError, listing every problem, before any request."""

from __future__ import annotations

import pytest
from twenty_emulator import Emulator

from twenty_sdk import FieldSpec, Metadata, ObjectSpec, RelationSpec, SchemaError, validate_schema
from twenty_sdk._names import RESERVED_NAMES, name_from_label

Spec = FieldSpec | RelationSpec


def widget(*fields: Spec) -> ObjectSpec:
    return ObjectSpec("widget", "widgets", "Widget", "Widgets", fields=fields)


BAD_FIELDS: list[tuple[str, Spec, str]] = [
    ("leading capital", FieldSpec("ContactId", "TEXT", "Contact"), "must start with a lower-case letter"),
    ("snake case", FieldSpec("contact_id", "TEXT", "Contact"), "must start with a lower-case letter"),
    ("leading digit", FieldSpec("1st", "TEXT", "First"), "must start with a lower-case letter"),
    ("hyphen", FieldSpec("contact-id", "TEXT", "Contact"), "must start with a lower-case letter"),
    ("empty name", FieldSpec("", "TEXT", "Empty"), "the name is empty"),
    ("64 characters", FieldSpec("a" * 64, "TEXT", "Long"), "is 64 characters long; Twenty allows 63"),
    ("reserved: type", FieldSpec("type", "TEXT", "Type"), "reserved word"),
    ("reserved: role", FieldSpec("role", "TEXT", "Role"), "reserved word"),
    ("reserved: workspace", FieldSpec("workspace", "TEXT", "Workspace"), "reserved word"),
    ("empty label", FieldSpec("note", "TEXT", " "), "the label is empty"),
    ("unknown type", FieldSpec("note", "TXT", "Note"), "type 'TXT' cannot be created"),
    ("server-made type", FieldSpec("note", "ACTOR", "Note"), "type 'ACTOR' cannot be created"),
    ("relation as a field", FieldSpec("owner", "RELATION", "Owner"), "declare relations with RelationSpec"),
    ("select without options", FieldSpec("tier", "SELECT", "Tier"), "a SELECT field needs options"),
    ("lower-case option", FieldSpec("tier", "SELECT", "Tier", options=["gold"]), "option value 'gold' must be UPPER"),
    ("option with a space", FieldSpec("tier", "MULTI_SELECT", "Tier", options=["GOLD STAR"]), "must be UPPER_CASE"),
    ("option declared twice", FieldSpec("tier", "SELECT", "Tier", options=["GOLD", "GOLD"]), "declared twice"),
    ("default not an option", FieldSpec("tier", "SELECT", "Tier", options=["GOLD"], default_value="'X'"), "not one of"),
    ("options on TEXT", FieldSpec("note", "TEXT", "Note", options=["A"]), "options are only for SELECT"),
    ("unique ADDRESS", FieldSpec("home", "ADDRESS", "Home", is_unique=True), "cannot make a ADDRESS field unique"),
    ("relation kind", RelationSpec("owner", "person", "Owner", "Widgets", type="MANY"), "MANY_TO_ONE or ONE_TO_MANY"),  # type: ignore[arg-type]
    ("relation target", RelationSpec("owner", "Person", "Owner", "Widgets"), "target: 'Person' must start"),
    ("empty reverse label", RelationSpec("owner", "person", "Owner", ""), "target_field_label is empty"),
    ("reverse named type", RelationSpec("owner", "person", "Owner", "Type"), "person.type: 'type' is a reserved"),
    ("relation reserved", RelationSpec("user", "person", "User", "Widgets"), "'user' is a reserved word"),
]


@pytest.mark.parametrize(("case", "spec", "message"), BAD_FIELDS, ids=[c[0] for c in BAD_FIELDS])
def test_a_bad_field_is_refused_locally_with_a_clear_message(case: str, spec: Spec, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        validate_schema([widget(spec)])
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


BAD_SCHEMAS: list[tuple[str, list[ObjectSpec], str]] = [
    ("object name capitalised", [ObjectSpec("Widget", "widgets", "W", "Ws")], "name_singular: 'Widget' must start"),
    ("plural equals singular", [ObjectSpec("sheep", "sheep", "Sheep", "Sheep")], "singular and plural names must"),
    ("reserved object", [ObjectSpec("user", "users", "User", "Users")], "'user' is a reserved word"),
    ("custom without labels", [ObjectSpec("widget", "widgets")], "label_singular is empty"),
    ("object declared twice", [widget(), widget()], "already used by object 'widget'"),
    (
        "field declared twice",
        [widget(FieldSpec("code", "TEXT", "Code"), FieldSpec("code", "NUMBER", "Code"))],
        "widget.code: claimed twice",
    ),
    (
        "field named like a join column",
        [widget(FieldSpec("personId", "TEXT", "P"), RelationSpec("person", "person", "Person", "Widgets"))],
        "widget.personId: claimed twice",
    ),
    (
        "two relations with one reverse name",
        [
            widget(
                RelationSpec("owner", "person", "Owner", "Widgets"),
                RelationSpec("maker", "person", "Maker", "Widgets"),
            )
        ],
        "person.widgets: claimed twice",
    ),
    (
        "reverse field clashes with a declared field",
        [
            ObjectSpec("person", "people", custom=False, fields=[FieldSpec("widgets", "TEXT", "Widgets")]),
            widget(RelationSpec("owner", "person", "Owner", "Widgets")),
        ],
        "person.widgets: claimed twice",
    ),
]


@pytest.mark.parametrize(("case", "schema", "message"), BAD_SCHEMAS, ids=[c[0] for c in BAD_SCHEMAS])
def test_a_bad_schema_is_refused_locally(case: str, schema: list[ObjectSpec], message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        validate_schema(schema)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_listed_at_once() -> None:
    schema = [
        widget(
            FieldSpec("Bad", "TEXT", "Bad"),
            FieldSpec("type", "TEXT", "Type"),
            FieldSpec("tier", "SELECT", "Tier", options=["ok", "OK"]),
        )
    ]
    with pytest.raises(SchemaError) as caught:
        validate_schema(schema)
    assert len(caught.value.problems) == 3
    message = str(caught.value)
    assert message.startswith("3 problems in the schema:")
    assert all(problem in message for problem in caught.value.problems)


@pytest.mark.parametrize(("case", "spec", "message"), BAD_FIELDS[:6], ids=[c[0] for c in BAD_FIELDS[:6]])
def test_ensure_schema_raises_before_any_request(
    metadata: Metadata, emulator: Emulator, case: str, spec: Spec, message: str
) -> None:
    with pytest.raises(SchemaError, match="problem"):
        metadata.ensure_schema([widget(spec)])
    assert emulator.request_counts() == {}


def test_create_field_checks_the_name_before_any_request(metadata: Metadata, emulator: Emulator) -> None:
    with pytest.raises(SchemaError, match="reserved word"):
        metadata.create_field("person", "type", "TEXT", "Type")
    with pytest.raises(SchemaError, match="UPPER_CASE"):
        metadata.create_field("person", "tier", "SELECT", "Tier", options=["gold"])
    with pytest.raises(SchemaError, match="must start with a lower-case letter"):
        metadata.create_object("Widget", "widgets", "Widget", "Widgets")
    with pytest.raises(SchemaError, match="reserved word"):
        metadata.create_relation("person", "owner", "company", "Owner", target_field_label="Type")
    assert emulator.request_counts() == {}


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("S23 Affiliations", "s23Affiliations"),  # recorded on Twenty 2.21.0 (s23)
        ("S18 Affiliations", "s18Affiliations"),  # recorded (s18)
        ("Contact Business Relationships", "contactBusinessRelationships"),
        ("LLM Context", "llmContext"),
        ("AI Insights", "aiInsights"),
        ("Café owners", "cafeOwners"),
        ("3 Things", "n3Things"),
    ],
)
def test_reverse_field_names_are_derived_from_labels_as_twenty_does(label: str, name: str) -> None:
    assert name_from_label(label) == name


def test_reserved_names_are_twentys_list() -> None:
    # twenty-shared reserved-metadata-name-keywords.constant.ts: 42 core object names and 21 other words.
    assert len(RESERVED_NAMES) == 63
    assert {"type", "role", "user", "workspaces", "aggregate", "fullNames", "index"} <= RESERVED_NAMES
