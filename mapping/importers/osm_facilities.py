"""Facilities from OpenStreetMap (extract of September 2025, ODbL 1.0).

The mapping from OSM tags to Hartis themes is the table ``CLASSIFICATION`` below (README.md
repeats it). Museums, and community centres that are neither for migrants, nor LGBTQI+, nor run
by the municipality (private clubs, political spaces), are not services and are skipped.
Nothing is added to what OSM says: no hours, languages or phones.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from geodata.importers.vector import SourceDataError
from geodata.sources import DATA_ROOT
from mapping.importers.records import (
    LocationRecord,
    OrganizationRecord,
    RecordSource,
    ServiceRecord,
)
from mapping.models import OrganizationType

OSM_FILE = DATA_ROOT / "athens" / "poi" / "osm_facilities_athens_2025.csv"
SOURCE = RecordSource(
    name="OpenStreetMap facilities (2025-09)",
    url="https://www.openstreetmap.org/copyright",
    licence="ODbL 1.0, © OpenStreetMap contributors",
)
MUNICIPALITY_OF_ATHENS = "Δήμος Αθηναίων"
# Primary and secondary state schools by their Greek names (Δημοτικό, Γυμνάσιο, ΓΕΛ…);
# other amenity=school places (dance, driving schools) are courses, not schools.
PUBLIC_SCHOOL = re.compile(
    r"Δημοτικ|Νηπιαγωγ|Γυμνάσ|Λύκει|ΓΕΛ|ΕΠΑΛ|Ε\.Π\.Α\.Λ|Γ\.Ε\.Λ|Βρεφονηπ", re.IGNORECASE
)


@dataclass(frozen=True)
class Classification:
    categories: tuple[str, ...]
    target_groups: tuple[str, ...] = ()


# (facility_category, social_facility, social_facility.for) → classification
SOCIAL_FACILITIES = {
    ("shelter", "homeless"): Classification(
        ("housing", "housing-emergency-shelter"), ("homeless",)
    ),
    ("shelter", "migrant"): Classification(
        ("housing", "housing-accommodation"), ("asylum-seekers", "refugees", "migrants")
    ),
    ("day_care", "homeless"): Classification(("housing", "housing-day-centre"), ("homeless",)),
    ("day_care", "drug_addicted"): Classification(
        ("health", "health-addiction"), ("people-who-use-drugs",)
    ),
    ("day_care", "child"): Classification(("housing", "housing-day-centre"), ("children",)),
    ("nursing_home", "child"): Classification(
        ("housing", "housing-accommodation"), ("children", "families")
    ),
    ("nursing_home", "senior"): Classification(
        ("housing", "housing-accommodation"), ("older-people",)
    ),
}
COMMUNITY_CENTRES_FOR = {
    "migrant": Classification(("education", "education-community-centre"), ("migrants",)),
    "immigrant": Classification(("education", "education-community-centre"), ("migrants",)),
    "lgbtq": Classification(("gender", "gender-lgbtqi"), ("lgbtqi",)),
}
MUNICIPAL_COMMUNITY_CENTRE = Classification(("education", "education-community-centre"))
LIBRARY = Classification(("education", "education-library"))
UNIVERSITY = Classification(("education", "education-higher"))
SCHOOL = Classification(("education", "education-school"), ("children",))
COURSES = Classification(("education", "education-courses"))


def _value(row: dict[str, str], column: str) -> str:
    """The cell, with R's "NA" (how the extract marks a missing tag) read as empty."""
    value = (row.get(column) or "").strip()
    return "" if value == "NA" else value


def is_municipal(row: dict[str, str]) -> bool:
    operator, name = _value(row, "operator"), _value(row, "name")
    return operator == MUNICIPALITY_OF_ATHENS or "Δήμου Αθηναίων" in name


def classify(row: dict[str, str]) -> Classification | None:
    """Hartis themes and target groups for one OSM row, or None when it is not a service."""
    category = _value(row, "facility_category")
    if category == "social_centre":
        return SOCIAL_FACILITIES.get(
            (_value(row, "social_facility"), _value(row, "social_facility.for"))
        )
    if category == "community_centre":
        for_whom = _value(row, "community_centre.for")
        if for_whom in COMMUNITY_CENTRES_FOR:
            return COMMUNITY_CENTRES_FOR[for_whom]
        return MUNICIPAL_COMMUNITY_CENTRE if is_municipal(row) else None
    if category == "library":
        return LIBRARY
    if category == "university":
        return UNIVERSITY
    if category == "school":
        return SCHOOL if PUBLIC_SCHOOL.search(_value(row, "name")) else COURSES
    return None  # museums and anything new in a later extract


def _organization(row: dict[str, str], key: str, name: str) -> OrganizationRecord:
    """The operator when OSM names one, otherwise the facility itself."""
    operator = _value(row, "operator")
    if is_municipal(row):
        return OrganizationRecord(
            key=f"operator:{MUNICIPALITY_OF_ATHENS}",
            name=MUNICIPALITY_OF_ATHENS,
            organization_type=OrganizationType.MUNICIPAL,
        )
    if operator:
        return OrganizationRecord(key=f"operator:{operator}", name=operator)
    return OrganizationRecord(key=key, name=name)


def parse_facilities(path: Path = OSM_FILE) -> list[ServiceRecord]:
    """Service records for the OSM facilities that are services (see ``classify``)."""
    if not path.is_file():
        raise SourceDataError(path, "file not found")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        classification = classify(row)
        if classification is None:
            continue
        key, name = _value(row, "osm_id"), _value(row, "name")
        if not key or not name:
            raise SourceDataError(path, f"line {line}: osm_id or name missing")
        try:
            lon, lat = float(_value(row, "x")), float(_value(row, "y"))
        except ValueError:
            raise SourceDataError(path, f"line {line}: x/y are not numbers") from None
        records.append(
            ServiceRecord(
                key=key,
                name=name,
                organization=_organization(row, key, name),
                location=LocationRecord(
                    key=key, name=name, lon=lon, lat=lat, postal_code=_value(row, "addr.postcode")
                ),
                categories=classification.categories,
                target_groups=classification.target_groups,
            )
        )
    return records
