"""What HSDS publishes, and the reads that nest it in a fixed number of queries.

Published are the active services — what the search API lists (``active_q``), demo records
included: they say so with their provenance ``demo`` attribute — with their places, the
organisations that provide them or hold those places, and the phones and contacts of those.
Each ``*_nested`` read selects or prefetches exactly what :mod:`layers.hsds.nested` reads, so a
page of N objects costs the same number of queries as a page of one. Area geometries are
never selected: a location needs only its district's and neighbourhood's names.
"""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from mapping.models import (
    Contact,
    Location,
    Organization,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from mapping.models.queries import ServiceQuerySet

_AREAS = ("district__municipality", "neighbourhood__municipality")
_AREA_GEOMETRIES = (
    "district__geom",
    "neighbourhood__geom",
    "district__municipality__geom",
    "neighbourhood__municipality__geom",
)


def published_services() -> ServiceQuerySet:
    return Service.objects.active()


def published_service_at_locations() -> QuerySet:
    return ServiceAtLocation.objects.filter(service__in=published_services())


def published_locations() -> QuerySet:
    """Places where a published service is delivered."""
    here = published_service_at_locations().filter(location_id=OuterRef("pk"))
    return Location.objects.filter(Exists(here))


def published_organizations() -> QuerySet:
    """Organisations providing a published service or holding a published place (so every
    ``organization_id`` of the export refers to an exported organization)."""
    provides = published_services().filter(organization_id=OuterRef("pk"))
    holds = published_locations().filter(organization_id=OuterRef("pk"))
    return Organization.objects.filter(Exists(provides) | Exists(holds))


def phones_nested() -> QuerySet:
    return Phone.objects.prefetch_related("languages")


def contacts_nested() -> QuerySet:
    return Contact.objects.prefetch_related(Prefetch("phones", queryset=phones_nested()))


def with_location_nested(queryset: QuerySet, prefix: str = "") -> QuerySet:
    """``queryset`` with what a nested location reads, for the location at ``prefix``
    (``""`` for a Location queryset, ``"location__"`` for service-at-location rows)."""
    return (
        queryset.select_related(*(prefix + path for path in _AREAS))
        .defer(*(prefix + path for path in _AREA_GEOMETRIES))
        .prefetch_related(
            Prefetch(prefix + "phones", queryset=phones_nested()),
            Prefetch(prefix + "contacts", queryset=contacts_nested()),
        )
    )


def service_at_locations_nested(queryset: QuerySet | None = None) -> QuerySet:
    """Service-at-location rows with their hours, phones, contacts and location in full."""
    queryset = ServiceAtLocation.objects.all() if queryset is None else queryset
    return with_location_nested(queryset, "location__").prefetch_related(
        "schedules",
        Prefetch("phones", queryset=phones_nested()),
        Prefetch("contacts", queryset=contacts_nested()),
    )


def service_areas() -> QuerySet:
    """Areas with ``extent_geojson``, the extent as GeoJSON text made by PostGIS (EPSG:4326,
    6 decimals); the geometry itself is not fetched."""
    return ServiceArea.objects.defer("extent").annotate(
        extent_geojson=AsGeoJSON("extent", precision=6)
    )


def services_nested(queryset: ServiceQuerySet) -> ServiceQuerySet:
    """Services with everything a fully nested HSDS service holds."""
    terms = TaxonomyTerm.objects.select_related("taxonomy")
    return queryset.select_related("organization").prefetch_related(
        Prefetch("categories", queryset=terms),
        Prefetch("target_groups", queryset=terms),
        "languages",
        Prefetch("phones", queryset=phones_nested()),
        "schedules",
        Prefetch("service_areas", queryset=service_areas()),
        "required_documents",
        Prefetch("contacts", queryset=contacts_nested()),
        Prefetch("service_at_locations", queryset=service_at_locations_nested()),
    )


def service_items(queryset: ServiceQuerySet) -> ServiceQuerySet:
    """Services as list items: their own columns and their organisation's."""
    return queryset.select_related("organization")


def service_at_location_items(queryset: QuerySet) -> QuerySet:
    """Rows as list items: their location's own columns, their service's and its organisation's."""
    return queryset.select_related("location", "service__organization")


def service_at_location_full(queryset: QuerySet) -> QuerySet:
    return service_at_locations_nested(queryset).select_related("service__organization")


def organizations_nested(queryset: QuerySet, *, full_services: bool) -> QuerySet:
    """Organisations with contacts, phones and published places in full, and their published
    services: as list items, or nested in full with ``full_services``."""
    services = published_services()
    return queryset.prefetch_related(
        Prefetch("contacts", queryset=contacts_nested()),
        Prefetch("phones", queryset=phones_nested()),
        Prefetch("locations", queryset=with_location_nested(published_locations())),
        Prefetch("services", queryset=services_nested(services) if full_services else services),
    )
