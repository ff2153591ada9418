"""The emulator answers the scenarios this project recorded from a real Twenty 2.21.0 exactly as it did
(``tests/conformance/recorded``: made with ``twenty-emulator parity --save`` from the scripts shipped in
``twenty_emulator/data/parity``; the workspace they were recorded in is ``workspace-metadata.json`` beside them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from twenty_emulator._parity import replay_on_emulator

RECORDED = Path(__file__).parent / "recorded"
METADATA = RECORDED / "workspace-metadata.json"
SCENARIOS = sorted(p for p in RECORDED.glob("*.json") if p != METADATA)
SCRIPTS = Path(__file__).resolve().parents[2] / "emulator" / "twenty_emulator" / "data" / "parity"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_recorded_scenario_replays_on_the_emulator(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    (result,) = replay_on_emulator([scenario], METADATA)
    assert result.total == len(scenario["steps"]) > 0
    assert result.matched == result.total, result.report()


def test_every_recording_is_of_a_shipped_script() -> None:
    """A recording is the answer to a script users can send (``twenty-emulator parity``): same requests, in order."""
    for path in SCENARIOS:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        script = json.loads((SCRIPTS / path.name).read_text(encoding="utf-8"))
        sent = [{"query": [], "auth": "valid", "json": None, **s["request"]} for s in script["steps"]]
        assert [s["request"] for s in recorded["steps"]] == sent, path.name


def test_recordings_hold_no_api_key() -> None:
    for path in RECORDED.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert "Bearer" not in text
        assert "eyJhbGciOi" not in text  # the start of a JWT, which is what Twenty's API keys are
