"""Every task a user or CI runs, as nox sessions.

nox                     lint, typecheck and tests (what CI runs)
nox -s tests            the test suite on pytest-xdist workers (starts what it needs: the emulator in-process and on
                        loopback); `-- -n 0` runs it in one process (for --pdb), `-- tests/sdk -x` a part
nox -s conformance      replay the recordings of a real Twenty 2.21.0 against the emulator
nox -s emulator         run the emulator on 127.0.0.1:3000 (pass flags after --)
nox -s setup            provision and verify the seed's schema: on a fresh emulator, or `-- --url URL` (key in
                        TWENTY_API_KEY or Secret Manager); `-- --dry-run` prints the plan; a second run changes nothing;
                        `-- --mapping FILE`: the schema a mapping of your own tables writes to
nox -s codegen          regenerate generated/ from codegen/snapshots; `-- --emulator`: re-pull the snapshot from
                        the emulator's standard workspace first; `-- --url URL`: from a live workspace (key in
                        TWENTY_API_KEY); `-- check`, `-- pull --url URL`…: one step of the pipeline
nox -s bench            one table: the seed's approach vs ours (requests, time, records/s), pacing, import, memory
nox -s sync             the sync engine's tests and its benchmark (requests per load, no-op re-sync, plan memory)
nox -s demo             the whole story with nothing configured: an emulator, a messy 5k-contact warehouse, setup,
                        sync, re-sync, a change, an edit pulled back, a summary (`-- --scale 0.1`, `-- --keep DIR`)
nox -s codegen_check    the codegen tests with the pinned generator: drift check, recorded answers, mypy --strict
nox -s record           re-record the cassettes (tests/cassettes) against a real Twenty: `-- --url URL` (key in
                        TWENTY_API_KEY; limits raised, as ../shared/real-twenty starts it), and `--url-default-limits
                        URL2` (one with Twenty's own limits, idle for a minute) for the 429 flows
nox -s parity           the emulator vs a real Twenty: `-- --url URL` sends the parity suite to both and prints every
                        difference (key: TWENTY_API_KEY or Secret Manager); `-- --url URL --save DIR` keeps the
                        recordings (tests/conformance/recorded holds ours, replayed by the tests)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
SHARED = Path(os.environ.get("TWENTY_SHARED", ROOT.parent / "shared" / "twenty"))
# mypy's caches (ours here, the generated clients' in tests/codegen/codegen_mypy.py), kept between runs and clones
MYPY_CACHE = Path(
    os.environ.get("TWENTY_MYPY_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "twenty-sdk" / "mypy"
)


def _install(session: nox.Session, *groups: str, extras: str = "emulator") -> None:
    session.install("-e", f".[{extras}]" if extras else ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


def _workers() -> str:
    """pytest-xdist workers: twice the CPUs (at least 2). Much of the suite waits on subprocesses, sockets and
    servers rather than computing, so two workers per CPU keep the CPUs busy; ``-- -n N`` overrides."""
    return str(max(2, 2 * (os.cpu_count() or 1)))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite on every CPU (with the pinned generator, so the generated/ drift check runs too)."""
    _install(session, "test", "codegen")
    session.run("pytest", "-n", _workers(), "--dist", "worksteal", "-m", "not real_clock", *session.posargs)
    # then, alone on the machine, the tests that pace on the real clock: a busy CPU delays a paced request into the
    # server's next window, which is a test artefact, not a pacing bug (5: none of them was selected)
    session.run("pytest", "-m", "real_clock", *session.posargs, success_codes=[0, 5])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on our packages."""
    _install(session, "lint", "test")
    # mypy's incremental cache kept outside the work tree (as uv keeps its own), so a fresh clone re-checks only what
    # changed; mypy validates every cached module against its source's hash. TWENTY_MYPY_CACHE moves it.
    env = {"MYPY_CACHE_DIR": str(MYPY_CACHE / "ours")}
    session.run("mypy", env=env)
    session.run("mypy", "demo", env=env)


@nox.session
def conformance(session: nox.Session) -> None:
    """Boot the emulator from the recorded workspace and replay every recorded scenario against it."""
    if not (SHARED / "conformance" / "replay.py").exists():
        session.skip(f"no recordings at {SHARED} (set TWENTY_SHARED)")
    _install(session)
    session.run("python", "-m", "twenty_emulator._conformance", "--shared", str(SHARED), *session.posargs)


@nox.session(default=False)
def emulator(session: nox.Session) -> None:
    """Run the emulator (defaults: 127.0.0.1:3000, API key printed at start)."""
    _install(session)
    session.run("twenty-emulator", "serve", *session.posargs)


@nox.session(default=False)
def setup(session: nox.Session) -> None:
    """Provision and verify the seed's schema, or a mapping's (`-- --mapping FILE`) (default: on a fresh emulator;
    `-- --url URL`, `-- --dry-run`)."""
    _install(session, extras="emulator,secretmanager")
    session.run("python", "-m", "twenty_sync._setup", *session.posargs)


_CODEGEN_STEPS = ("pull", "normalise", "generate", "check", "all")


@nox.session(default=False)
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from the committed snapshot (`-- --emulator` or `-- --url URL`: pull first)."""
    _install(session, "codegen")
    step_given = bool(session.posargs) and session.posargs[0] in _CODEGEN_STEPS
    args = session.posargs if step_given else ["all", *session.posargs]
    session.run("python", "-m", "twenty_codegen", *args)


