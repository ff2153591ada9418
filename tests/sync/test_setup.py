"""``python -m twenty_sync._setup`` (``nox -s setup``): the seed's schema on a workspace given by URL (key from the
environment), as a dry run, with drift, and on a fresh emulator it starts itself."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import RunningServer, serve_in_thread
from twenty_sync._setup import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWENTY_API_KEY", "TWENTY_CRM_API_KEY", "TWENTY_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(rate_limiter=RateLimiter(enabled=False))


def writes(emulator: Emulator) -> dict[str, int]:
    """The write requests served so far, by route."""
    return {route: n for route, n in emulator.request_counts().items() if not route.startswith("GET ")}


@pytest.fixture
def server(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    monkeypatch.setenv("TWENTY_API_KEY", emulator.api_key)
    with serve_in_thread(emulator) as running:
        yield running


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def test_setup_provisions_a_workspace_then_finds_nothing_left_to_do(server: RunningServer) -> None:
    status, output = run("--url", server.url)

    assert status == 0
    assert f"workspace: {server.url} (API key from environment variable TWENTY_API_KEY)" in output
    assert "created    field     person.contactId" in output
    assert "24 created, 2 unchanged, 0 drifted (24 writes)" in output
    assert "second run: 26 unchanged, 0 drifted (0 writes)" in output
    assert server.emulator.api_key not in output

    status, output = run("--url", server.url)
    assert status == 0
    assert "26 unchanged, 0 drifted (0 writes)" in output


def test_setup_dry_run_prints_the_plan_and_writes_nothing(server: RunningServer) -> None:
    status, output = run("--url", server.url, "--dry-run")

    assert status == 0
    assert "would create  relation  contactBusinessRelationship.person" in output
    assert "(dry run, nothing written)" in output
    assert "second run" not in output
    assert writes(server.emulator) == {}


def test_setup_exits_1_on_drift_and_leaves_it(server: RunningServer) -> None:
    person = next(o for o in server.emulator.workspace.objects if o.name_singular == "person")
    httpx.post(
        f"{server.url}/rest/metadata/fields",
        json={"objectMetadataId": person.id, "type": "NUMBER", "name": "contactId", "label": "Contact ID"},
        headers={"Authorization": f"Bearer {server.emulator.api_key}"},
    ).raise_for_status()

    status, output = run("--url", server.url)

    assert status == 1
    assert "drifted    field     person.contactId" in output
    assert "drift: 1 item(s) differ from the seed schema and were left alone" in output


def test_setup_without_a_key_names_every_place_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emulator: Emulator
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    for name in ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)

    status, output = run("--url", "http://127.0.0.1:9")

    assert status == 2
    assert "TWENTY_API_KEY" in output
    assert "TWENTY_CRM_API_KEY" in output


def test_setup_without_url_provisions_a_fresh_emulator_it_starts_itself() -> None:
    status, output = run()

    assert status == 0, output
    assert "workspace: a fresh emulator at http://127.0.0.1:" in output
    assert "created    object    contactBusinessRelationship" in output
    assert "second run: 26 unchanged, 0 drifted (0 writes)" in output


def test_setup_with_a_mapping_provisions_what_it_writes_to(server: RunningServer, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[contacts]\ntable = "customers"\nkey = "id"\nfields = { canonical_name = "full_name" }\n'
        '[contacts.custom.tier]\ncolumn = "tier"\ntype = "SELECT"\noptions = ["GOLD", "SILVER"]\n'
    )

    status, output = run("--url", server.url, "--mapping", str(mapping))

    assert status == 0, output
    assert re.search(r"created +field +person\.tier +SELECT \(2 options\)", output)
    assert "person.categoryCode" not in output  # a seed field this mapping does not fill
    assert "second run: 3 unchanged, 0 drifted (0 writes)" in output


def test_setup_with_a_broken_mapping_exits_2_naming_the_problem(server: RunningServer, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[contacts]\ntable = "customers"\n')

    status, output = run("--url", server.url, "--mapping", str(mapping))

    assert status == 2
    assert f"{mapping} [contacts]: key (the key column) is missing" in output
    assert writes(server.emulator) == {}
