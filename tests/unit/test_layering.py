"""The layering of STYLE.md, enforced on the source: twenty_sync → twenty_sdk → twenty_generated → httpx/attrs;
the emulator is written from Twenty's behaviour and imports none of the client; cloud SDKs are imported only by the
one module that serves each."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "twenty_emulator": ROOT / "emulator" / "twenty_emulator",
    "twenty_sdk": ROOT / "twenty_sdk",
    "twenty_sync": ROOT / "sync" / "twenty_sync",
    "twenty_generated": ROOT / "generated" / "twenty_generated",
    "twenty_codegen": ROOT / "codegen" / "twenty_codegen",
}
FORBIDDEN = {
    "twenty_generated": {"twenty_sdk", "twenty_sync", "twenty_emulator", "twenty_codegen"},
    "twenty_sdk": {"twenty_sync", "twenty_emulator", "twenty_codegen"},
    "twenty_emulator": {"twenty_sdk", "twenty_sync", "twenty_generated", "twenty_codegen"},
    "twenty_sync": {"twenty_emulator", "twenty_codegen"},
    "twenty_codegen": {"twenty_sync"},
}
# Cloud SDKs: which modules may import them (path suffixes).
CLOUD = {
    "google.cloud.bigquery": ("twenty_sync/stores/_bigquery.py",),
    "google.cloud.secretmanager": ("twenty_sdk/_secrets.py",),
    "supabase": ("twenty_sync/stores/_supabase_rest.py",),
    "psycopg": ("twenty_sync/stores/_postgres.py", "twenty_sync/_state_postgres.py"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources() -> list[tuple[str, Path]]:
    return [(pkg, f) for pkg, d in PACKAGES.items() if d.exists() for f in sorted(d.rglob("*.py"))]


@pytest.mark.parametrize(
    ("package", "path"), sources(), ids=lambda v: str(v).rsplit("/", 2)[-1] if isinstance(v, Path) else v
)
def test_module_respects_layering(package: str, path: Path) -> None:
    bad = sorted(name for name in imports_of(path) if name.split(".")[0] in FORBIDDEN.get(package, set()))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which {package} must not depend on"


@pytest.mark.parametrize(
    ("package", "path"), sources(), ids=lambda v: str(v).rsplit("/", 2)[-1] if isinstance(v, Path) else v
)
def test_cloud_sdks_only_in_their_store_module(package: str, path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    for name in imports_of(path):
        for sdk, allowed in CLOUD.items():
            if name == sdk or name.startswith(sdk + "."):
                assert rel.endswith(allowed), f"{rel} imports {name}; only {allowed} may"


def test_layering_check_sees_the_packages() -> None:
    found = {pkg for pkg, _ in sources()}
    assert {"twenty_emulator", "twenty_sdk"} <= found
