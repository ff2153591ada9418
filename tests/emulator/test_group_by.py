"""``GET /rest/<object>/groupBy`` beyond what the recordings p05/p06 pin: the emulator's documented choices."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from twenty_emulator._group_by import _Dimension
from twenty_emulator._workspace import Workspace

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


def test_grouping_by_unnest_is_answered_501_not_emulated(api: Api) -> None:
    _people(api)
    answer = api.client.get("/rest/people/groupBy", params={"group_by": '[{"jobTitle": {"unnest": true}}]'})
    assert answer.status_code == 501
    assert answer.json()["messages"] == ["grouping by unnest is not emulated yet"]


def test_records_made_today_group_into_todays_day_of_the_week(api: Api) -> None:
    """The three stored people were created now; ``DAY_OF_THE_WEEK`` reads the UTC date of ``createdAt``."""
    _people(api)
    created = api.ok("GET", "/rest/people", limit="1")["data"]["people"][0]["createdAt"]
    today = datetime.fromisoformat(created.replace("Z", "+00:00")).strftime("%A")
    groups = _group(api, [{"createdAt": {"granularity": "DAY_OF_THE_WEEK"}}], aggregate='["countNotEmptyId"]')
    assert groups == [{"countNotEmptyId": "3", "groupByDimensionValues": [today]}]


def test_a_week_from_sunday_in_new_york_puts_saturday_night_in_the_week_before() -> None:
    """``WEEK`` + ``SUNDAY``: shifted a day, truncated to the week in the zone, shifted back (g09 pins more)."""
    person = Workspace.standard().object_by_singular("person")
    field = person.field("createdAt") if person is not None else None
    assert field is not None
    week = _Dimension(field, granularity="WEEK", week_start="SUNDAY", time_zone="America/New_York")
    assert week.bucket("2026-03-29T03:30:00.000Z") == "2026-03-22"  # Saturday 23:30 in New York
    assert week.bucket("2026-03-29T04:30:00.000Z") == "2026-03-29"  # Sunday 00:30 in New York


def test_the_limit_caps_the_number_of_groups(api: Api) -> None:
    _people(api)
    assert len(_group(api, [{"name": {"firstName": True}}], limit="2")) == 2
