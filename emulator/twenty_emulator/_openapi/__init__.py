"""The OpenAPI documents Twenty 2.21.0 serves at ``GET /rest/open-api/core`` and ``GET /rest/open-api/metadata``.

- ``_core``: the core document, generated from the workspace's live metadata (paths, webhooks, tags), with
  ``_schemas`` (the objects' schema components) and ``_examples`` (their ``example`` values, seeded fake data);
- ``_metadata``: the metadata document, Twenty's hand-written description of its metadata API, read from
  ``data/openapi/metadata.json``;
- ``_document``: what both share (the frame, parameters, error responses, the data files' loader).
"""

from twenty_emulator._openapi._core import core_document
from twenty_emulator._openapi._metadata import metadata_document

__all__ = ["core_document", "metadata_document"]
