"""Where the pipeline reads and writes, relative to a project root.

codegen/snapshots/pulled/core.json       GET /rest/open-api/core as served (examples and server URL removed)
codegen/snapshots/pulled/metadata.json   every object with its fields (names, types, flags), sorted
codegen/snapshots/pulled/graphql.json    the GraphQL introspection (``__schema``) as served
codegen/snapshots/core.json              the normalised document the client is generated from
codegen/snapshots/graphql.json           the normalised introspection the GraphQL models are generated from
generated/twenty_generated/              the generated package
"""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["Layout"]


@attrs.frozen
class Layout:
    """The pipeline's files under ``root``."""

    root: Path

    @property
    def pulled_dir(self) -> Path:
        return self.root / "codegen" / "snapshots" / "pulled"

    @property
    def pulled_core(self) -> Path:
        return self.pulled_dir / "core.json"

    @property
    def pulled_metadata(self) -> Path:
        return self.pulled_dir / "metadata.json"

    @property
    def pulled_graphql(self) -> Path:
        return self.pulled_dir / "graphql.json"

    @property
    def graphql_snapshot(self) -> Path:
        return self.root / "codegen" / "snapshots" / "graphql.json"

    @property
    def snapshot(self) -> Path:
        return self.root / "codegen" / "snapshots" / "core.json"

    @property
    def generated(self) -> Path:
        return self.root / "generated" / "twenty_generated"

    @classmethod
    def discover(cls, start: Path | None = None) -> Layout:
        """The nearest folder at or above ``start`` (default: the working directory) that holds
        ``codegen/snapshots``; else ``start`` itself (a new project)."""
        start = (start or Path.cwd()).resolve()
        for folder in (start, *start.parents):
            if (folder / "codegen" / "snapshots").is_dir():
                return cls(folder)
        return cls(start)
