"""What ``ensure_schema`` found and did (or would do): one :class:`SchemaItem` per object, field and relation, in a
:class:`SchemaReport` that prints as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import attrs

__all__ = ["DONE_STATUS", "Kind", "SchemaItem", "SchemaReport", "Status"]

# -- the report --------------------------------------------------------------------------------------------------------

Status: TypeAlias = Literal["created", "would_create", "updated", "would_update", "unchanged", "drifted"]
Kind: TypeAlias = Literal["object", "field", "relation"]
DONE_STATUS: dict[str, Status] = {"would_create": "created", "would_update": "updated"}


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
