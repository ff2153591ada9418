"""Drift check: is what is committed exactly what the pipeline produces?

1. the normalised snapshot equals ``normalise(pulled core, pulled metadata)`` (when the pulled files are there), and
   the GraphQL snapshot ``normalise_introspection(pulled graphql)``;
2. ``generated/twenty_generated`` equals a fresh generation from the snapshot, file for file.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from twenty_codegen._generate import GRAPHQL_SNAPSHOT, PACKAGE, generate
from twenty_codegen._graphql import normalise_introspection
from twenty_codegen._normalise import dumps, load_document, normalise

__all__ = ["CheckResult", "check", "compare_trees", "load_metadata"]

_IGNORED_PARTS = {"__pycache__", ".mypy_cache", ".ruff_cache"}


@attrs.frozen
class CheckResult:
    """``ok`` when nothing drifted; ``problems`` is a readable summary (one block per problem)."""

    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return "codegen check: no drift"
        return "codegen check: DRIFT\n\n" + "\n\n".join(self.problems) + "\n\nFix: nox -s codegen (then commit)."


def load_metadata(path: str | Path) -> list[dict[str, Any]]:
    """The object list of a metadata file: ``{"objects": [...]}`` (as pulled), ``{"data": {"objects": [...]}}``
    (an answer of ``/rest/metadata/objects``) or a bare list."""
    loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(loaded, dict):
        loaded = loaded.get("objects", (loaded.get("data") or {}).get("objects"))
    if not isinstance(loaded, list):
        raise ValueError(f"{path}: no list of objects in it")
    return [o for o in loaded if isinstance(o, dict)]


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not _IGNORED_PARTS.intersection(path.relative_to(root).parts) and path.suffix != ".pyc"
    }


def _diff(expected: str, actual: str, name: str, max_lines: int) -> Iterator[str]:
    lines = difflib.unified_diff(
        actual.splitlines(), expected.splitlines(), f"committed/{name}", f"regenerated/{name}", n=1, lineterm=""
    )
    for index, line in enumerate(lines):
        if index >= max_lines:
            yield "    …"
            return
        yield "    " + line


def compare_trees(expected: Path, actual: Path, *, max_files: int = 10, max_lines: int = 12) -> list[str]:
    """Readable differences between two folders (``expected`` = freshly generated, ``actual`` = committed)."""
    want, have = _files(expected), _files(actual)
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    changed = sorted(name for name in set(want) & set(have) if want[name].read_bytes() != have[name].read_bytes())
    if not (missing or extra or changed):
        return []
    lines = [
        f"{actual} differs from a fresh generation: {len(changed)} changed, {len(missing)} missing, "
        f"{len(extra)} not generated any more"
    ]
    lines += [f"  missing: {name}" for name in missing[:max_files]]
    lines += [f"  not generated any more: {name}" for name in extra[:max_files]]
    for name in changed[:max_files]:
        lines.append(f"  changed: {name}")
        text_want = want[name].read_text(encoding="utf-8", errors="replace")
        text_have = have[name].read_text(encoding="utf-8", errors="replace")
        lines.extend(_diff(text_want, text_have, name, max_lines))
    hidden = max(0, len(missing) - max_files) + max(0, len(extra) - max_files) + max(0, len(changed) - max_files)
    if hidden:
        lines.append(f"  … and {hidden} more files")
    return ["\n".join(lines)]


def check(
    *,
    schema: str | Path,
    generated: str | Path,
    pulled_core: str | Path | None = None,
    pulled_metadata: str | Path | None = None,
) -> CheckResult:
    """Regenerate into a temporary folder and compare with what is committed (see the module docstring)."""
    schema, generated = Path(schema), Path(generated)
    problems: list[str] = []
    if not schema.is_file():
        return CheckResult(problems=(f"no schema snapshot at {schema}",))
    if pulled_core is not None and Path(pulled_core).is_file():
        metadata = load_metadata(pulled_metadata) if pulled_metadata and Path(pulled_metadata).is_file() else None
        expected = dumps(normalise(load_document(pulled_core), metadata))
        actual = schema.read_text(encoding="utf-8")
        if expected != actual:
            diff = "\n".join(_diff(expected, actual, schema.name, 30))
            problems.append(f"{schema} is not normalise({pulled_core}):\n{diff}")
        pulled_graphql = Path(pulled_core).parent / GRAPHQL_SNAPSHOT
        graphql = schema.parent / GRAPHQL_SNAPSHOT
        if pulled_graphql.is_file():
            expected = dumps(normalise_introspection(json.loads(pulled_graphql.read_text(encoding="utf-8"))))
            actual = graphql.read_text(encoding="utf-8") if graphql.is_file() else ""
            if expected != actual:
                diff = "\n".join(_diff(expected, actual, graphql.name, 30))
                problems.append(f"{graphql} is not normalise_introspection({pulled_graphql}):\n{diff}")
    with tempfile.TemporaryDirectory(prefix="twenty-codegen-check-") as work:
        fresh = Path(work) / PACKAGE
        generate(schema, fresh)
        problems.extend(compare_trees(fresh, generated))
    return CheckResult(problems=tuple(problems))
