"""``twenty-sync pull --deleted … --check-keys`` and ``run --restore-deleted`` against the emulator over a loopback
socket: records a CRM user deleted in Twenty, from a shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twenty_emulator._testing import RunningServer
from twenty_sync import CONTACTS, Contact
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, TwentyClient

from . import test_engine_cli
from .test_engine_cli import API_KEY, cli

server = test_engine_cli.server  # fixtures: the emulator on a socket, a warehouse with 3 businesses and 6 contacts
source = test_engine_cli.source


def crm_user(server: RunningServer) -> TwentyClient:
    return TwentyClient(server.url, API_KEY, rate_limit=RateLimit(enabled=False))


def twenty_id(client: TwentyClient, key: str) -> str:
    return str(next(p for p in client.records("people").iter() if p["contactId"] == key)["id"])


def rows(path: Path) -> dict[str, Any]:
    store = LocalStore(path)
    try:
        return {r.key: r for batch in store.read_all(CONTACTS) for r in batch}
    finally:
        store.close()


def pushed_and_pulled(server: RunningServer, source: Path, tmp_path: Path, *pull: str) -> tuple[list[str], Path]:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]
    app = tmp_path / "app.sqlite3"
    cli(*common, "run", "--source", f"local:{source}")
    cli(*common, "pull", "--target", f"local:{app}", *pull)
    return common, app


def test_pull_deleted_delete_removes_the_row_of_a_record_deleted_in_twenty(
    server: RunningServer, source: Path, tmp_path: Path
) -> None:
    common, app = pushed_and_pulled(server, source, tmp_path)
    with crm_user(server) as client:
        client.records("people").delete(twenty_id(client, "C-2"))

    code, out, _ = cli(*common, "pull", "--target", f"local:{app}", "--deleted", "delete")

    assert code == 0
    assert sorted(rows(app)) == ["C-0", "C-1", "C-3", "C-4"]
    assert out.splitlines()[4].split()[:5] == ["contacts", "0", "0", "0", "1"]  # deleted: 1


def test_pull_check_keys_finds_a_destroyed_record_and_status_counts_it(
    server: RunningServer, source: Path, tmp_path: Path
) -> None:
    common, app = pushed_and_pulled(server, source, tmp_path)
    with crm_user(server) as client:
        client.records("people").destroy(twenty_id(client, "C-4"))

    code, _, _ = cli(*common, "pull", "--target", f"local:{app}", "--check-keys")
    _, status, _ = cli("--state", common[1], "status")

    assert code == 0
    store = LocalStore(app)
    assert [k for batch in store.deleted_marks(CONTACTS) for k, _ in batch] == ["C-4"]
    store.close()
    assert status.splitlines()[2].split()[:3] == ["contacts", "5", "1"]  # synced 5, deleted in Twenty 1


def test_run_leaves_a_deleted_record_deleted_unless_restore_deleted(
    server: RunningServer, source: Path, tmp_path: Path
) -> None:
    common, app = pushed_and_pulled(server, source, tmp_path)
    with crm_user(server) as client:
        client.records("people").delete(twenty_id(client, "C-1"))
        cli(*common, "pull", "--target", f"local:{app}")
        warehouse = LocalStore(source)
        warehouse.upsert(CONTACTS, [Contact("C-1", "Ada 1 renamed", {"primary_email": "ada1@x.test"})])
        warehouse.close()

        _, left, _ = cli(*common, "run", "--no-schema", "--source", f"local:{source}")
        trash_after_run = [p["contactId"] for p in client.records("people").iter(filter="deletedAt[is]:NOT_NULL")]
        _, restored, _ = cli(*common, "run", "--no-schema", "--restore-deleted", "--source", f"local:{source}")
        trash_after_restore = [p["contactId"] for p in client.records("people").iter(filter="deletedAt[is]:NOT_NULL")]

    assert trash_after_run == ["C-1"]
    assert "kept_deleted" in left.splitlines()[1]
    assert trash_after_restore == []
    assert "restored" in restored.splitlines()[1]


def test_a_negative_key_check_period_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = cli("--state", str(tmp_path / "s.sqlite3"), "--url", "http://127.0.0.1:9", "--api-key", API_KEY,
                       "pull", "--key-check-every", "-1")  # fmt: skip
    assert code == 2
    assert "--key-check-every" in err
