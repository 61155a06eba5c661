"""Demo records (``mapping/data/demo_services.json``): invented, and always stored as demo."""

import json
from pathlib import Path

from geodata.importers.vector import SourceDataError
from mapping.importers.records import (
    LocationRecord,
    OpeningHours,
    OrganizationRecord,
    RecordSource,
    ServiceRecord,
)

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo_services.json"
SOURCE = RecordSource(
    name="Hartis demo records",
    licence="CC0 1.0 (invented demonstration data)",
    is_demo=True,
    language="en",
)
SERVICE_FIELDS = (
    "description",
    "is_free",
    "fees_description",
    "application_process",
    "eligibility_description",
    "interpretation_services",
    "minimum_age",
    "maximum_age",
)


def _service(item: dict, organizations: dict[str, OrganizationRecord]) -> ServiceRecord:
    location = item.get("location")
    return ServiceRecord(
        key=item["key"],
        name=item["name"],
        organization=organizations[item["organization"]],
        location=LocationRecord(key=item["key"], **location) if location else None,
        categories=tuple(item.get("categories", ())),
        target_groups=tuple(item.get("target_groups", ())),
        languages=tuple(item.get("languages", ())),
        hours=tuple(OpeningHours(*hours) for hours in item.get("hours", ())),
        translations=dict(item.get("translations", {})),
        **{name: item[name] for name in SERVICE_FIELDS if name in item},
    )


def parse_demo(path: Path = DEMO_FILE) -> list[ServiceRecord]:
    """Service records from the demo file; a malformed entry is a SourceDataError naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        organizations = {
            key: OrganizationRecord(key=key, **fields)
            for key, fields in data["organizations"].items()
        }
        items = data["services"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceDataError(path, f"not a demo file: {exc!r}") from exc
    records = []
    for index, item in enumerate(items):
        try:
            records.append(_service(item, organizations))
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceDataError(path, f"service {index}: {exc!r}") from exc
    return records
