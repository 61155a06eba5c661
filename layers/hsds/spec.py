"""The HSDS 3.0 files shipped in ``standard/`` and what the API and export read from them."""

import json
from functools import cache
from pathlib import Path

STANDARD_DIR = Path(__file__).resolve().parent / "standard"
SCHEMA_DIR = STANDARD_DIR / "schema"
DESCRIPTOR_PATH = STANDARD_DIR / "datapackage.json"


@cache
def descriptor() -> dict:
    """The HSDS tabular data package descriptor (21 resources, one per table)."""
    return json.loads(DESCRIPTOR_PATH.read_text(encoding="utf-8"))


@cache
def table_fields() -> dict[str, tuple[str, ...]]:
    """Each table's field names in the descriptor's order, by table (resource) name."""
    return {
        resource["name"]: tuple(field["name"] for field in resource["schema"]["fields"])
        for resource in descriptor()["resources"]
    }


@cache
def required_keys(table: str) -> frozenset[str]:
    """Keys the JSON Schema of ``table`` requires in an object (present, maybe empty)."""
    schema = json.loads((SCHEMA_DIR / f"{table}.json").read_text(encoding="utf-8"))
    return frozenset(schema.get("required", ()))
