"""The committed snapshot and generated/ are exactly what the pipeline produces (nobody edits generated/ by hand)."""

from __future__ import annotations

import pytest
from twenty_codegen import Layout, check, dumps, pull_emulator


@pytest.mark.slow
def test_generated_client_has_not_drifted_from_the_snapshot(layout: Layout, codegen_tools: None) -> None:
    result = check(
        schema=layout.snapshot,
        generated=layout.generated,
        pulled_core=layout.pulled_core,
        pulled_metadata=layout.pulled_metadata,
    )
    assert result.ok, result.summary()


def test_the_pulled_snapshot_is_what_the_emulator_serves(layout: Layout) -> None:
    """The default client is generated from the emulator's standard workspace: when the emulator's OpenAPI document
    changes, the committed snapshot must follow (``nox -s codegen -- --emulator``, then commit)."""
    pulled = pull_emulator()
    assert dumps(pulled.core) == layout.pulled_core.read_text(encoding="utf-8"), "run: nox -s codegen -- --emulator"
    metadata = dumps({"objects": sorted(pulled.objects, key=lambda o: str(o.get("nameSingular", "")))})
    assert metadata == layout.pulled_metadata.read_text(encoding="utf-8"), "run: nox -s codegen -- --emulator"
    graphql = dumps({"__schema": pulled.graphql})
    assert graphql == layout.pulled_graphql.read_text(encoding="utf-8"), "run: nox -s codegen -- --emulator"
