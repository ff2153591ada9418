"""Generate a typed client for a Twenty workspace from the workspace's own schema.

    python -m twenty_codegen all [--url URL]     # or: nox -s codegen [-- --url URL]

Each step is a function (and a command of ``python -m twenty_codegen``):

- :func:`pull` — ``GET /rest/open-api/core`` and ``/rest/metadata/objects`` of a workspace (:func:`write_pulled`);
- :func:`normalise` — make the document tell the truth about nulls, cursors, enums, errors (deterministic);
- :func:`generate` — openapi-python-client + ruff, both pinned, into the package ``twenty_generated``;
- :func:`check` — regenerate into a temporary folder and report any drift from what is committed.
"""

from twenty_codegen._check import CheckResult, check, compare_trees, load_metadata
from twenty_codegen._generate import Generated, GenerateError, generate, generator_versions
from twenty_codegen._layout import Layout
from twenty_codegen._normalise import dumps, load_document, normalise
from twenty_codegen._pull import (
    MissingApiKeyError,
    Pulled,
    PullError,
    pull,
    pull_emulator,
    resolve_api_key,
    write_pulled,
)

__all__ = [
    "CheckResult",
    "GenerateError",
    "Generated",
    "Layout",
    "MissingApiKeyError",
    "PullError",
    "Pulled",
    "check",
    "compare_trees",
    "dumps",
    "generate",
    "generator_versions",
    "load_document",
    "load_metadata",
    "normalise",
    "pull",
    "pull_emulator",
    "resolve_api_key",
    "write_pulled",
]
