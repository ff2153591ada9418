"""The emulator answers every recorded request of a real Twenty 2.21.0 as the real server did
(``../shared/twenty/conformance``, compared with its own ``replay.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from twenty_emulator._conformance import run

SHARED = Path(__file__).resolve().parents[3] / "shared" / "twenty"
pytestmark = pytest.mark.skipif(
    not (SHARED / "conformance" / "replay.py").exists(), reason=f"no recordings of a real Twenty at {SHARED}"
)


def test_every_recorded_step_matches() -> None:
    matched, total, report = run(SHARED, quiet=True)
    assert total >= 423, report
    assert matched == total, report
