"""A workspace's metadata: its objects and their fields, as Twenty's metadata API serves them.

Each object and field keeps the exact dictionary Twenty serves (``raw``), so the metadata API answers with it
unchanged; the attributes here are read from that dictionary. What Twenty's REST answers do not carry (the target of
a relation) is kept beside it, inferred when a workspace is booted from a dump that lacks it.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "COMPOSITE_TYPES",
    "FIELD_FLAG_DEFAULTS",
    "FIELD_TYPES",
    "RELATION_TYPES",
    "STANDARD_APPLICATION_ID",
    "FieldMeta",
    "ObjectMeta",
    "Workspace",
    "now_iso",
]

STANDARD_APPLICATION_ID = "96b759f3-241f-4de4-9a5a-b822bb3fcc4e"
_STANDARD_UNIVERSAL_PREFIX = "20202020-"
DEFAULT_WORKSPACE_ID = "20202020-1c25-4d02-bf25-6aeccf7ea419"
DEFAULT_CUSTOM_APPLICATION_ID = "9db3b9fe-d67a-447a-b5a3-9b2d0ab67871"

RELATION_TYPES = frozenset({"RELATION", "MORPH_RELATION"})

# The flags of a new field, as Twenty's server fills them when the request leaves them out.
FIELD_FLAG_DEFAULTS: Mapping[str, bool] = MappingProxyType(
    {
        "isActive": True,
        "isSystem": False,
        "isUIEditable": True,
        "isUIReadOnly": False,
        "isNullable": True,
        "isUnique": False,
    }
)

# Twenty's ``FieldMetadataType`` names, alphabetical (as its metadata document and its validation messages list them).
FIELD_TYPES: tuple[str, ...] = (
    "ACTOR",
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
    "MORPH_RELATION",
    "MULTI_SELECT",
    "NUMBER",
    "NUMERIC",
    "PHONES",
    "POSITION",
    "RATING",
    "RAW_JSON",
    "RELATION",
    "RICH_TEXT",
    "SELECT",
    "TEXT",
    "TS_VECTOR",
    "UUID",
)

# Composite field types: sub-field name → sub-field type. "LIST" sub-fields hold JSON arrays.
COMPOSITE_TYPES: dict[str, dict[str, str]] = {
    "FULL_NAME": {"firstName": "TEXT", "lastName": "TEXT"},
    "EMAILS": {"primaryEmail": "TEXT", "additionalEmails": "LIST"},
    "PHONES": {
        "primaryPhoneNumber": "TEXT",
        "primaryPhoneCountryCode": "TEXT",
        "primaryPhoneCallingCode": "TEXT",
        "additionalPhones": "LIST",
    },
    "LINKS": {"primaryLinkLabel": "TEXT", "primaryLinkUrl": "TEXT", "secondaryLinks": "LIST"},
    "ADDRESS": {
        "addressStreet1": "TEXT",
        "addressStreet2": "TEXT",
        "addressCity": "TEXT",
        "addressPostcode": "TEXT",
        "addressState": "TEXT",
        "addressCountry": "TEXT",
        "addressLat": "NUMERIC",
        "addressLng": "NUMERIC",
    },
    "CURRENCY": {"amountMicros": "NUMERIC", "currencyCode": "TEXT"},
    "ACTOR": {"source": "TEXT", "workspaceMemberId": "UUID", "name": "TEXT", "context": "JSON"},
    "RICH_TEXT": {"blocknote": "TEXT", "markdown": "TEXT"},
}


def now_iso() -> str:
    """The current time as Twenty prints it: ISO 8601, milliseconds, UTC, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FieldMeta:
    """One field of an object, around the dictionary Twenty serves for it."""

    def __init__(self, raw: dict[str, Any], obj: ObjectMeta) -> None:
        self.raw = raw
        self.object = obj
        # Relation target, which Twenty's REST metadata answers do not show.
        self.target_object_id: str | None = None
        self.target_field_id: str | None = None

    def __repr__(self) -> str:
        return f"<FieldMeta {self.object.name_singular}.{self.name} {self.type}>"

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def type(self) -> str:
        return str(self.raw["type"])

    @property
    def is_active(self) -> bool:
        return bool(self.raw.get("isActive", True))

    @property
    def is_unique(self) -> bool:
        return bool(self.raw.get("isUnique", False))

    @property
    def is_nullable(self) -> bool:
        return bool(self.raw.get("isNullable", True))

    @property
    def is_system(self) -> bool:
        return bool(self.raw.get("isSystem", False))

    @property
    def default_value(self) -> Any:
        return self.raw.get("defaultValue")

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.raw.get("options") or [])

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.raw.get("settings") or {})

    @property
    def is_relation(self) -> bool:
        return self.type in RELATION_TYPES

    @property
    def relation_type(self) -> str | None:
        """``MANY_TO_ONE`` or ``ONE_TO_MANY`` for relation fields, else None."""
        if not self.is_relation:
            return None
        value = self.settings.get("relationType")
        return str(value) if value else None

    @property
    def join_column(self) -> str | None:
        """The ``<name>Id`` column a MANY_TO_ONE relation stores its target's id in."""
        if self.relation_type != "MANY_TO_ONE":
            return None
        return str(self.settings.get("joinColumnName") or f"{self.name}Id")

    @property
    def is_composite(self) -> bool:
        return self.type in COMPOSITE_TYPES

    @property
    def subfields(self) -> dict[str, str]:
        return COMPOSITE_TYPES.get(self.type, {})


