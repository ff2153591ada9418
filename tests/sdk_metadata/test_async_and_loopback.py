"""The same metadata layer through :class:`AsyncMetadata` (in process) and over a real loopback socket."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from twenty_emulator import Emulator
from twenty_emulator._testing import async_client, serve_in_thread
from twenty_sync import SEED_SCHEMA

from twenty_sdk import AsyncMetadata, AsyncTransport, ClientConfig, Metadata, SchemaError, Transport

from .conftest import BASE_URL, writes
from .test_ensure_schema import SEED_ITEMS, paths


def test_async_ensure_schema_provisions_then_writes_nothing(emulator: Emulator) -> None:
    async def main() -> tuple[set[str], int, set[str]]:
        config = ClientConfig(base_url=BASE_URL, api_key=emulator.api_key)
        async with async_client(emulator) as http_client, AsyncTransport(config, http_client=http_client) as transport:
            metadata = AsyncMetadata(transport)
            first = await metadata.ensure_schema(SEED_SCHEMA)
            second = await metadata.ensure_schema(SEED_SCHEMA)
            person = await metadata.object("people")
            return paths(first.created), second.writes, {f.name for f in person.fields}

    created, second_writes, person_fields = asyncio.run(main())

    assert created == SEED_ITEMS
    assert second_writes == 0
    assert {"contactId", "syncMetadata", "contactBusinessRelationships"} <= person_fields


def test_async_calls_mirror_the_sync_ones(emulator: Emulator) -> None:
    async def main() -> None:
        config = ClientConfig(base_url=BASE_URL, api_key=emulator.api_key)
        async with async_client(emulator) as http_client, AsyncTransport(config, http_client=http_client) as transport:
            metadata = AsyncMetadata(transport)
            assert len(await metadata.objects(page_size=7)) == len(emulator.workspace.objects)
            field = await metadata.create_field("company", "industry", "TEXT", "Industry")
            assert (await metadata.field("companies", "industry")).id == field.id
            assert (await metadata.update_field(field, label="Sector")).label == "Sector"
            gadget = await metadata.create_object("gadget", "gadgets", "Gadget", "Gadgets")
            relation = await metadata.create_relation(gadget, "maker", "company", "Maker", "Gadgets made")
            assert relation.join_column == "makerId"
            assert "gadgetsMade" in {f.name for f in await metadata.fields("company")}
            await metadata.delete_field(field)
            await metadata.delete_object(gadget)
            assert (await metadata.ensure_schema([], dry_run=True)).items == ()
            with pytest.raises(SchemaError, match="reserved word"):
                await metadata.create_field("company", "type", "TEXT", "Type")

    asyncio.run(main())
    assert writes(emulator)["DELETE /rest/metadata/objects/{id}"] == 1


def test_ensure_schema_over_a_loopback_socket(emulator: Emulator) -> None:
    with serve_in_thread(emulator) as server:
        config = ClientConfig(base_url=server.url, api_key=emulator.api_key)
        with Transport(config) as transport:
            metadata = Metadata(transport)
            first = metadata.ensure_schema(SEED_SCHEMA)
            emulator.reset_counts()
            second = metadata.ensure_schema(SEED_SCHEMA)
        person = httpx.post(
            f"{server.url}/rest/people",
            json={"contactId": "C-9", "aiInsights": {"score": 0.9}},
            headers={"Authorization": f"Bearer {emulator.api_key}"},
        )

    assert paths(first.created) == SEED_ITEMS
    assert second.writes == 0
    assert emulator.request_counts() == {"GET /rest/metadata/objects": 1, "POST /rest/{object}": 1}
    assert person.status_code == 201
    assert person.json()["data"]["createPerson"]["aiInsights"] == {"score": 0.9}
