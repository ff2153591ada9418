"""The clients: one workspace, its records and its metadata.

    from twenty_sdk import TwentyClient
    with TwentyClient() as twenty:                       # URL and key from the arguments, the environment or GSM
        ada = twenty.people.create({"name": {"firstName": "Ada"}, "emails": {"primaryEmail": "ada@example.com"}})
        for company in twenty.companies.list(order_by="createdAt,id"):   # every page, fetched as the loop goes
            ...
        pets = twenty.records("pets")                   # any object, custom ones too: plain dicts

    async with AsyncTwentyClient() as twenty:
        async for person in twenty.people.list():
            ...

A client owns one :class:`~twenty_sdk.Transport` (pacing, retries, errors), shared by every resource; the rate-limit
pacer is shared by every client of the same workspace in the process. Close the client (or use ``with``) to close
its HTTP connections.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from twenty_sdk._config import ClientConfig
from twenty_sdk._pacing import Pacer
from twenty_sdk._records import AsyncRecords, ObjectRef, Records
from twenty_sdk._secrets import Secret
from twenty_sdk._transport import AsyncTransport, Transport

if TYPE_CHECKING:
    from twenty_generated.models import (
        Company,
        CompanyForResponse,
        CompanyForUpdate,
        Note,
        NoteForResponse,
        NoteForUpdate,
        Opportunity,
        OpportunityForResponse,
        OpportunityForUpdate,
        Person,
        PersonForResponse,
        PersonForUpdate,
        Task,
        TaskForResponse,
        TaskForUpdate,
    )

    from twenty_sdk._graphql import AsyncGraphQL, GraphQL
    from twenty_sdk._metadata import AsyncMetadata, Metadata

__all__ = ["AsyncTwentyClient", "TwentyClient"]

_NAME = re.compile(r"[a-z][a-zA-Z0-9]*")

PlainRecords = Records[dict[str, Any], Mapping[str, Any], Mapping[str, Any]]
PlainAsyncRecords = AsyncRecords[dict[str, Any], Mapping[str, Any], Mapping[str, Any]]


def _config(
    base_url: str | None, api_key: Secret | str | None, config: ClientConfig | None, options: dict[str, Any]
) -> ClientConfig:
    if config is None:
        return ClientConfig.resolve(base_url, api_key, **options)
    if base_url is not None or api_key is not None or options:
        raise TypeError("pass either config= or base_url/api_key/options, not both")
    return config


def _check_name(name_plural: str) -> str:
    if not isinstance(name_plural, str) or not _NAME.fullmatch(name_plural):
        raise ValueError(f"an object's plural name is camelCase, like 'people' or 'petOwners', not {name_plural!r}")
    return name_plural


class TwentyClient:
    """A synchronous client for one Twenty workspace.

    ``base_url``/``api_key`` and ``config_options`` (``timeout``, ``verify``, ``retry``, ``rate_limit``, ``env``,
    ``secret_manager``) are resolved by :meth:`ClientConfig.resolve`; or pass a ready ``config``. ``http_client``:
    your own ``httpx.Client`` (not closed by :meth:`close`); ``transport``: an httpx transport for ours (e.g.
    ``httpx.MockTransport`` in tests); ``pacer``: a :class:`Pacer` instead of the workspace's shared one.

    Attributes (each made, and its module imported, when first touched): ``people``, ``companies``,
    ``opportunities``, ``notes``, ``tasks`` (typed :class:`Records`),
    ``metadata`` (objects and fields), ``graphql`` (Twenty's GraphQL API: selected fields, nested relations,
    aggregates; see :mod:`twenty_sdk._graphql`), ``transport`` (for raw requests:
    ``client.transport.request("GET", path)``).
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: Secret | str | None = None,
        *,
        config: ClientConfig | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        **config_options: Any,
    ) -> None:
        self.config = _config(base_url, api_key, config, config_options)
        self.transport = Transport(self.config, http_client=http_client, transport=transport, pacer=pacer)
        self._plain: dict[str, PlainRecords] = {}

    # Each resource is made, and its module or generated model imported, when first touched.

    @cached_property
    def metadata(self) -> Metadata:
        """The workspace's objects and fields (:class:`~twenty_sdk.Metadata`)."""
        from twenty_sdk._metadata import Metadata

        return Metadata(self.transport)

    @cached_property
    def graphql(self) -> GraphQL:
        """Twenty's GraphQL API (:class:`~twenty_sdk.GraphQL`)."""
        from twenty_sdk._graphql import GraphQL

        return GraphQL(self.transport)

    @cached_property
    def people(self) -> Records[PersonForResponse, Person, PersonForUpdate]:
        from twenty_generated.models import PersonForResponse

        return Records(self.transport, ObjectRef("people"), PersonForResponse.from_dict)

    @cached_property
    def companies(self) -> Records[CompanyForResponse, Company, CompanyForUpdate]:
        from twenty_generated.models import CompanyForResponse

        return Records(self.transport, ObjectRef("companies"), CompanyForResponse.from_dict)

    @cached_property
    def opportunities(self) -> Records[OpportunityForResponse, Opportunity, OpportunityForUpdate]:
        from twenty_generated.models import OpportunityForResponse

        return Records(self.transport, ObjectRef("opportunities"), OpportunityForResponse.from_dict)

    @cached_property
    def notes(self) -> Records[NoteForResponse, Note, NoteForUpdate]:
        from twenty_generated.models import NoteForResponse

        return Records(self.transport, ObjectRef("notes"), NoteForResponse.from_dict)

    @cached_property
    def tasks(self) -> Records[TaskForResponse, Task, TaskForUpdate]:
        from twenty_generated.models import TaskForResponse

        return Records(self.transport, ObjectRef("tasks"), TaskForResponse.from_dict)

    def records(self, name_plural: str) -> PlainRecords:
        """The records of any object by its plural name (``"pets"``, ``"people"``), as plain ``dict``s: custom
        objects, or standard ones without parsing. Unique keys to de-duplicate batch upserts on are passed to
        ``upsert_many(key=...)``."""
        name = _check_name(name_plural)
        resource = self._plain.get(name)
        if resource is None:
            resource = self._plain[name] = Records(self.transport, ObjectRef(name))
        return resource

    def __repr__(self) -> str:
        return f"<TwentyClient base_url={self.config.base_url!r}>"

    def close(self) -> None:
        """Close the HTTP connections (not those of an ``http_client`` you passed in)."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncTwentyClient:
    """The asyncio twin of :class:`TwentyClient`: the same attributes, over an :class:`AsyncTransport`;
    every method is awaited, ``iter``/``pages`` are ``async for`` iterators; ``async with`` or :meth:`aclose`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: Secret | str | None = None,
        *,
        config: ClientConfig | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        **config_options: Any,
    ) -> None:
        self.config = _config(base_url, api_key, config, config_options)
        self.transport = AsyncTransport(self.config, http_client=http_client, transport=transport, pacer=pacer)
        self._plain: dict[str, PlainAsyncRecords] = {}

    @cached_property
    def metadata(self) -> AsyncMetadata:
        """See :attr:`TwentyClient.metadata`."""
        from twenty_sdk._metadata import AsyncMetadata

        return AsyncMetadata(self.transport)

    @cached_property
    def graphql(self) -> AsyncGraphQL:
        """See :attr:`TwentyClient.graphql`."""
        from twenty_sdk._graphql import AsyncGraphQL

        return AsyncGraphQL(self.transport)

    @cached_property
    def people(self) -> AsyncRecords[PersonForResponse, Person, PersonForUpdate]:
        from twenty_generated.models import PersonForResponse

        return AsyncRecords(self.transport, ObjectRef("people"), PersonForResponse.from_dict)

    @cached_property
    def companies(self) -> AsyncRecords[CompanyForResponse, Company, CompanyForUpdate]:
        from twenty_generated.models import CompanyForResponse

        return AsyncRecords(self.transport, ObjectRef("companies"), CompanyForResponse.from_dict)

    @cached_property
    def opportunities(self) -> AsyncRecords[OpportunityForResponse, Opportunity, OpportunityForUpdate]:
        from twenty_generated.models import OpportunityForResponse

        return AsyncRecords(self.transport, ObjectRef("opportunities"), OpportunityForResponse.from_dict)

    @cached_property
    def notes(self) -> AsyncRecords[NoteForResponse, Note, NoteForUpdate]:
        from twenty_generated.models import NoteForResponse

        return AsyncRecords(self.transport, ObjectRef("notes"), NoteForResponse.from_dict)

    @cached_property
    def tasks(self) -> AsyncRecords[TaskForResponse, Task, TaskForUpdate]:
        from twenty_generated.models import TaskForResponse

        return AsyncRecords(self.transport, ObjectRef("tasks"), TaskForResponse.from_dict)

    def records(self, name_plural: str) -> PlainAsyncRecords:
        """See :meth:`TwentyClient.records`."""
        name = _check_name(name_plural)
        resource = self._plain.get(name)
        if resource is None:
            resource = self._plain[name] = AsyncRecords(self.transport, ObjectRef(name))
        return resource

    def __repr__(self) -> str:
        return f"<AsyncTwentyClient base_url={self.config.base_url!r}>"

    async def aclose(self) -> None:
        """Close the HTTP connections (not those of an ``http_client`` you passed in)."""
        await self.transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
