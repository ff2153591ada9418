"""The README's emulator section runs as written: its Python blocks are executed (their test functions called with
the plugin's fixtures), its ``twenty-emulator`` command lines parse, and its inline fault example works."""

from __future__ import annotations

import inspect
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule
from twenty_emulator._cli import _parser

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## The emulator")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(_section()) if lang == language]


def test_the_section_has_examples() -> None:
    assert len(_blocks("python")) >= 2
    assert _blocks("bash")


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_block_runs(index: int, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {"__name__": f"readme_block_{index}"}
    exec(compile(_blocks("python")[index], f"README.md (emulator block {index})", "exec"), namespace)
    tests = {name: f for name, f in namespace.items() if name.startswith("test_") and callable(f)}
    for test in tests.values():  # a block of test functions: run each with the fixtures it names
        test(**{name: request.getfixturevalue(name) for name in inspect.signature(test).parameters})
    if "pytest_plugins" in namespace:
        assert namespace["pytest_plugins"] == ["twenty_emulator.pytest_plugin"]
    emulator = namespace.get("emulator")
    if isinstance(emulator, Emulator):  # the plugin-less block: what its comments promise
        assert emulator.request_counts().get("POST /rest/batch/{object}") == 1
        printed = capsys.readouterr().out
        assert re.search(r"^http://127\.0\.0\.1:\d+$", printed, re.MULTILINE), printed
        assert "'POST /rest/batch/{object}': 1" in printed
    assert tests or emulator is not None, "a README block that neither defines tests nor builds an emulator"


def test_the_plugin_block_exercises_its_fixtures(twenty_client: httpx.Client) -> None:
    block = next(b for b in _blocks("python") if "pytest_plugins" in b)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    namespace["test_creates_a_person"](twenty_client)
    assert twenty_client.get("/rest/people").json()["data"]["people"][0]["name"]["firstName"] == "Ada"


def _command_lines() -> list[list[str]]:
    lines: list[list[str]] = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "twenty-emulator":
                lines.append(words[1:])
    return lines


@pytest.mark.parametrize("argv", _command_lines(), ids=" ".join)
def test_command_line_parses(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    assert args.command == argv[0]


def test_the_inline_fault_example_works() -> None:
    calls = re.findall(r"`(emulator\.faults\.set\(.*?\))`", _section())
    assert calls, "the README no longer shows emulator.faults.set(...)"
    for call in calls:
        emulator = Emulator()
        eval(call, {"emulator": emulator, "FaultRule": FaultRule})
        assert emulator.faults.rules
    assert "/_emulator/faults" in _section()
    assert "/_emulator/counters" in _section()
