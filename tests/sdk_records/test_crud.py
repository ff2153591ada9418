"""One record at a time, typed: generated models or mappings in, generated response models out."""

from __future__ import annotations

import datetime as dt
from uuid import UUID, uuid4

import pytest
from twenty_emulator import Emulator
from twenty_generated.models import (
    CompanyForResponse,
    Emails,
    FullName,
    Links,
    Person,
    PersonForResponse,
    PersonForUpdate,
)

from twenty_sdk import BadRequestError, Filter, NotFoundError, TwentyClient

from .conftest import object_id, person


def test_create_from_a_model_returns_a_typed_record_as_stored(twenty: TwentyClient) -> None:
    created = twenty.people.create(
        Person(name=FullName(first_name="Ada", last_name="Lovelace"), emails=Emails(primary_email="Ada@Example.COM"))
    )
    assert isinstance(created, PersonForResponse)
    assert isinstance(created.id, UUID)
    assert created.name  # neither None nor UNSET
    assert created.name.first_name == "Ada"
    assert created.emails  # neither None nor UNSET
    assert created.emails.primary_email == "ada@example.com"
    assert isinstance(created.created_at, dt.datetime)


def test_create_from_a_mapping_converts_uuids_and_keeps_a_client_id(twenty: TwentyClient) -> None:
    wanted = uuid4()
    created = twenty.people.create({"id": wanted, "name": {"firstName": "Grace"}})
    assert created.id == wanted


def test_get_reads_back_what_create_wrote(twenty: TwentyClient) -> None:
    created = twenty.people.create(person(1, jobTitle="Engineer"))
    got = twenty.people.get(created.id)
    assert got.id == created.id
    assert got.job_title == "Engineer"
    assert got.emails  # neither None nor UNSET
    assert got.emails.primary_email == "p1@records.test"


def test_get_with_depth_1_embeds_the_company(twenty: TwentyClient) -> None:
    company = twenty.companies.create({"name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.test"}})
    assert isinstance(company, CompanyForResponse)
    someone = twenty.people.create(person(2, companyId=str(company.id)))
    got = twenty.people.get(someone.id, depth=1)
    assert isinstance(got.company, CompanyForResponse)
    assert got.company.name == "Acme"


def test_update_with_a_model_changes_only_the_fields_sent(twenty: TwentyClient) -> None:
    created = twenty.people.create(person(3, jobTitle="Engineer"))
    updated = twenty.people.update(created.id, PersonForUpdate(job_title="Manager"))
    assert updated.job_title == "Manager"
    assert updated.name  # neither None nor UNSET
    assert updated.name.first_name == "P3"


def test_custom_fields_are_read_from_additional_properties(twenty: TwentyClient) -> None:
    twenty.transport.request(
        "POST",
        "/rest/metadata/fields",
        json={"objectMetadataId": object_id(twenty, "people"), "type": "TEXT", "name": "intro", "label": "Intro"},
    )
    model = Person(name=FullName(first_name="Lin"))
    model["intro"] = "written through additional_properties"
    created = twenty.people.create(model)
    assert created["intro"] == "written through additional_properties"
    assert created.additional_properties["intro"] == "written through additional_properties"


def test_upsert_one_updates_the_record_with_the_same_email(twenty: TwentyClient) -> None:
    first = twenty.people.create(person(4))
    again = twenty.people.upsert({"emails": {"primaryEmail": "P4@Records.TEST"}, "jobTitle": "Upserted"})
    assert again.id == first.id
    assert again.job_title == "Upserted"


def test_a_duplicate_create_is_a_bad_request(twenty: TwentyClient) -> None:
    twenty.people.create(person(5))
    with pytest.raises(BadRequestError, match="duplicate entry"):
        twenty.people.create(person(5))


def test_delete_is_soft_and_restore_brings_the_record_back(twenty: TwentyClient) -> None:
    created = twenty.people.create(person(6))
    deleted = twenty.people.delete(created.id)
    assert isinstance(deleted.deleted_at, dt.datetime)
    with pytest.raises(NotFoundError):
        twenty.people.get(created.id)
    assert twenty.people.count(Filter.is_not_null("deletedAt")) == 1

    restored = twenty.people.restore([created.id])
    assert [r.id for r in restored] == [created.id]
    assert restored[0].deleted_at is None
    assert twenty.people.get(created.id).id == created.id


