"""Both real Twenty documents (2.21.0 JSON, 2026-03 YAML) normalise, generate, import and pass ``mypy --strict``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_mypy import mypy_strict
from twenty_codegen import dumps, generate, load_document, normalise

pytestmark = [pytest.mark.needs_shared, pytest.mark.slow]

IMPORTS = """
import twenty_generated
from twenty_generated import AuthenticatedClient
from twenty_generated.api.people import find_many_people, create_one_person
from twenty_generated.models import PersonForResponse, CompanyForResponse, ErrorResponse, PageInfo
person = PersonForResponse.from_dict({"id": "c0000001-0000-4000-a000-000000000001", "jobTitle": None})
assert person.job_title is None and person.to_dict()["jobTitle"] is None
print(twenty_generated.SCHEMA_SHA256)
"""


@pytest.mark.parametrize("name", ["real-2.21.0/openapi-core.json", "real-2026-03/openapi-core.yaml"])
def test_a_real_document_gives_a_client_that_imports_and_type_checks(
    name: str, shared: Path, tmp_path: Path, codegen_tools: None
) -> None:
    schema = tmp_path / "core.json"
    schema.write_text(dumps(normalise(load_document(shared / name))), encoding="utf-8")
    generated = generate(schema, tmp_path / "out" / "twenty_generated")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out")}
    done = subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == generated.schema_sha256  # the temporary client, not the committed one
    mypy_strict(tmp_path / "out", Path(name).parent)
