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
    "find_secret",
    "raise_for_response",
    "resolve_api_key",
    "scrub",
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
    "AsyncPage",
    "AsyncPageRequest",
    "AsyncRecords",
    "AsyncTwentyClient",
    "Filter",
    "MAX_BATCH",
    "Page",
    "PaginationError",
    "Records",
    "TwentyClient",
    "complete_composites",
    "partial_composites",
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
        if isinstance(obj, type) or callable(obj):  # a constant (MAX_BATCH) carries its type's module
            assert obj.__module__.startswith("twenty_sdk"), name


def test_the_lazy_table_and_the_type_checking_imports_name_exactly_the_public_surface() -> None:
    """``__getattr__`` resolves through ``_MODULE_OF``; mypy and editors read the ``TYPE_CHECKING`` imports: a name
    in one and not the others would be public to one reader and missing for another."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(twenty_sdk.__file__).read_text(encoding="utf-8"))
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    typed = {(node.module, a.name) for node in guarded.body if isinstance(node, ast.ImportFrom) for a in node.names}
    lazy = {(f"twenty_sdk.{module}", name) for name, module in twenty_sdk._MODULE_OF.items()}
    assert typed == lazy
    assert {name for _, name in lazy} == set(twenty_sdk.__all__)


def test_importing_the_package_loads_neither_httpx_nor_graphql_nor_the_clients() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, twenty_sdk\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'graphql', 'gql')"
        " or m.startswith('twenty_sdk.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_the_client_loads_graphql_metadata_and_schema_only_when_touched() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom twenty_sdk import TwentyClient\n"
        "twenty = TwentyClient('http://127.0.0.1:9', 'k')\n"
        "print(sorted(m for m in sys.modules if m in ('twenty_sdk._graphql', 'twenty_sdk._metadata', "
        "'twenty_sdk._schema_plan', 'graphql')))\n"
        "twenty.metadata, twenty.graphql\n"
        "print(sorted(m for m in sys.modules if m in ('twenty_sdk._graphql', 'twenty_sdk._metadata')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "['twenty_sdk._graphql',", "'twenty_sdk._metadata']"]


def test_no_public_module_besides_the_package() -> None:
    import pkgutil

    modules = [m.name for m in pkgutil.iter_modules(twenty_sdk.__path__)]
    assert all(name.startswith("_") for name in modules), modules