@nox.session
def codegen_check(session: nox.Session) -> None:
    """The codegen tests with the pinned generator installed (drift check included; slow ones too)."""
    _install(session, "codegen", "test")
    session.run("pytest", "tests/codegen", *session.posargs)


@nox.session(default=False)
def sync(session: nox.Session) -> None:
    """The sync engine's tests, then its benchmark against the emulator (`-- --contacts 10000 ...` for bench flags)."""
    _install(session, "test", extras="emulator,bigquery,supabase")
    session.run("pytest", "tests/sync/test_mapping.py", "tests/sync/test_engine.py", "tests/sync/test_engine_cli.py")
    session.run("python", "bench/bench_sync.py", *session.posargs)


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """The demo, with nothing configured: Twenty emulated in process, a seeded messy warehouse synced both ways."""
    _install(session, extras="emulator")
    session.run("python", "demo/twenty_demo.py", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """The comparison table: the seed's lookup-then-write approach vs ours; pacing; import time; export memory."""
    _install(session, "test", extras="emulator")
    session.run("python", "bench/run_all.py", *session.posargs)


@nox.session(default=False)
def clean(session: nox.Session) -> None:
    """Remove caches and build output."""
    for name in (".mypy_cache", ".ruff_cache", ".pytest_cache", "dist", "build"):
        shutil.rmtree(ROOT / name, ignore_errors=True)


@nox.session(default=False)
def parity(session: nox.Session) -> None:
    """Send the parity suite to a real Twenty (`-- --url URL`) and to the emulator; print every difference."""
    _install(session, extras="emulator,secretmanager")
    if not any(a == "--url" or a.startswith("--url=") for a in session.posargs):
        session.error("usage: nox -s parity -- --url URL [--only p01 ...] [--save DIR]")
    env = {}
    if not (os.environ.get("TWENTY_API_KEY") or os.environ.get("TWENTY_CRM_API_KEY")):
        # the usual places, as the SDK resolves them (the emulator's command reads only the environment)
        code = "from twenty_sdk._config import resolve_api_key; print(resolve_api_key(None)[0].get_secret_value())"
        env["TWENTY_API_KEY"] = str(session.run("python", "-c", code, silent=True)).strip()
    session.run("twenty-emulator", "parity", *session.posargs, env=env)


@nox.session(default=False)
def record(session: nox.Session) -> None:
    """Re-record the cassettes of tests/cassettes against a real Twenty (`-- --url URL`, key in TWENTY_API_KEY)."""
    _install(session, "test", extras="emulator,bigquery,supabase")
    args = list(session.posargs)
    if "--url" not in args or args.index("--url") + 1 >= len(args):
        session.error("usage: nox -s record -- --url URL [pytest args]")
    at = args.index("--url")
    env = {"TWENTY_RECORD_URL": args[at + 1]}
    del args[at : at + 2]
    if "--url-default-limits" in args:  # a server with Twenty's own limits, for the 429 flows (else left as they are)
        at = args.index("--url-default-limits")
        env["TWENTY_RECORD_URL_DEFAULT_LIMITS"] = args[at + 1]
        del args[at : at + 2]
    if not (os.environ.get("TWENTY_API_KEY") or os.environ.get("TWENTY_CRM_API_KEY")):
        session.error("set TWENTY_API_KEY to the server's API key (it never reaches a cassette)")
    session.run("pytest", "tests/cassettes", *args, env=env)
