"""The public surface of twenty_sdk, locked: adding or removing a name is a decision, made here."""

from __future__ import annotations

import twenty_sdk

# The foundations (config, secrets, errors, pacing, retry, transport). The client built on them adds its own names.
FOUNDATIONS = {
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchFailure",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "GoogleSecretManager",
    "InternalServerError",
    "NotFoundError",
    "Pacer",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RetryPolicy",
    "Secret",
    "Transport",
    "TwentyError",
    "raise_for_response",
    "shared_pacer",
}

# The metadata layer: objects and fields, declarative schemas and their reports, the seed's schema.
METADATA = {
    "AsyncMetadata",
    "FieldInfo",
    "FieldSpec",
    "Metadata",
    "ObjectInfo",
    "ObjectSpec",
    "RelationSpec",
    "SchemaError",
    "SchemaItem",
    "SchemaReport",
    "SelectOption",
    "validate_schema",
}

# The records client (TwentyClient / AsyncTwentyClient, their resources, filters, pages, normalisation).
RECORDS_CLIENT = {
    "AsyncRecords",
    "AsyncTwentyClient",
    "Filter",
    "Page",
    "PaginationError",
    "Records",
    "TwentyClient",
    "normalize_email",
    "normalize_emails",
    "normalize_link",
    "normalize_links",
}


# GraphQL: the other half of Twenty's API on the same client (twenty.graphql).
GRAPHQL = {"AsyncGraphQL", "GraphQL"}


def test_all_is_sorted_and_unique() -> None:
    assert twenty_sdk.__all__ == sorted(set(twenty_sdk.__all__))


def test_the_public_surface_is_exactly_these_names() -> None:
    """Equality, not inclusion: a name added or removed fails here until it is added to (or taken from) a group."""
    assert set(twenty_sdk.__all__) == FOUNDATIONS | RECORDS_CLIENT | METADATA | GRAPHQL
    groups = [FOUNDATIONS, RECORDS_CLIENT, METADATA, GRAPHQL]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # each name in one group


def test_every_exported_name_exists_and_says_it_lives_in_twenty_sdk() -> None:
    for name in twenty_sdk.__all__:
        obj = getattr(twenty_sdk, name)
        assert getattr(obj, "__module__", "twenty_sdk").startswith("twenty_sdk"), name


def test_no_public_module_besides_the_package() -> None:
    import pkgutil

    modules = [m.name for m in pkgutil.iter_modules(twenty_sdk.__path__)]
    assert all(name.startswith("_") for name in modules), modules
