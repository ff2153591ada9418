"""``PATCH /rest/<object>/merge``: merge records into the one at ``conflictPriorityIndex``, as Twenty 2.21.0 does.

Written from Twenty's ``rest-api-merge-many.handler.ts``, ``common-merge-many-query-runner.service.ts`` and the
``merge-*-field-values.util.ts`` / ``has-record-field-value.util.ts`` helpers of ``graphql-query-runner/utils``:

- only objects with duplicate criteria merge; 2 to 9 ids; every id must name a live record (else 404);
- per non-system field: no value anywhere → untouched; one record with a value → that value; several → the priority
  record's value if it has one, else the first (in ``ids`` order) that has one — except that arrays and
  multi-selects are united, and emails / phones / links keep the chosen primary and gather every other value, unique,
  as additional ones;
- every MANY_TO_ONE relation pointing at a merged-away record is moved to the priority record, the others are
  destroyed (a hard ``DELETE``, as the flat-metadata versions of the runner do: their unique values are then free
  for the survivor), the priority record is updated, and the answer is ``{"data": {"merge<Singular>": record}}``
  (the handler names it from the singular, whatever the OpenAPI document says);
- ``dryRun: true`` changes nothing and answers the would-be record with a fresh id and ``deletedAt`` set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from twenty_emulator._columns import column_for, quote
from twenty_emulator._duplicates import criteria_of, refused_by_runner
from twenty_emulator._errors import not_found
from twenty_emulator._records import Records
from twenty_emulator._values import empty_subfield_value, is_uuid, uuid4
from twenty_emulator._workspace import FieldMeta, ObjectMeta, now_iso

__all__ = ["MAX_MERGE", "has_value", "merge_many"]

MAX_MERGE: Final = 9  # MUTATION_MAX_MERGE_RECORDS

Candidates = list[tuple[Any, str]]  # (value, record id) for each record holding a value, in ids order


def has_value(value: Any) -> bool:
    """``hasRecordFieldValue``: not null, not a blank string, not an empty list, an object with some value."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return not math.isnan(value)
    if isinstance(value, list):
        return len(value) > 0
    if isinstance(value, dict):
        return any(has_value(v) for v in value.values())
    return True


def _default(candidates: Candidates, priority_id: str) -> Any:
    for value, record_id in candidates:
        if record_id == priority_id and has_value(value):
            return value
    return next((value for value, _ in candidates if has_value(value)), None)


def _union(candidates: Candidates, _priority_id: str) -> Any:
    values: list[Any] = []
    for value, _ in candidates:
        if isinstance(value, list):
            values.extend(v for v in value if has_value(v) and v not in values)
    return values or None


def _gather(candidates: Candidates, priority_id: str, *, empty: Mapping[str, Any], extra: str) -> dict[str, Any]:
    """Emails, phones and links: the primary of the priority record (else of the first record holding one), then
    every other value, primary or additional, once (lodash ``uniqBy`` on the email, number or url) as the additional
    list, ``null`` when empty. ``empty`` names the primary sub-fields, the first being the one compared."""
    key = next(iter(empty))
    holders = [value for value, _ in candidates if has_value(value.get(key))]
    chosen = next((value for value, rid in candidates if rid == priority_id and has_value(value.get(key))), None)
    chosen = chosen if chosen is not None else (holders[0] if holders else None)
    out: dict[str, Any] = {name: chosen.get(name) if chosen is not None else blank for name, blank in empty.items()}
    pool: list[Any] = []
    for value, _ in candidates:
        if has_value(value.get(key)):
            pool.append(_as_extra(value, key))
        pool.extend(other for other in value.get(extra) or [] if has_value(_ident(other)))
    seen: list[Any] = []
    extras: list[Any] = []
    for entry in pool:
        ident = _ident(entry)
        if ident not in seen:
            seen.append(ident)
            if ident != out[key]:
                extras.append(entry)
    out[extra] = extras or None
    return out


