"""The metadata API: objects and fields of a workspace, and declarative schema provisioning (``ensure_schema``).

    metadata = Metadata(transport)                       # or client.metadata
    person = metadata.object("person")                   # by nameSingular, namePlural or id
    metadata.create_field("person", "contactId", "TEXT", "Contact ID", is_unique=True)
    report = metadata.ensure_schema(SEED_SCHEMA)         # create what is missing, verify the rest
    print(report)                                        # one row per object, field and relation

Every call goes to ``/rest/metadata/objects`` or ``/rest/metadata/fields`` (Twenty does not rate-limit them, so the
transport does not pace them). Answers are parsed into :class:`~twenty_sdk.ObjectInfo` / :class:`~twenty_sdk.FieldInfo`,
which keep every key in ``raw``. Names are checked locally first (:class:`~twenty_sdk.SchemaError`, no request).

``ensure_schema`` survives transient failures and still creates each item once. A create is a ``POST``, which the
transport does not retry after a 5xx or a lost connection (it may have landed); ``ensure_schema`` knows the item was
missing before it asked, so it backs off, re-reads the workspace and, if the item is there now and matches the
declaration, counts it as created; only if it is absent does it send the create again. Attempts are bounded by the
client's :class:`~twenty_sdk.RetryPolicy` (``max_retries``). 429s are retried by the transport itself (Twenty
refuses them before doing anything); updates are ``PATCH``es, which the transport retries too.

:class:`Metadata` and :class:`AsyncMetadata` run the same code: each operation is written once as a generator that
yields the requests it needs and receives their answers (an :data:`~twenty_sdk._ops.Op`), and the two classes only
differ in the driver that sends them (:func:`~twenty_sdk._ops.run` / :func:`~twenty_sdk._ops.arun`).
"""

from __future__ import annotations

import enum
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

from twenty_sdk._errors import (
    APIConnectionError,
    APIError,
    BadRequestError,
    NotFoundError,
    SchemaError,
    TwentyError,
)
from twenty_sdk._names import name_problems, object_name_problems
from twenty_sdk._ops import Call, Op, Pause, arun, run
from twenty_sdk._retry import RetryPolicy
from twenty_sdk._schema_info import FieldInfo, ObjectInfo
from twenty_sdk._schema_plan import SchemaPlan, Step, compare_field, compare_relation, find_object, plan_schema
from twenty_sdk._schema_report import SchemaReport
from twenty_sdk._schema_specs import (
    FieldSpec,
    ObjectSpec,
    RelationKind,
    RelationSpec,
    SelectOption,
    field_body,
    field_spec_problems,
    object_body,
    relation_body,
    relation_spec_problems,
    validate_schema,
)
from twenty_sdk._transport import AsyncTransport, Transport

__all__ = ["UNSET", "AsyncMetadata", "Metadata"]

log = logging.getLogger("twenty_sdk")

OBJECTS = "/rest/metadata/objects"
FIELDS = "/rest/metadata/fields"
PAGE_SIZE = 200  # the metadata API's maximum page

T = TypeVar("T")


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset.UNSET
"""The default of :meth:`Metadata.update_field`'s arguments: leave this property as it is."""


ObjectRef: TypeAlias = "str | ObjectInfo"
FieldRef: TypeAlias = "str | FieldInfo"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


# -- reading answers ---------------------------------------------------------------------------------------------------


def _unexpected(call: Call, what: str) -> APIError:
    return APIError(200, [f"unexpected answer to {call.method} {call.path}: {what}"], method=call.method, url=call.path)


def _data(call: Call, answer: Any, key: str) -> Any:
    """``answer["data"][key]``; a data object with one other key is accepted too (names vary between versions)."""
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, Mapping):
        raise _unexpected(call, "no 'data' object")
    if key in data:
        return data[key]
    if len(data) == 1:
        return next(iter(data.values()))
    raise _unexpected(call, f"no data.{key}")


