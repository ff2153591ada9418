"""Fixtures for the codegen tests: where things are, and skips that say what is missing."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest
from twenty_codegen import Layout

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TWENTY_SHARED", ROOT.parent / "shared" / "twenty"))


def _pinned_tools_missing() -> str | None:
    wanted = {"openapi-python-client": "0.29.1", "ruff": "0.17.6"}
    for name, version in wanted.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != version:
            return f"{name}=={version} needed, {found} (install the `codegen` dependency group: nox -s codegen_check)"
    return None


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout(ROOT)


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared/twenty`` (or ``$TWENTY_SHARED``): recordings and dumps of a real Twenty 2.21.0."""
    if not (SHARED / "conformance" / "scenarios").is_dir():
        pytest.skip(f"no recordings of a real Twenty at {SHARED} (set TWENTY_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def codegen_tools() -> None:
    """openapi-python-client and ruff at their pinned versions (the `codegen` dependency group)."""
    missing = _pinned_tools_missing()
    if missing:
        pytest.skip(missing)