def _ident(entry: Any) -> Any:
    """What makes an additional email, phone or link the same as another."""
    if isinstance(entry, Mapping):
        return entry.get("number", entry.get("url"))
    return entry


def _as_extra(value: Mapping[str, Any], key: str) -> Any:
    """A primary value in the shape of an additional one."""
    if key == "primaryEmail":
        return value[key]
    if key == "primaryPhoneNumber":
        return {
            "number": value.get("primaryPhoneNumber"),
            "countryCode": value.get("primaryPhoneCountryCode"),
            "callingCode": value.get("primaryPhoneCallingCode"),
        }
    return {"url": value.get("primaryLinkUrl"), "label": value.get("primaryLinkLabel")}


_EMPTY_EMAILS: Final = {"primaryEmail": ""}
_EMPTY_PHONES: Final = {"primaryPhoneNumber": "", "primaryPhoneCountryCode": None, "primaryPhoneCallingCode": ""}
_EMPTY_LINKS: Final = {"primaryLinkUrl": "", "primaryLinkLabel": ""}


def _emails(candidates: Candidates, priority_id: str) -> Any:
    return _gather(candidates, priority_id, empty=_EMPTY_EMAILS, extra="additionalEmails")


def _phones(candidates: Candidates, priority_id: str) -> Any:
    return _gather(candidates, priority_id, empty=_EMPTY_PHONES, extra="additionalPhones")


def _links(candidates: Candidates, priority_id: str) -> Any:
    return _gather(candidates, priority_id, empty=_EMPTY_LINKS, extra="secondaryLinks")


def _relation_dry_run(candidates: Candidates, priority_id: str) -> Any:
    """A relation in a dry run's preview: to-many lists united by record id, a to-one as the default merge."""
    if not all(isinstance(value, list) for value, _ in candidates):
        return _default(candidates, priority_id)
    united: dict[Any, Any] = {}
    for value, _ in candidates:
        for related in value:
            united.setdefault(related.get("id") if isinstance(related, Mapping) else id(related), related)
    return list(united.values())


_MERGERS: Final[dict[str, Callable[[Candidates, str], Any]]] = {
    "ARRAY": _union,
    "MULTI_SELECT": _union,
    "EMAILS": _emails,
    "PHONES": _phones,
    "LINKS": _links,
}


def _merge_fields(obj: ObjectMeta, rows: list[dict[str, Any]], priority_id: str, *, dry_run: bool) -> dict[str, Any]:
    """``performDeepMerge``: answer key → merged value, for the keys some record holds a value for."""
    merged: dict[str, Any] = {}
    keys = list(dict.fromkeys(k for row in rows for k in row))
    for key in keys:
        field: FieldMeta | None = obj.field(key)
        if field is not None and field.is_system:
            continue
        candidates = [(row.get(key), row["id"]) for row in rows if has_value(row.get(key))]
        if not candidates:
            continue
        if len(candidates) == 1:
            merged[key] = candidates[0][0]
        elif field is not None:  # a join column (``companyId``) is no field name: Twenty leaves it as it is
            merger = _relation_dry_run if dry_run and field.is_relation else _MERGERS.get(field.type, _default)
            merged[key] = merger(candidates, priority_id)
    return merged


def _changes(records: Records, obj: ObjectMeta, merged: Mapping[str, Any]) -> dict[str, Any]:
    """Merged answer values → column values for the priority record's update."""
    lay = records.layout(obj)
    changes: dict[str, Any] = {}
    for key, value in merged.items():
        if key in lay.sub_columns:
            field = obj.field(key)
            if isinstance(value, Mapping) and field is not None:
                changes.update(
                    {
                        col.name: _stored(field.type, field.subfields[sub], value[sub])
                        for sub, col in lay.sub_columns[key].items()
                        if sub in value
                    }
                )
        elif key in lay.scalar_column:
            changes[lay.scalar_column[key].name] = value
        elif key in lay.join_fields:
            changes[key] = value
    return changes