def test_destroy_deletes_for_good(twenty: TwentyClient) -> None:
    created = twenty.people.create(person(7))
    twenty.people.destroy(created.id)
    with pytest.raises(NotFoundError):
        twenty.people.get(created.id)
    assert twenty.people.count(Filter.is_not_null("deletedAt")) == 0
    assert twenty.people.restore(created.id) == []


def test_restore_sends_one_request_per_100_ids(twenty: TwentyClient, emulator: Emulator) -> None:
    created = twenty.people.create_many([person(i) for i in range(150)])
    ids = [p.id for p in created]
    twenty.people.delete_many(Filter.in_("id", ids))
    emulator.reset_counts()
    restored = twenty.people.restore(ids)
    assert sorted(str(r.id) for r in restored) == sorted(str(i) for i in ids)
    assert emulator.request_counts() == {"PATCH /rest/restore/{object}": 2}


def test_update_many_changes_the_matching_records_only(twenty: TwentyClient) -> None:
    twenty.people.create_many([person(i, jobTitle="Old") for i in range(5)])
    twenty.people.create(person(99, jobTitle="Other"))
    changed = twenty.people.update_many(Filter.eq("jobTitle", "Old"), {"jobTitle": "New"})
    assert len(changed) == 5
    assert all(p.job_title == "New" for p in changed)
    assert twenty.people.count(Filter.eq("jobTitle", "Other")) == 1


def test_delete_many_is_soft_by_default_and_hard_when_asked(twenty: TwentyClient) -> None:
    twenty.people.create_many([person(i, jobTitle="Gone") for i in range(4)])
    soft = twenty.people.delete_many(Filter.eq("jobTitle", "Gone"))
    assert len(soft) == 4
    assert all(p.deleted_at is not None for p in soft)
    deleted_filter = Filter.eq("jobTitle", "Gone") & Filter.is_not_null("deletedAt")
    assert twenty.people.count(deleted_filter) == 4

    hard = twenty.people.delete_many(deleted_filter, soft=False)
    assert len(hard) == 4
    assert twenty.people.count(deleted_filter) == 0


def test_many_record_writes_refuse_an_empty_filter(twenty: TwentyClient) -> None:
    with pytest.raises(ValueError, match="needs a filter"):
        twenty.people.delete_many("")
    with pytest.raises(ValueError, match="needs a filter"):
        twenty.people.update_many("", {"jobTitle": "x"})


def test_list_returns_one_page_with_its_cursor(twenty: TwentyClient) -> None:
    twenty.people.create_many([person(i) for i in range(5)])
    page = twenty.people.list(limit=2, order_by="name.firstName")
    assert [p.name.first_name for p in page.data if p.name] == ["P0", "P1"]
    assert page.total_count == 5
    assert page.has_next_page
    assert page.end_cursor
    following = twenty.people.list(limit=2, order_by="name.firstName", starting_after=page.end_cursor)
    assert [p.name.first_name for p in following.data if p.name] == ["P2", "P3"]


def test_list_orders_by_tuples_with_directions(twenty: TwentyClient) -> None:
    twenty.people.create_many([person(i) for i in range(3)])
    page = twenty.people.list(order_by=[("name.firstName", "DescNullsLast")])
    assert [p.name.first_name for p in page if p.name] == ["P2", "P1", "P0"]


def test_list_refuses_a_limit_twenty_would_clamp(twenty: TwentyClient) -> None:
    with pytest.raises(ValueError, match="between 0 and 200"):
        twenty.people.list(limit=500)


def test_companies_opportunities_notes_and_tasks_are_typed(twenty: TwentyClient) -> None:
    company = twenty.companies.create({"name": "Typed", "domainName": Links(primary_link_url="https://typed.test")})
    opportunity = twenty.opportunities.create({"name": "Deal", "companyId": company.id})
    note = twenty.notes.create({"title": "A note"})
    task = twenty.tasks.create({"title": "A task"})
    assert type(company).__name__ == "CompanyForResponse"
    assert type(opportunity).__name__ == "OpportunityForResponse"
    assert opportunity.company_id == company.id
    assert type(note).__name__ == "NoteForResponse"
    assert note.title == "A note"
    assert type(task).__name__ == "TaskForResponse"
    assert task.title == "A task"
