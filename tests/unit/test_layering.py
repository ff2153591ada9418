"""The layering of STYLE.md, enforced on the source: twenty_sync → twenty_sdk → twenty_generated → httpx/attrs;
the emulator is written from Twenty's behaviour and imports none of the client; cloud SDKs are imported only by the
one module that serves each.

Across packages only public names are used: no ``from twenty_sdk._x import …`` outside twenty_sdk (a name another
package needs is exported, documented, in its ``__all__``). And a package does not reach a layer it may not import
by starting it in a child process instead (``python -m twenty_emulator…``, the ``twenty-emulator`` command)."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
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


# Console scripts (pyproject [project.scripts]) and the package each one starts.
SCRIPTS = {"twenty-emulator": "twenty_emulator", "twenty-sync": "twenty_sync"}
# Spawns across layers allowed, each with its reason; the last test fails when one is no longer needed.
SPAWN_EXCEPTIONS = {
    "sync/twenty_sync/_setup.py": (
        "twenty_emulator",
        "`nox -s setup` (python -m twenty_sync._setup) provisions the seed's schema on a fresh emulator when given "
        "no --url: a development command, imported by nothing in the library",
    ),
}


def private_imports_of(path: Path, own: str) -> set[str]:
    """The private modules or names of our packages other than ``own`` that ``path`` imports
    (``twenty_sdk._errors``, ``twenty_emulator._testing.serve_in_thread``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        dotted: list[str] = []
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            dotted = [f"{node.module}.{alias.name}" for alias in node.names]
        for name in dotted:
            parts = name.split(".")
            if parts[0] in PACKAGES and parts[0] != own and any(p.startswith("_") for p in parts[1:]):
                found.add(name)
    return found


def _strings(node: ast.AST) -> Iterator[str | None]:
    for element in node.elts if isinstance(node, ast.List | ast.Tuple) else ():
        yield element.value if isinstance(element, ast.Constant) and isinstance(element.value, str) else None


def spawned_packages(path: Path) -> set[str]:
    """Our packages that ``path`` starts in a child process: ``"-m", "<package…>"`` in a list or tuple, a console
    script as a list's first element, or ``python -m <package>`` in a string that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple):
            items = list(_strings(node))
            found.update(str(b).split(".")[0] for a, b in itertools.pairwise(items) if a == "-m" and b)
            if items and items[0] in SCRIPTS:
                found.add(SCRIPTS[items[0]])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.update(re.findall(r"-m\s+(twenty_\w+)", node.value))
    return {name for name in found if name in PACKAGES}


@pytest.mark.parametrize(
    ("package", "path"), sources(), ids=lambda v: str(v).rsplit("/", 2)[-1] if isinstance(v, Path) else v
)
def test_module_imports_no_private_name_of_another_package(package: str, path: Path) -> None:
    bad = sorted(private_imports_of(path, package))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: use (or add) a public name of that package"


@pytest.mark.parametrize(
    ("package", "path"), sources(), ids=lambda v: str(v).rsplit("/", 2)[-1] if isinstance(v, Path) else v
)
def test_module_starts_no_layer_it_may_not_import(package: str, path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    allowed = {SPAWN_EXCEPTIONS[rel][0]} if rel in SPAWN_EXCEPTIONS else set()
    bad = sorted(spawned_packages(path) & FORBIDDEN.get(package, set()) - allowed)
    assert not bad, f"{rel} starts {bad} in a child process, which {package} must not depend on"


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The two detectors on a sample of what they must find, and of what they must let pass."""
    sample = tmp_path / "_layering_sample.py"
    code = (
        '"""python -m twenty_emulator serve, in a docstring: documentation, not a spawn."""\n'
        "import subprocess, sys\n"
        "from twenty_sdk._errors import scrub\n"
        "from twenty_sdk import TwentyClient\n"
        "import twenty_emulator._cli\n"
        'subprocess.run([sys.executable, "-m", "twenty_emulator._cli", "serve"])\n'
        'subprocess.run(["twenty-emulator", "serve"])\n'
        'subprocess.run("python -m twenty_codegen all", shell=True)\n'
    )
    sample.write_text(code, encoding="utf-8")
    assert private_imports_of(sample, "twenty_sync") == {"twenty_sdk._errors.scrub", "twenty_emulator._cli"}
    assert spawned_packages(sample) == {"twenty_emulator", "twenty_codegen"}


def test_every_spawn_exception_is_still_needed() -> None:
    for rel, (package, _reason) in SPAWN_EXCEPTIONS.items():
        assert package in spawned_packages(ROOT / rel), f"{rel} no longer starts {package}: drop its exception"


def test_layering_check_sees_the_packages() -> None:
    found = {pkg for pkg, _ in sources()}
    assert {"twenty_emulator", "twenty_sdk"} <= found
