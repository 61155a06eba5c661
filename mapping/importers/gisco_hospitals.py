"""Hospitals from Eurostat GISCO "Healthcare services in Europe" (reference date 2020-04-15).

Kept: hospitals inside the municipality or within ``NEARBY_METRES`` of it. Every field comes
from the file; nothing is added. Theme: health › hospital. Names are Greek (the record's
language); the facility type and specialities, English terms in GISCO, become the English
description.
"""

import datetime
from pathlib import Path

from geodata.importers.vector import SourceDataError, read_features
from geodata.models import Municipality
from geodata.sources import DATA_ROOT
from geodata.spatial import indexes_within_metres
from mapping.importers.records import (
    LocationRecord,
    OrganizationRecord,
    RecordSource,
    ServiceRecord,
)
from mapping.models import OrganizationType

GISCO_FILE = DATA_ROOT / "athens" / "poi" / "gisco_healthcare_services_EL_2020.geojson"
NEARBY_METRES = 3000
SOURCE = RecordSource(
    name="Eurostat GISCO healthcare services (2020)",
    url="https://github.com/eurostat/healthcare-services",
    licence="© European Union, Eurostat (reuse with acknowledgement)",
)


def _text(value: object) -> str:
    return str(value or "").strip()


def _url(value: str) -> str:
    """GISCO lists "www.laiko.gr"; a link needs a scheme, and http:// is what a browser assumes."""
    if value and "://" not in value:
        return f"http://{value}"
    return value


def _reference_date(value: str, path: Path, index: int) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise SourceDataError(path, f"ref_date {value!r} is not DD/MM/YYYY", index) from None


def parse_hospitals(municipality: Municipality, path: Path = GISCO_FILE) -> list[ServiceRecord]:
    """Hospital records near ``municipality`` (inside it or within NEARBY_METRES)."""
    features = [f for f in read_features(path) if f.geometry is not None]
    near = indexes_within_metres(
        municipality.pk, [(f.geometry.x, f.geometry.y) for f in features], NEARBY_METRES
    )
    records = []
    for position, feature in enumerate(features):
        if position not in near:
            continue
        p = feature.properties
        key = _text(p.get("id"))
        name = _text(p.get("hospital_name"))
        if not key or not name:
            raise SourceDataError(path, "hospital without id or name", feature.index)
        details = [
            f"Facility type: {_text(p.get('facility_type'))}"
            if _text(p.get("facility_type"))
            else "",
            f"Specialities: {_text(p.get('list_specs'))}" if _text(p.get("list_specs")) else "",
            "Emergency department: yes" if _text(p.get("emergency")).lower() == "yes" else "",
        ]
        organization = OrganizationRecord(
            key=key,
            name=name,
            organization_type=(
                OrganizationType.PUBLIC_BODY
                if _text(p.get("public_private")).lower() == "public"
                else OrganizationType.PRIVATE_SECTOR
                if _text(p.get("public_private")).lower() == "private"
                else ""
            ),
            website=_url(_text(p.get("url"))),
            email=_text(p.get("email")),
        )
        street = " ".join(filter(None, [_text(p.get("street")), _text(p.get("house_number"))]))
        records.append(
            ServiceRecord(
                key=key,
                name=name,
                organization=organization,
                location=LocationRecord(
                    key=key,
                    name=name,
                    lon=feature.geometry.x,
                    lat=feature.geometry.y,
                    address_1=street,
                    postal_code=_text(p.get("postcode")),
                    city=_text(p.get("city")),
                ),
                # GISCO's facility types are English terms: they are the English description;
                # the Greek record text is the hospital's name only.
                translations={"en": {"description": "\n".join(filter(None, details))}}
                if any(details)
                else {},
                categories=("health", "health-hospital"),
                phones=tuple(n.strip() for n in _text(p.get("tel")).split(",") if n.strip()),
                url=_url(_text(p.get("url"))),
                email=_text(p.get("email")),
                assured_date=_reference_date(_text(p.get("ref_date")), path, feature.index),
            )
        )
    return records
