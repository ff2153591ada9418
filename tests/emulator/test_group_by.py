"""``GET /rest/<object>/groupBy`` beyond what the recordings p05/p06 pin: the emulator's documented choices."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .conftest import Api

ACME = "c0000201-0000-4000-a000-000000000001"


def _people(api: Api) -> None:
    api.ok("POST", "/rest/companies", {"id": ACME, "name": "Acme"})
    api.ok(
        "POST",
        "/rest/batch/people",
        [
            {"name": {"firstName": "Ada", "lastName": "L"}, "jobTitle": "CTO", "companyId": ACME},
            {"name": {"firstName": "Bob", "lastName": "L"}, "jobTitle": "CTO"},
            {"name": {"firstName": "Cy", "lastName": "M"}, "jobTitle": ""},
        ],
    )


def _group(api: Api, group_by: object, **params: str) -> list[dict[str, object]]:
    answer = api.ok("GET", "/rest/people/groupBy", group_by=json.dumps(group_by), **params)
    assert isinstance(answer, list)
    return answer


def test_groups_without_order_by_come_sorted_by_their_values_with_empty_text_as_null_last(api: Api) -> None:
    _people(api)
    groups = _group(api, [{"jobTitle": True}], aggregate='["countNotEmptyId"]')
    assert groups == [
        {"countNotEmptyId": "2", "groupByDimensionValues": ["CTO"]},
        {"countNotEmptyId": "1", "groupByDimensionValues": [None]},
    ]


def test_a_relation_join_column_groups_by_the_related_id(api: Api) -> None:
    _people(api)
    groups = _group(api, [{"companyId": True}], order_by='[{"companyId": "AscNullsFirst"}]')
    assert [g["groupByDimensionValues"] for g in groups] == [[None], [ACME]]


def test_a_composite_sub_field_and_a_second_dimension_group_together(api: Api) -> None:
    _people(api)
    groups = _group(api, [{"name": {"lastName": True}}, {"jobTitle": True}])
    assert [g["groupByDimensionValues"] for g in groups] == [["L", "CTO"], ["M", None]]


def test_grouping_by_date_granularity_is_answered_501_not_emulated(api: Api) -> None:
    _people(api)
    answer = api.client.get("/rest/people/groupBy", params={"group_by": '[{"createdAt": {"granularity": "DAY"}}]'})
    assert answer.status_code == 501
    assert answer.json()["messages"] == ["grouping by date granularity or unnest is not emulated yet"]


def test_the_limit_caps_the_number_of_groups(api: Api) -> None:
    _people(api)
    assert len(_group(api, [{"name": {"firstName": True}}], limit="2")) == 2
