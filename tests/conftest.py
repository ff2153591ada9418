"""Fixtures shared by every test directory: the real servers the sync stores are tested against (started once per
session, on first use; see ``tests/services``)."""

from services.bigquery import bigquery_emulator
from services.postgres import postgres_server

__all__ = ["bigquery_emulator", "postgres_server"]
