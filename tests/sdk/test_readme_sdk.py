"""The README's SDK examples run as written, against the emulator on a loopback socket (README rule 10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import serve_in_thread

README = Path(__file__).resolve().parents[2] / "README.md"


def sdk_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Using the SDK") : text.index("## Syncing a warehouse with Twenty")]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_sdk_section_has_examples() -> None:
    assert len(sdk_examples()) >= 3


def test_every_sdk_example_runs() -> None:
    emulator = Emulator(api_key="readme-example-key-0123456789", rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        namespace: dict[str, Any] = {"base_url": server.url, "api_key": emulator.api_key}
        for block in sdk_examples():
            exec(compile(block, str(README), "exec"), namespace)  # the README's own code
