"""A throw-away PostgreSQL cluster for the tests: ``initdb`` into a temporary directory, ``pg_ctl start`` on a free
loopback port with its unix socket in that directory, ``pg_ctl stop`` and removal at the end.

Binaries: ``$TWENTY_PG_BINDIR`` if set, else the newest ``/usr/lib/postgresql/*/bin`` (Debian's layout), else
``initdb`` on PATH. ``.ci/run`` installs Debian's ``postgresql`` when none is found; elsewhere the fixture skips,
naming what it looked for (under ``CI`` it fails instead).

PostgreSQL refuses to run as root. Under root the cluster runs as the ``postgres`` system user (Debian's package
creates it), or ``nobody`` if there is none: the temporary directory is handed to that user and every binary is run
through ``runuser -u USER --``. As any other user, the binaries run as that user. The cluster trusts local connections
(no password), listens on 127.0.0.1 only, and runs with fsync off: its data is thrown away.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import pytest

__all__ = ["PostgresServer", "find_pg_bindir", "postgres_server", "start_postgres"]

SUPERUSER = "postgres"  # the cluster's superuser role (not the OS user)


@attrs.frozen
class PostgresServer:
    host: str
    port: int
    user: str
    dbname: str
    socket_dir: Path
    version: str

    @property
    def conninfo(self) -> str:
        """A libpq connection string over TCP loopback."""
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


def find_pg_bindir() -> Path | None:
    if env := os.environ.get("TWENTY_PG_BINDIR"):
        return Path(env) if (Path(env) / "initdb").exists() else None
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _os_user() -> str | None:
    """The OS user to run the binaries as, or None to run them as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as")


def _run(args: list[str], os_user: str | None, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = ["runuser", "-u", os_user, "--", *args] if os_user else args
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


@contextmanager
def start_postgres(bindir: Path) -> Iterator[PostgresServer]:
    os_user = _os_user()
    root = Path(tempfile.mkdtemp(prefix="twenty-sync-pg-"))
    data, log = root / "data", root / "server.log"
    try:
        if os_user:
            entry = pwd.getpwnam(os_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o700)
        init = _run(
            [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale",
             "--no-sync"],
            os_user,
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        last_error = ""
        for _ in range(3):  # the free port may be taken between the check and the bind
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=50"
            )
            started = _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
                            "start"], os_user)  # fmt: skip
            if started.returncode == 0:
                break
            last_error = f"{started.stdout}\n{started.stderr}\n{log.read_text() if log.exists() else ''}"
        else:
            raise RuntimeError(f"pg_ctl start failed three times:\n{last_error}")
        version = _run([str(bindir / "postgres"), "--version"], os_user).stdout.strip()
        try:
            yield PostgresServer("127.0.0.1", port, SUPERUSER, "postgres", root, version)
        finally:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"], os_user)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the whole session (started on first use)."""
    bindir = find_pg_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL binaries not found (looked at $TWENTY_PG_BINDIR, /usr/lib/postgresql/*/bin and PATH); "
            "install Debian's postgresql package, as .ci/run does"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs them: their absence there is a broken CI, not a reason to skip
        pytest.skip(reason)
    with start_postgres(bindir) as server:
        yield server
