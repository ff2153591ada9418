"""A workspace schema, declared and observed: specs, what Twenty answers, and the plan from one to the other.

Declared (what you want)::

    ObjectSpec("person", "people", custom=False, fields=[
        FieldSpec("contactId", "TEXT", "Contact ID", is_unique=True),
        FieldSpec("syncMetadata", "RAW_JSON", "Sync Metadata"),
    ])
    ObjectSpec("affiliation", "affiliations", "Affiliation", "Affiliations", fields=[
        FieldSpec("kind", "SELECT", "Kind", options=["EMPLOYEE", SelectOption("BOARD_MEMBER", "Board member")]),
        RelationSpec("person", "person", "Person", target_field_label="Affiliations"),   # personId; person.affiliations
    ])

Observed (what Twenty has): :class:`ObjectInfo` and :class:`FieldInfo`, parsed from the metadata API's JSON, every
key kept in ``raw``.

:func:`validate_schema` checks a declared schema alone (no request) and raises :class:`~twenty_sdk.SchemaError`
listing every problem. :func:`plan_schema` compares it with the observed objects and says, item by item, what is
there already, what differs and what would be written; ``Metadata.ensure_schema`` runs that plan. Only additions are
ever planned by default: a missing object, field or relation is created; an existing one is verified (type,
uniqueness, SELECT options, relation kind and reverse field) and any difference reported as drift. With
``allow_destructive=True`` the differences an in-place update can repair are repaired (uniqueness, SELECT options —
which clears stored values that lose their option —, an inactive field); a type is never changed and nothing is ever
deleted. Labels, descriptions and nullability are compared too, and reported as harmless notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

from twenty_sdk._errors import SchemaError
from twenty_sdk._names import name_from_label, name_problems, object_name_problems, option_value_problems

__all__ = [
    "CREATABLE_FIELD_TYPES",
    "FieldInfo",
    "FieldSpec",
    "ObjectInfo",
    "ObjectSpec",
    "RelationSpec",
    "SchemaItem",
    "SchemaPlan",
    "SchemaReport",
    "SelectOption",
    "Step",
    "field_body",
    "field_spec_problems",
    "object_body",
    "plan_schema",
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
_SELECT_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
# Composite types whose unique constraint Twenty cannot build (no sub-field is part of a unique constraint).
_NEVER_UNIQUE = frozenset({"ADDRESS", "CURRENCY", "RICH_TEXT", "ACTOR"})
RelationKind: TypeAlias = Literal["MANY_TO_ONE", "ONE_TO_MANY"]
_RELATION_KINDS = ("MANY_TO_ONE", "ONE_TO_MANY")
_OPPOSITE = {"MANY_TO_ONE": "ONE_TO_MANY", "ONE_TO_MANY": "MANY_TO_ONE"}
# Twenty's theme colours, given in turn to options declared without one.
_COLORS = ("blue", "green", "purple", "orange", "turquoise", "sky", "pink", "red", "yellow", "gray")
# Standard objects and fields carry universal identifiers in Twenty's 20202020-… range.
_STANDARD_UID_PREFIX = "20202020-"

# The fields Twenty 2.21.0 gives every new custom object (name, type, label): the plan of a dry run counts them as
# present, so that a declared ``name`` field is not reported as "would create".
_NEW_OBJECT_FIELDS: tuple[tuple[str, str, str], ...] = (
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
        if self.type in _SELECT_TYPES:
            text += f" ({len(self.options)} options)"
        if self.is_unique:
            text += ", unique"
        return text

    def default_json(self) -> Any:
        """``default_value`` with bare option values quoted, as Twenty stores select defaults."""
        value = self.default_value
        if self.type in _SELECT_TYPES:
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


# -- observed --------------------------------------------------------------------------------------------------------


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _is_custom(data: Mapping[str, Any]) -> bool:
    """``isCustom`` where Twenty sends it; 2.21.0 does not, and its standard metadata has 20202020-… identifiers."""
    if isinstance(data.get("isCustom"), bool):
        return bool(data["isCustom"])
    return not str(data.get("universalIdentifier") or "").startswith(_STANDARD_UID_PREFIX)


@attrs.frozen
class FieldInfo:
    """A field as Twenty describes it. ``raw``: the whole JSON object, unknown keys included."""

    id: str
    name: str
    type: str
    label: str
    object_id: str
    description: str | None = None
    icon: str | None = None
    is_active: bool = True
    is_nullable: bool = True
    is_unique: bool = False
    is_system: bool = False
    is_custom: bool = True
    default_value: Any = attrs.field(default=None, hash=False)
    options: tuple[SelectOption, ...] = ()
    settings: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldInfo:
        options = data.get("options")
        settings = data.get("settings")
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            type=str(data.get("type", "")),
            label=str(data.get("label") or ""),
            object_id=str(data.get("objectMetadataId") or ""),
            description=_str_or_none(data.get("description")),
            icon=_str_or_none(data.get("icon")),
            is_active=_bool(data.get("isActive"), True),
            is_nullable=_bool(data.get("isNullable"), True),
            is_unique=_bool(data.get("isUnique"), False),
            is_system=_bool(data.get("isSystem"), False),
            is_custom=_is_custom(data),
            default_value=data.get("defaultValue"),
            options=tuple(SelectOption.from_json(o) for o in options if isinstance(o, Mapping))
            if isinstance(options, list)
            else (),
            settings=dict(settings) if isinstance(settings, Mapping) else {},
            raw=dict(data),
        )

    @property
    def relation_type(self) -> str | None:
        """``MANY_TO_ONE`` / ``ONE_TO_MANY`` for a relation field (from its settings), else None."""
        value = self.settings.get("relationType")
        return value if isinstance(value, str) else None

    @property
    def join_column(self) -> str | None:
        """The column a MANY_TO_ONE relation stores (``companyId``), else None."""
        value = self.settings.get("joinColumnName")
        if isinstance(value, str):
            return value
        return f"{self.name}Id" if self.type == "RELATION" and self.relation_type == "MANY_TO_ONE" else None


@attrs.frozen
class ObjectInfo:
    """An object as Twenty describes it, with its fields (``GET /rest/metadata/objects`` lists them in 2.21.0).
    ``raw``: the whole JSON object but its ``fields``, unknown keys included."""

    id: str
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    description: str | None = None
    icon: str | None = None
    is_active: bool = True
    is_system: bool = False
    is_custom: bool = True
    fields: tuple[FieldInfo, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], fields: Iterable[FieldInfo] | None = None) -> ObjectInfo:
        if fields is None:
            listed = data.get("fields")
            fields = (
                [FieldInfo.from_json(f) for f in listed if isinstance(f, Mapping)] if isinstance(listed, list) else []
            )
        return cls(
            id=str(data.get("id", "")),
            name_singular=str(data.get("nameSingular", "")),
            name_plural=str(data.get("namePlural", "")),
            label_singular=str(data.get("labelSingular") or ""),
            label_plural=str(data.get("labelPlural") or ""),
            description=_str_or_none(data.get("description")),
            icon=_str_or_none(data.get("icon")),
            is_active=_bool(data.get("isActive"), True),
            is_system=_bool(data.get("isSystem"), False),
            is_custom=_is_custom(data),
            fields=tuple(fields),
            raw={k: v for k, v in data.items() if k != "fields"},
        )

    def field(self, name: str) -> FieldInfo | None:
        """The field called ``name``, or None."""
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
            "options": _options_json(spec.options) if spec.type in _SELECT_TYPES else None,
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
    if spec.type in _SELECT_TYPES:
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


# -- the report --------------------------------------------------------------------------------------------------------

Status: TypeAlias = Literal["created", "would_create", "updated", "would_update", "unchanged", "drifted"]
Kind: TypeAlias = Literal["object", "field", "relation"]
_DONE: dict[str, Status] = {"would_create": "created", "would_update": "updated"}


@attrs.frozen
class SchemaItem:
    """One declared object, field or relation and what became of it.

    ``status``: ``created`` / ``updated`` (written by this run), ``would_create`` / ``would_update`` (a dry run's
    plan), ``unchanged`` (present as declared), ``drifted`` (present but different, left alone). ``details``: the
    differences for drift and updates, harmless notes (labels...) otherwise.
    """

    status: Status
    kind: Kind
    object: str
    name: str
    declared: str
    details: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """``"person"`` for an object, ``"person.contactId"`` for a field or relation."""
        return self.object if self.kind == "object" else f"{self.object}.{self.name}"


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@attrs.frozen
class SchemaReport:
    """What ``ensure_schema`` found and did, one :class:`SchemaItem` per declared object, field and relation.

    ``str(report)`` is a table, one row per item, then a summary line. ``writes``: the write requests made
    (0 for a dry run, and for a second run of the same schema).
    """

    items: tuple[SchemaItem, ...]
    dry_run: bool = False
    writes: int = 0

    def _having(self, status: Status) -> tuple[SchemaItem, ...]:
        return tuple(i for i in self.items if i.status == status)

    @property
    def created(self) -> tuple[SchemaItem, ...]:
        return self._having("created")

    @property
    def would_create(self) -> tuple[SchemaItem, ...]:
        return self._having("would_create")

    @property
    def updated(self) -> tuple[SchemaItem, ...]:
        return self._having("updated")

    @property
    def would_update(self) -> tuple[SchemaItem, ...]:
        return self._having("would_update")

    @property
    def unchanged(self) -> tuple[SchemaItem, ...]:
        return self._having("unchanged")

    @property
    def drifted(self) -> tuple[SchemaItem, ...]:
        return self._having("drifted")

    @property
    def has_drift(self) -> bool:
        """Something declared exists with another shape (reported, not changed)."""
        return bool(self.drifted)

    @property
    def changed(self) -> bool:
        """This run wrote something."""
        return self.writes > 0

    def item(self, path: str) -> SchemaItem:
        """The item for ``"person.contactId"`` (or an object's name); KeyError if none."""
        for item in self.items:
            if item.path == path:
                return item
        raise KeyError(path)

    def summary(self) -> str:
        counts = [
            f"{len(self._having(status))} {status.replace('_', ' ')}"
            for status in ("created", "updated", "would_create", "would_update", "unchanged", "drifted")
            if self._having(status) or status in ("unchanged", "drifted")
        ]
        tail = "dry run, nothing written" if self.dry_run else f"{self.writes} write{'s' if self.writes != 1 else ''}"
        return f"{', '.join(counts)} ({tail})"

    def __str__(self) -> str:
        rows = [("STATUS", "KIND", "ITEM", "DECLARED", "DETAILS")]
        rows += [(i.status.replace("_", " "), i.kind, i.path, i.declared, "; ".join(i.details)) for i in self.items]
        return f"{_table(rows)}\n{self.summary()}"


# -- the plan ----------------------------------------------------------------------------------------------------------


@attrs.frozen
class Step:
    """One write the plan calls for. ``action``: ``create_object`` / ``create_field`` / ``create_relation`` /
    ``update_field``; ``spec`` what to create; ``field_id`` and ``changes`` (a PATCH body) for an update."""

    action: Literal["create_object", "create_field", "create_relation", "update_field"]
    object: str
    spec: ObjectSpec | FieldSpec | RelationSpec
    field_id: str = ""
    changes: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


_PHASES = {"create_object": 0, "create_field": 1, "update_field": 1, "create_relation": 2}


@attrs.frozen
class SchemaPlan:
    """Items in declaration order, each with the step that would make it so (None: nothing to write)."""

    entries: tuple[tuple[SchemaItem, Step | None], ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        """The writes, in the order they can be made: objects, then fields, then relations (both ends exist)."""
        found = [step for _, step in self.entries if step is not None]
        return tuple(sorted(found, key=lambda s: _PHASES[s.action]))

    def report(self, *, dry_run: bool, writes: int = 0, done: Iterable[Step] = ()) -> SchemaReport:
        """The report: items whose step is in ``done`` become ``created`` / ``updated``."""
        finished = {id(step) for step in done}
        items = []
        for item, step in self.entries:
            if step is not None and id(step) in finished:
                items.append(attrs.evolve(item, status=_DONE.get(item.status, item.status)))
            else:
                items.append(item)
        return SchemaReport(tuple(items), dry_run=dry_run, writes=writes)


def _predicted_object(spec: ObjectSpec) -> ObjectInfo:
    """A custom object as Twenty will create it (its default fields), for planning before it exists."""
    fields = [
        FieldInfo(
            id="",
            name=name,
            type=type_,
            label=label,
            object_id="",
            is_system=name not in ("name", "timelineActivities", "attachments", "noteTargets", "taskTargets"),
            settings={"relationType": "ONE_TO_MANY"} if type_ == "RELATION" else {},
        )
        for name, type_, label in _NEW_OBJECT_FIELDS
    ]
    return ObjectInfo(
        id="",
        name_singular=spec.name_singular,
        name_plural=spec.name_plural,
        label_singular=spec.label_singular,
        label_plural=spec.label_plural,
        fields=tuple(fields),
    )


def _label_note(kind: str, have: str, want: str) -> list[str]:
    return [f"{kind} is {have!r} in the workspace, {want!r} declared"] if have.strip() != want.strip() else []


class _Diff:
    """Differences between a declared and an existing item: fixable ones carry their PATCH changes."""

    def __init__(self) -> None:
        self.drift: list[str] = []
        self.unfixable = False
        self.changes: dict[str, Any] = {}
        self.notes: list[str] = []

    def fixable(self, message: str, **changes: Any) -> None:
        self.drift.append(message)
        self.changes.update(changes)

    def broken(self, message: str) -> None:
        self.drift.append(message)
        self.unfixable = True


def _merged_options(declared: Sequence[SelectOption], existing: Sequence[SelectOption]) -> list[dict[str, Any]]:
    """The declared options, keeping the ids of existing options with the same value (their records keep it)."""
    ids = {o.value: o.id for o in existing}
    return [attrs.evolve(o, id=ids.get(o.value) or o.id).to_json(i) for i, o in enumerate(declared)]


def _compare_field(spec: FieldSpec, have: FieldInfo) -> _Diff:
    diff = _Diff()
    if have.type != spec.type:
        diff.broken(
            f"type is {have.type} in the workspace, {spec.type} declared "
            "(Twenty cannot change a field's type; rename or delete the field yourself)"
        )
        return diff
    if have.is_unique != spec.is_unique:
        diff.fixable(
            f"isUnique is {str(have.is_unique).lower()} in the workspace, {str(spec.is_unique).lower()} declared",
            isUnique=spec.is_unique,
        )
    if spec.type in _SELECT_TYPES:
        have_values = [o.value for o in have.options]
        want_values = [o.value for o in spec.options]
        missing = [v for v in want_values if v not in have_values]
        extra = [v for v in have_values if v not in want_values]
        if missing or extra:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"not declared {', '.join(extra)}"] if extra else []
            )
            diff.fixable(f"options differ: {'; '.join(parts)}", options=_merged_options(spec.options, have.options))
        have_labels = {o.value: o.label for o in have.options}
        for option in spec.options:
            if option.value in have_labels and have_labels[option.value] != option.label:
                diff.notes.append(
                    f"option {option.value} label is {have_labels[option.value]!r}, {option.label!r} declared"
                )
    if not have.is_active:
        diff.fixable("the field is inactive", isActive=True)
    if have.id:  # a field Twenty has made, not one predicted for a new object
        diff.notes += _label_note("label", have.label, spec.label)
        if have.is_nullable != spec.is_nullable:
            diff.notes.append(f"isNullable is {str(have.is_nullable).lower()} in the workspace")
        if spec.description is not None and (have.description or "") != spec.description:
            diff.notes.append("description differs")
    return diff


