"""The guard's unit tests run against the real JSON Schema generated from the
zod schemas (synapse-config/schemas/, written by `npm run schemas`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = GUARD.parent / "schemas"
sys.path.insert(0, str(GUARD))

from casusruimte_guard.schemas import Schemas  # noqa: E402

@pytest.fixture(scope="session")
def schemas() -> Schemas:
    if not SCHEMAS_DIR.is_dir():
        pytest.exit(f"{SCHEMAS_DIR} is missing: generate it with `npm run schemas` (npm test does this first)", returncode=2)
    return Schemas.load(SCHEMAS_DIR)
