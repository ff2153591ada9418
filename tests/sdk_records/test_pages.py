"""A listing's pages: ``list()`` answers its first page, and iterating that page yields every record of the listing,
fetching the following pages only as the iteration reaches them (as openai-python's ``SyncCursorPage``)."""

from __future__ import annotations

import asyncio

import pytest
from twenty_emulator import Emulator

from twenty_sdk import TwentyClient

from .conftest import async_twenty, list_requests, person

TOTAL = 7


@pytest.fixture
def seven_people(twenty: TwentyClient, emulator: Emulator) -> None:
    twenty.people.create_many([person(i) for i in range(TOTAL)])
    emulator.reset_counts()


def _names(records: object) -> list[str]:
    return [p.name.first_name for p in records if p.name]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("seven_people")
def test_iterating_a_listing_yields_every_record_across_pages(twenty: TwentyClient, emulator: Emulator) -> None:
    names = _names(twenty.people.list(limit=3, order_by="name.firstName"))
    assert names == [f"P{i}" for i in range(TOTAL)]
    assert list_requests(emulator) == 3  # 3 + 3 + 1


@pytest.mark.usefixtures("seven_people")
def test_a_listing_fetches_the_next_page_only_when_the_iteration_reaches_it(
    twenty: TwentyClient, emulator: Emulator
) -> None:
    stream = iter(twenty.people.list(limit=3, order_by="name.firstName"))
    assert list_requests(emulator) == 1
    firsts = [next(stream) for _ in range(3)]
    assert _names(firsts) == ["P0", "P1", "P2"]
    assert list_requests(emulator) == 1
    assert _names([next(stream)]) == ["P3"]
    assert list_requests(emulator) == 2


@pytest.mark.usefixtures("seven_people")
def test_page_data_holds_only_that_page(twenty: TwentyClient) -> None:
    page = twenty.people.list(limit=3, order_by="name.firstName")
    assert _names(page.data) == ["P0", "P1", "P2"]
    assert page.records is page.data
    assert len(page) == 3


@pytest.mark.usefixtures("seven_people")
def test_iter_pages_yields_each_page_with_its_records(twenty: TwentyClient) -> None:
    pages = twenty.people.list(limit=3, order_by="name.firstName").iter_pages()
    assert [_names(p.data) for p in pages] == [["P0", "P1", "P2"], ["P3", "P4", "P5"], ["P6"]]


@pytest.mark.usefixtures("seven_people")
def test_get_next_page_answers_the_following_page_then_none(twenty: TwentyClient) -> None:
    page = twenty.people.list(limit=4, order_by="name.firstName")
    following = page.get_next_page()
    assert following is not None
    assert _names(following.data) == ["P4", "P5", "P6"]
    assert following.get_next_page() is None


@pytest.mark.usefixtures("seven_people")
def test_a_listing_started_after_a_cursor_iterates_from_there(twenty: TwentyClient) -> None:
    first = twenty.people.list(limit=2, order_by="name.firstName")
    rest = twenty.people.list(limit=2, order_by="name.firstName", starting_after=first.end_cursor)
    assert _names(rest) == ["P2", "P3", "P4", "P5", "P6"]


@pytest.mark.usefixtures("seven_people")
def test_a_page_asked_before_a_cursor_iterates_only_itself(twenty: TwentyClient, emulator: Emulator) -> None:
    second = twenty.people.list(limit=3, order_by="name.firstName").get_next_page()
    assert second is not None
    before = twenty.people.list(limit=2, order_by="name.firstName", ending_before=second.start_cursor)
    requests = list_requests(emulator)
    assert _names(before) == _names(before.data)
    assert before.get_next_page() is None
    assert list_requests(emulator) == requests


def test_async_iterating_a_listing_yields_every_record_across_pages(emulator: Emulator) -> None:
    async def main() -> tuple[list[str], list[str], list[int]]:
        async with async_twenty(emulator) as twenty:
            await twenty.people.create_many([person(i) for i in range(TOTAL)])
            direct = [p.name.first_name async for p in twenty.people.list(limit=3, order_by="name.firstName") if p.name]
            page = await twenty.people.list(limit=3, order_by="name.firstName")
            from_page = [p.name.first_name async for p in page if p.name]
            sizes = [len(p.data) async for p in page.iter_pages()]
            return direct, from_page, sizes

    direct, from_page, sizes = asyncio.run(main())
    assert direct == from_page == [f"P{i}" for i in range(TOTAL)]
    assert sizes == [3, 3, 1]


def test_async_get_next_page_answers_the_following_page_then_none(emulator: Emulator) -> None:
    async def main() -> tuple[list[str], bool]:
        async with async_twenty(emulator) as twenty:
            await twenty.people.create_many([person(i) for i in range(TOTAL)])
            page = await twenty.people.list(limit=4, order_by="name.firstName")
            following = await page.get_next_page()
            assert following is not None
            return [p.name.first_name for p in following.data if p.name], await following.get_next_page() is None

    names, ended = asyncio.run(main())
    assert names == ["P4", "P5", "P6"]
    assert ended
