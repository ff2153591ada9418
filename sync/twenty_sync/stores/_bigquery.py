"""The warehouse: BigQuery through ``google-cloud-bigquery``, set-based in both directions.

Tables (``ensure_schema``): the key ``STRING NOT NULL``, text fields ``STRING`` (``NOT NULL`` when required), JSON
fields ``JSON``, ``updated_at TIMESTAMP NOT NULL``, ``deleted_at TIMESTAMP`` (NULL unless the record was deleted in
Twenty: ``mark_deleted``; added to tables made before it); clustered by the key. JSON is written as its canonical text
(``twenty_sync._records.canonical_json``) and read back through ``TO_JSON_STRING``.

Reads are one query each, fetched page by page (``page_size`` rows per request): ``ORDER BY key`` for ``read_all``
and ``key_hashes``, ``WHERE updated_at > @since ORDER BY updated_at, key`` for ``read_changed``.

Writes, per chunk: the rows go as newline-delimited JSON into a staging table (created with a one-hour expiry, so a
crash leaves nothing behind for long) by one load job, then one ``MERGE`` applies them — inserting new keys and
updating only the rows whose content differs (``updated_at = CURRENT_TIMESTAMP()`` for those) — and the staging table
is dropped. A load or MERGE that fails on a row's data (a NULL in a required field, say) is retried by halves: the
MERGE over ``_row`` ranges of the same staging table, the load by re-loading halves. Rows that still fail alone come
back as ``RowFailure``.

``key_hashes`` computes each row's content hash in SQL, ``TO_HEX(SHA256(TO_JSON_STRING(STRUCT(<hashed fields>))))``
with the fields sorted by name: BigQuery's ``TO_JSON_STRING`` writes STRINGs and JSON values exactly as the canonical
text of ``twenty_sync._records`` does, so the hash is the Python ``content_hash`` of the same row.

The in-warehouse diff (``SupportsStateDiff``): the sync state's (key, content hash) pairs are copied into a table of
the same dataset, ``_twenty_sync_state_<state id>_<table>`` (``key``, ``source_hash``; clustered by key), which the
engine keeps up to date (a load job and a ``MERGE`` of what the state changed, after each run that changed something),
and ``diff_mirror`` joins the table with it in SQL (``FULL OUTER JOIN`` on the key, hashes compared): only the rows
that differ are read. A plan of a table of tens of millions of rows then moves only its changes; BigQuery bills the
scan of the hashed columns.

Written for both real BigQuery and bqemulator (the test double: DuckDB behind the BigQuery REST API). Where the
emulator lacks something, the portable form is used:

- staging upload: ``load_table_from_json`` sends a multipart upload whose media part is typed ``*/*``, which
  bqemulator 1.4 rejects (400); a resumable upload (``load_table_from_file`` with no size) works on both;
- reads select ``TO_JSON_STRING(json_column)`` rather than the JSON column: bqemulator reports JSON columns of
  DDL-created tables as STRING, so the client would hand back text there and parsed values on BigQuery;
- row comparison in the MERGE compares ``TO_JSON_STRING(STRUCT(...))`` of the old and new rows (JSON values are not
  comparable with ``=`` in BigQuery);
- bqemulator keeps JSON values as the text loaded (normalised by DuckDB), where BigQuery re-serialises them (sorted
  keys, nlohmann number notation). Loading the canonical text makes both agree, except where the emulator's
  ``TO_JSON_STRING`` differs from BigQuery's, which the tests pin (``tests/sync/test_bigquery_store.py``):
  U+2028/U+2029 in a STRING (BigQuery escapes them, bqemulator does not), control characters whose escape has hex
  letters (BigQuery ``\u001b``, bqemulator ``\u001b``) and floats that need an exponent in a JSON value (DuckDB
  writes ``1.5e-7`` and ``1000000000000000.0`` where BigQuery writes ``1.5e-07`` and ``1e+15``). The hash follows
  BigQuery (ZetaSQL's ``JsonEscapeString`` and nlohmann::json ``dump()``), so on the emulator only, such rows hash
  differently in SQL and in Python.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from google.api_core import exceptions as api_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials, Credentials
from google.cloud import bigquery

from twenty_sync._records import ENTITIES, Entity, SourceRecord
from twenty_sync.stores._batching import PreparedRow, bisect, chunked, first_line, upsert_in_chunks
from twenty_sync.stores._protocol import DiffRow, KeyHash, RowFailure, WriteResult

__all__ = ["BigQueryStore"]

R = TypeVar("R", bound=SourceRecord)

_DELETE_CHUNK = 10_000
_STAGE_TTL = timedelta(hours=1)
_MIRROR_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")


def _q(*parts: str) -> str:
    """A backquoted BigQuery path (``project.dataset.table``)."""
    return "`" + ".".join(p.replace("`", "\\`") for p in parts) + "`"


def _is_row_error(exc: BaseException) -> bool:
    # BigQuery answers 400 for data it refuses (a NULL in a REQUIRED column, a value it cannot load); permission,
    # missing-table, quota and server errors have other statuses and are raised.
    return isinstance(exc, (api_exceptions.BadRequest, UnicodeEncodeError))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        return first_line(Exception(exc.message))
    return first_line(exc)


class BigQueryStore:
    """Tables in one BigQuery dataset.

    ``client`` is a ``google.cloud.bigquery.Client``; ``BigQueryStore.connect`` builds one (for an emulator, pass its
    ``api_endpoint``: credentials then default to anonymous). ``timeout`` bounds each API call and job wait, in
    seconds.
    """

    def __init__(
        self,
        client: bigquery.Client,
        dataset: str,
        *,
        project: str | None = None,
        tables: Mapping[str, str] | None = None,
        location: str | None = None,
        read_batch_size: int = 10_000,
        write_batch_size: int = 10_000,
        timeout: float = 600.0,
    ) -> None:
        self.client = client
        self.project = project or client.project
        self.dataset = dataset
        self.location = location
        self._tables = dict(tables or {})
        self.read_batch_size = read_batch_size
        self.write_batch_size = write_batch_size
        self.timeout = timeout
        self._retry = bigquery.DEFAULT_RETRY.with_timeout(timeout)

    @classmethod
    def connect(
        cls,
        project: str,
        dataset: str,
        *,
        api_endpoint: str | None = None,
        credentials: Credentials | None = None,
        location: str | None = None,
        **options: Any,
    ) -> BigQueryStore:
        """A store on a new client: application-default credentials on BigQuery itself; anonymous ones when
        ``api_endpoint`` points at an emulator (unless ``credentials`` are given)."""
        if api_endpoint is not None and credentials is None:
            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        client = bigquery.Client(
            project=project,
            credentials=credentials,
            location=location,
            client_options=ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None,
        )
        return cls(client, dataset, project=project, location=location, **options)

    def __repr__(self) -> str:
        return f"BigQueryStore({self.project}.{self.dataset})"

    def table(self, entity: Entity[Any]) -> str:
        """The entity's table as a backquoted path for SQL."""
        return _q(self.project, self.dataset, self._tables.get(entity.name, entity.name))

    # --- SQL helpers ----------------------------------------------------------------------------------------------

    def _start(self, query: str, params: Sequence[Any] = ()) -> bigquery.QueryJob:
        config = bigquery.QueryJobConfig(query_parameters=list(params))
        return self.client.query(
            query, job_config=config, location=self.location, retry=self._retry, timeout=self.timeout
        )

    def _run(self, query: str, params: Sequence[Any] = ()) -> bigquery.QueryJob:
        """Run a statement to completion (DDL, DML): raises if it failed."""
        job = self._start(query, params)
        job.result(timeout=self.timeout)
        return job

    @staticmethod
    def content_hash_sql(entity: Entity[Any], qualifier: str = "") -> str:
        """The SQL expression of a row's content hash (``qualifier``: a table alias, e.g. ``"t"``). Equal to
        ``SourceRecord.content_hash`` of the same row: use it to diff inside the warehouse."""
        prefix = f"{qualifier}." if qualifier else ""
        fields = ", ".join(f"{prefix}{f.name} AS {f.name}" for f in entity.hashed_fields)
        return f"TO_HEX(SHA256(TO_JSON_STRING(STRUCT({fields}))))"

    @staticmethod
    def _row_text_sql(entity: Entity[Any], qualifier: str) -> str:
        """Every non-key field of a row as one JSON text, to tell whether a MERGE would change it."""
        fields = ", ".join(f"{qualifier}.{n} AS {n}" for n in entity.field_names if n != entity.key)
        return f"TO_JSON_STRING(STRUCT({fields}))"

    def _select_sql(self, entity: Entity[Any]) -> str:
        columns = [f"TO_JSON_STRING({f.name}) AS {f.name}" if f.kind == "json" else f.name for f in entity.fields]
        return f"SELECT {', '.join(columns)}, updated_at FROM {self.table(entity)}"

    # --- schema ---------------------------------------------------------------------------------------------------

    def ensure_schema(self, entities: Iterable[Entity[Any]] | None = None) -> None:
        dataset = bigquery.Dataset(bigquery.DatasetReference(self.project, self.dataset))
        if self.location:
            dataset.location = self.location
        self.client.create_dataset(dataset, exists_ok=True, retry=self._retry, timeout=self.timeout)
        for entity in entities if entities is not None else ENTITIES:
            columns = [
                f"{f.name} {'JSON' if f.kind == 'json' else 'STRING'}{' NOT NULL' if f.required else ''}"
                for f in entity.fields
            ]
            columns.append("updated_at TIMESTAMP NOT NULL")
            columns.append("deleted_at TIMESTAMP")
            self._run(f"CREATE TABLE IF NOT EXISTS {self.table(entity)} ({', '.join(columns)}) CLUSTER BY {entity.key}")
            self._run(f"ALTER TABLE {self.table(entity)} ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMP")

    # --- reads ----------------------------------------------------------------------------------------------------

    def _pages(self, query: str, params: Sequence[Any], size: int) -> Iterator[list[bigquery.Row]]:
        job = self._start(query, params)
        rows = job.result(page_size=size, timeout=self.timeout, retry=self._retry)  # pages come as iterated
        for page in rows.pages:
            batch = list(page)
            if batch:
                yield batch

    def _records(self, entity: Entity[R], query: str, params: Sequence[Any], size: int) -> Iterator[list[R]]:
        json_fields = [f.name for f in entity.fields if f.kind == "json"]
        names = (*entity.field_names, "updated_at")
        for page in self._pages(query, params, size):
            batch = []
            for row in page:
                values = {name: row[name] for name in names}  # not row.items(): it deep-copies every value
                for name in json_fields:
                    text = values[name]
                    values[name] = json.loads(text) if isinstance(text, str) else text
                batch.append(entity.from_values(values, values["updated_at"].astimezone(UTC)))
            yield batch

    sql_dialect = "bigquery"

    def query_rows(
        self, query: str, params: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a read-only SELECT of a mapped source (``@name`` parameters: datetimes as TIMESTAMP, others as
        STRING) and stream its rows as dicts (JSON columns come back parsed)."""
        typed = [
            bigquery.ScalarQueryParameter(name, "TIMESTAMP", value.astimezone(UTC))
            if isinstance(value, datetime)
            else bigquery.ScalarQueryParameter(name, "STRING", value)
            for name, value in params.items()
        ]
        for page in self._pages(query, typed, batch_size or self.read_batch_size):
            yield [dict(row.items()) for row in page]

    def read_all(self, entity: Entity[R], *, batch_size: int | None = None) -> Iterator[list[R]]:
        query = f"{self._select_sql(entity)} ORDER BY {entity.key}"
        return self._records(entity, query, (), batch_size or self.read_batch_size)

    def read_changed(
        self, entity: Entity[R], since: datetime | None, *, batch_size: int | None = None
    ) -> Iterator[list[R]]:
        order = f"ORDER BY updated_at, {entity.key}"
        if since is None:
            return self._records(entity, f"{self._select_sql(entity)} {order}", (), batch_size or self.read_batch_size)
        if since.tzinfo is None:
            raise ValueError(f"{since!r} has no time zone; pass an aware datetime")
        query = f"{self._select_sql(entity)} WHERE updated_at > @since {order}"
        params = [bigquery.ScalarQueryParameter("since", "TIMESTAMP", since.astimezone(UTC))]
        return self._records(entity, query, params, batch_size or self.read_batch_size)

    def key_hashes(self, entity: Entity[Any], *, batch_size: int | None = None) -> Iterator[list[KeyHash]]:
        query = (
            f"SELECT {entity.key} AS key, {self.content_hash_sql(entity)} AS content_hash "
            f"FROM {self.table(entity)} ORDER BY {entity.key}"
        )
        for page in self._pages(query, (), batch_size or self.read_batch_size):
            yield [KeyHash(row["key"], row["content_hash"]) for row in page]

    # --- writes ---------------------------------------------------------------------------------------------------

    def upsert(self, entity: Entity[R], records: Iterable[R]) -> WriteResult:
        return upsert_in_chunks(entity, records, self.write_batch_size, self._write_chunk)

    def _stage_schema(self, entity: Entity[Any]) -> list[bigquery.SchemaField]:
        fields = [bigquery.SchemaField("_row", "INT64")]
        fields += [bigquery.SchemaField(f.name, "JSON" if f.kind == "json" else "STRING") for f in entity.fields]
        return fields  # all NULLABLE: a NULL in a required field is refused by the MERGE, per row

    def _merge_sql(self, entity: Entity[Any], stage: str) -> str:
        names = entity.field_names
        others = [n for n in names if n != entity.key]
        return (
            f"MERGE {self.table(entity)} AS T "
            f"USING (SELECT {', '.join(names)} FROM {stage} WHERE _row BETWEEN @lo AND @hi) AS S "
            f"ON T.{entity.key} = S.{entity.key} "
            f"WHEN MATCHED AND {self._row_text_sql(entity, 'T')} != {self._row_text_sql(entity, 'S')} THEN "
            f"UPDATE SET {', '.join(f'{n} = S.{n}' for n in others)}, updated_at = CURRENT_TIMESTAMP() "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}, updated_at) "
            f"VALUES ({', '.join(f'S.{n}' for n in names)}, CURRENT_TIMESTAMP())"
        )

    @staticmethod
    def _ndjson(entity: Entity[Any], rows: Sequence[PreparedRow]) -> Iterator[str]:
        for row in rows:
            parts = [f'"_row":{row.ordinal}']
            for f, value in zip(entity.fields, row.values, strict=True):
                if value is None:
                    text = "null"
                elif f.kind == "json":
                    text = value  # already canonical JSON text: embedded as the JSON value itself
                else:
                    text = json.dumps(value, ensure_ascii=False)
                parts.append(f'"{f.name}":{text}')
            yield "{" + ",".join(parts) + "}\n"

    @contextmanager
    def _staging(self, name: str, schema: list[bigquery.SchemaField]) -> Iterator[bigquery.TableReference]:
        """A staging table named ``name`` plus a random suffix, expiring in an hour (a crash leaves nothing behind
        for long) and dropped on exit."""
        ref = bigquery.TableReference(
            bigquery.DatasetReference(self.project, self.dataset), f"{name}_{uuid.uuid4().hex[:12]}"
        )
        table = bigquery.Table(ref, schema=schema)
        table.expires = datetime.now(UTC) + _STAGE_TTL
        self.client.create_table(table, retry=self._retry, timeout=self.timeout)
        try:
            yield ref
        finally:
            self.client.delete_table(ref, not_found_ok=True, retry=self._retry, timeout=self.timeout)

    def _write_chunk(self, entity: Entity[Any], rows: list[PreparedRow]) -> tuple[int, list[RowFailure]]:
        merge_failures: list[RowFailure] = []

        def load_and_merge(batch: Sequence[PreparedRow]) -> int:
            schema = self._stage_schema(entity)
            with self._staging(f"_twenty_sync_stage_{entity.name}", schema) as stage_ref:
                self._load_lines(stage_ref, schema, self._ndjson(entity, batch))
                merge = self._merge_sql(entity, _q(stage_ref.project, stage_ref.dataset_id, stage_ref.table_id))

                def merge_range(part: Sequence[PreparedRow]) -> int:
                    params = [
                        bigquery.ScalarQueryParameter("lo", "INT64", part[0].ordinal),
                        bigquery.ScalarQueryParameter("hi", "INT64", part[-1].ordinal),
                    ]
                    return self._run(merge, params).num_dml_affected_rows or 0

                changed, failed = bisect(
                    batch, merge_range, key_of=_key_of, is_row_error=_is_row_error, describe=_describe
                )
                merge_failures.extend(failed)
                return changed

        changed, load_failures = bisect(
            rows, load_and_merge, key_of=_key_of, is_row_error=_is_row_error, describe=_describe
        )
        return changed, [*load_failures, *merge_failures]

    def delete(self, entity: Entity[Any], keys: Iterable[str]) -> WriteResult:
        query = f"DELETE FROM {self.table(entity)} WHERE {entity.key} IN UNNEST(@keys)"
        result = WriteResult()
        for chunk in chunked(keys, _DELETE_CHUNK):
            job = self._run(query, [bigquery.ArrayQueryParameter("keys", "STRING", chunk)])
            result += WriteResult(submitted=len(chunk), changed=job.num_dml_affected_rows or 0)
        return result

    def mark_deleted(self, entity: Entity[Any], marks: Iterable[tuple[str, datetime | None]]) -> WriteResult:
        """Set (or clear) ``deleted_at`` by key (see :class:`~twenty_sync.stores.SupportsDeletionMarks`): one DML
        statement per chunk, the marks passed as an array of structs."""
        query = (
            f"UPDATE {self.table(entity)} AS t SET deleted_at = m.at, updated_at = CURRENT_TIMESTAMP() "
            "FROM UNNEST(@marks) AS m WHERE t.{key} = m.k AND "
            "((t.deleted_at IS NULL) != (m.at IS NULL) OR t.deleted_at != m.at)"
        ).replace("{key}", entity.key)
        result = WriteResult()
        for chunk in chunked(marks, _DELETE_CHUNK):
            latest = dict(chunk)  # a row may be matched by one mark only
            structs = []
            for k, at in latest.items():
                if at is not None and at.tzinfo is None:
                    raise ValueError(f"{at!r} has no time zone; pass an aware datetime")
                fields = [
                    bigquery.ScalarQueryParameter("k", "STRING", k),
                    bigquery.ScalarQueryParameter("at", "TIMESTAMP", at.astimezone(UTC) if at else None),
                ]
                structs.append(bigquery.StructQueryParameter(None, *fields))
            job = self._run(query, [bigquery.ArrayQueryParameter("marks", "STRUCT", structs)])
            result += WriteResult(submitted=len(chunk), changed=job.num_dml_affected_rows or 0)
        return result

    def deleted_marks(
        self, entity: Entity[Any], *, batch_size: int | None = None
    ) -> Iterator[list[tuple[str, datetime]]]:
        """``(key, deleted_at)`` of the marked rows, in key order (one query)."""
        query = (
            f"SELECT {entity.key} AS key, deleted_at FROM {self.table(entity)} "
            f"WHERE deleted_at IS NOT NULL ORDER BY {entity.key}"
        )
        for page in self._pages(query, (), batch_size or self.read_batch_size):
            yield [(row["key"], row["deleted_at"].astimezone(UTC)) for row in page]

    # --- the sync state's copy, and the diff against it (SupportsStateDiff) ----------------------------------------

    def _mirror_ref(self, entity: Entity[Any], mirror: str) -> bigquery.TableReference:
        if not _MIRROR_NAME.fullmatch(mirror):
            raise ValueError(f"a mirror name is 1-64 letters, digits or '_', not {mirror!r}")
        name = f"_twenty_sync_state_{mirror}_{self._tables.get(entity.name, entity.name)}"
        return bigquery.TableReference(bigquery.DatasetReference(self.project, self.dataset), name)

    def mirror_exists(self, entity: Entity[Any], mirror: str) -> bool:
        try:
            self.client.get_table(self._mirror_ref(entity, mirror), retry=self._retry, timeout=self.timeout)
        except api_exceptions.NotFound:
            return False
        return True

    def _load_lines(
        self, ref: bigquery.TableReference, schema: list[bigquery.SchemaField], lines: Iterable[str]
    ) -> int:
        """Append newline-delimited JSON ``lines`` to a table by one load job (none when there is no line); the
        upload is spooled to a temporary file, so memory stays bounded. Returns the rows."""
        with tempfile.TemporaryFile() as spool:
            count = 0
            for line in lines:
                spool.write(line.encode("utf-8"))
                count += 1
            if not count:
                return 0
            spool.seek(0)
            config = bigquery.LoadJobConfig(
                schema=schema,
                source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
                write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            )
            job = self.client.load_table_from_file(
                spool, ref, job_config=config, location=self.location, timeout=self.timeout
            )  # no size given: a resumable upload (see the module docstring)
            job.result(timeout=self.timeout)
        return count

    def write_mirror(
        self, entity: Entity[Any], mirror: str, rows: Iterable[KeyHash], gone: Iterable[str], *, replace: bool
    ) -> None:
        """``replace``: one DDL (``CREATE OR REPLACE TABLE``) and one load job. Otherwise the changes go to a staging
        table (one load job) and one ``MERGE`` applies them; nothing at all when there is no change."""
        ref = self._mirror_ref(entity, mirror)
        target = _q(ref.project, ref.dataset_id, ref.table_id)
        schema = [bigquery.SchemaField("key", "STRING"), bigquery.SchemaField("source_hash", "STRING")]
        lines = (json.dumps({"key": r.key, "source_hash": r.content_hash}) + "\n" for r in rows)
        if replace:
            self._run(
                f"CREATE OR REPLACE TABLE {target} (key STRING NOT NULL, source_hash STRING NOT NULL) CLUSTER BY key"
            )
            self._load_lines(ref, schema, lines)
            return
        stage_schema = [*schema, bigquery.SchemaField("gone", "BOOL")]
        with self._staging(f"{ref.table_id}_stage", stage_schema) as stage_ref:
            gone_lines = (json.dumps({"key": key, "source_hash": "", "gone": True}) + "\n" for key in gone)
            if not self._load_lines(stage_ref, stage_schema, itertools.chain(gone_lines, lines)):
                return
            self._run(
                f"MERGE {target} AS M USING {_q(stage_ref.project, stage_ref.dataset_id, stage_ref.table_id)} AS S "
                "ON M.key = S.key "
                "WHEN MATCHED AND S.gone THEN DELETE "
                "WHEN MATCHED THEN UPDATE SET source_hash = S.source_hash "
                "WHEN NOT MATCHED AND S.gone IS NOT TRUE THEN INSERT (key, source_hash) VALUES (S.key, S.source_hash)"
            )

    def diff_mirror(
        self, entity: Entity[R], mirror: str, *, batch_size: int | None = None
    ) -> tuple[int, Iterator[list[DiffRow]]]:
        """Two queries: the row count, then one ``FULL OUTER JOIN`` of the table (its hashes computed in SQL, as
        :meth:`content_hash_sql`) with the copy, keeping the keys that differ, read page by page."""
        ref = self._mirror_ref(entity, mirror)
        (count,) = next(iter(self._run(f"SELECT COUNT(*) FROM {self.table(entity)}").result()))
        key = entity.key
        columns = [f"TO_JSON_STRING({f.name}) AS {f.name}" if f.kind == "json" else f.name for f in entity.fields]
        query = (
            f"SELECT COALESCE(S.{key}, M.key) AS _diff_key, {', '.join(f'S.{n}' for n in entity.field_names)}, "
            "S.updated_at "
            f"FROM (SELECT {', '.join(columns)}, updated_at, {self.content_hash_sql(entity)} AS _hash "
            f"FROM {self.table(entity)}) AS S "
            f"FULL OUTER JOIN {_q(ref.project, ref.dataset_id, ref.table_id)} AS M ON S.{key} = M.key "
            f"WHERE M.key IS NULL OR S.{key} IS NULL OR S._hash != M.source_hash "
            "ORDER BY _diff_key"
        )
        json_fields = [f.name for f in entity.fields if f.kind == "json"]
        names = (*entity.field_names, "updated_at")

        def batches() -> Iterator[list[DiffRow]]:
            for page in self._pages(query, (), batch_size or self.read_batch_size):
                batch = []
                for row in page:
                    values = {name: row[name] for name in names}  # not row.items(): it deep-copies every value
                    diff_key = row["_diff_key"]
                    if values[key] is None:
                        batch.append(DiffRow(diff_key, None))
                        continue
                    for name in json_fields:
                        text = values[name]
                        values[name] = json.loads(text) if isinstance(text, str) else text
                    batch.append(DiffRow(diff_key, entity.from_values(values, values["updated_at"].astimezone(UTC))))
                yield batch

        return int(count), batches()

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]


def _key_of(row: PreparedRow) -> str:
    return row.key
