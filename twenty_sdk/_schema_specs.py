"""A declared workspace schema: what you want, checked before any request, and the bodies that create it.

    ObjectSpec("person", "people", custom=False, fields=[
        FieldSpec("contactId", "TEXT", "Contact ID", is_unique=True),
        FieldSpec("syncMetadata", "RAW_JSON", "Sync Metadata"),
    ])
    ObjectSpec("affiliation", "affiliations", "Affiliation", "Affiliations", fields=[
        FieldSpec("kind", "SELECT", "Kind", options=["EMPLOYEE", SelectOption("BOARD_MEMBER", "Board member")]),
        RelationSpec("person", "person", "Person", target_field_label="Affiliations"),   # personId; person.affiliations
    ])

:func:`validate_schema` checks a declared schema alone (no request) and raises :class:`~twenty_sdk.SchemaError`
listing every problem; :func:`object_body`, :func:`field_body` and :func:`relation_body` are what the metadata API is
sent to create each item. What Twenty has is in :mod:`twenty_sdk._schema_info`; the plan from one to the other in
:mod:`twenty_sdk._schema_plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

from twenty_sdk._errors import SchemaError
from twenty_sdk._names import name_from_label, name_problems, object_name_problems, option_value_problems

__all__ = [
    "CREATABLE_FIELD_TYPES",
    "NEW_OBJECT_FIELDS",
    "OPPOSITE_KIND",
    "SELECT_TYPES",
    "STANDARD_UID_PREFIX",
    "FieldSpec",
    "ObjectSpec",
    "RelationKind",
    "RelationSpec",
    "SelectOption",
    "field_body",
    "field_spec_problems",
    "object_body",
    "relation_body",
    "relation_spec_problems",
    "validate_schema",
]

# Field types a client may create with POST /rest/metadata/fields (RELATION through RelationSpec). Twenty makes ACTOR,
# POSITION and TS_VECTOR fields itself, and MORPH_RELATION is not offered here. Answers may carry any type: FieldInfo
# keeps the string as sent.
CREATABLE_FIELD_TYPES: frozenset[str] = frozenset(
    {
        "ADDRESS",
        "ARRAY",
        "BOOLEAN",
        "CURRENCY",
        "DATE",
        "DATE_TIME",
        "EMAILS",
        "FILES",
        "FULL_NAME",
        "LINKS",
        "MULTI_SELECT",
        "NUMBER",
        "NUMERIC",
        "PHONES",
        "RATING",
        "RAW_JSON",
        "RICH_TEXT",
        "SELECT",
        "TEXT",
        "UUID",
    }
)
SELECT_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
# Composite types whose unique constraint Twenty cannot build (no sub-field is part of a unique constraint).
_NEVER_UNIQUE = frozenset({"ADDRESS", "CURRENCY", "RICH_TEXT", "ACTOR"})
RelationKind: TypeAlias = Literal["MANY_TO_ONE", "ONE_TO_MANY"]
_RELATION_KINDS = ("MANY_TO_ONE", "ONE_TO_MANY")
OPPOSITE_KIND = {"MANY_TO_ONE": "ONE_TO_MANY", "ONE_TO_MANY": "MANY_TO_ONE"}
# Twenty's theme colours, given in turn to options declared without one.
_COLORS = ("blue", "green", "purple", "orange", "turquoise", "sky", "pink", "red", "yellow", "gray")
# Standard objects and fields carry universal identifiers in Twenty's 20202020-… range.
STANDARD_UID_PREFIX = "20202020-"

# The fields Twenty 2.21.0 gives every new custom object (name, type, label): the plan of a dry run counts them as
# present, so that a declared ``name`` field is not reported as "would create".
NEW_OBJECT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "TEXT", "Name"),
    ("id", "UUID", "Id"),
    ("createdAt", "DATE_TIME", "Creation date"),
    ("createdBy", "ACTOR", "Created by"),
    ("deletedAt", "DATE_TIME", "Deleted at"),
    ("position", "POSITION", "Position"),
    ("updatedAt", "DATE_TIME", "Last update"),
    ("updatedBy", "ACTOR", "Updated by"),
    ("searchVector", "TS_VECTOR", "Search vector"),
    ("timelineActivities", "RELATION", "Timeline Activities"),
    ("attachments", "RELATION", "Attachments"),
    ("noteTargets", "RELATION", "Notes"),
    ("taskTargets", "RELATION", "Tasks"),
)


# -- declared --------------------------------------------------------------------------------------------------------


def _title(value: str) -> str:
    return value.replace("_", " ").strip().capitalize()


@attrs.frozen
class SelectOption:
    """One option of a SELECT / MULTI_SELECT field. ``value`` is what records store (UPPER_CASE); ``label`` what
    people see. ``color`` and ``position`` default to a palette colour and the option's index. ``id`` is Twenty's
    (set on options read from a workspace)."""

    value: str
    label: str = ""
    color: str | None = None
    position: float | None = None
    id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.label and isinstance(self.value, str):
            object.__setattr__(self, "label", _title(self.value))

    def to_json(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "label": self.label,
            "color": self.color or _COLORS[index % len(_COLORS)],
            "position": index if self.position is None else self.position,
        }
        if self.id:
            out["id"] = self.id
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SelectOption:
        position = data.get("position")
        return cls(
            value=str(data.get("value", "")),
            label=str(data.get("label") or ""),
            color=data.get("color") if isinstance(data.get("color"), str) else None,
            position=position if isinstance(position, (int, float)) and not isinstance(position, bool) else None,
            id=data.get("id") if isinstance(data.get("id"), str) else None,
        )


def _to_options(values: Iterable[SelectOption | str] | None) -> tuple[SelectOption, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(v if isinstance(v, SelectOption) else SelectOption(v) for v in values)


@attrs.frozen
class FieldSpec:
    """A field as it should be: ``FieldSpec("contactId", "TEXT", "Contact ID", is_unique=True)``.

    ``type``: one of :data:`CREATABLE_FIELD_TYPES` (relations are :class:`RelationSpec`). ``options``: for SELECT and
    MULTI_SELECT, :class:`SelectOption` or plain values (``"EMPLOYEE"`` → label ``"Employee"``). ``default_value``:
    as Twenty takes it (text and select defaults are SQL literals, ``"'EMPLOYEE'"``; a bare option value is quoted
    for you). ``settings``: passed as is.
    """

    name: str
    type: str
    label: str
    is_unique: bool = False
    is_nullable: bool = True
    options: tuple[SelectOption, ...] = attrs.field(default=(), converter=_to_options)
    default_value: Any = attrs.field(default=None, hash=False)
    description: str | None = None
    icon: str | None = None
    settings: Mapping[str, Any] | None = attrs.field(default=None, hash=False)

    @property
    def summary(self) -> str:
        """``"TEXT, unique"``, ``"SELECT (3 options)"``: the type column of a report."""
        text = self.type
        if self.type in SELECT_TYPES:
            text += f" ({len(self.options)} options)"
        if self.is_unique:
            text += ", unique"
        return text

    def default_json(self) -> Any:
        """``default_value`` with bare option values quoted, as Twenty stores select defaults."""
        value = self.default_value
        if self.type in SELECT_TYPES:
            known = {o.value for o in self.options}
            if isinstance(value, str) and value in known:
                return f"'{value}'"
            if isinstance(value, list):
                return [f"'{v}'" if isinstance(v, str) and v in known else v for v in value]
        return value


@attrs.frozen
class RelationSpec:
    """A relation field: ``RelationSpec("person", "person", "Person", target_field_label="Affiliations")``.

    ``type`` is the kind seen from this object: ``MANY_TO_ONE`` (the default) stores ``<name>Id`` here and gives the
    target a ONE_TO_MANY reverse field; ``ONE_TO_MANY`` the other way round. Twenty names the reverse field from
    ``target_field_label`` (``"Contact Business Relationships"`` → ``contactBusinessRelationships``).
    """

    name: str
    target: str
    label: str
    target_field_label: str
    type: RelationKind = "MANY_TO_ONE"
    description: str | None = None
    icon: str | None = None
    target_field_icon: str | None = None

    @property
    def target_field_name(self) -> str:
        """The reverse field's name on the target, as Twenty derives it from ``target_field_label``."""
        return name_from_label(self.target_field_label) if isinstance(self.target_field_label, str) else ""

    @property
    def join_column(self) -> str | None:
        """``<name>Id`` for a MANY_TO_ONE relation (the column records write), else None."""
        return f"{self.name}Id" if self.type == "MANY_TO_ONE" else None

    @property
    def target_join_column(self) -> str | None:
        return f"{self.target_field_name}Id" if self.type == "ONE_TO_MANY" else None

    @property
    def summary(self) -> str:
        return f"RELATION {self.type} → {self.target}"


