"""What every store does the same way: chunking an input stream, turning records into rows (and refusing, per row,
those no store can hold), and finding the rows a database refuses by bisecting a failed batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import attrs

from twenty_sync._records import Entity, JsonValue, SourceRecord, canonical_json
from twenty_sync.stores._protocol import RowFailure, WriteResult

__all__ = ["PreparedRow", "bisect", "chunked", "first_line", "prepare", "upsert_in_chunks"]

T = TypeVar("T")
R = TypeVar("R", bound=SourceRecord)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` items, taken lazily from ``items`` (only one chunk is held at a time)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@attrs.frozen
class PreparedRow:
    """A record as a store writes it: its position in the chunk (``ordinal``), key, and values in the entity's field
    order — text as ``str``, JSON as its canonical text, NULL as ``None``."""

    ordinal: int
    key: str
    values: tuple[str | None, ...]


def prepare(
    entity: Entity[R], records: Sequence[R], json_text: Callable[[JsonValue], str] = canonical_json
) -> tuple[list[PreparedRow], list[RowFailure]]:
    """Rows ready to write, and the records no store can hold (text that is not valid Unicode, such as a lone
    surrogate out of a broken UTF-16 source). A key given twice keeps its last record, as writing the records one by
    one would. JSON fields become ``json_text(value)`` (default: the canonical text)."""
    latest: dict[str, R] = {}
    for record in records:
        latest.pop(record.key, None)  # re-insert: a repeated key moves to its last position
        latest[record.key] = record
    rows: list[PreparedRow] = []
    failures: list[RowFailure] = []
    for record in latest.values():
        values: list[str | None] = []
        reason = None
        for f in entity.fields:
            raw = getattr(record, f.name)
            value = raw if f.kind == "text" or raw is None else json_text(raw)
            if value is not None:
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as exc:
                    reason = f"{f.name}: not valid Unicode text ({exc.reason} at position {exc.start})"
                    break
            values.append(value)
        if reason is not None:
            failures.append(RowFailure(record.key, reason))
        else:
            rows.append(PreparedRow(len(rows), record.key, tuple(values)))
    return rows, failures


def bisect(
    items: Sequence[T],
    attempt: Callable[[Sequence[T]], int],
    *,
    key_of: Callable[[T], str],
    is_row_error: Callable[[BaseException], bool],
    describe: Callable[[BaseException], str] = str,
) -> tuple[int, list[RowFailure]]:
    """Run ``attempt`` on all ``items``; if it fails with an error that a row's data can cause, run it on each half,
    and so on down to single items, which are reported as failures. ``attempt`` must be all-or-nothing (one
    transaction or one DML statement) and returns the number of rows it changed. Other errors propagate.

    A batch of n rows with k bad ones takes about 2·k·log2(n) extra attempts."""
    if not items:
        return 0, []
    try:
        return attempt(items), []
    except Exception as exc:
        if not is_row_error(exc):
            raise
        if len(items) == 1:
            return 0, [RowFailure(key_of(items[0]), describe(exc))]
    middle = len(items) // 2
    changed_a, failed_a = bisect(items[:middle], attempt, key_of=key_of, is_row_error=is_row_error, describe=describe)
    changed_b, failed_b = bisect(items[middle:], attempt, key_of=key_of, is_row_error=is_row_error, describe=describe)
    return changed_a + changed_b, failed_a + failed_b


def first_line(exc: BaseException, limit: int = 500) -> str:
    """A database error as a short reason: its first line, without driver noise, at most ``limit`` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:limit]


def upsert_in_chunks(
    entity: Entity[R],
    records: Iterable[R],
    size: int,
    write_chunk: Callable[[Entity[R], list[PreparedRow]], tuple[int, list[RowFailure]]],
) -> WriteResult:
    """A store's ``upsert``: take the input ``size`` records at a time, refuse the rows no store can hold, write the
    rest with ``write_chunk`` (→ rows changed, rows the database refused) and add up the results."""
    result = WriteResult()
    for chunk in chunked(records, size):
        rows, failures = prepare(entity, chunk)
        changed, refused = write_chunk(entity, rows)
        result += WriteResult(submitted=len(chunk), changed=changed, failures=(*failures, *refused))
    return result