class ObjectMeta:
    """One object (standard or custom), around the dictionary Twenty serves for it (without ``fields``)."""

    def __init__(self, raw: dict[str, Any], *, is_custom: bool) -> None:
        self.raw = {k: v for k, v in raw.items() if k != "fields"}
        self.is_custom = is_custom
        self.fields: list[FieldMeta] = [FieldMeta(dict(f), self) for f in raw.get("fields") or []]

    def __repr__(self) -> str:
        return f"<ObjectMeta {self.name_singular}>"

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def name_singular(self) -> str:
        return str(self.raw["nameSingular"])

    @property
    def name_plural(self) -> str:
        return str(self.raw["namePlural"])

    @property
    def is_active(self) -> bool:
        return bool(self.raw.get("isActive", True))

    @property
    def is_system(self) -> bool:
        return bool(self.raw.get("isSystem", False))

    @property
    def table_name(self) -> str:
        """The table Twenty stores the object in (custom objects get a leading underscore)."""
        return f"_{self.name_singular}" if self.is_custom else self.name_singular

    def field(self, name: str) -> FieldMeta | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_by_id(self, field_id: str) -> FieldMeta | None:
        for f in self.fields:
            if f.id == field_id:
                return f
        return None

    def field_by_join_column(self, column: str) -> FieldMeta | None:
        for f in self.fields:
            if f.join_column == column:
                return f
        return None

    def data_fields(self) -> Iterator[FieldMeta]:
        """Fields that hold a value in the object's own row (everything but ONE_TO_MANY relations)."""
        for f in self.fields:
            if f.is_relation and f.relation_type != "MANY_TO_ONE":
                continue
            yield f

    def unique_fields(self) -> list[FieldMeta]:
        return [f for f in self.fields if f.is_unique and f.name != "id"]

    def to_json(self) -> dict[str, Any]:
        """The object as Twenty serves it, fields included."""
        return {**self.raw, "fields": [f.raw for f in self.fields]}