def _stored(field_type: str, sub_type: str, value: Any) -> Any:
    """A merged sub-field as the update that writes it stores it: an emptied text ``""``, an emptied list ``[]``
    (the dry run shows them as null; the merge itself answers the stored record: p04)."""
    return value if value is not None else empty_subfield_value(field_type, sub_type)


def _move_relations(records: Records, obj: ObjectMeta, from_ids: list[str], to_id: str) -> None:
    """Point every MANY_TO_ONE relation that targets a merged-away record at the priority record."""
    marks = ",".join("?" * len(from_ids))
    for other in records.workspace.objects:
        for field in other.fields:
            if field.relation_type != "MANY_TO_ONE" or field.target_object_id != obj.id or not field.is_active:
                continue
            col = column_for(field).sql
            table = quote(records.store.table(other))
            records.store.execute(f"UPDATE {table} SET {col} = ? WHERE {col} IN ({marks})", [to_id, *from_ids])


def _js_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _check(obj: ObjectMeta, records: Records, ids: Any, priority: Any) -> tuple[list[str], str | None]:
    """``validate``: the ids (lowercased) and the priority id (None when ``conflictPriorityIndex`` names none)."""
    if not criteria_of(obj, records.layout(obj)):
        raise refused_by_runner(
            f"Merge is only available for objects with duplicate criteria. Object '{obj.name_singular}' does not "
            "have duplicate criteria defined."
        )
    if not isinstance(ids, list) or len(ids) < 2:
        raise refused_by_runner("At least 2 record IDs are required for merge")
    if len(ids) > MAX_MERGE:
        raise refused_by_runner(f"Maximum {MAX_MERGE} records can be merged at once")
    is_number = isinstance(priority, int | float) and not isinstance(priority, bool)
    if is_number and (priority < 0 or priority >= len(ids)):
        raise refused_by_runner(
            f"Invalid conflict priority '{_js_number(priority)}'. Valid options for {len(ids)} records: "
            f"0-{len(ids) - 1}"
        )
    wanted = [str(i).lower() if is_uuid(i) else str(i) for i in ids]
    index_ok = is_number and float(priority).is_integer()
    return wanted, wanted[int(priority)] if index_ok else None


def merge_many(records: Records, obj: ObjectMeta, body: Any, depth: int) -> dict[str, Any]:
    """The answer to ``PATCH /rest/<object>/merge`` (``{"ids", "conflictPriorityIndex", "dryRun"}``)."""
    args = body if isinstance(body, Mapping) else {}
    ids, priority_id = _check(obj, records, args.get("ids"), args.get("conflictPriorityIndex"))
    dry_run = bool(args.get("dryRun"))
    with records.store.transaction():
        found = {k: r for k, r in records.fetch(obj, ids).items() if r.get("deletedAt") is None}
        if len(found) != len(ids) or any(i not in found for i in ids):
            raise not_found()
        if priority_id is None or priority_id not in found:
            raise not_found()
        rows = [dict(found[i]) for i in ids]
        if dry_run:
            if depth >= 1:
                records.embed(obj, rows)
            merged = _merge_fields(obj, rows, priority_id, dry_run=True)
            preview = {**found[priority_id], **merged, "id": uuid4(), "deletedAt": now_iso()}
            return {"data": {f"merge{obj.name_singular[0].upper()}{obj.name_singular[1:]}": preview}}
        merged = _merge_fields(obj, rows, priority_id, dry_run=False)
        others = [i for i in ids if i != priority_id]
        _move_relations(records, obj, others, priority_id)
        records._destroy(obj, others)
        records._write_changes(obj, [priority_id], _changes(records, obj, merged))
        record = records.fetch(obj, [priority_id])[priority_id]
    if depth >= 1:
        records.embed(obj, [record])
    return {"data": {f"merge{obj.name_singular[0].upper()}{obj.name_singular[1:]}": record}}