def _mapping(call: Call, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _unexpected(call, "expected an object")
    return value


# -- operations (sans I/O) ---------------------------------------------------------------------------------------------


def _paged(path: str, key: str, page_size: int) -> Op[list[Mapping[str, Any]]]:
    """Every item of a metadata list: pages of ``page_size`` (≤ 200), ``starting_after`` the last page's end."""
    items: list[Mapping[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": page_size}
        if after:
            params["starting_after"] = after
        call = Call("GET", path, params)
        answer = yield call
        page = _data(call, answer, key)
        if not isinstance(page, list):
            raise _unexpected(call, f"data.{key} is not a list")
        items.extend(_mapping(call, item) for item in page)
        info = answer.get("pageInfo") if isinstance(answer, Mapping) else None
        if not page or not isinstance(info, Mapping) or not info.get("hasNextPage"):
            return items
        cursor = info.get("endCursor") or page[-1].get("id")
        if not isinstance(cursor, str) or cursor == after:
            return items
        after = cursor


def _list_objects(page_size: int = PAGE_SIZE) -> Op[list[ObjectInfo]]:
    """All objects with their fields. Twenty 2.21.0 lists the fields inside each object; where an answer does not,
    the fields are listed once (``/rest/metadata/fields``) and grouped by object."""
    raw = yield from _paged(OBJECTS, "objects", page_size)
    if all(isinstance(o.get("fields"), list) for o in raw):
        return [ObjectInfo.from_json(o) for o in raw]
    fields = yield from _paged(FIELDS, "fields", page_size)
    by_object: dict[str, list[FieldInfo]] = {}
    for data in fields:
        info = FieldInfo.from_json(data)
        by_object.setdefault(info.object_id, []).append(info)
    return [ObjectInfo.from_json(o, by_object.get(str(o.get("id")), [])) for o in raw]


def _get_object(object_id: str) -> Op[ObjectInfo]:
    call = Call("GET", f"{OBJECTS}/{object_id}")
    answer = yield call
    data = _mapping(call, _data(call, answer, "object"))
    if isinstance(data.get("fields"), list):
        return ObjectInfo.from_json(data)
    fields = yield from _paged(FIELDS, "fields", PAGE_SIZE)
    mine = [FieldInfo.from_json(f) for f in fields if str(f.get("objectMetadataId")) == str(data.get("id"))]
    return ObjectInfo.from_json(data, mine)


def _not_found(name: str) -> NotFoundError:
    return NotFoundError(
        404,
        [f"object {name!r} not found (looked for nameSingular, namePlural and id)"],
        code="OBJECT_METADATA_NOT_FOUND",
        method="GET",
        url=OBJECTS,
    )


def _find_object(ref: ObjectRef) -> Op[ObjectInfo]:
    """An object by id (one GET), by name (the list), or as given (refetched, for fresh fields)."""
    if isinstance(ref, ObjectInfo):
        ref = ref.id
    if _is_uuid(ref):
        return (yield from _get_object(ref))
    objects = yield from _list_objects()
    for attr in ("name_singular", "name_plural"):
        for obj in objects:
            if getattr(obj, attr) == ref:
                return obj
    raise _not_found(ref)


def _object_id(ref: ObjectRef) -> Op[str]:
    if isinstance(ref, ObjectInfo):
        return ref.id
    if _is_uuid(ref):
        return ref
    obj = yield from _find_object(ref)
    return obj.id


def _field_id(ref: FieldRef) -> str:
    return ref.id if isinstance(ref, FieldInfo) else ref


def _find_field(ref: ObjectRef, name: str) -> Op[FieldInfo]:
    obj = yield from _find_object(ref)
    field = obj.field(name)
    if field is None:
        raise NotFoundError(
            404,
            [f"object {obj.name_singular!r} has no field {name!r}"],
            code="FIELD_METADATA_NOT_FOUND",
            method="GET",
            url=f"{OBJECTS}/{obj.id}",
        )
    return field


def _create_object(body: Mapping[str, Any]) -> Op[ObjectInfo]:
    call = Call("POST", OBJECTS, json=dict(body))
    answer = yield call
    data = _mapping(call, _data(call, answer, "createOneObject"))
    if isinstance(data.get("fields"), list):
        return ObjectInfo.from_json(data)
    return (yield from _get_object(str(data.get("id"))))


def _create_field(body: Mapping[str, Any]) -> Op[FieldInfo]:
    call = Call("POST", FIELDS, json=dict(body))
    answer = yield call
    return FieldInfo.from_json(_mapping(call, _data(call, answer, "createOneField")))


def _update_field(field_id: str, changes: Mapping[str, Any]) -> Op[FieldInfo]:
    call = Call("PATCH", f"{FIELDS}/{field_id}", json=dict(changes))
    answer = yield call
    return FieldInfo.from_json(_mapping(call, _data(call, answer, "updateOneField")))


def _asks_to_deactivate(exc: BadRequestError) -> bool:
    """Twenty versions that refuse to delete an active field or object say so ("... must be deactivated", "Active
    field cannot be deleted"); 2.21.0 deletes them while active."""
    text = " ".join(exc.messages) + " " + json.dumps(exc.errors)
    return bool(re.search(r"activ", text, re.IGNORECASE))


def _delete(path: str, key: str) -> Op[Mapping[str, Any]]:
    """DELETE; when Twenty answers that the item must be deactivated first, PATCH ``isActive: false`` and retry."""
    call = Call("DELETE", path)
    try:
        answer = yield call
    except BadRequestError as exc:
        if not _asks_to_deactivate(exc):
            raise
        yield Call("PATCH", path, json={"isActive": False})
        answer = yield call
    return _mapping(call, _data(call, answer, key))


def _delete_field(ref: FieldRef) -> Op[FieldInfo]:
    data = yield from _delete(f"{FIELDS}/{_field_id(ref)}", "deleteOneField")
    return FieldInfo.from_json(data)


def _delete_object(ref: ObjectRef) -> Op[ObjectInfo]:
    object_id = yield from _object_id(ref)
    data = yield from _delete(f"{OBJECTS}/{object_id}", "deleteOneObject")
    return ObjectInfo.from_json(data, [])


def _check(problems: Sequence[str]) -> None:
    if problems:
        raise SchemaError(problems)


# -- creates that survive a lost answer --------------------------------------------------------------------------------


def _may_have_landed(retry: RetryPolicy, exc: TwentyError, attempt: int) -> bool:
    """Whether a create that failed with ``exc`` on attempt ``attempt`` is worth checking and trying again: a failure
    the transport retries for idempotent requests but not for a ``POST`` (a 5xx, a dropped connection, a read
    timeout), within the policy's budget. Failures it retries for every method (a 429, a connection never made) it
    has already retried as long as the policy allows, so they are not retried again here."""
    if not isinstance(exc, APIError | APIConnectionError) or attempt > retry.max_retries:
        return False
    outcome: int | BaseException = exc.status if isinstance(exc, APIError) else exc
    return retry.should_retry("POST", outcome, 0, idempotent=True) and not retry.should_retry(
        "POST", outcome, 0, idempotent=False
    )


# What a re-read shows of an item whose create failed: (the item, its differences from the declaration) if present.
_Found: TypeAlias = "tuple[T, list[str]] | None"


def _verified_create(
    create: Callable[[Mapping[str, Any]], Op[T]],
    body: Mapping[str, Any],
    find: Callable[[list[ObjectInfo]], _Found[T]],
    what: str,
    retry: RetryPolicy,
) -> Op[T]:
    """``create(body)``, made safe to retry although it is not idempotent: after a failure that may have landed,
    back off, re-read the workspace and ``find`` the item; present and as declared, it is the result; present but
    different, the failure is raised with a note saying so; absent, the create is sent again. Needs the item to have
    been absent before the first attempt (``ensure_schema``'s plan says so)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return (yield from create(body))
        except TwentyError as exc:
            if not _may_have_landed(retry, exc, attempt):
                raise
            log.info("%s failed (%s, attempt %d); checking whether it landed", what, exc, attempt)
            yield Pause(attempt)
            found = find((yield from _list_objects()))
            if found is None:
                continue
            item, drift = found
            if drift:
                exc.add_note(f"{what}: it exists now, but differs from the declaration: {'; '.join(drift)}")
                raise
            log.info("%s had landed despite the failure", what)
            return item


def _found_object(spec: ObjectSpec) -> Callable[[list[ObjectInfo]], _Found[ObjectInfo]]:
    def find(objects: list[ObjectInfo]) -> _Found[ObjectInfo]:
        obj = find_object(objects, spec.name_singular)
        if obj is None or obj.name_singular != spec.name_singular:
            return None
        drift = [] if obj.name_plural == spec.name_plural else [f"namePlural is {obj.name_plural!r}"]
        return obj, drift

    return find


def _found_field(object_name: str, spec: FieldSpec | RelationSpec) -> Callable[[list[ObjectInfo]], _Found[FieldInfo]]:
    def find(objects: list[ObjectInfo]) -> _Found[FieldInfo]:
        obj = find_object(objects, object_name)
        field = obj.field(spec.name) if obj is not None else None
        if field is None:
            return None
        if isinstance(spec, FieldSpec):
            diff = compare_field(spec, field)
        else:
            diff = compare_relation(spec, field, find_object(objects, spec.target))
        return field, diff.drift

    return find


# -- ensure_schema -----------------------------------------------------------------------------------------------------


def _ensure(
    schema: Iterable[ObjectSpec], dry_run: bool, allow_destructive: bool, retry: RetryPolicy
) -> Op[SchemaReport]:
    """Read the workspace, plan, then write objects, fields, updates and relations in that order."""
    specs = list(schema)
    validate_schema(specs)  # before any request
    objects = yield from _list_objects()
    plan = plan_schema(specs, objects, allow_destructive=allow_destructive)  # before any write
    if dry_run or not plan.steps:
        return plan.report(dry_run=dry_run)
    done: list[Step] = []
    try:
        created_objects = [s for s in plan.steps if s.action == "create_object"]
        for step in created_objects:
            spec = step.spec
            assert isinstance(spec, ObjectSpec)
            what = f"create object {spec.name_singular}"
            obj = yield from _verified_create(_create_object, object_body(spec), _found_object(spec), what, retry)
            objects.append(obj)
            done.append(step)
        # With the new objects in place (and the fields Twenty gave them), plan the fields and relations for real.
        later = plan_schema(specs, objects, allow_destructive=allow_destructive) if created_objects else plan
        by_name = {o.name_singular: o for o in objects}
        for step in later.steps:
            obj = by_name[step.object]
            if step.action == "update_field":
                yield from _update_field(step.field_id, step.changes)  # a PATCH: the transport retries it
                done.append(step)
                continue
            if isinstance(step.spec, FieldSpec):
                body = field_body(step.spec, obj.id)
            else:
                assert isinstance(step.spec, RelationSpec)
                target = by_name.get(step.spec.target) or next(o for o in objects if o.name_plural == step.spec.target)
                body = relation_body(step.spec, obj.id, target.id)
            what = f"{step.action.replace('_', ' ')} {step.object}.{step.spec.name}"
            yield from _verified_create(_create_field, body, _found_field(step.object, step.spec), what, retry)
            done.append(step)
    except TwentyError as exc:
        finished = ", ".join(f"{s.action} {s.object}.{getattr(s.spec, 'name', '')}".rstrip(".") for s in done)
        exc.add_note(
            f"ensure_schema stopped after {len(done)} write(s){': ' + finished if finished else ''}. "
            "Run it again to resume: what exists is verified, not created twice."
        )
        raise
    return _merge(plan, later, done)


def _merge(first: SchemaPlan, later: SchemaPlan, done: Sequence[Step]) -> SchemaReport:
    """The report of a run: objects as the first plan saw them, fields and relations as the second did."""
    objects = {i.path: i for i in first.report(dry_run=False, writes=len(done), done=done).items if i.kind == "object"}
    rest = later.report(dry_run=False, writes=len(done), done=done)
    items = tuple(objects.get(i.path, i) if i.kind == "object" else i for i in rest.items)
    return SchemaReport(items, dry_run=False, writes=len(done))


# -- the two front ends ------------------------------------------------------------------------------------------------


def _field_spec(
    name: str,
    type: str,
    label: str,
    *,
    description: str | None,
    icon: str | None,
    is_nullable: bool,
    is_unique: bool,
    default_value: Any,
    options: Iterable[SelectOption | str] | None,
    settings: Mapping[str, Any] | None,
) -> FieldSpec:
    spec = FieldSpec(
        name,
        type,
        label,
        is_unique=is_unique,
        is_nullable=is_nullable,
        options=options,
        default_value=default_value,
        description=description,
        icon=icon,
        settings=settings,
    )
    _check(field_spec_problems(spec, name))
    return spec


def _update_body(
    *,
    name: str | _Unset,
    label: str | _Unset,
    description: str | _Unset | None,
    icon: str | _Unset | None,
    is_active: bool | _Unset,
    is_nullable: bool | _Unset,
    is_unique: bool | _Unset,
    default_value: Any,
    options: Iterable[SelectOption | str] | _Unset,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    problems: list[str] = []
    if name is not UNSET:
        problems += name_problems(name, "field")
        body["name"] = name
    for key, value in (
        ("label", label),
        ("description", description),
        ("icon", icon),
        ("isActive", is_active),
        ("isNullable", is_nullable),
        ("isUnique", is_unique),
        ("defaultValue", default_value),
    ):
        if value is not UNSET:
            body[key] = value
    if not isinstance(options, _Unset):
        spec = FieldSpec("field", "SELECT", "x", options=options)
        problems += [p for p in field_spec_problems(spec, "field") if "option" in p]
        body["options"] = [o.to_json(i) for i, o in enumerate(spec.options)]
    _check(problems)
    if not body:
        raise ValueError("update_field needs at least one change")
    return body


def _checked_object(spec: ObjectSpec) -> ObjectSpec:
    problems = object_name_problems(spec.name_singular, spec.name_plural, "object")
    problems += [
        f"object: {a} is empty" for a in ("label_singular", "label_plural") if not str(getattr(spec, a)).strip()
    ]
    _check(problems)
    return spec


def _checked_relation(spec: RelationSpec) -> RelationSpec:
    _check(relation_spec_problems(spec, spec.name))
    return spec


def _create_field_on(spec: FieldSpec, ref: ObjectRef) -> Op[FieldInfo]:
    object_id = yield from _object_id(ref)
    return (yield from _create_field(field_body(spec, object_id)))


def _create_relation(spec: RelationSpec, ref: ObjectRef) -> Op[FieldInfo]:
    object_id = yield from _object_id(ref)
    target_id = spec.target if _is_uuid(spec.target) else (yield from _object_id(spec.target))
    return (yield from _create_field(relation_body(spec, object_id, target_id)))


class Metadata:
    """``client.metadata``: list objects and fields; create, update and delete them; create, verify and report drift
    of a declared schema (:meth:`ensure_schema`). Objects are named by ``nameSingular``, ``namePlural``, id, or an
    :class:`~twenty_sdk.ObjectInfo`; fields by id or :class:`~twenty_sdk.FieldInfo`."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _run(self, op: Op[T]) -> T:
        return run(op, self._transport.request, self._transport.pause_before_retry)

    def objects(self, *, page_size: int = PAGE_SIZE) -> list[ObjectInfo]:
        """Every object of the workspace with its fields (all pages, ``page_size`` per request, at most 200)."""
        return self._run(_list_objects(min(max(page_size, 1), PAGE_SIZE)))

    def object(self, ref: ObjectRef) -> ObjectInfo:
        """One object, by ``nameSingular``, ``namePlural`` or id; :class:`~twenty_sdk.NotFoundError` if none."""
        return self._run(_find_object(ref))

    def fields(self, ref: ObjectRef) -> list[FieldInfo]:
        """The fields of an object (active or not; their order is Twenty's, which is not stable)."""
        return list(self._run(_find_object(ref)).fields)

    def field(self, ref: ObjectRef, name: str) -> FieldInfo:
        """One field of an object by name; :class:`~twenty_sdk.NotFoundError` if none."""
        return self._run(_find_field(ref, name))

    def create_object(
        self,
        name_singular: str,
        name_plural: str,
        label_singular: str,
        label_plural: str,
        *,
        description: str | None = None,
        icon: str | None = None,
    ) -> ObjectInfo:
        """Create a custom object (usable at once under ``/rest/<name_plural>``); Twenty gives it ``name``, ``id``,
        timestamps, actors, ``position`` and activity relations."""
        spec = _checked_object(
            ObjectSpec(name_singular, name_plural, label_singular, label_plural, description=description, icon=icon)
        )
        return self._run(_create_object(object_body(spec)))

    def create_field(
        self,
        object: ObjectRef,
        name: str,
        type: str,
        label: str,
        *,
        description: str | None = None,
        icon: str | None = None,
        is_nullable: bool = True,
        is_unique: bool = False,
        default_value: Any = None,
        options: Iterable[SelectOption | str] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> FieldInfo:
        """Create a field (not a relation: :meth:`create_relation`). The name, type and options are checked first."""
        spec = _field_spec(
            name,
            type,
            label,
            description=description,
            icon=icon,
            is_nullable=is_nullable,
            is_unique=is_unique,
            default_value=default_value,
            options=options,
            settings=settings,
        )
        return self._run(_create_field_on(spec, object))

    def create_relation(
        self,
        object: ObjectRef,
        name: str,
        target: str,
        label: str,
        target_field_label: str,
        *,
        type: RelationKind = "MANY_TO_ONE",
        description: str | None = None,
        icon: str | None = None,
        target_field_icon: str | None = None,
    ) -> FieldInfo:
        """Create a relation field on ``object`` to ``target`` (a name or id); Twenty makes the reverse field on the
        target, named from ``target_field_label``. A MANY_TO_ONE relation ``person`` stores ``personId``."""
        spec = _checked_relation(
            RelationSpec(name, target, label, target_field_label, type, description, icon, target_field_icon)
        )
        return self._run(_create_relation(spec, object))

    def update_field(
        self,
        field: FieldRef,
        *,
        name: str | _Unset = UNSET,
        label: str | _Unset = UNSET,
        description: str | _Unset | None = UNSET,
        icon: str | _Unset | None = UNSET,
        is_active: bool | _Unset = UNSET,
        is_nullable: bool | _Unset = UNSET,
        is_unique: bool | _Unset = UNSET,
        default_value: Any = UNSET,
        options: Iterable[SelectOption | str] | _Unset = UNSET,
    ) -> FieldInfo:
        """Change a field's properties (only those given). Twenty refuses type changes; new ``options`` replace the
        old ones, and records holding a value no longer offered lose it."""
        body = _update_body(
            name=name,
            label=label,
            description=description,
            icon=icon,
            is_active=is_active,
            is_nullable=is_nullable,
            is_unique=is_unique,
            default_value=default_value,
            options=options,
        )
        return self._run(_update_field(_field_id(field), body))

    def delete_field(self, field: FieldRef) -> FieldInfo:
        """Delete a custom field and its values (a relation: both sides). Deactivates it first where Twenty requires
        that (2.21.0 does not)."""
        return self._run(_delete_field(field))

    def delete_object(self, object: ObjectRef) -> ObjectInfo:
        """Delete a custom object, its records and the relation fields pointing at it."""
        return self._run(_delete_object(object))

    def ensure_schema(
        self, schema: Iterable[ObjectSpec], *, dry_run: bool = False, allow_destructive: bool = False
    ) -> SchemaReport:
        """Make the workspace hold ``schema``: create missing objects, fields and relations (relations last, once both
        ends exist), verify existing ones, and report every item (``print(report)`` for a table).

        Checks the schema before any request and the plan before any write (:class:`~twenty_sdk.SchemaError`, every
        problem listed). Idempotent: a second run reads and writes nothing. Drift (another type, uniqueness or set of
        options) is reported, not changed — unless ``allow_destructive=True``, which repairs in place what can be
        (uniqueness, options, an inactive field; never a type, never a deletion). ``dry_run=True`` only reads.
        """
        return self._run(_ensure(schema, dry_run, allow_destructive, self._transport.retry))


class AsyncMetadata:
    """The async twin of :class:`Metadata` (same methods, awaited)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _run(self, op: Op[T]) -> T:
        return await arun(op, self._transport.request, self._transport.pause_before_retry)

    async def objects(self, *, page_size: int = PAGE_SIZE) -> list[ObjectInfo]:
        """See :meth:`Metadata.objects`."""
        return await self._run(_list_objects(min(max(page_size, 1), PAGE_SIZE)))

    async def object(self, ref: ObjectRef) -> ObjectInfo:
        """See :meth:`Metadata.object`."""
        return await self._run(_find_object(ref))

    async def fields(self, ref: ObjectRef) -> list[FieldInfo]:
        """See :meth:`Metadata.fields`."""
        return list((await self._run(_find_object(ref))).fields)

    async def field(self, ref: ObjectRef, name: str) -> FieldInfo:
        """See :meth:`Metadata.field`."""
        return await self._run(_find_field(ref, name))

    async def create_object(
        self,
        name_singular: str,
        name_plural: str,
        label_singular: str,
        label_plural: str,
        *,
        description: str | None = None,
        icon: str | None = None,
    ) -> ObjectInfo:
        """See :meth:`Metadata.create_object`."""
        spec = _checked_object(
            ObjectSpec(name_singular, name_plural, label_singular, label_plural, description=description, icon=icon)
        )
        return await self._run(_create_object(object_body(spec)))

    async def create_field(
        self,
        object: ObjectRef,
        name: str,
        type: str,
        label: str,
        *,
        description: str | None = None,
        icon: str | None = None,
        is_nullable: bool = True,
        is_unique: bool = False,
        default_value: Any = None,
        options: Iterable[SelectOption | str] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> FieldInfo:
        """See :meth:`Metadata.create_field`."""
        spec = _field_spec(
            name,
            type,
            label,
            description=description,
            icon=icon,
            is_nullable=is_nullable,
            is_unique=is_unique,
            default_value=default_value,
            options=options,
            settings=settings,
        )
        return await self._run(_create_field_on(spec, object))

    async def create_relation(
        self,
        object: ObjectRef,
        name: str,
        target: str,
        label: str,
        target_field_label: str,
        *,
        type: RelationKind = "MANY_TO_ONE",
        description: str | None = None,
        icon: str | None = None,
        target_field_icon: str | None = None,
    ) -> FieldInfo:
        """See :meth:`Metadata.create_relation`."""
        spec = _checked_relation(
            RelationSpec(name, target, label, target_field_label, type, description, icon, target_field_icon)
        )
        return await self._run(_create_relation(spec, object))

    async def update_field(
        self,
        field: FieldRef,
        *,
        name: str | _Unset = UNSET,
        label: str | _Unset = UNSET,
        description: str | _Unset | None = UNSET,
        icon: str | _Unset | None = UNSET,
        is_active: bool | _Unset = UNSET,
        is_nullable: bool | _Unset = UNSET,
        is_unique: bool | _Unset = UNSET,
        default_value: Any = UNSET,
        options: Iterable[SelectOption | str] | _Unset = UNSET,
    ) -> FieldInfo:
        """See :meth:`Metadata.update_field`."""
        body = _update_body(
            name=name,
            label=label,
            description=description,
            icon=icon,
            is_active=is_active,
            is_nullable=is_nullable,
            is_unique=is_unique,
            default_value=default_value,
            options=options,
        )
        return await self._run(_update_field(_field_id(field), body))

    async def delete_field(self, field: FieldRef) -> FieldInfo:
        """See :meth:`Metadata.delete_field`."""
        return await self._run(_delete_field(field))

    async def delete_object(self, object: ObjectRef) -> ObjectInfo:
        """See :meth:`Metadata.delete_object`."""
        return await self._run(_delete_object(object))

    async def ensure_schema(
        self, schema: Iterable[ObjectSpec], *, dry_run: bool = False, allow_destructive: bool = False
    ) -> SchemaReport:
        """See :meth:`Metadata.ensure_schema`."""
        return await self._run(_ensure(schema, dry_run, allow_destructive, self._transport.retry))
