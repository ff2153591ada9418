"""``GET /rest/open-api/metadata``: Twenty's hand-written description of its metadata API.

It does not depend on the workspace: its paths, schemas and tags are the data file ``data/openapi/metadata.json``
(the entities Twenty 2.21.0's metadata REST API serves, ``pageLayout*`` included: the feature flag behind them is on
in 2.21.0 workspaces), set in the frame both documents share with the server URL filled in.
"""

from __future__ import annotations

from typing import Any

from twenty_emulator._openapi._document import JSON, base_document, error_responses, load, parameter_components
from twenty_emulator._workspace import Workspace

__all__ = ["metadata_document"]


def metadata_document(ws: Workspace, server_url: str) -> dict[str, Any]:
    """``GET /rest/open-api/metadata``, served from ``server_url`` (as for :func:`core_document`; ``…/rest/metadata``
    is accepted too). Twenty writes this one by hand: it does not depend on the workspace's objects (``ws`` is taken
    for symmetry with :func:`core_document`)."""
    del ws
    document = base_document("metadata", server_url)
    static: JSON = load("metadata.json")
    document["paths"].update(static["paths"])
    document["components"] = {
        **document["components"],
        "schemas": static["schemas"],
        "parameters": parameter_components(from_metadata=True),
        "responses": error_responses(),
    }
    document["tags"] = static["tags"]
    return document