class Workspace:
    """All objects of one workspace, with lookups by id and by name."""

    def __init__(
        self,
        objects: Iterable[ObjectMeta],
        *,
        workspace_id: str = DEFAULT_WORKSPACE_ID,
        custom_application_id: str = DEFAULT_CUSTOM_APPLICATION_ID,
        standard_application_id: str = STANDARD_APPLICATION_ID,
    ) -> None:
        self.objects: list[ObjectMeta] = list(objects)
        # Bumped on every metadata change; caches of derived layouts key on it.
        self.version = 0
        self.workspace_id = workspace_id
        self.custom_application_id = custom_application_id
        self.standard_application_id = standard_application_id

    # -- loading ---------------------------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, document: Any) -> Workspace:
        """A workspace from the answer of ``GET /rest/metadata/objects`` (``{"data": {"objects": [...]}}``), a bare
        list of objects, or a file this emulator wrote (which adds the relation targets under ``relations``)."""
        relations: Mapping[str, Any] = {}
        if isinstance(document, dict):
            relations = document.get("relations") or {}
            data = document.get("data", document)
            raw_objects = data.get("objects") if isinstance(data, dict) else None
        else:
            raw_objects = document
        if not isinstance(raw_objects, list):
            raise ValueError("workspace metadata must be a list of objects or {'data': {'objects': [...]}}")
        standard_app = _standard_application_id(raw_objects)
        custom_app = _custom_application_id(raw_objects, standard_app)
        objects = [ObjectMeta(o, is_custom=o.get("applicationId") != standard_app) for o in raw_objects]
        workspace_id = next((str(o["workspaceId"]) for o in raw_objects if o.get("workspaceId")), DEFAULT_WORKSPACE_ID)
        ws = cls(
            objects,
            workspace_id=workspace_id,
            custom_application_id=custom_app,
            standard_application_id=standard_app,
        )
        ws.resolve_relations(relations)
        return ws

    @classmethod
    def load(cls, path: str | Path) -> Workspace:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def standard(cls) -> Workspace:
        """Twenty 2.21.0's standard objects and fields, as a fresh workspace has them."""
        text = resources.files("twenty_emulator").joinpath("data/standard-2.21.0.json").read_text(encoding="utf-8")
        return cls.from_json(json.loads(text))

    def to_json(self) -> dict[str, Any]:
        """The metadata file shape, with the relation targets this emulator keeps beside it."""
        relations = {
            f.id: {"targetObjectMetadataId": f.target_object_id, "targetFieldMetadataId": f.target_field_id}
            for o in self.objects
            for f in o.fields
            if f.is_relation and f.target_object_id
        }
        return {"data": {"objects": [o.to_json() for o in self.objects]}, "relations": relations}

    def copy(self) -> Workspace:
        return Workspace.from_json(copy.deepcopy(self.to_json()))

    # -- lookups ---------------------------------------------------------------------------------------------------

    def object_by_id(self, object_id: str) -> ObjectMeta | None:
        for o in self.objects:
            if o.id == object_id:
                return o
        return None

    def object_by_singular(self, name: str) -> ObjectMeta | None:
        for o in self.objects:
            if o.name_singular == name:
                return o
        return None

    def object_by_plural(self, name: str) -> ObjectMeta | None:
        for o in self.objects:
            if o.name_plural == name:
                return o
        return None

    def field_by_id(self, field_id: str) -> FieldMeta | None:
        for o in self.objects:
            f = o.field_by_id(field_id)
            if f is not None:
                return f
        return None

    def target_object(self, f: FieldMeta) -> ObjectMeta | None:
        return self.object_by_id(f.target_object_id) if f.target_object_id else None

    def target_field(self, f: FieldMeta) -> FieldMeta | None:
        return self.field_by_id(f.target_field_id) if f.target_field_id else None

    # -- relation targets ------------------------------------------------------------------------------------------

    def resolve_relations(self, known: Mapping[str, Any]) -> None:
        """Set every relation field's target object and field: from ``known`` (field id → ids) where given, else
        inferred from names, as Twenty's standard and seeded relations are named."""
        for o in self.objects:
            for f in o.fields:
                if not f.is_relation:
                    continue
                hint = known.get(f.id)
                if isinstance(hint, dict):
                    f.target_object_id = hint.get("targetObjectMetadataId")
                    f.target_field_id = hint.get("targetFieldMetadataId")
                elif f.target_object_id is None:
                    target = self._guess_target(o, f)
                    f.target_object_id = target.id if target else None
        # Pair each relation with its reverse side on the target object.
        for o in self.objects:
            for f in o.fields:
                if f.is_relation and f.target_object_id and f.target_field_id is None:
                    reverse = self._guess_reverse(o, f)
                    f.target_field_id = reverse.id if reverse else None

    def _guess_target(self, owner: ObjectMeta, f: FieldMeta) -> ObjectMeta | None:
        known = _KNOWN_TARGETS.get(f"{owner.name_singular}.{f.name}")
        if known:
            return self.object_by_singular(known)
        for candidate in _name_candidates(f.name):
            target = self.object_by_singular(candidate) or self.object_by_plural(candidate)
            if target is not None:
                return target
        return None

    def _guess_reverse(self, owner: ObjectMeta, f: FieldMeta) -> FieldMeta | None:
        target = self.target_object(f)
        if target is None:
            return None
        want = "ONE_TO_MANY" if f.relation_type == "MANY_TO_ONE" else "MANY_TO_ONE"
        candidates = [
            g
            for g in target.fields
            if g.is_relation and g.relation_type == want and g.target_object_id == owner.id and g is not f
        ]
        unclaimed = [g for g in candidates if g.target_field_id in (None, f.id)]
        if len(unclaimed) == 1:
            return unclaimed[0]
        for g in unclaimed:
            if g.target_field_id == f.id:
                return g
        return unclaimed[0] if unclaimed else None

    # -- building new metadata -------------------------------------------------------------------------------------

    def new_field_raw(self, obj: ObjectMeta, **values: Any) -> dict[str, Any]:
        """A field dictionary in Twenty's shape with the server-side values filled in."""
        stamp = now_iso()
        raw: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "universalIdentifier": str(uuid.uuid4()),
            "applicationId": self.custom_application_id,
            **FIELD_FLAG_DEFAULTS,
            "workspaceId": self.workspace_id,
            "objectMetadataId": obj.id,
            "isLabelSyncedWithName": False,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        raw.update(values)
        return raw


# Relation targets of Twenty's standard objects and the dev seed whose names do not say them, read off the
# OpenAPI document of a real 2.21.0 workspace (``$ref`` of each relation property).
_KNOWN_TARGETS: dict[str, str] = json.loads(
    resources.files("twenty_emulator").joinpath("data/relation-targets-2.21.0.json").read_text(encoding="utf-8")
)

_PREFIXES = ("target", "polymorphicOwner", "polymorphicHelper", "caretaker")


def _name_candidates(name: str) -> Iterator[str]:
    yield name
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            rest = name[len(prefix) :]
            yield rest[0].lower() + rest[1:]


def _standard_application_id(raw_objects: list[Any]) -> str:
    """The id of the workspace's standard application: each workspace has its own, so it is read from the objects
    Twenty defines (their universal identifiers are Twenty's fixed ``20202020-…`` ones, e.g. person's)."""
    for o in raw_objects:
        if str(o.get("universalIdentifier", "")).startswith(_STANDARD_UNIVERSAL_PREFIX) and o.get("applicationId"):
            return str(o["applicationId"])
    return STANDARD_APPLICATION_ID


def _custom_application_id(raw_objects: list[Any], standard_app: str) -> str:
    for o in raw_objects:
        for f in [o, *(o.get("fields") or [])]:
            app = f.get("applicationId")
            if app and app != standard_app:
                return str(app)
    return DEFAULT_CUSTOM_APPLICATION_ID
