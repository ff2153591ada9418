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
from twenty_emulator._columns import Column, Layout, column_for, decode, encode, quote
from twenty_emulator._errors import bad_request, not_found
from twenty_emulator._store import Store, unique_column
from twenty_emulator._values import actor, default_row, is_uuid, uuid4, validate_input
from twenty_emulator._workspace import FieldMeta, ObjectMeta, Workspace, now_iso

__all__ = ["MAX_BATCH", "ListResult", "Records"]

MAX_BATCH = 200
MAX_UPDATE_MANY = 200
TO_MANY_CAP = 60

_WORD = re.compile(r"[\w@.\-]+", re.UNICODE)
_SEARCHED_FIELDS = ("name", "emails", "domainName", "jobTitle", "title")


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


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
        self._layouts: dict[str, tuple[int, Layout, dict[str, Any]]] = {}

    @property
    def workspace(self) -> Workspace:
        return self.store.workspace

    def layout(self, obj: ObjectMeta) -> Layout:
        """The object's table layout, recomputed only when the workspace's metadata changed."""
        version = self.workspace.version
        hit = self._layouts.get(obj.id)
        if hit is not None and hit[0] == version and hit[1].obj is obj:
            return hit[1]
        lay = Layout(obj, self.store.table(obj))
        self._layouts[obj.id] = (version, lay, default_row(obj))
        return lay

    def _defaults(self, obj: ObjectMeta) -> dict[str, Any]:
        self.layout(obj)
        return dict(self._layouts[obj.id][2])

    # -- reading rows ----------------------------------------------------------------------------------------------

    def _select(self, obj: ObjectMeta) -> tuple[str, list[Column]]:
        lay = self.layout(obj)
        return lay.select, lay.columns

    def shape(self, obj: ObjectMeta, row: Sequence[Any], cols: list[Column]) -> dict[str, Any]:
        """A stored row → the record as Twenty answers it (every field; composites nested)."""
        out: dict[str, Any] = {"id": row[0]}
        for col, raw in zip(cols, row[1:], strict=True):
            value = decode(col, raw)
            if col.sub is not None:
                sub = out.get(col.field.name)
                if sub is None:
                    sub = out[col.field.name] = {}
                sub[col.sub] = value
            else:
                out[col.key] = value
        return out

    def fetch(self, obj: ObjectMeta, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id → record for the ids that exist (soft-deleted ones included)."""
        if not ids:
            return {}
        select, cols = self._select(obj)
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            for row in self.store.execute(f"{select} WHERE id IN ({_marks(chunk)})", chunk):
                out[row[0]] = self.shape(obj, row, cols)
        return out

    def _fetch_one(self, obj: ObjectMeta, record_id: str) -> dict[str, Any] | None:
        return self.fetch(obj, [record_id]).get(record_id)

    def _existing(self, obj: ObjectMeta, column: Column, values: list[Any]) -> dict[Any, str]:
        """Stored value of ``column`` → id, for the given values (soft-deleted rows included)."""
        found: dict[Any, str] = {}
        table = quote(self.store.table(obj))
        for chunk in _chunks(list(dict.fromkeys(values))):
            sql = f"SELECT {column.sql}, id FROM {table} WHERE {column.sql} IN ({_marks(chunk)})"
            for value, record_id in self.store.execute(sql, chunk):
                found.setdefault(value, record_id)
        return found

    # -- writing rows ----------------------------------------------------------------------------------------------

    def _insert_many(self, obj: ObjectMeta, rows: list[dict[str, Any]]) -> None:
        """INSERT the rows, grouped by their column sets so each group is one executemany."""
        lay = self.layout(obj)
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            names = tuple(n for n in row if n in lay.by_column)
            groups.setdefault(names, []).append([encode(lay.by_column[n], row[n]) for n in names])
        table = quote(self.store.table(obj))
        for names, values in groups.items():
            sql = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES ({_marks(names)})"
            with self.store.lock:
                self.store.conn.executemany(sql, values)

    def _update_rows(self, obj: ObjectMeta, ids: list[str], changes: dict[str, Any]) -> None:
        """Apply the same column values to every row in ``ids``."""
        lay = self.layout(obj)
        names = [n for n in changes if n in lay.by_column and n != "id"]
        if not names or not ids:
            return
        assignments = ", ".join(quote(n) + " = ?" for n in names)
        values = [encode(lay.by_column[n], changes[n]) for n in names]
        table = quote(self.store.table(obj))
        for chunk in _chunks(ids):
            self.store.execute(f"UPDATE {table} SET {assignments} WHERE id IN ({_marks(chunk)})", [*values, *chunk])

    def _check_foreign_keys(self, obj: ObjectMeta, rows: list[dict[str, Any]]) -> None:
        """Every MANY_TO_ONE value names an existing row of its target (soft-deleted rows count), or Postgres's
        foreign-key error, with the constraint name TypeORM gives it."""
        for field in self.layout(obj).join_fields.values():
            target = self.workspace.target_object(field)
            col = field.join_column
            if target is None or col is None:
                continue
            wanted = list(dict.fromkeys(r[col] for r in rows if r.get(col) is not None))
            if not wanted:
                continue
            existing: set[str] = set()
            table = quote(self.store.table(target))
            for chunk in _chunks(wanted):
                existing.update(
                    r[0] for r in self.store.execute(f"SELECT id FROM {table} WHERE id IN ({_marks(chunk)})", chunk)
                )
            if any(value not in existing for value in wanted):
                digest = hashlib.sha1(f"{obj.table_name}_{col}".encode(), usedforsecurity=False).hexdigest()
                raise bad_request(
                    f'insert or update on table "{obj.table_name}" violates foreign key constraint "FK_{digest[:27]}"'
                )

    def _search_text_columns(self, obj: ObjectMeta) -> list[Column]:
        lay = self.layout(obj)
        cols: list[Column] = []
        for name in _SEARCHED_FIELDS:
            if name in lay.sub_columns:
                cols.extend(c for c in lay.sub_columns[name].values() if c.value_type == "TEXT")
            elif name in lay.scalar_column and lay.scalar_column[name].value_type == "TEXT":
                cols.append(lay.scalar_column[name])
        return cols

    def _search_vector(self, obj: ObjectMeta, row: Mapping[str, Any]) -> str:
        """A tsvector-like text of the record's name, emails, domain and title (Twenty's is loosely compared)."""
        words: list[str] = []
        for col in self._search_text_columns(obj):
            value = row.get(col.name)
            if isinstance(value, str):
                words.extend(w.lower() for w in _WORD.findall(value))
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(words, 1):
            positions.setdefault(w, []).append(i)
        return " ".join(f"'{w}':{','.join(map(str, p))}" for w, p in sorted(positions.items()))

    def _refresh_search_vectors(self, obj: ObjectMeta, ids: list[str]) -> None:
        lay = self.layout(obj)
        if "searchVector" not in lay.fields or not ids:
            return
        cols = self._search_text_columns(obj)
        table = quote(self.store.table(obj))
        names = ", ".join(["id", *(c.sql for c in cols)])
        updates: list[tuple[str, str]] = []
        for chunk in _chunks(ids):
            for row in self.store.execute(f"SELECT {names} FROM {table} WHERE id IN ({_marks(chunk)})", chunk):
                values = {c.name: v for c, v in zip(cols, row[1:], strict=True)}
                updates.append((self._search_vector(obj, values), row[0]))
        with self.store.lock:
            self.store.conn.executemany(f'UPDATE {table} SET "searchVector" = ? WHERE id = ?', updates)

    def _next_positions(self, obj: ObjectMeta, count: int) -> list[float]:
        """Twenty puts new records first: (lowest live position, or 1 if none) - index - 1."""
        lay = self.layout(obj)
        if "position" not in lay.fields:
            return [0.0] * count
        deleted = ' WHERE "deletedAt" IS NULL' if lay.has("deletedAt") else ""
        row = self.store.execute(f'SELECT MIN("position") FROM {quote(self.store.table(obj))}{deleted}').fetchone()
        base = row[0] if row and row[0] is not None else 1
        return [base - i - 1 for i in range(count)]

    # -- create / upsert -------------------------------------------------------------------------------------------

    def create(self, obj: ObjectMeta, items: list[Any], *, upsert: bool) -> list[dict[str, Any]]:
        """Create (or upsert) records, all or nothing. Answers one record per distinct record: those an upsert updated
        first, then those it inserted, each in input order (as Twenty does).

        An upsert matches stored rows (soft-deleted ones too, which it restores) on ``id`` and on every unique field;
        a match is updated with only the fields sent and keeps its id. Two inputs that would insert the same key fail
        the whole batch; two inputs matching the same stored row both apply, the last one winning.
        """
        if len(items) > MAX_BATCH:
            raise bad_request(f"Maximum number of records to upsert is {MAX_BATCH}.")
        lay = self.layout(obj)
        rows = [validate_input(obj, item, partial=True, layout=lay) for item in items]
        uniques = [(f, unique_column(f)) for f in obj.unique_fields()]
        with self.store.transaction():
            matches: list[str | None] = self._match(obj, rows, uniques) if upsert else [None] * len(rows)
            self._reject_new_duplicates(rows, matches, uniques)
            stamp = now_iso()
            who = actor(self.api_key_name)
            positions = iter(self._next_positions(obj, sum(m is None for m in matches)))
            inserts: list[dict[str, Any]] = []
            result_ids: list[str] = []
            updated: list[str] = []
            for row, match in zip(rows, matches, strict=True):
                if match is None:
                    full = self._defaults(obj)
                    self._apply_actor(obj, full, who, created=True)
                    full.update(row)
                    full["id"] = row.get("id") or uuid4()
                    self._stamp(obj, full, stamp, created=True)
                    if lay.has("position") and "position" not in row:
                        full["position"] = next(positions)
                    if lay.has("searchVector"):
                        full["searchVector"] = self._search_vector(obj, full)
                    inserts.append(full)
                    result_ids.append(full["id"])
                else:
                    changes = {k: v for k, v in row.items() if k != "id"}
                    self._apply_actor(obj, changes, who, created=False)
                    self._stamp(obj, changes, stamp, created=False)
                    if lay.has("deletedAt"):
                        changes["deletedAt"] = None
                    self._check_foreign_keys(obj, [changes])
                    try:
                        self._update_rows(obj, [match], changes)
                    except sqlite3.IntegrityError as exc:
                        raise bad_request("A duplicate entry was detected") from exc
                    updated.append(match)
                    result_ids.append(match)
            self._check_foreign_keys(obj, inserts)
            try:
                self._insert_many(obj, inserts)
            except sqlite3.IntegrityError as exc:
                raise bad_request("A duplicate entry was detected") from exc
            self._refresh_search_vectors(obj, list(dict.fromkeys(updated)))
            # Twenty's runner answers the rows it updated first, then those it inserted (recorded: p09)
            was_updated = set(updated)
            ordered = list(dict.fromkeys(sorted(result_ids, key=lambda i: i not in was_updated)))  # stable
            found_records = self.fetch(obj, ordered)
        return [found_records[i] for i in ordered]

    def _match(
        self, obj: ObjectMeta, rows: list[dict[str, Any]], uniques: list[tuple[FieldMeta, Column]]
    ) -> list[str | None]:
        """For each input, the stored row it upserts onto (by id, then by each unique value), or None."""
        id_hits = self._existing(obj, self.layout(obj).by_column["id"], [r["id"] for r in rows if r.get("id")])
        unique_hits = {
            col.name: self._existing(
                obj, col, [encode(col, r[col.name]) for r in rows if r.get(col.name) not in (None, "")]
            )
            for _, col in uniques
        }
        matches: list[str | None] = []
        for row in rows:
            found: list[str] = []
            if row.get("id") and row["id"] in id_hits:
                found.append(id_hits[row["id"]])
            for _, col in uniques:
                value = row.get(col.name)
                if value not in (None, "") and encode(col, value) in unique_hits[col.name]:
                    found.append(unique_hits[col.name][encode(col, value)])
            distinct = list(dict.fromkeys(found))
            if len(distinct) > 1:  # get-matching-record-id.util.ts; the runner's handler drops the code (p08)
                groups = [f"id (id: {row['id']})"] if row.get("id") else []
                for field, col in uniques:
                    value = row.get(col.name)
                    if value not in (None, ""):
                        path = field.name if col.sub is None else f"{field.name}.{col.sub}"
                        groups.append(f"{field.name} ({path}: {value})")
                raise bad_request(
                    f"Multiple records found with the same unique field values for {'; '.join(groups)}. "
                    "Cannot determine which record to update."
                )
            matches.append(distinct[0] if distinct else None)
        return matches

    @staticmethod
    def _reject_new_duplicates(
        rows: list[dict[str, Any]], matches: list[str | None], uniques: list[tuple[FieldMeta, Column]]
    ) -> None:
        """Two inputs of one batch that would insert the same id or unique value fail the whole batch."""
        seen: dict[tuple[str, Any], str | None] = {}
        for row, match in zip(rows, matches, strict=True):
            keys: list[tuple[str, Any]] = []
            if row.get("id"):
                keys.append(("id", row["id"]))
            for _, col in uniques:
                value = row.get(col.name)
                if value not in (None, ""):
                    keys.append((col.name, value))
            for key in keys:
                if key in seen and (match is None or seen[key] is None or seen[key] != match):
                    raise bad_request("A duplicate entry was detected")
                seen[key] = match

    def _stamp(self, obj: ObjectMeta, row: dict[str, Any], stamp: str, *, created: bool) -> None:
        """``createdAt`` (on create) and ``updatedAt`` set to ``stamp`` unless the input gave them (kept as given)."""
        lay = self.layout(obj)
        if created and lay.has("createdAt") and row.get("createdAt") is None:
            row["createdAt"] = stamp
        if lay.has("updatedAt") and row.get("updatedAt") is None:
            row["updatedAt"] = stamp

    def _apply_actor(self, obj: ObjectMeta, row: dict[str, Any], who: dict[str, Any], *, created: bool) -> None:
        lay = self.layout(obj)
        for name in ("createdBy", "updatedBy") if created else ("updatedBy",):
            subs = lay.sub_columns.get(name)
            if subs is not None and lay.fields[name].type == "ACTOR":
                for sub, value in who.items():
                    row[subs[sub].name] = value

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
        changes = validate_input(obj, data, partial=True, layout=self.layout(obj))
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
        self._check_foreign_keys(obj, [stamped])
        try:
            self._update_rows(obj, ids, stamped)
        except sqlite3.IntegrityError as exc:
            raise bad_request("A duplicate entry was detected") from exc
        self._refresh_search_vectors(obj, ids)

    def update_many(self, obj: ObjectMeta, filter_text: str | _query.Filter | None, data: Any) -> list[dict[str, Any]]:
        changes = validate_input(obj, data, partial=True, layout=self.layout(obj))
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

    def delete_many(
        self, obj: ObjectMeta, filter_text: str | _query.Filter | None, *, soft: bool
    ) -> list[dict[str, Any]]:
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

    def restore_many(self, obj: ObjectMeta, filter_text: str | _query.Filter | None) -> list[dict[str, Any]]:
        with self.store.transaction():
            ids = self._matching_ids(obj, filter_text, include_deleted=True)
            if obj.field("deletedAt") is not None and ids:
                marks = ",".join("?" * len(ids))
                stamp = ', "updatedAt" = ?' if obj.field("updatedAt") is not None else ""  # a restore is an update
                self.store.execute(
                    f'UPDATE {quote(self.store.table(obj))} SET "deletedAt" = NULL{stamp} WHERE id IN ({marks})',
                    [now_iso(), *ids] if stamp else ids,
                )
            found = self.fetch(obj, ids)
        return [found[i] for i in ids]

    def _soft_delete(self, obj: ObjectMeta, ids: list[str]) -> None:
        """Set ``deletedAt``, and ``updatedAt`` to the same instant, as Twenty does (parity ``p10``)."""
        if obj.field("deletedAt") is None or not ids:
            return
        stamp = now_iso()
        touch = ', "updatedAt" = ?' if obj.field("updatedAt") is not None else ""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self.store.execute(
                f'UPDATE {quote(self.store.table(obj))} SET "deletedAt" = ?{touch} WHERE id IN ({marks})',
                [stamp, *([stamp] if touch else []), *chunk],
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

    def _matching_ids(
        self, obj: ObjectMeta, filter_text: str | _query.Filter | None, *, include_deleted: bool
    ) -> list[str]:
        where, params = self._where(obj, filter_text, include_deleted=include_deleted)
        sql = f"SELECT id FROM {quote(self.store.table(obj))}{where} ORDER BY id"
        return [r[0] for r in self.store.execute(sql, params)]

    def _where(
        self, obj: ObjectMeta, filter_text: str | _query.Filter | None, *, include_deleted: bool
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        mentions_deleted = False
        if filter_text:
            parsed = (  # a REST filter string, or a filter checked already (GraphQL's filter argument)
                filter_text
                if isinstance(filter_text, _query.Filter)
                else _query.parse_filter(filter_text, obj, workspace=self.workspace)
            )
            sql, p = _query.compile_filter(parsed, obj)
            clauses.append(f"({sql})")
            params.extend(p)
            mentions_deleted = _query.mentions_deleted_at(parsed)
        if not include_deleted and not mentions_deleted and obj.field("deletedAt") is not None:
            clauses.append('"deletedAt" IS NULL')
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- list ------------------------------------------------------------------------------------------------------

    def list_page(self, obj: ObjectMeta, query: Mapping[str, str]) -> ListResult:
        """A page of records, checked and answered as Twenty does (see :mod:`twenty_emulator._query`)."""
        lq = _query.parse_list_query(query, obj, workspace=self.workspace)
        sql = _query.list_sql(lq)
        table = quote(self.store.table(obj))
        total = self.store.execute(f"SELECT COUNT(*) FROM {table} WHERE {sql.count_where}", sql.count_params)
        total_count = int(total.fetchone()[0])
        select, cols = self._select(obj)
        rows = self.store.execute(
            f"{select} WHERE {sql.page_where} ORDER BY {sql.order_by} LIMIT ?", [*sql.page_params, sql.limit]
        ).fetchall()
        shaped = [self.shape(obj, r, cols) for r in rows]
        page, page_info = _query.build_page(shaped, lq.order, lq.limit, backward=lq.backward)
        records = [dict(r) for r in page]
        if lq.depth >= 1:
            self.embed(obj, records)
        return ListResult(records, total_count, page_info)

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
