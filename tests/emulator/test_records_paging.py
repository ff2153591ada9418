"""Lists page with cursors both ways and visit every row exactly once; ``depth=1`` embeds relations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Api

ROWS = 500


@pytest.fixture
def five_hundred(api: Api) -> list[str]:
    """500 people, several sharing each job title and first name (so sorts have ties), created in 3 batches."""
    ids: list[str] = []
    for start in range(0, ROWS, 200):
        rows = [
            {"jobTitle": f"title{i % 7}", "name": {"firstName": f"n{i % 13}", "lastName": f"l{i}"}}
            for i in range(start, min(ROWS, start + 200))
        ]
        ids += [p["id"] for p in api.batch("people", rows)]
    return ids


def _forward(api: Api, limit: int, **params: Any) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(ROWS + 2):
        extra = {"starting_after": cursor} if cursor else {}
        answer = api.ok("GET", "/rest/people", limit=limit, **params, **extra)
        seen += [p["id"] for p in answer["data"]["people"]]
        pages.append(answer)
        assert answer["totalCount"] == ROWS
        if not answer["pageInfo"]["hasNextPage"]:
            return seen, pages
        cursor = answer["pageInfo"]["endCursor"]
    raise AssertionError("paging forward never ended")


def _backward(api: Api, cursor: str, limit: int, **params: Any) -> list[str]:
    """Pages before ``cursor`` until the first row. As on Twenty 2.21.0 (recorded in s03), a backward page takes its
    cursors before putting its rows back in order: its ``endCursor`` is its *first* row, the one to go on from."""
    seen: list[str] = []
    for _ in range(ROWS + 2):
        answer = api.ok("GET", "/rest/people", limit=limit, ending_before=cursor, **params)
        page = [p["id"] for p in answer["data"]["people"]]
        seen = page + seen
        assert answer["totalCount"] == ROWS
        if not answer["pageInfo"]["hasPreviousPage"]:
            return seen
        assert answer["pageInfo"]["hasNextPage"] is False
        cursor = answer["pageInfo"]["endCursor"]
    raise AssertionError("paging backward never ended")


ORDERS = [
    {},
    {"order_by": "jobTitle"},
    {"order_by": "jobTitle[DescNullsLast],name.firstName"},
    {"order_by": "createdAt[DescNullsFirst]"},
]


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.get("order_by", "default"))
def test_paging_forward_visits_each_row_exactly_once(api: Api, five_hundred: list[str], order: dict[str, str]) -> None:
    seen, pages = _forward(api, 60, **order)
    assert len(seen) == ROWS
    assert sorted(seen) == sorted(five_hundred)
    assert [len(p["data"]["people"]) for p in pages] == [60] * 8 + [20]


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: o.get("order_by", "default"))
def test_paging_backward_visits_each_row_exactly_once_in_the_same_order(
    api: Api, five_hundred: list[str], order: dict[str, str]
) -> None:
    forward, pages = _forward(api, 200, **order)
    last_page = [p["id"] for p in pages[-1]["data"]["people"]]
    backward = _backward(api, pages[-1]["pageInfo"]["startCursor"], 37, **order) + last_page
    assert backward == forward


def test_a_backward_page_has_its_cursors_swapped_as_on_twenty(api: Api, five_hundred: list[str]) -> None:
    first = api.ok("GET", "/rest/people", limit=20)
    back = api.ok("GET", "/rest/people", limit=5, ending_before=first["pageInfo"]["endCursor"])
    after_start = api.ok("GET", "/rest/people", limit=1, starting_after=back["pageInfo"]["startCursor"])
    after_end = api.ok("GET", "/rest/people", limit=1, starting_after=back["pageInfo"]["endCursor"])
    ids = [p["id"] for p in first["data"]["people"]]
    assert [p["id"] for p in back["data"]["people"]] == ids[14:19]
    assert after_start["data"]["people"][0]["id"] == ids[19]  # startCursor names the last row of the page
    assert after_end["data"]["people"][0]["id"] == ids[15]  # endCursor names the first


def test_page_info_flags(api: Api, five_hundred: list[str]) -> None:
    first = api.ok("GET", "/rest/people", limit=200)
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    back = api.ok("GET", "/rest/people", limit=10, ending_before=first["pageInfo"]["endCursor"])
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert [p["id"] for p in back["data"]["people"]] == [p["id"] for p in first["data"]["people"][189:199]]


def test_limit_is_clamped_to_200(api: Api, five_hundred: list[str]) -> None:
    assert len(api.ok("GET", "/rest/people", limit=1000)["data"]["people"]) == 200


def test_default_limit_is_60(api: Api, five_hundred: list[str]) -> None:
    assert len(api.ok("GET", "/rest/people")["data"]["people"]) == 60


def test_both_cursors_at_once_are_refused(api: Api, five_hundred: list[str]) -> None:
    info = api.ok("GET", "/rest/people", limit=5)["pageInfo"]
    answer = api.fail("GET", "/rest/people", starting_after=info["endCursor"], ending_before=info["startCursor"])
    assert answer["messages"] == ["Cannot provide both before and after"]


# -- depth=1 -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def acme(api: Api) -> tuple[str, list[str]]:
    company = api.ok("POST", "/rest/companies", {"name": "Acme"})["data"]["createCompany"]["id"]
    people = [p["id"] for p in api.batch("people", [{"companyId": company, "jobTitle": f"j{i}"} for i in range(3)])]
    api.ok("POST", "/rest/people", {"jobTitle": "freelance"})
    return company, people


def test_depth_1_embeds_the_company_on_a_person(api: Api, acme: tuple[str, list[str]]) -> None:
    company, people = acme
    person = api.ok("GET", f"/rest/people/{people[0]}", depth=1)["data"]["person"]
    assert person["companyId"] == company
    assert (person["company"]["id"], person["company"]["name"]) == (company, "Acme")
    assert "people" not in person["company"]  # embedded records are depth 0


def test_depth_1_embeds_null_for_a_person_without_company(api: Api, acme: tuple[str, list[str]]) -> None:
    listed = api.ok("GET", "/rest/people", depth=1, filter="jobTitle[eq]:freelance")["data"]["people"]
    assert [p["company"] for p in listed] == [None]


def test_depth_1_embeds_people_on_a_company(api: Api, acme: tuple[str, list[str]]) -> None:
    company, people = acme
    got = api.ok("GET", f"/rest/companies/{company}", depth=1)["data"]["company"]
    assert sorted(p["id"] for p in got["people"]) == sorted(people)
    assert all(p["companyId"] == company for p in got["people"])


def test_depth_1_leaves_soft_deleted_people_out(api: Api, acme: tuple[str, list[str]]) -> None:
    company, people = acme
    api.ok("DELETE", f"/rest/people/{people[0]}", soft_delete="true")
    got = api.ok("GET", f"/rest/companies/{company}", depth=1)["data"]["company"]
    assert sorted(p["id"] for p in got["people"]) == sorted(people[1:])


def test_depth_0_embeds_nothing(api: Api, acme: tuple[str, list[str]]) -> None:
    company, _ = acme
    got = api.ok("GET", f"/rest/companies/{company}", depth=0)["data"]["company"]
    assert "people" not in got


@pytest.mark.parametrize("depth", ["2", "-1", "x"])
def test_other_depths_are_refused(api: Api, depth: str) -> None:
    api.fail("GET", "/rest/people", depth=depth)
