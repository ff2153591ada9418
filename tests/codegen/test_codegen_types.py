"""The committed generated client passes ``mypy --strict`` (ruff does not lint generated/, mypy does check it).

The drift test proves the committed client is what the generator makes of the snapshot today, so this one check
covers the client generated from the snapshot: the tests generate it once (the drift check) and type-check it once
(here), never again."""

from __future__ import annotations

import pytest
from codegen_mypy import mypy_strict
from twenty_codegen import Layout


@pytest.mark.slow
def test_generated_client_passes_mypy_strict(layout: Layout) -> None:
    mypy_strict(layout.generated.parent, "committed")
