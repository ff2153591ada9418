"""Every answer a real Twenty 2.21.0 gave in the recorded scenarios parses through the committed generated client and
serialises back without loss.

Each recorded step is routed like the server routes it (method + path template of the snapshot); the endpoint
module's own ``_parse_response`` builds the model (``XForResponse`` inside the list/get/create/update/delete
wrappers, or ``ErrorResponse``), and ``to_dict()`` must give the recorded body back. Timestamps are compared as
instants (the model holds a ``datetime``: ``…10.390Z`` comes back as ``…10.390000+00:00``); everything else exactly.
Steps outside the snapshot (metadata API, objects created by the scenario, PUT) are counted, not parsed.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from twenty_codegen import Layout

pytestmark = pytest.mark.needs_shared

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Routes:
    """Method + path → the generated endpoint module, from the snapshot the client was generated from."""

    def __init__(self, snapshot: Path) -> None:
        document = json.loads(snapshot.read_text(encoding="utf-8"))
        self.routes: list[tuple[str, re.Pattern[str], int, str]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^/rest" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
            for method, operation in item.items():
                tag = _snake(operation["tags"][0]) if operation.get("tags") else "default"
                module = f"twenty_generated.api.{tag}.{_snake(operation['operationId'])}"
                self.routes.append((method.upper(), pattern, template.count("{"), module))
        self.routes.sort(key=lambda r: r[2])  # literal segments win: /people/duplicates before /people/{id}

    def module(self, method: str, path: str) -> ModuleType | None:
        for route_method, pattern, _, module in self.routes:
            if route_method == method and pattern.match(path):
                return importlib.import_module(module)
        return None


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, str) and _ISO_INSTANT.match(value):
        return ("instant", datetime.datetime.fromisoformat(value))
    return value


def _steps(scenario: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from enumerate(json.loads(scenario.read_text(encoding="utf-8"))["steps"])


def _scenarios() -> list[Path]:
    root = Path(__file__).resolve().parents[2]
    shared = Path(os.environ.get("TWENTY_SHARED", root.parent / "shared" / "twenty"))
    return sorted((shared / "conformance" / "scenarios").glob("*.json"))


@pytest.fixture(scope="module")
def routes(layout: Layout) -> Routes:
    return Routes(layout.snapshot)


def _parse(module: ModuleType, status: int, body: Any) -> Any:
    from twenty_generated import Client

    client = Client(base_url="http://twenty.test", raise_on_unexpected_status=True)
    return module._parse_response(client=client, response=httpx.Response(status, json=body))


@pytest.mark.parametrize("scenario", _scenarios(), ids=lambda p: p.stem)
def test_recorded_answers_parse_and_serialise_back(scenario: Path, routes: Routes, shared: Path) -> None:
    checked, failures = 0, []
    for index, step in _steps(scenario):
        request, response = step["request"], step["response"]
        body = response.get("json")
        module = routes.module(request["method"], request["path"])
        if module is None or body is None:
            continue
        try:
            parsed = _parse(module, response["status"], body)
            assert parsed is not None, "no model for this status"
            again = parsed.to_dict()
        except Exception as exc:
            failures.append(f"step {index} {request['method']} {request['path']}: {type(exc).__name__}: {exc}")
            continue
        if _canonical(again) != _canonical(body):
            failures.append(f"step {index} {request['method']} {request['path']}: to_dict() differs from the answer")
        checked += 1
    assert not failures, "\n".join(failures)
    assert checked, f"{scenario.name}: no step reached the generated client"  # every scenario holds core answers


def test_most_recorded_steps_reach_the_generated_client(routes: Routes, shared: Path) -> None:
    reached = total = 0
    for scenario in _scenarios():
        for _, step in _steps(scenario):
            total += 1
            if step["response"].get("json") is not None and routes.module(
                step["request"]["method"], step["request"]["path"]
            ):
                reached += 1
    assert reached >= 300, f"only {reached} of {total} recorded steps are core-API answers the client knows"


def test_a_custom_field_the_snapshot_does_not_know_is_kept_in_additional_properties(shared: Path) -> None:
    from twenty_generated.models import PersonForResponse

    scenario = shared / "conformance" / "scenarios" / "s16-custom-text-field.json"
    bodies = [
        record
        for _, step in _steps(scenario)
        if isinstance(step["response"].get("json"), dict)
        for record in _records(step["response"]["json"])
        if "s16Note" in record
    ]
    assert bodies, "s16 recorded no person carrying the custom field s16Note"
    person = PersonForResponse.from_dict(bodies[-1])
    assert person.additional_properties["s16Note"] == bodies[-1]["s16Note"]
    assert person.to_dict()["s16Note"] == bodies[-1]["s16Note"]


def _records(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, dict):
        return
    for value in data.values():
        for record in value if isinstance(value, list) else [value]:
            if isinstance(record, dict):
                yield record


def _answer(shared: Path, scenario: str, method: str, path_suffix: str, query: str = "") -> dict[str, Any]:
    for _, step in _steps(shared / "conformance" / "scenarios" / f"{scenario}.json"):
        request = step["request"]
        if request["method"] == method and request["path"].endswith(path_suffix) and query in json.dumps(request):
            body: dict[str, Any] = step["response"]["json"]
            return body
    raise AssertionError(f"{scenario}: no {method} …{path_suffix} {query}")


def test_a_recorded_person_parses_into_typed_values(shared: Path) -> None:
    from twenty_generated.models import Actor, AdditionalPhone, FindOnePersonResponse200, Phones

    body = _answer(shared, "s02-person-composites", "GET", "/c0000002-0000-4000-a000-000000000001", '"depth", "1"')
    person = FindOnePersonResponse200.from_dict(body).data.person
    assert isinstance(person.created_by, Actor)
    assert person.created_by.source == "API"
    assert person.created_by.workspace_member_id is None
    assert isinstance(person.created_at, datetime.datetime)
    assert person.deleted_at is None
    assert person.company is None
    assert isinstance(person.phones, Phones)
    phones = person.phones.additional_phones
    assert isinstance(phones, list)
    assert isinstance(phones[0], AdditionalPhone)
    assert phones[0].number == "6505550102"
    assert person.additional_properties["intro"] == "S02 intro text"  # a dev-seed custom field


def test_a_list_page_keeps_its_base64_cursor_and_an_empty_page_null_cursors(shared: Path) -> None:
    import base64

    from twenty_generated.models import FindManyPeopleResponse200

    page = FindManyPeopleResponse200.from_dict(_answer(shared, "s03-batch-list-paginate", "GET", "/rest/people"))
    assert isinstance(page.page_info.end_cursor, str)
    assert "id" in json.loads(base64.b64decode(page.page_info.end_cursor))
    assert page.total_count == 5
    empty = FindManyPeopleResponse200.from_dict(
        {
            "data": {"people": []},
            "totalCount": 0,
            "pageInfo": {"startCursor": None, "endCursor": None, "hasNextPage": False, "hasPreviousPage": False},
        }
    )
    assert empty.page_info.start_cursor is None
    assert empty.page_info.has_previous_page is False


def test_unknown_enum_values_are_kept() -> None:
    from twenty_generated.models import OpportunityForResponse

    body = {"stage": "A_STAGE_ADDED_LATER", "createdBy": {"source": "APPLICATION", "name": "x", "context": {"k": 1}}}
    opportunity = OpportunityForResponse.from_dict(body)
    assert opportunity.stage == "A_STAGE_ADDED_LATER"
    assert opportunity.to_dict() == body
