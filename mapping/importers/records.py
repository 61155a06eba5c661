"""Plain records importers produce and the import action consumes (source-neutral)."""

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordSource:
    """Provenance shared by every record of one import."""

    name: str
    licence: str
    url: str = ""
    is_demo: bool = False
    language: str = "el"  # the language of the records' own text (names, descriptions)


@dataclass(frozen=True)
class OrganizationRecord:
    key: str  # identifier at the source, stable across re-imports
    name: str
    organization_type: str = ""
    description: str = ""
    website: str = ""
    email: str = ""


@dataclass(frozen=True)
class LocationRecord:
    """A physical place; ``lon``/``lat`` are WGS84 (EPSG:4326) degrees."""

    key: str
    name: str
    lon: float
    lat: float
    address_1: str = ""
    postal_code: str = ""
    city: str = ""
    accessibility: str = ""


@dataclass(frozen=True)
class OpeningHours:
    """One weekly interval: ISO weekday (1 = Monday) and local Athens times "HH:MM"."""

    weekday: int
    opens_at: str
    closes_at: str


@dataclass(frozen=True)
class ServiceRecord:
    """One service as a source describes it. Unknown fields stay empty; never filled in."""

    key: str
    name: str
    organization: OrganizationRecord
    location: LocationRecord | None = None
    description: str = ""
    categories: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    url: str = ""
    email: str = ""
    is_free: bool | None = None
    fees_description: str = ""
    application_process: str = ""
    eligibility_description: str = ""
    interpretation_services: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    hours: tuple[OpeningHours, ...] = field(default_factory=tuple)
    assured_date: datetime.date | None = None
    # language → {field: text} for fields in mapping.models.TRANSLATED_FIELDS
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
