"""``twenty-sync plan | run | pull | status`` against the emulator over a loopback socket."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync import BUSINESSES, CONTACTS, Business, Contact
from twenty_sync._cli import main, open_store
from twenty_sync.stores import LocalStore

API_KEY = "tw_cli_Yt7wN3bQ"


@pytest.fixture
def server() -> Iterator[RunningServer]:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    with serve_in_thread(emulator) as running:
        yield running


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.sqlite3"
    store = LocalStore(path)
    store.ensure_schema()
    store.upsert(BUSINESSES, [Business(f"B-{i}", f"Biz {i}", website=f"https://b{i}.test") for i in range(3)])
    store.upsert(
        CONTACTS,
        [Contact(f"C-{i}", f"Ada {i}", {"primary_email": f"ada{i}@x.test"}) for i in range(5)]
        + [Contact("C-bad", "Bad", {"primary_email": "bad@"})],
    )
    store.close()
    return path


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_plan_run_status_pull(server: RunningServer, source: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    common = ["--state", state, "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]

    code, plan, _ = cli("--state", state, "plan", "--source", f"local:{source}")
    assert code == 0
    assert plan.splitlines()[2].split() == ["businesses", "3", "0", "0", "0", "0", "0"]
    assert plan.splitlines()[3].split() == ["contacts", "5", "0", "0", "0", "1", "0"]
    assert server.emulator.request_counts() == {}

    code, dry, _ = cli(*common, "run", "--dry-run", "--source", f"local:{source}")
    assert code == 0
    assert dry == plan
    assert server.emulator.request_counts() == {}

    code, run, _ = cli(*common, "--progress", "run", "--source", f"local:{source}")
    assert code == 1  # one record failed
    assert run.splitlines()[4].split()[:6] == ["contacts", "5", "0", "0", "0", "1"]
    assert "C-bad: primary_email: 'bad@' is not a valid email address" in run

    code, status, _ = cli("--state", state, "status")
    assert code == 0
    assert "contacts               5" in status
    assert "contacts C-bad [upsert, attempt 1]" in status

    app = tmp_path / "app.sqlite3"
    code, _, _ = cli(*common, "pull", "--target", f"local:{app}", "--store-owns", "category_code")
    assert code == 0
    store = LocalStore(app)
    assert sorted(r.key for batch in store.read_all(CONTACTS) for r in batch) == [f"C-{i}" for i in range(5)]
    store.close()


def test_a_bad_store_spec_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = cli("--state", str(tmp_path / "s.sqlite3"), "plan", "--source", "nowhere")

    assert code == 2
    assert "local:PATH" in err


def test_open_store_makes_a_local_store(tmp_path: Path) -> None:
    store = open_store(f"local:{tmp_path / 'x.sqlite3'}")

    assert isinstance(store, LocalStore)
    store.close()


def test_the_public_surface_is_locked() -> None:
    import twenty_sync

    assert set(twenty_sync.__all__) == {
        # the engine, its policies and what it reports
        "SyncEngine", "ConflictPolicy", "FieldOwner", "FieldPolicy", "DeletionPolicy", "Limits", "Progress",
        "RunReport", "EntityReport", "SyncPlan", "EntityPlan", "Change", "Op",
        # the records and their entities
        "Business", "Contact", "Relationship", "Entity", "ENTITIES", "BUSINESSES", "CONTACTS", "RELATIONSHIPS",
        # the seed's schema, and the user's own tables through a mapping
        "RELATIONSHIP_OBJECT", "SEED_SCHEMA", "CustomField", "EntityMapping", "Identifiers", "MappedSource",
        "MappedSourceError", "SourceMappingError", "SyncMapping",
        # the state, and the errors
        "SyncState", "PostgresSyncState", "State", "StateRow", "SyncError", "Watermark", "Deletion", "MappingError",
    }  # fmt: skip
    assert all(hasattr(twenty_sync, name) for name in twenty_sync.__all__)


def test_run_with_batches_in_flight(server: RunningServer, source: Path, tmp_path: Path) -> None:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]

    code, run, _ = cli(*common, "run", "--concurrency", "3", "--source", f"local:{source}")
    bad, _, err = cli(*common, "run", "--concurrency", "0", "--source", f"local:{source}")

    assert code == 1  # C-bad, as in a run one batch at a time
    assert run.splitlines()[4].split()[:6] == ["contacts", "5", "0", "0", "0", "1"]
    assert bad == 2
    assert "must be at least 1" in err


@pytest.fixture
def national_phones(tmp_path: Path) -> Path:
    path = tmp_path / "phones.sqlite3"
    store = LocalStore(path)
    store.ensure_schema()
    store.upsert(CONTACTS, [Contact("C-1", "Ada", {"primary_email": "ada@x.test", "primary_phone": "(415) 555-0101"})])
    store.close()
    return path


def test_a_national_phone_without_a_region_lands_without_it_and_warns(
    server: RunningServer, national_phones: Path, tmp_path: Path
) -> None:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]

    code, run, _ = cli(*common, "run", "--source", f"local:{national_phones}")

    assert code == 0  # a warning is no failure
    assert "warning contacts C-1: primary_phone: '(415) 555-0101' has no country code" in run


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_the_default_phone_region_comes_from_the_flag_or_the_environment(
    how: str, server: RunningServer, national_phones: Path, tmp_path: Path
) -> None:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]
    flag = ["--default-phone-region", "US"] if how == "flag" else []
    env = {"TWENTY_SYNC_DEFAULT_PHONE_REGION": "US"} if how == "environment" else {}
    out, err = io.StringIO(), io.StringIO()

    code = main([*common, *flag, "run", "--source", f"local:{national_phones}"], stdout=out, stderr=err, env=env)

    assert code == 0
    assert "warning" not in out.getvalue()
    assert server.emulator.request_counts()["POST /rest/batch/{object}"] == 1


def test_strict_refuses_the_contact_instead(server: RunningServer, national_phones: Path, tmp_path: Path) -> None:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]

    code, run, _ = cli(*common, "--strict", "run", "--source", f"local:{national_phones}")

    assert code == 1
    assert "error contacts C-1: primary_phone: '(415) 555-0101' has no country code" in run


def test_a_pull_into_the_store_pushed_from_leaves_its_own_echo_out(
    server: RunningServer, source: Path, tmp_path: Path
) -> None:
    common = ["--state", str(tmp_path / "state.sqlite3"), "--url", server.url, "--api-key", API_KEY, "--no-rate-limit"]
    env = {"TWENTY_SYNC_SOURCE": f"local:{source}", "TWENTY_SYNC_TARGET": f"local:{source}"}
    out, err = io.StringIO(), io.StringIO()
    main([*common, "run"], stdout=out, stderr=err, env=env)
    before = LocalStore(source)
    spelled = {r.key: r.contact_identifiers for batch in before.read_all(CONTACTS) for r in batch}
    before.close()
    pulled = io.StringIO()

    code = main([*common, "pull"], stdout=pulled, stderr=err, env=env)

    assert code == 0
    assert pulled.getvalue().splitlines()[3].split()[:4] == ["businesses", "0", "0", "3"]  # the echo, left out
    after = LocalStore(source)
    assert {r.key: r.contact_identifiers for batch in after.read_all(CONTACTS) for r in batch} == spelled
    after.close()