def _to_fields(values: Iterable[FieldSpec | RelationSpec]) -> tuple[FieldSpec | RelationSpec, ...]:
    return tuple(values)


@attrs.frozen
class ObjectSpec:
    """An object and the fields it should have. ``custom=False`` for Twenty's own objects (``person``, ``company``):
    they must exist already, only their declared fields are added. A custom object is created when missing (labels
    required)."""

    name_singular: str
    name_plural: str
    label_singular: str = ""
    label_plural: str = ""
    fields: tuple[FieldSpec | RelationSpec, ...] = attrs.field(default=(), converter=_to_fields)
    custom: bool = True
    description: str | None = None
    icon: str | None = None

    def field(self, name: str) -> FieldSpec | RelationSpec | None:
        return next((f for f in self.fields if f.name == name), None)


# -- request bodies ----------------------------------------------------------------------------------------------------


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def object_body(spec: ObjectSpec) -> dict[str, Any]:
    """``POST /rest/metadata/objects``."""
    return _without_none(
        {
            "nameSingular": spec.name_singular,
            "namePlural": spec.name_plural,
            "labelSingular": spec.label_singular,
            "labelPlural": spec.label_plural,
            "description": spec.description,
            "icon": spec.icon,
        }
    )


def _options_json(options: Sequence[SelectOption]) -> list[dict[str, Any]]:
    return [o.to_json(i) for i, o in enumerate(options)]


