"""The records API's semantics: create, batch create, upsert, get, update (one and many), delete (soft, hard, many),
restore, and list — over :class:`~twenty_emulator._store.Store`, answering as Twenty 2.21.0 does.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from twenty_emulator import _query
from twenty_emulator._columns import Column, column_for, columns_of, decode, encode, quote
from twenty_emulator._errors import ApiError, bad_request, not_found
from twenty_emulator._store import Store, unique_column
from twenty_emulator._values import actor, default_row, is_uuid, uuid4, validate_input
from twenty_emulator._workspace import FieldMeta, ObjectMeta, now_iso

__all__ = ["MAX_BATCH", "ListResult", "Records"]

MAX_BATCH = 200
MAX_UPDATE_MANY = 200
TO_MANY_CAP = 60

_WORD = re.compile(r"[\w@.\-]+", re.UNICODE)


class ListResult:
    def __init__(self, records: list[dict[str, Any]], total: int, page_info: dict[str, Any]) -> None:
        self.records = records
        self.total = total
        self.page_info = page_info


class Records:
    """Record operations for every object of a workspace, as the REST API performs them."""

    def __init__(self, store: Store, api_key_name: str = "My api key") -> None:
        self.store = store
        self.api_key_name = api_key_name

    @property
    def workspace(self) -> Any:
        return self.store.workspace

    # -- reading rows ----------------------------------------------------------------------------------------------

    def _select(self, obj: ObjectMeta) -> tuple[str, list[Column]]:
        cols = [c for c in columns_of(obj) if c.name != "id"]
        names = ", ".join(["id", *(c.sql for c in cols)])
        return f"SELECT {names} FROM {quote(self.store.table(obj))}", cols

    def shape(self, obj: ObjectMeta, row: Sequence[Any], cols: list[Column]) -> dict[str, Any]:
        """A stored row → the record as Twenty answers it (every field; composites nested)."""
        out: dict[str, Any] = {"id": row[0]}
        for col, raw in zip(cols, row[1:], strict=True):
            value = decode(col, raw)
            field = col.field
            if col.sub is not None:
                out.setdefault(field.name, {})[col.sub] = value
            elif field.relation_type == "MANY_TO_ONE":
                out[col.name] = value
            else:
                out[field.name] = value
        return out

    def fetch(self, obj: ObjectMeta, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id → record for the ids that exist (soft-deleted ones included)."""
        if not ids:
            return {}
        select, cols = self._select(obj)
        out: dict[str, dict[str, Any]] = {}
        unique_ids = list(dict.fromkeys(ids))
        for start in range(0, len(unique_ids), 500):
            chunk = unique_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.store.execute(f"{select} WHERE id IN ({marks})", chunk):
                out[row[0]] = self.shape(obj, row, cols)
        return out

    def _fetch_one(self, obj: ObjectMeta, record_id: str) -> dict[str, Any] | None:
        return self.fetch(obj, [record_id]).get(record_id)

    # -- writing rows ----------------------------------------------------------------------------------------------

    def _insert(self, obj: ObjectMeta, row: dict[str, Any]) -> None:
        cols = {c.name: c for c in columns_of(obj)}
        names = [n for n in row if n in cols]
        sql = (
            f"INSERT INTO {quote(self.store.table(obj))} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        self.store.execute(sql, [encode(cols[n], row[n]) for n in names])

    def _update(self, obj: ObjectMeta, record_id: str, row: dict[str, Any]) -> None:
        cols = {c.name: c for c in columns_of(obj)}
        names = [n for n in row if n in cols and n != "id"]
        if not names:
            return
        sql = (
            f"UPDATE {quote(self.store.table(obj))} SET {', '.join(quote(n) + ' = ?' for n in names)} WHERE id = ?"
        )
        self.store.execute(sql, [*(encode(cols[n], row[n]) for n in names), record_id])

    def _check_foreign_keys(self, obj: ObjectMeta, row: Mapping[str, Any]) -> None:
        for field in obj.fields:
            if field.relation_type != "MANY_TO_ONE":
                continue
            col = column_for(field)
            value = row.get(col.name)
            if value is None:
                continue
            target = self.workspace.target_object(field)
            if target is None:
                continue
            found = self.store.execute(
                f"SELECT 1 FROM {quote(self.store.table(target))} WHERE id = ?", (value,)
            ).fetchone()
            if found is None:
                digest = hashlib.sha1(f"{obj.table_name}_{col.name}".encode(), usedforsecurity=False).hexdigest()
                raise bad_request(
                    f'insert or update on table "{obj.table_name}" violates foreign key constraint "FK_{digest[:27]}"'
                )

    def _search_vector(self, obj: ObjectMeta, record: Mapping[str, Any]) -> str:
        words: list[str] = []
        for field in obj.fields:
            if field.name in ("name", "emails", "domainName", "jobTitle", "title"):
                value = record.get(field.name)
                parts = value.values() if isinstance(value, dict) else [value]
                for part in parts:
                    if isinstance(part, str):
                        words.extend(w.lower() for w in _WORD.findall(part))
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(words, 1):
            positions.setdefault(w, []).append(i)
        return " ".join(f"'{w}':{','.join(map(str, p))}" for w, p in sorted(positions.items()))

    def _refresh_search_vector(self, obj: ObjectMeta, record_id: str) -> None:
        if obj.field("searchVector") is None:
            return
        record = self._fetch_one(obj, record_id)
        if record is not None:
            self.store.execute(
                f"UPDATE {quote(self.store.table(obj))} SET \"searchVector\" = ? WHERE id = ?",
                (self._search_vector(obj, record), record_id),
            )

    def _next_positions(self, obj: ObjectMeta, count: int) -> list[float]:
        if obj.field("position") is None:
            return [0.0] * count
        deleted = ' WHERE "deletedAt" IS NULL' if obj.field("deletedAt") else ""
        row = self.store.execute(f'SELECT MIN("position") FROM {quote(self.store.table(obj))}{deleted}').fetchone()
        base = row[0] if row and row[0] is not None else 1
        return [base - i - 1 for i in range(count)]

    # -- create / upsert -------------------------------------------------------------------------------------------

    def create(self, obj: ObjectMeta, items: list[Any], *, upsert: bool) -> list[dict[str, Any]]:
        """Create (or upsert) records, all or nothing. Answers in input order, one answer per distinct record."""
        if len(items) > MAX_BATCH:
            raise bad_request(f"Maximum number of records to upsert is {MAX_BATCH}.")
        rows = [validate_input(obj, item, partial=True) for item in items]
        uniques = obj.unique_fields()
        with self.store.transaction():
            # Which existing row each input matches (by id, then by each unique value), soft-deleted rows included.
            matches: list[str | None] = []
            for row in rows:
                found: list[str] = []
                if upsert:
                    if row.get("id"):
                        hit = self.store.execute(
                            f"SELECT id FROM {quote(self.store.table(obj))} WHERE id = ?", (row["id"],)
                        ).fetchone()
                        if hit:
                            found.append(hit[0])
                    for field in uniques:
                        col = unique_column(field)
                        value = row.get(col.name)
                        if value in (None, ""):
                            continue
                        hit = self.store.execute(
                            f"SELECT id FROM {quote(self.store.table(obj))} WHERE {col.sql} = ?",
                            (encode(col, value),),
                        ).fetchone()
                        if hit:
                            found.append(hit[0])
                distinct = list(dict.fromkeys(found))
                if len(distinct) > 1:
                    raise bad_request(
                        "Multiple records found with the same unique field values",
                        error="Error",
                        code="UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT",
                    )
                matches.append(distinct[0] if distinct else None)
            self._reject_new_duplicates(obj, rows, matches, uniques)
            inserts = [i for i, m in enumerate(matches) if m is None]
            positions = iter(self._next_positions(obj, len(inserts)))
            stamp = now_iso()
            who = actor(self.api_key_name)
            result_ids: list[str] = []
            for row, match in zip(rows, matches, strict=True):
                if match is None:
                    full = default_row(obj)
                    self._apply_actor(obj, full, who, created=True)
                    full.update({k: v for k, v in row.items()})
                    full["id"] = row.get("id") or uuid4()
                    self._stamp(obj, full, stamp, created=True)
                    if obj.field("position") is not None and "position" not in row:
                        full["position"] = next(positions)
                    self._check_foreign_keys(obj, full)
                    try:
                        self._insert(obj, full)
                    except sqlite3.IntegrityError as exc:
                        raise bad_request("A duplicate entry was detected") from exc
                    record_id = full["id"]
                else:
                    changes = {k: v for k, v in row.items() if k != "id"}
                    self._apply_actor(obj, changes, who, created=False)
                    self._stamp(obj, changes, stamp, created=False)
                    if obj.field("deletedAt") is not None:
                        changes["deletedAt"] = None
                    self._check_foreign_keys(obj, changes)
                    try:
                        self._update(obj, match, changes)
                    except sqlite3.IntegrityError as exc:
                        raise bad_request("A duplicate entry was detected") from exc
                    record_id = match
                self._refresh_search_vector(obj, record_id)
                result_ids.append(record_id)
            ordered = list(dict.fromkeys(result_ids))
            found_records = self.fetch(obj, ordered)
        return [found_records[i] for i in ordered]

    def _reject_new_duplicates(
        self, obj: ObjectMeta, rows: list[dict[str, Any]], matches: list[str | None], uniques: list[FieldMeta]
    ) -> None:
        """Two inputs of one batch that would insert the same id or unique value fail the whole batch."""
        seen: dict[tuple[str, Any], str | None] = {}
        for row, match in zip(rows, matches, strict=True):
            keys: list[tuple[str, Any]] = []
            if row.get("id"):
                keys.append(("id", row["id"]))
            for field in uniques:
                col = unique_column(field)
                value = row.get(col.name)
                if value not in (None, ""):
                    keys.append((col.name, value))
            for key in keys:
                if key in seen and (match is None or seen[key] is None or seen[key] != match):
                    raise bad_request("A duplicate entry was detected")
                seen[key] = match

    def _stamp(self, obj: ObjectMeta, row: dict[str, Any], stamp: str, *, created: bool) -> None:
        if created and obj.field("createdAt") is not None:
            row["createdAt"] = stamp
        if obj.field("updatedAt") is not None:
            row["updatedAt"] = stamp

    def _apply_actor(self, obj: ObjectMeta, row: dict[str, Any], who: dict[str, Any], *, created: bool) -> None:
        names = ("createdBy", "updatedBy") if created else ("updatedBy",)
        for name in names:
            field = obj.field(name)
            if field is not None and field.type == "ACTOR":
                for sub, value in who.items():
                    row[column_for(field, sub).name] = value

    # -- get / update / delete -------------------------------------------------------------------------------------

    @staticmethod
    def check_id(record_id: str) -> str:
        if not is_uuid(record_id):
            raise bad_request(f"'{record_id}' is not a valid UUID")
        return record_id.lower()

    def _is_deleted(self, record: Mapping[str, Any]) -> bool:
        return record.get("deletedAt") is not None

    def get(self, obj: ObjectMeta, record_id: str, depth: int) -> dict[str, Any]:
        record_id = self.check_id(record_id)
        record = self._fetch_one(obj, record_id)
        if record is None or self._is_deleted(record):
            raise not_found()
        if depth >= 1:
            self.embed(obj, [record])
        return record

    def update(self, obj: ObjectMeta, record_id: str, data: Any) -> dict[str, Any]:
        """PATCH one record; soft-deleted records can be updated too (they stay deleted)."""
        record_id = self.check_id(record_id)
        if isinstance(data, Mapping) and "id" in data:
            data = {k: v for k, v in data.items() if k != "id"}
        changes = validate_input(obj, data, partial=True)
        with self.store.transaction():
            if self._fetch_one(obj, record_id) is None:
                raise not_found()
            self._write_changes(obj, [record_id], changes)
            record = self._fetch_one(obj, record_id)
        assert record is not None
        return record

    def _write_changes(self, obj: ObjectMeta, ids: list[str], changes: dict[str, Any]) -> None:
        stamped = dict(changes)
        self._apply_actor(obj, stamped, actor(self.api_key_name), created=False)
        self._stamp(obj, stamped, now_iso(), created=False)
        self._check_foreign_keys(obj, stamped)
        for record_id in ids:
            try:
                self._update(obj, record_id, stamped)
            except sqlite3.IntegrityError as exc:
                raise bad_request("A duplicate entry was detected") from exc
            self._refresh_search_vector(obj, record_id)

    def update_many(self, obj: ObjectMeta, filter_text: str | None, data: Any) -> list[dict[str, Any]]:
        changes = validate_input(obj, data, partial=True)
        changes.pop("id", None)
        with self.store.transaction():
            ids = self._matching_ids(obj, filter_text, include_deleted=True)
            if len(ids) > MAX_UPDATE_MANY:
                raise bad_request(
                    "Cannot update more than 200 records at once", error="Error", code="TOO_MANY_RECORDS_TO_UPDATE"
                )
            self._write_changes(obj, ids, changes)
            found = self.fetch(obj, ids)
        return [found[i] for i in ids]

    def delete(self, obj: ObjectMeta, record_id: str, *, soft: bool) -> dict[str, Any]:
        record_id = self.check_id(record_id)
        with self.store.transaction():
            record = self._fetch_one(obj, record_id)
            if record is None or (soft and self._is_deleted(record)):
                raise not_found()
            if soft:
                self._soft_delete(obj, [record_id])
                record = self._fetch_one(obj, record_id)
                assert record is not None
                return record
            self._destroy(obj, [record_id])
        return {"id": record_id}

    def delete_many(self, obj: ObjectMeta, filter_text: str | None, *, soft: bool) -> list[dict[str, Any]]:
        if not filter_text:
            kind = "delete" if soft else "destroy"
            raise bad_request(
                f"Filters are mandatory for bulk {kind} operations. "
                "Please provide at least one filter to prevent accidental deletion of all records."
            )
        with self.store.transaction():
            ids = self._matching_ids(obj, filter_text, include_deleted=not soft)
            if soft:
                self._soft_delete(obj, ids)
                found = self.fetch(obj, ids)
                return [found[i] for i in ids]
            self._destroy(obj, ids)
        return [{"id": i} for i in ids]

    def restore_many(self, obj: ObjectMeta, filter_text: str | None) -> list[dict[str, Any]]:
        with self.store.transaction():
            ids = self._matching_ids(obj, filter_text, include_deleted=True)
            if obj.field("deletedAt") is not None and ids:
                marks = ",".join("?" * len(ids))
                self.store.execute(
                    f'UPDATE {quote(self.store.table(obj))} SET "deletedAt" = NULL WHERE id IN ({marks})', ids
                )
            found = self.fetch(obj, ids)
        return [found[i] for i in ids]

    def _soft_delete(self, obj: ObjectMeta, ids: list[str]) -> None:
        if obj.field("deletedAt") is None or not ids:
            return
        stamp = now_iso()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self.store.execute(
                f'UPDATE {quote(self.store.table(obj))} SET "deletedAt" = ? WHERE id IN ({marks})', [stamp, *chunk]
            )

    def _destroy(self, obj: ObjectMeta, ids: list[str]) -> None:
        """Hard delete, applying each inbound relation's ``onDelete`` (SET_NULL or CASCADE)."""
        if not ids:
            return
        for other in self.workspace.objects:
            for field in other.fields:
                if field.relation_type != "MANY_TO_ONE" or field.target_object_id != obj.id:
                    continue
                col = column_for(field)
                table = quote(self.store.table(other))
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    if field.settings.get("onDelete") == "CASCADE":
                        dependants = [
                            r[0]
                            for r in self.store.execute(f"SELECT id FROM {table} WHERE {col.sql} IN ({marks})", chunk)
                        ]
                        if other is not obj:
                            self._destroy(other, dependants)
                    else:
                        self.store.execute(f"UPDATE {table} SET {col.sql} = NULL WHERE {col.sql} IN ({marks})", chunk)
        table = quote(self.store.table(obj))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            self.store.execute(f"DELETE FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    def _matching_ids(self, obj: ObjectMeta, filter_text: str | None, *, include_deleted: bool) -> list[str]:
        where, params = self._where(obj, filter_text, include_deleted=include_deleted)
        sql = f"SELECT id FROM {quote(self.store.table(obj))}{where} ORDER BY id"
        return [r[0] for r in self.store.execute(sql, params)]

    def _where(self, obj: ObjectMeta, filter_text: str | None, *, include_deleted: bool) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        mentions_deleted = False
        if filter_text:
            parsed = _query.parse_filter(filter_text, obj)
            sql, p = _query.compile_filter(parsed, obj)
            clauses.append(f"({sql})")
            params.extend(p)
            mentions_deleted = _query.mentions_deleted_at(parsed)
        if not include_deleted and not mentions_deleted and obj.field("deletedAt") is not None:
            clauses.append('"deletedAt" IS NULL')
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- list ------------------------------------------------------------------------------------------------------

    def list(self, obj: ObjectMeta, query: Mapping[str, str]) -> ListResult:
        limit = _query.parse_limit(query.get("limit"))
        depth = _query.parse_depth(query.get("depth"))
        after, before = query.get("starting_after"), query.get("ending_before")
        if after is not None and before is not None:
            raise bad_request("Cannot provide both before and after")
        keys = _query.parse_order_by(query.get("order_by"), obj)
        where, params = self._where(obj, query.get("filter"), include_deleted=False)
        table = quote(self.store.table(obj))
        total = self.store.execute(f"SELECT COUNT(*) FROM {table}{where}", params).fetchone()[0]
        cursor_text = after if after is not None else before
        page_where, page_params = where, list(params)
        if cursor_text is not None:
            values = _query.decode_cursor(cursor_text, keys)
            cond, cond_params = _query.cursor_condition(keys, values, before=before is not None)
            page_where = (page_where + " AND " if page_where else " WHERE ") + f"({cond})"
            page_params.extend(cond_params)
        select, cols = self._select(obj)
        order = _query.order_sql(keys, reverse=before is not None)
        rows = self.store.execute(f"{select}{page_where} ORDER BY {order} LIMIT ?", [*page_params, limit + 1]).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        if before is not None:
            rows.reverse()
        records = [self.shape(obj, r, cols) for r in rows]
        page_info = {
            "startCursor": _query.encode_cursor(records[0], keys) if records else None,
            "endCursor": _query.encode_cursor(records[-1], keys) if records else None,
            "hasNextPage": has_more if before is None else False,
            "hasPreviousPage": has_more if before is not None else False,
        }
        if limit == 0:
            page_info["hasNextPage"] = total > 0
        if depth >= 1:
            self.embed(obj, records)
        return ListResult(records, total, page_info)

    # -- depth=1 ---------------------------------------------------------------------------------------------------

    def embed(self, obj: ObjectMeta, records: list[dict[str, Any]]) -> None:
        """Add each relation's records (depth 0) to ``records``: MANY_TO_ONE as an object or null, ONE_TO_MANY as a
        list of at most 60."""
        for field in obj.fields:
            if not field.is_relation:
                continue
            target = self.workspace.target_object(field)
            if target is None:
                continue
            if field.relation_type == "MANY_TO_ONE":
                col = column_for(field)
                wanted = [r[col.name] for r in records if r.get(col.name)]
                found = self.fetch(target, wanted)
                for r in records:
                    ref = r.get(col.name)
                    hit = found.get(ref) if ref else None
                    r[field.name] = hit if hit is not None and not self._is_deleted(hit) else None
            else:
                reverse = self.workspace.target_field(field)
                if reverse is None or reverse.relation_type != "MANY_TO_ONE":
                    continue
                col = column_for(reverse)
                select, cols = self._select(target)
                deleted = ' AND "deletedAt" IS NULL' if target.field("deletedAt") else ""
                for r in records:
                    rows = self.store.execute(
                        f"{select} WHERE {col.sql} = ?{deleted} ORDER BY id LIMIT {TO_MANY_CAP}", (r["id"],)
                    ).fetchall()
                    r[field.name] = [self.shape(target, row, cols) for row in rows]
