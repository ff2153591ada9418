"""Pulling a workspace's schema: paging, what is kept, and the API key kept out of everything."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from twenty_codegen import MissingApiKeyError, PullError, pull, resolve_api_key, write_pulled
from twenty_codegen._cli import main as cli

SECRET = "tw_secret_key_0123456789abcdef"
CORE = {
    "openapi": "3.1.1",
    "info": {"title": "Twenty Api", "version": "v0.1", "description": "see https://crm.test/mcp"},
    "servers": [{"url": "https://crm.test/rest/"}],
    "paths": {"/people": {}},
    "components": {"schemas": {"Person": {"type": "object", "example": {"name": "Random Fake"}}}},
}


def _objects(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{index:08d}-0000-4000-a000-000000000000",
            "nameSingular": f"object{index}",
            "namePlural": f"objects{index}",
            "isActive": True,
            "createdAt": "2026-01-01T00:00:00Z",
            "fields": [
                {"name": "z", "type": "TEXT", "id": "x", "isActive": True},
                {"name": "a", "type": "NUMBER", "id": "y", "isActive": True},
            ],
        }
        for index in range(count)
    ]


class FakeTwenty:
    """Answers the two calls a pull makes, ordered and paged like Twenty (``starting_after`` = an object id)."""

    def __init__(self, objects: int = 450) -> None:
        self.objects = sorted(_objects(objects), key=lambda o: o["id"], reverse=True)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {SECRET}":
            return httpx.Response(401, json={"statusCode": 401, "messages": ["Token invalid."], "error": "UNAUTH"})
        if request.url.path == "/rest/open-api/core":
            return httpx.Response(200, json=CORE)
        if request.url.path == "/rest/metadata/objects":
            limit = min(int(request.url.params.get("limit", "60")), 200)
            after = request.url.params.get("starting_after")
            start = next((i + 1 for i, o in enumerate(self.objects) if o["id"] == after), 0) if after else 0
            page = self.objects[start : start + limit]
            info = {
                "hasNextPage": start + limit < len(self.objects),
                "startCursor": page[0]["id"] if page else None,
                "endCursor": page[-1]["id"] if page else None,
            }
            return httpx.Response(
                200, json={"data": {"objects": page}, "pageInfo": info, "totalCount": len(self.objects)}
            )
        return httpx.Response(404, json={"statusCode": 404, "message": "Cannot GET", "error": "Not Found"})


def test_pull_pages_through_every_object_200_at_a_time() -> None:
    fake = FakeTwenty(450)
    pulled = pull("https://crm.test", SECRET, transport=httpx.MockTransport(fake))
    assert len(pulled.objects) == 450
    metadata_calls = [r.url.params for r in fake.requests if r.url.path == "/rest/metadata/objects"]
    assert [p.get("limit") for p in metadata_calls] == ["200", "200", "200"]
    assert [p.get("starting_after") for p in metadata_calls] == [None, fake.objects[199]["id"], fake.objects[399]["id"]]


def test_pull_accepts_a_url_ending_in_rest() -> None:
    fake = FakeTwenty(1)
    pull("https://crm.test/rest/", SECRET, transport=httpx.MockTransport(fake))
    assert fake.requests[0].url == "https://crm.test/rest/open-api/core"


def test_pull_drops_what_changes_on_every_request() -> None:
    pulled = pull("https://crm.test", SECRET, transport=httpx.MockTransport(FakeTwenty(1)))
    assert "servers" not in pulled.core
    assert "example" not in pulled.core["components"]["schemas"]["Person"]
    assert pulled.core["info"]["description"] == "see https://twenty.example/mcp"


def test_pulled_objects_keep_only_what_the_normaliser_reads_in_a_stable_order(tmp_path: Path) -> None:
    pulled = pull("https://crm.test", SECRET, transport=httpx.MockTransport(FakeTwenty(3)))
    _, metadata = write_pulled(pulled, tmp_path)
    objects = json.loads(metadata.read_text())["objects"]
    assert [o["nameSingular"] for o in objects] == ["object0", "object1", "object2"]
    assert objects[0]["fields"] == [
        {"name": "a", "type": "NUMBER", "isActive": True},
        {"name": "z", "type": "TEXT", "isActive": True},
    ]
    assert "createdAt" not in objects[0]


def test_a_refused_key_is_reported_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"bad token {request.headers['authorization']}")

    with pytest.raises(PullError) as raised:
        pull("https://crm.test", SECRET, transport=httpx.MockTransport(echo))
    assert "401" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert SECRET not in repr(raised.value)
    assert SECRET not in caplog.text


def test_an_answer_containing_the_key_is_not_kept() -> None:
    def leak(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rest/metadata/objects":
            return httpx.Response(200, json={"data": {"objects": []}})
        if request.url.path == "/graphql":
            return httpx.Response(404)  # a server without GraphQL: the pull keeps the REST documents only
        return httpx.Response(200, json={**CORE, "info": {"title": request.headers["authorization"]}})

    with pytest.raises(PullError, match="contains the API key") as raised:
        pull("https://crm.test", SECRET, transport=httpx.MockTransport(leak))
    assert SECRET not in str(raised.value)


def test_an_introspection_containing_the_key_is_not_kept() -> None:
    def leak(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rest/metadata/objects":
            return httpx.Response(200, json={"data": {"objects": []}})
        if request.url.path == "/graphql":
            schema = {"types": [{"kind": "SCALAR", "name": request.headers["authorization"]}]}
            return httpx.Response(200, json={"data": {"__schema": schema}})
        return httpx.Response(200, json=CORE)

    with pytest.raises(PullError, match="contains the API key") as raised:
        pull("https://crm.test", SECRET, transport=httpx.MockTransport(leak))
    assert SECRET not in str(raised.value)


def test_the_key_is_in_no_written_file_and_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from twenty_emulator import Emulator
    from twenty_emulator._testing import serve_in_thread

    caplog.set_level(logging.DEBUG)
    with serve_in_thread(Emulator(api_key=SECRET)) as server:
        assert cli(["--root", str(tmp_path), "pull", "--url", server.url, "--api-key", SECRET]) == 0
        assert cli(["--root", str(tmp_path), "pull", "--url", server.url, "--api-key", "wrong-key-0123456789"]) == 1
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} == {"core.json", "metadata.json", "graphql.json"}
    for path in written:
        assert SECRET not in path.read_text(encoding="utf-8")
    out = capsys.readouterr()
    assert "pull:" in out.out
    assert "401" in out.err
    assert SECRET not in out.out + out.err + caplog.text


def test_the_key_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWENTY_API_KEY", "from-env")
    assert resolve_api_key("explicit") == "explicit"
    assert resolve_api_key(None) == "from-env"


def test_a_missing_key_names_every_place_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWENTY_API_KEY", raising=False)
    monkeypatch.delenv("TWENTY_CRM_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError, match=r"(?s)--api-key.*TWENTY_API_KEY.*TWENTY_CRM_API_KEY.*Secret Manager"):
        resolve_api_key(None, secret_manager=False)


def test_pulling_the_emulator_twice_writes_the_same_bytes(tmp_path: Path) -> None:
    from twenty_emulator import Emulator
    from twenty_emulator._testing import serve_in_thread

    texts = []
    for run in ("a", "b"):
        with serve_in_thread(Emulator(api_key=SECRET)) as server:
            core, metadata = write_pulled(pull(server.url, SECRET), tmp_path / run)
        texts.append((core.read_bytes(), metadata.read_bytes()))
    assert texts[0] == texts[1]
    objects = json.loads(texts[0][1])["objects"]
    assert "person" in {o["nameSingular"] for o in objects}
