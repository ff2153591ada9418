"""``twenty-emulator``: the standard workspace's metadata as JSON, ``--fault`` parsing, and ``serve`` as a real
process on a free loopback port."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from twenty_emulator import Emulator, FaultRule, Workspace
from twenty_emulator._cli import main, parse_fault
from twenty_emulator._testing import client


@pytest.fixture
def metadata_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["standard-metadata"]) == 0
    path = tmp_path / "workspace.json"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def test_standard_metadata_prints_the_standard_workspace(metadata_file: Path) -> None:
    printed = json.loads(metadata_file.read_text(encoding="utf-8"))
    objects = printed["data"]["objects"]
    assert sorted(o["nameSingular"] for o in objects) == sorted(o.name_singular for o in Workspace.standard().objects)
    assert {"person", "company", "opportunity", "note", "task"} <= {o["nameSingular"] for o in objects}


def test_standard_metadata_boots_an_emulator_that_works(metadata_file: Path) -> None:
    emulator = Emulator(metadata_file, api_key="k")
    with client(emulator) as http:
        created = http.post("/rest/people", json={"emails": {"primaryEmail": "Ada@X.test"}})
        assert created.status_code == 201
        assert created.json()["data"]["createPerson"]["emails"]["primaryEmail"] == "ada@x.test"
        company = http.post("/rest/companies", json={"name": "Acme"}).json()["data"]["createCompany"]["id"]
        person = http.post("/rest/people", json={"companyId": company}).json()["data"]["createPerson"]["id"]
        embedded = http.get(f"/rest/people/{person}", params={"depth": 1}).json()["data"]["person"]["company"]
        assert embedded["name"] == "Acme"


def test_the_printed_metadata_round_trips(metadata_file: Path) -> None:
    booted = Emulator(metadata_file).workspace.to_json()
    assert booted == Workspace.standard().to_json()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "POST /rest/batch/*:error_rate=0.2,latency_ms=50",
            FaultRule(route="POST /rest/batch/*", error_rate=0.2, latency_ms=50.0),
        ),
        ("error_rate=0.1", FaultRule(route="*", error_rate=0.1)),
        (":drop_rate=0.5", FaultRule(route="*", drop_rate=0.5)),
        (
            "GET /rest/people:error_rate=1,error_status=502",
            FaultRule(route="GET /rest/people", error_rate=1.0, error_status=502),
        ),
        ("* : rate_limit_rate=0.3 , slow_body_ms=100", FaultRule(route="* ", rate_limit_rate=0.3, slow_body_ms=100.0)),
        ("GET /rest/*:", FaultRule(route="GET /rest/*")),
        ("GET /rest/open-api/*:latency_ms=5", FaultRule(route="GET /rest/open-api/*", latency_ms=5.0)),
    ],
)
def test_parse_fault(text: str, rule: FaultRule) -> None:
    assert parse_fault(text) == rule


def test_parse_fault_reads_error_status_as_an_integer() -> None:
    assert isinstance(parse_fault("error_status=502").error_status, int)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("bogus=1", "unknown fault setting 'bogus=1'"),
        ("POST /rest/*", "unknown fault setting 'POST /rest/*'"),
        ("error_rate", "unknown fault setting 'error_rate'"),
        ("route=x", "unknown fault setting 'route=x'"),
        ("error_rate=lots", "fault setting error_rate needs a number, got 'lots'"),
        ("error_status=5.5", "fault setting error_status needs a number, got '5.5'"),
        ("error_rate=1.5", "error_rate must be a number from 0 to 1"),
        ("latency_ms=-3", "latency_ms must be a number of milliseconds >= 0"),
    ],
)
def test_parse_fault_refuses_bad_settings(text: str, complaint: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(complaint)):
        parse_fault(text)


def test_a_bad_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--fault", "error_rate=7"])
    assert exit_info.value.code == 2
    assert "error_rate must be a number from 0 to 1" in capsys.readouterr().err


# -- serve, as a process -----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_over_http_then_stops(metadata_file: Path) -> None:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "twenty_emulator._cli",
        "serve",
        "--port",
        str(port),
        "--api-key",
        "k",
        "--no-rate-limit",
        "--metadata",
        str(metadata_file),
        "--fault",
        "GET /rest/companies:error_rate=1,error_status=502",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as http:
            deadline = time.monotonic() + 20
            while True:
                assert process.poll() is None, process.communicate()
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.05)
            assert http.get("/rest/people").status_code == 403
            http.headers["Authorization"] = "Bearer k"
            assert http.post("/rest/people", json={"name": {"firstName": "Ada"}}).status_code == 201
            assert http.get("/rest/people").json()["totalCount"] == 1
            assert http.get("/rest/companies").status_code == 502  # --fault
            assert [http.get("/rest/people").status_code for _ in range(110)] == [200] * 110  # --no-rate-limit
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert f"twenty-emulator: http://127.0.0.1:{port}" in out
    assert "api key (generated" not in out
