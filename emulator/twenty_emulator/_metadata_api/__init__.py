"""The metadata API (``/rest/metadata/objects``, ``/rest/metadata/fields``) and the OpenAPI documents' routes.

Answers as a real Twenty 2.21.0 does (``../shared/twenty/conformance`` scenarios s16, s18, s20, s23, s24):

- Lists are ordered by id descending, paged with ``limit`` (default 60, max 200) and id cursors
  (``starting_after`` / ``ending_before``), carry ``totalCount`` and ``pageInfo {hasNextPage, startCursor, endCursor}``
  and ignore ``filter`` (``_paging``).
- Reads (``GET``) serve the metadata dictionaries as stored (null members left out); mutations answer the
  ``createOne…`` / ``updateOne…`` / ``deleteOne…`` shape, which always carries ``defaultValue`` and ``options`` (fields)
  or ``imageIdentifierFieldMetadataId`` (objects) (``_answers``).
- Request bodies are checked like Twenty's DTOs first (class-validator's
  ``{"message": [...], "error": "Bad Request"}``, ``_dto``), then like its metadata validators
  (``METADATA_VALIDATION_ERROR`` with a per-entity report, in ``_objects`` and ``_fields``).
- Every change reaches the records store at once (new tables and columns, unique indexes, dropped columns) and
  bumps :meth:`Emulator.metadata_changed` (``_changes``).

``_routes`` sends each request to its route.
"""

from twenty_emulator._metadata_api._routes import handle, open_api

__all__ = ["handle", "open_api"]
