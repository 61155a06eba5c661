"""HSDS 3.0 JSON objects, nested as the HSDS API and schemas nest them, made from the flat rows.

Each object is its table row (:mod:`layers.hsds.rows`) as JSON — fields we have no value for
left out, except those the HSDS JSON Schema requires, which are given as ``""`` — plus arrays of
its children. A relation we keep is always present, maybe empty (``"phones": []``); one we do not
keep at all (funding, programs, cost options, metadata) is left out. Children keep their parent
ids (``phone.service_id``), so flattening an object gives back exactly the rows it came from
(:func:`layers.hsds.package.flatten`). Arrays are ordered by id, like the export's tables.

Builders read prefetched relations only: use the querysets of :mod:`layers.hsds.reads`.
"""

from collections.abc import Iterable

from layers.hsds import rows
from layers.hsds.rows import Row
from layers.hsds.spec import required_keys
from layers.hsds.terms import (
    Link,
    location_links,
    organization_links,
    service_links,
)
from mapping.models import Contact, Location, Organization, Phone, Service, ServiceAtLocation

JSONObject = dict[str, object]


def as_json(table: str, row: Row) -> JSONObject:
    """``row`` as a JSON object: no ``None`` values; keys the schema requires kept as ``""``."""
    required = required_keys(table)
    return {
        key: "" if value is None else value
        for key, value in row.items()
        if value is not None or key in required
    }


def by_id(objects: Iterable[JSONObject]) -> list[JSONObject]:
    return sorted(objects, key=lambda obj: obj["id"])


def attribute_objects(links: Iterable[Link]) -> list[JSONObject]:
    return by_id(
        {
            **as_json("attribute", link.attribute),
            "taxonomy_term": as_json("taxonomy_term", link.term),
        }
        for link in links
    )


def phone_object(phone: Phone) -> JSONObject:
    languages = [rows.language_row("phone", phone.id, lang) for lang in phone.languages.all()]
    return {
        **as_json("phone", rows.phone_row(phone)),
        "languages": by_id(as_json("language", row) for row in languages),
    }


def contact_object(contact: Contact) -> JSONObject:
    return {
        **as_json("contact", rows.contact_row(contact)),
        "phones": by_id(phone_object(phone) for phone in contact.phones.all()),
    }


def _optional(table: str, row: Row | None) -> list[JSONObject]:
    return [] if row is None else [as_json(table, row)]


def organization_item(organization: Organization) -> JSONObject:
    """An organization as list items and a service's ``organization`` in lists show it."""
    return as_json("organization", rows.organization_row(organization))


def organization_object(organization: Organization) -> JSONObject:
    """The organization of a fully nested service: its row and its provenance attributes."""
    return {
        **organization_item(organization),
        "attributes": attribute_objects(organization_links(organization)),
    }


def location_item(location: Location) -> JSONObject:
    return as_json("location", rows.location_row(location))


def location_object(location: Location) -> JSONObject:
    """A location with its address, accessibility, contacts, phones and attributes (district,
    neighbourhood, provenance)."""
    return {
        **location_item(location),
        "addresses": _optional("address", rows.address_row(location)),
        "contacts": by_id(contact_object(contact) for contact in location.contacts.all()),
        "accessibility": _optional("accessibility", rows.accessibility_row(location)),
        "phones": by_id(phone_object(phone) for phone in location.phones.all()),
        "attributes": attribute_objects(location_links(location)),
    }


def service_item(service: Service) -> JSONObject:
    """A service as ``/services`` lists it: its own fields and its organization's."""
    return {
        **as_json("service", rows.service_row(service)),
        "organization": organization_item(service.organization),
    }


def service_at_location_object(service_at_location: ServiceAtLocation) -> JSONObject:
    """A service at a location as a fully nested service holds it (the location in full)."""
    sal = service_at_location
    return {
        **as_json("service_at_location", rows.service_at_location_row(sal)),
        "contacts": by_id(contact_object(contact) for contact in sal.contacts.all()),
        "phones": by_id(phone_object(phone) for phone in sal.phones.all()),
        "schedules": by_id(
            as_json("schedule", rows.schedule_row(schedule)) for schedule in sal.schedules.all()
        ),
        "location": location_object(sal.location),
    }


def service_object(service: Service) -> JSONObject:
    """A fully nested service (HSDS ``GET /services/{id}``)."""
    languages = [rows.language_row("service", service.id, lang) for lang in service.languages.all()]
    return {
        **as_json("service", rows.service_row(service)),
        "organization": organization_object(service.organization),
        "phones": by_id(phone_object(phone) for phone in service.phones.all()),
        "schedules": by_id(
            as_json("schedule", rows.schedule_row(schedule)) for schedule in service.schedules.all()
        ),
        "service_areas": by_id(
            as_json("service_area", rows.service_area_row(area))
            for area in service.service_areas.all()
        ),
        "service_at_locations": by_id(
            service_at_location_object(sal) for sal in service.service_at_locations.all()
        ),
        "languages": by_id(as_json("language", row) for row in languages),
        "required_documents": by_id(
            as_json("required_document", rows.required_document_row(document))
            for document in service.required_documents.all()
        ),
        "contacts": by_id(contact_object(contact) for contact in service.contacts.all()),
        "attributes": attribute_objects(service_links(service)),
    }


def service_at_location_item(service_at_location: ServiceAtLocation) -> JSONObject:
    """A service at a location as ``/service_at_locations`` lists it: with its location's and
    its service's own fields."""
    return {
        **as_json("service_at_location", rows.service_at_location_row(service_at_location)),
        "location": location_item(service_at_location.location),
        "service": service_item(service_at_location.service),
    }


def service_at_location_full(service_at_location: ServiceAtLocation) -> JSONObject:
    """HSDS ``GET /service_at_locations/{id}``: nested in full, with its service's own fields."""
    return {
        **service_at_location_object(service_at_location),
        "service": service_item(service_at_location.service),
    }


def organization_full(
    organization: Organization, services: Iterable[JSONObject] | None = None
) -> JSONObject:
    """HSDS ``GET /organizations/{id}``: the organization with its contacts, phones, locations
    and attributes, and ``services`` when given (list items, or nested services in full)."""
    full = {
        **organization_object(organization),
        "contacts": by_id(contact_object(contact) for contact in organization.contacts.all()),
        "phones": by_id(phone_object(phone) for phone in organization.phones.all()),
        "locations": by_id(location_object(location) for location in organization.locations.all()),
    }
    if services is not None:
        full["services"] = by_id(services)
    return full


def taxonomy_term_object(term: Row, taxonomy: Row) -> JSONObject:
    """HSDS ``GET /taxonomy_terms/{id}``: the term and its taxonomy (``taxonomy_detail``)."""
    return {**as_json("taxonomy_term", term), "taxonomy_detail": as_json("taxonomy", taxonomy)}
