"""``mypy --strict`` on a generated client, with an incremental cache kept between runs.

The cache lives outside the work tree, as uv keeps its own: ``$TWENTY_MYPY_CACHE/generated``, else
``~/.cache/twenty-sdk/mypy/generated`` (``nox -s typecheck`` keeps ours beside it). A client that did not change is
checked in seconds instead of a cold half-minute, in any clone; mypy validates each cached module against its
source's hash, so a changed file is always checked again."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["MYPY_CACHE", "mypy_strict"]

MYPY_CACHE = (
    Path(
        os.environ.get("TWENTY_MYPY_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "twenty-sdk" / "mypy"
    )
    / "generated"
)


def mypy_strict(package_parent: Path, name: str) -> None:
    """``mypy --strict -p twenty_generated`` run from ``package_parent``, ignoring the project's mypy settings.

    ``name`` says which client this is (the committed one, one per real document): each has a cache of its own, so
    the clients of one run do not evict each other's modules (they share module names)."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the `codegen` dependency group: nox -s codegen_check)")
    cache = MYPY_CACHE / name
    cache.mkdir(parents=True, exist_ok=True)
    config = cache / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    args = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--config-file", str(config)]
    args += ["--cache-dir", str(cache / "cache"), "-p", "twenty_generated"]
    done = subprocess.run(args, cwd=package_parent, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
