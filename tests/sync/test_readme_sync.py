"""The README's sync example runs as written, against the emulator on a loopback socket (README rule 10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import serve_in_thread

README = Path(__file__).resolve().parents[2] / "README.md"


def sync_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Syncing a warehouse with Twenty") : text.index("## The emulator")]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_sync_example_runs(tmp_path: Path) -> None:
    examples = sync_examples()
    assert examples
    emulator = Emulator(api_key="readme-sync-key-0123456789abcdef", rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as server:
        namespace: dict[str, Any] = {
            "base_url": server.url,
            "api_key": emulator.api_key,
            "warehouse_path": str(tmp_path / "warehouse.sqlite3"),
            "state_path": str(tmp_path / "state.sqlite3"),
        }
        for block in examples:
            exec(compile(block, str(README), "exec"), namespace)  # the README's own code
