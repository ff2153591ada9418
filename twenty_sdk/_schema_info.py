"""A workspace schema as observed: :class:`ObjectInfo` and :class:`FieldInfo`, parsed from the metadata API's JSON,
every key kept in ``raw``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from twenty_sdk._schema_specs import STANDARD_UID_PREFIX, SelectOption

__all__ = ["FieldInfo", "ObjectInfo"]

# -- observed --------------------------------------------------------------------------------------------------------


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _is_custom(data: Mapping[str, Any]) -> bool:
    """``isCustom`` where Twenty sends it; 2.21.0 does not, and its standard metadata has 20202020-… identifiers."""
    if isinstance(data.get("isCustom"), bool):
        return bool(data["isCustom"])
    return not str(data.get("universalIdentifier") or "").startswith(STANDARD_UID_PREFIX)


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
