"""The committed generated client passes ``mypy --strict`` (ruff does not lint generated/, mypy does check it)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from twenty_codegen import Layout


def mypy_strict(package_parent: Path, cache: Path) -> None:
    """``mypy --strict -p twenty_generated`` run from ``package_parent``, ignoring the project's mypy settings."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the `codegen` dependency group: nox -s codegen_check)")
    config = cache / "mypy.ini"
    cache.mkdir(parents=True, exist_ok=True)
    config.write_text("[mypy]\n", encoding="utf-8")
    args = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--config-file", str(config)]
    args += ["--cache-dir", str(cache / "cache"), "-p", "twenty_generated"]
    done = subprocess.run(args, cwd=package_parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_generated_client_passes_mypy_strict(layout: Layout, tmp_path: Path) -> None:
    mypy_strict(layout.generated.parent, tmp_path)