def _compare_relation(spec: RelationSpec, have: FieldInfo, target: ObjectInfo | None) -> _Diff:
    diff = _Diff()
    if have.type != "RELATION":
        diff.broken(f"type is {have.type} in the workspace, RELATION declared")
        return diff
    if have.relation_type and have.relation_type != spec.type:
        diff.broken(f"relation is {have.relation_type} in the workspace, {spec.type} declared")
    if target is None:
        diff.broken(f"the target object {spec.target!r} is not in the workspace")
    else:
        reverse = target.field(spec.target_field_name)
        if reverse is None or reverse.type != "RELATION":
            diff.broken(
                f"no reverse relation field {spec.target}.{spec.target_field_name}: the relation may point elsewhere"
            )
        elif reverse.relation_type and reverse.relation_type != _OPPOSITE[spec.type]:
            diff.broken(f"{spec.target}.{spec.target_field_name} is {reverse.relation_type}")
    if not have.is_active:
        diff.fixable("the relation field is inactive", isActive=True)
    diff.notes += _label_note("label", have.label, spec.label)
    return diff


def _find(objects: Iterable[ObjectInfo], name: str) -> ObjectInfo | None:
    for obj in objects:
        if obj.name_singular == name:
            return obj
    for obj in objects:
        if obj.name_plural == name:
            return obj
    return None


