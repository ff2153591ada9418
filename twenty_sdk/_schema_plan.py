"""The plan from a declared schema (:mod:`twenty_sdk._schema_specs`) to what a workspace has
(:mod:`twenty_sdk._schema_info`), reported item by item (:mod:`twenty_sdk._schema_report`).

:func:`plan_schema` compares a declared schema (checked first by :func:`validate_schema`) with the observed objects
and says, item by item, what is there already, what differs and what would be written; ``Metadata.ensure_schema``
runs that plan. Only additions are ever planned by default: a missing object, field or relation is created; an
existing one is verified (type, uniqueness, SELECT options, relation kind and reverse field) and any difference
reported as drift. With ``allow_destructive=True`` the differences an in-place update can repair are repaired
(uniqueness, SELECT options — which clears stored values that lose their option —, an inactive field); a type is
never changed and nothing is ever deleted. Labels, descriptions and nullability are compared too, and reported as
harmless notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from twenty_sdk._errors import SchemaError
from twenty_sdk._schema_info import FieldInfo, ObjectInfo
from twenty_sdk._schema_report import DONE_STATUS, Kind, SchemaItem, SchemaReport, Status
from twenty_sdk._schema_specs import (
    NEW_OBJECT_FIELDS,
    OPPOSITE_KIND,
    SELECT_TYPES,
    FieldSpec,
    ObjectSpec,
    RelationSpec,
    SelectOption,
    validate_schema,
)

__all__ = ["SchemaPlan", "Step", "compare_field", "compare_relation", "find_object", "plan_schema"]

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
                items.append(attrs.evolve(item, status=DONE_STATUS.get(item.status, item.status)))
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
        for name, type_, label in NEW_OBJECT_FIELDS
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


def compare_field(spec: FieldSpec, have: FieldInfo) -> _Diff:
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
    if spec.type in SELECT_TYPES:
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


def compare_relation(spec: RelationSpec, have: FieldInfo, target: ObjectInfo | None) -> _Diff:
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
        elif reverse.relation_type and reverse.relation_type != OPPOSITE_KIND[spec.type]:
            diff.broken(f"{spec.target}.{spec.target_field_name} is {reverse.relation_type}")
    if not have.is_active:
        diff.fixable("the relation field is inactive", isActive=True)
    diff.notes += _label_note("label", have.label, spec.label)
    return diff


def find_object(objects: Iterable[ObjectInfo], name: str) -> ObjectInfo | None:
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
        have = find_object(existing, spec.name_singular)
        what = f"object {spec.name_singular!r}"
        if have is None:
            taken = find_object(existing, spec.name_plural)
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
        return resolved.get(name) or find_object(resolved.values(), name) or find_object(existing, name)

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
                diff = compare_field(field, have_field)
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
                diff = compare_relation(field, have_field, target)
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