def field_body(spec: FieldSpec, object_id: str) -> dict[str, Any]:
    """``POST /rest/metadata/fields`` for a plain field."""
    return _without_none(
        {
            "objectMetadataId": object_id,
            "type": spec.type,
            "name": spec.name,
            "label": spec.label,
            "description": spec.description,
            "icon": spec.icon,
            "isNullable": spec.is_nullable,
            "isUnique": spec.is_unique,
            "defaultValue": spec.default_json(),
            "options": _options_json(spec.options) if spec.type in SELECT_TYPES else None,
            "settings": dict(spec.settings) if spec.settings is not None else None,
        }
    )


def relation_body(spec: RelationSpec, object_id: str, target_id: str) -> dict[str, Any]:
    """``POST /rest/metadata/fields`` for a relation: the field here, its reverse made by Twenty on the target."""
    return _without_none(
        {
            "objectMetadataId": object_id,
            "type": "RELATION",
            "name": spec.name,
            "label": spec.label,
            "description": spec.description,
            "icon": spec.icon,
            "relationCreationPayload": {
                "type": spec.type,
                "targetObjectMetadataId": target_id,
                "targetFieldLabel": spec.target_field_label,
                "targetFieldIcon": spec.target_field_icon or "IconLink",
            },
        }
    )


# -- local validation --------------------------------------------------------------------------------------------------


def field_spec_problems(spec: FieldSpec, where: str) -> list[str]:
    """What is wrong with one field spec on its own (``where`` prefixes the messages: ``"person.contactId"``)."""
    problems = name_problems(spec.name, f"{where}")
    if not isinstance(spec.label, str) or not spec.label.strip():
        problems.append(f"{where}: the label is empty")
    if spec.type in ("RELATION", "MORPH_RELATION"):
        problems.append(f"{where}: declare relations with RelationSpec, not FieldSpec(type={spec.type!r})")
    elif spec.type not in CREATABLE_FIELD_TYPES:
        problems.append(
            f"{where}: type {spec.type!r} cannot be created; one of {', '.join(sorted(CREATABLE_FIELD_TYPES))}"
        )
    if spec.type in SELECT_TYPES:
        if not spec.options:
            problems.append(f"{where}: a {spec.type} field needs options")
        seen: set[str] = set()
        for option in spec.options:
            problems += option_value_problems(option.value, where)
            if option.value in seen:
                problems.append(f"{where}: option value {option.value!r} is declared twice")
            seen.add(option.value)
            if not isinstance(option.label, str) or not option.label.strip():
                problems.append(f"{where}: option {option.value!r} has an empty label")
        default = spec.default_json()
        if default is not None:
            items = default if isinstance(default, list) else [default]
            allowed = {f"'{o.value}'" for o in spec.options}
            for item in items:
                if item not in allowed:
                    problems.append(f"{where}: default value {item!r} is not one of the options")
    elif spec.options:
        problems.append(f"{where}: options are only for SELECT and MULTI_SELECT fields, not {spec.type}")
    if spec.is_unique and spec.type in _NEVER_UNIQUE:
        problems.append(f"{where}: Twenty cannot make a {spec.type} field unique")
    return problems


