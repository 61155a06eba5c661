"""One flat HSDS 3.0 table row per directory record, by the contract in :mod:`mapping.hsds`.

A row is a dict of the table's fields in the order of the HSDS descriptor
(``standard/datapackage.json``), ``None`` where we have no value. Values are formatted once,
here, so the API, the CSV tables and the JSON export say the same thing byte for byte:

- coordinates: WGS84 (EPSG:4326) degrees as floats rounded to 6 decimals (~0.1 m);
- dates ``YYYY-MM-DD``; opening times ``HH:MM:SS`` in Europe/Athens local time;
- modification times in UTC with milliseconds, ``2024-05-01T09:30:00.123Z`` (HSDS asks for
  millisecond accuracy; finer digits would not survive most consumers anyway).

Row builders read only the record's own columns and what the caller selected or prefetched
(:mod:`layers.hsds.reads`); they never query.
"""

import datetime

from django.utils import translation

from layers.hsds.spec import table_fields
from mapping.hsds import accessibility_id, address_id, language_link_id
from mapping.models import (
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)

Row = dict[str, object]

# Names of shared vocabulary (themes, languages, districts) go out in English, falling back to
# Greek, whatever language the request or the shell runs in: an export must not depend on it.
VOCABULARY_LANGUAGE = "en"

# The address columns whose presence makes an address row (mapping.hsds: country alone, which
# every location has, does not).
ADDRESS_PARTS = ("address_1", "address_2", "city", "region", "postal_code")


def make_row(table: str, **values: object) -> Row:
    """The row of ``table`` with ``values``: every field in descriptor order, empty text as
    ``None``. A name the table does not have is a programming error (KeyError)."""
    fields = table_fields()[table]
    unknown = values.keys() - set(fields)
    if unknown:
        raise KeyError(f"HSDS table {table!r} has no field {sorted(unknown)}")
    return {name: (None if values.get(name) == "" else values.get(name)) for name in fields}


def uuid_text(value: object) -> str | None:
    return None if value is None else str(value)


def date_text(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def time_text(value: datetime.time) -> str:
    return value.strftime("%H:%M:%S")


def datetime_text(value: datetime.datetime) -> str:
    """UTC with milliseconds and ``Z``."""
    utc = value.astimezone(datetime.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def degrees(value: float) -> float:
    """A WGS84 coordinate rounded to 6 decimals."""
    return round(value, 6)


def organization_row(organization: Organization) -> Row:
    return make_row(
        "organization",
        id=str(organization.id),
        name=organization.name,
        alternate_name=organization.alternate_name,
        description=organization.description,
        email=organization.email,
        website=organization.website,
        logo=organization.logo,
    )


def service_row(service: Service) -> Row:
    return make_row(
        "service",
        id=str(service.id),
        organization_id=str(service.organization_id),
        name=service.name,
        alternate_name=service.alternate_name,
        description=service.description,
        url=service.url,
        email=service.email,
        status=service.status,
        interpretation_services=service.interpretation_services,
        application_process=service.application_process,
        fees_description=service.fees_description,
        eligibility_description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        assured_date=date_text(service.assured_date),
        assurer_email=service.assurer_email,
        alert=service.alert,
        last_modified=datetime_text(service.last_modified),
    )


def location_row(location: Location) -> Row:
    point = location.point
    return make_row(
        "location",
        id=str(location.id),
        location_type=location.location_type,
        organization_id=uuid_text(location.organization_id),
        name=location.name,
        alternate_name=location.alternate_name,
        description=location.description,
        transportation=location.transportation,
        latitude=None if point is None else degrees(point.y),
        longitude=None if point is None else degrees(point.x),
    )


def address_row(location: Location) -> Row | None:
    """The location's postal address, or None when it has none (mapping.hsds)."""
    if not any(getattr(location, part) for part in ADDRESS_PARTS):
        return None
    return make_row(
        "address",
        id=str(address_id(location.id)),
        location_id=str(location.id),
        address_1=location.address_1,
        address_2=location.address_2,
        city=location.city,
        region=location.region,
        postal_code=location.postal_code,
        country=location.country,
        address_type=location.location_type,
    )


def accessibility_row(location: Location) -> Row | None:
    if not location.accessibility:
        return None
    return make_row(
        "accessibility",
        id=str(accessibility_id(location.id)),
        location_id=str(location.id),
        description=location.accessibility,
    )


def service_at_location_row(service_at_location: ServiceAtLocation) -> Row:
    return make_row(
        "service_at_location",
        id=str(service_at_location.id),
        service_id=str(service_at_location.service_id),
        location_id=str(service_at_location.location_id),
        description=service_at_location.description,
    )


def phone_row(phone: Phone) -> Row:
    # HSDS types the extension as a number: only an all-digit extension can go out.
    extension = int(phone.extension) if phone.extension.isdigit() else None
    return make_row(
        "phone",
        id=str(phone.id),
        location_id=uuid_text(phone.location_id),
        service_id=uuid_text(phone.service_id),
        organization_id=uuid_text(phone.organization_id),
        contact_id=uuid_text(phone.contact_id),
        service_at_location_id=uuid_text(phone.service_at_location_id),
        number=phone.number,
        extension=extension,
        type=phone.type,
        description=phone.description,
    )


def contact_row(contact: Contact) -> Row:
    return make_row(
        "contact",
        id=str(contact.id),
        organization_id=uuid_text(contact.organization_id),
        service_id=uuid_text(contact.service_id),
        service_at_location_id=uuid_text(contact.service_at_location_id),
        location_id=uuid_text(contact.location_id),
        name=contact.name,
        title=contact.title,
        department=contact.department,
        email=contact.email,
    )


def schedule_row(schedule: Schedule) -> Row:
    """One weekly interval: ``freq`` WEEKLY, one ``byday``, local times, no ``timezone``
    (mapping.hsds explains why)."""
    return make_row(
        "schedule",
        id=str(schedule.id),
        service_id=uuid_text(schedule.service_id),
        service_at_location_id=uuid_text(schedule.service_at_location_id),
        valid_from=date_text(schedule.valid_from),
        valid_to=date_text(schedule.valid_to),
        freq="WEEKLY",
        byday=schedule.byday,
        description=schedule.description,
        opens_at=time_text(schedule.opens_at),
        closes_at=time_text(schedule.closes_at),
        notes=schedule.notes,
    )


def service_area_row(area: ServiceArea) -> Row:
    """``extent`` is the GeoJSON text of the MultiPolygon (EPSG:4326, 6 decimals), made by
    PostGIS: the caller annotates ``extent_geojson`` (see reads.service_areas)."""
    return make_row(
        "service_area",
        id=str(area.id),
        service_id=str(area.service_id),
        name=area.name,
        description=area.description,
        extent=area.extent_geojson,
        extent_type="geojson" if area.extent_geojson else None,
        uri=area.uri,
    )


def required_document_row(document: RequiredDocument) -> Row:
    return make_row(
        "required_document",
        id=str(document.id),
        service_id=str(document.service_id),
        document=document.document,
        uri=document.uri,
    )


def language_row(link_entity: str, link_id: object, language: Language) -> Row:
    """Row ``link_id`` of ``link_entity`` ("service", "location" or "phone") is offered in
    ``language``."""
    with translation.override(VOCABULARY_LANGUAGE):
        name = str(language.name)
    return make_row(
        "language",
        id=str(language_link_id(link_entity, link_id, language.code)),
        **{f"{link_entity}_id": str(link_id)},
        name=name,
        code=language.code,
    )