def plan_schema(
    schema: Iterable[ObjectSpec], objects: Iterable[ObjectInfo], *, allow_destructive: bool = False
) -> SchemaPlan:
    """Compare ``schema`` with the workspace's ``objects`` (pure: no request). Raises
    :class:`~twenty_sdk.SchemaError` for what the schema alone shows (:func:`validate_schema`) and for what cannot
    be applied to this workspace: a standard object that is missing, a relation target found nowhere, a name
    already taken by another field, join column or reverse field."""
    schema = list(schema)
    validate_schema(schema)
    existing = list(objects)
    problems: list[str] = []
    # Every declared object as it is, or will be once created.
    resolved: dict[str, ObjectInfo] = {}
    object_entries: dict[str, tuple[SchemaItem, Step | None]] = {}
    for spec in schema:
        have = _find(existing, spec.name_singular)
        what = f"object {spec.name_singular!r}"
        if have is None:
            taken = _find(existing, spec.name_plural)
            if taken is not None:
                problems.append(f"{what}: the plural {spec.name_plural!r} is taken by {taken.name_singular!r}")
                continue
            if not spec.custom:
                problems.append(f"{what} is not in the workspace (declared custom=False, so it is not created)")
                continue
            resolved[spec.name_singular] = _predicted_object(spec)
            step = Step("create_object", spec.name_singular, spec)
            item = SchemaItem("would_create", "object", spec.name_singular, spec.name_singular, "custom object")
            object_entries[spec.name_singular] = (item, step)
            continue
        resolved[spec.name_singular] = have
        diff = _Diff()
        if have.name_plural != spec.name_plural:
            diff.broken(f"namePlural is {have.name_plural!r} in the workspace, {spec.name_plural!r} declared")
        if not have.is_active:
            diff.broken("the object is inactive")
        if spec.custom:
            diff.notes += _label_note("labelSingular", have.label_singular, spec.label_singular)
            diff.notes += _label_note("labelPlural", have.label_plural, spec.label_plural)
        if spec.custom != have.is_custom:
            diff.notes.append(f"it is a {'custom' if have.is_custom else 'standard'} object in the workspace")
        status: Status = "drifted" if diff.drift else "unchanged"
        declared = "custom object" if spec.custom else "standard object"
        item = SchemaItem(
            status, "object", spec.name_singular, spec.name_singular, declared, (*diff.drift, *diff.notes)
        )
        object_entries[spec.name_singular] = (item, None)

    def lookup(name: str) -> ObjectInfo | None:
        return resolved.get(name) or _find(resolved.values(), name) or _find(existing, name)

    # Names each object will hold once the plan has run: present fields, then each planned creation.
    taken_names: dict[str, set[str]] = {}

    def names_of(obj: ObjectInfo) -> set[str]:
        if obj.name_singular not in taken_names:
            names = {f.name for f in obj.fields}
            names |= {f.join_column for f in obj.fields if f.join_column}
            taken_names[obj.name_singular] = names
        return taken_names[obj.name_singular]

    entries: list[tuple[SchemaItem, Step | None]] = []
    for spec in schema:
        if spec.name_singular not in object_entries:
            continue
        entries.append(object_entries[spec.name_singular])
        obj = resolved[spec.name_singular]
        for field in spec.fields:
            where = f"{spec.name_singular}.{field.name}"
            have_field = obj.field(field.name)
            if isinstance(field, FieldSpec):
                if have_field is None:
                    if field.name in names_of(obj):
                        problems.append(f"{where}: the name is taken by a join column or reverse relation field")
                        continue
                    names_of(obj).add(field.name)
                    step = Step("create_field", spec.name_singular, field)
                    entries.append(
                        (SchemaItem("would_create", "field", spec.name_singular, field.name, field.summary), step)
                    )
                    continue
                diff = _compare_field(field, have_field)
                kind: Kind = "field"
            else:
                target = lookup(field.target)
                if have_field is None:
                    if target is None:
                        problems.append(
                            f"{where}: the target object {field.target!r} is neither in the workspace nor declared"
                        )
                        continue
                    clash = []
                    if field.name in names_of(obj):
                        clash.append(f"{where}: the name is taken by a join column or reverse relation field")
                    if field.join_column and field.join_column in names_of(obj):
                        clash.append(f"{where}: its join column {field.join_column!r} is taken on {obj.name_singular}")
                    if field.target_field_name in names_of(target):
                        clash.append(
                            f"{where}: {target.name_singular} already has a field {field.target_field_name!r}, the "
                            f"name Twenty would give the reverse field (from target_field_label "
                            f"{field.target_field_label!r}); choose another target_field_label"
                        )
                    if field.target_join_column and field.target_join_column in names_of(target):
                        clash.append(
                            f"{where}: the reverse join column {field.target_join_column!r} is taken on "
                            f"{target.name_singular}"
                        )
                    if clash:
                        problems += clash
                        continue
                    names_of(obj).update(n for n in (field.name, field.join_column) if n)
                    names_of(target).update(n for n in (field.target_field_name, field.target_join_column) if n)
                    step = Step("create_relation", spec.name_singular, field)
                    entries.append(
                        (SchemaItem("would_create", "relation", spec.name_singular, field.name, field.summary), step)
                    )
                    continue
                diff = _compare_relation(field, have_field, target)
                kind = "relation"
            if not diff.drift:
                entries.append(
                    (
                        SchemaItem("unchanged", kind, spec.name_singular, field.name, field.summary, tuple(diff.notes)),
                        None,
                    )
                )
            elif allow_destructive and not diff.unfixable and have_field.id:
                step = Step("update_field", spec.name_singular, field, field_id=have_field.id, changes=diff.changes)
                item = SchemaItem(
                    "would_update", kind, spec.name_singular, field.name, field.summary, (*diff.drift, *diff.notes)
                )
                entries.append((item, step))
            else:
                item = SchemaItem(
                    "drifted", kind, spec.name_singular, field.name, field.summary, (*diff.drift, *diff.notes)
                )
                entries.append((item, None))
    if problems:
        raise SchemaError(problems)
    return SchemaPlan(tuple(entries))