def relation_spec_problems(spec: RelationSpec, where: str) -> list[str]:
    problems = name_problems(spec.name, where)
    if not isinstance(spec.label, str) or not spec.label.strip():
        problems.append(f"{where}: the label is empty")
    if spec.type not in _RELATION_KINDS:
        problems.append(f"{where}: relation type {spec.type!r} must be MANY_TO_ONE or ONE_TO_MANY")
    problems += name_problems(spec.target, f"{where}: target")
    if not isinstance(spec.target_field_label, str) or not spec.target_field_label.strip():
        problems.append(f"{where}: target_field_label is empty (Twenty names the reverse field from it)")
    else:
        problems += [
            f"{p} (the reverse field Twenty would name from target_field_label {spec.target_field_label!r})"
            for p in name_problems(spec.target_field_name, f"{spec.target}.{spec.target_field_name}")
        ]
    return problems


def validate_schema(schema: Iterable[ObjectSpec]) -> None:
    """Check a declared schema without any request; raise :class:`~twenty_sdk.SchemaError` listing every problem:
    names (pattern, length, reserved words), labels, types, options, and clashes inside the schema (an object
    declared twice, two fields or a field and a join column or reverse field with one name)."""
    given: list[object] = list(schema)  # checked at run time too: a schema is often written by hand
    problems: list[str] = []
    seen_objects: dict[str, str] = {}
    for spec in given:
        if not isinstance(spec, ObjectSpec):
            problems.append(f"{spec!r} is not an ObjectSpec")
            continue
        what = f"object {spec.name_singular!r}"
        problems += object_name_problems(spec.name_singular, spec.name_plural, what)
        if spec.custom:
            for attr in ("label_singular", "label_plural"):
                value = getattr(spec, attr)
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{what}: {attr} is empty (a custom object needs labels)")
        for name in (spec.name_singular, spec.name_plural):
            if name in seen_objects:
                problems.append(f"{what}: the name {name!r} is already used by object {seen_objects[name]!r}")
        seen_objects.setdefault(spec.name_singular, spec.name_singular)
        seen_objects.setdefault(spec.name_plural, spec.name_singular)

    # Field names per object: declared fields, join columns and the reverse fields relations put on their targets.
    claimed: dict[str, dict[str, str]] = {}

    def claim(obj: str, name: str, by: str) -> None:
        owners = claimed.setdefault(obj, {})
        if name in owners:
            problems.append(f"{obj}.{name}: claimed twice, by {owners[name]} and by {by}")
        else:
            owners[name] = by

    for spec in given:
        if not isinstance(spec, ObjectSpec):
            continue
        declared: Sequence[object] = spec.fields
        for field in declared:
            where = f"{spec.name_singular}.{getattr(field, 'name', '?')}"
            if isinstance(field, FieldSpec):
                problems += field_spec_problems(field, where)
                claim(spec.name_singular, field.name, f"field {where}")
            elif isinstance(field, RelationSpec):
                problems += relation_spec_problems(field, where)
                claim(spec.name_singular, field.name, f"relation {where}")
                if field.join_column:
                    claim(spec.name_singular, field.join_column, f"the join column of relation {where}")
                target = seen_objects.get(field.target, field.target)
                if field.target_field_name:
                    claim(target, field.target_field_name, f"the reverse field of relation {where}")
                    if field.target_join_column:
                        claim(target, field.target_join_column, f"the reverse join column of relation {where}")
            else:
                problems.append(f"{where}: {field!r} is neither a FieldSpec nor a RelationSpec")
    if problems:
        raise SchemaError(problems)
