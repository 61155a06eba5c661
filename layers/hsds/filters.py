"""The HSDS API's filters as rules over services and service-at-location rows.

A taxonomy term (or taxonomy) filter keeps what *carries* the term as an HSDS attribute: the
service itself (themes, target groups, provenance) or one of its places (district,
neighbourhood, provenance). A theme also covers its subcategories, as the site's theme filter
does (``theme_q``). An id we do not know narrows to nothing, like any other filter value.
Every filter given narrows further (HSDS: "each one MUST further narrow the results").
"""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.contrib.gis.db.models import Collect, PointField
from django.contrib.gis.db.models.functions import Centroid
from django.contrib.gis.geos import Point
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

from geodata.models import District, Neighbourhood
from geodata.spatial import STORAGE_SRID, AsGeography, WithinMetres
from layers.hsds.reads import published_locations
from mapping.hsds import (
    DISTRICTS_TAXONOMY,
    NEIGHBOURHOODS_TAXONOMY,
    PROVENANCE_FIELDS,
    PROVENANCE_TAXONOMY,
    district_term_id,
    generated_taxonomy_id,
    neighbourhood_term_id,
    provenance_term_id,
)
from mapping.models import THEMES_TAXONOMY, Location, Service, ServiceAtLocation, TaxonomyTerm
from mapping.models.queries import ServiceQuerySet, theme_q

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Carriers:
    """Which services (a Q over Service) and which places (a Q over Location) carry a term."""

    services: Q
    locations: Q = NOTHING


def _linked(**term: object) -> Q:
    """Services with a theme or target group matching ``term`` (lookups on TaxonomyTerm)."""
    conditions = {f"taxonomyterm__{key}": value for key, value in term.items()}
    categories = Service.categories.through.objects.filter(service_id=OuterRef("pk"), **conditions)
    groups = Service.target_groups.through.objects.filter(service_id=OuterRef("pk"), **conditions)
    return Q(Exists(categories)) | Q(Exists(groups))


def _has_provenance(code: str) -> Q:
    """Carries provenance ``code`` (a key of PROVENANCE_FIELDS); over any Provenance model."""
    field = PROVENANCE_FIELDS[code]
    return Q(**{field: True}) if field == "is_demo" else ~Q(**{field: ""})


def _any_provenance() -> Q:
    rule = NOTHING
    for code in PROVENANCE_FIELDS:
        rule |= _has_provenance(code)
    return rule


def term_carriers(term_id: uuid.UUID) -> Carriers:
    """Who carries the term ``term_id``: one of ours, or a generated one."""
    term = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=term_id).first()
    if term is not None:
        if term.taxonomy.slug == THEMES_TAXONOMY:
            return Carriers(theme_q(term.code))
        return Carriers(_linked(pk=term.pk))
    for code in PROVENANCE_FIELDS:
        if term_id == provenance_term_id(code):
            return Carriers(_has_provenance(code), _has_provenance(code))
    for district in District.objects.select_related("municipality").only(
        "number", "municipality__slug"
    ):
        if term_id == district_term_id(district.municipality.slug, district.number):
            return Carriers(NOTHING, Q(district=district.pk))
    for place in Neighbourhood.objects.select_related("municipality").only(
        "slug", "municipality__slug"
    ):
        if term_id == neighbourhood_term_id(place.municipality.slug, place.slug):
            return Carriers(NOTHING, Q(neighbourhood=place.pk))
    return Carriers(NOTHING)


def taxonomy_carriers(taxonomy_id: uuid.UUID) -> Carriers:
    """Who carries any term of the taxonomy ``taxonomy_id``."""
    if taxonomy_id == generated_taxonomy_id(DISTRICTS_TAXONOMY):
        return Carriers(NOTHING, Q(district__isnull=False))
    if taxonomy_id == generated_taxonomy_id(NEIGHBOURHOODS_TAXONOMY):
        return Carriers(NOTHING, Q(neighbourhood__isnull=False))
    if taxonomy_id == generated_taxonomy_id(PROVENANCE_TAXONOMY):
        return Carriers(_any_provenance(), _any_provenance())
    return Carriers(_linked(taxonomy_id=taxonomy_id))


def services_carrying(carriers: Carriers) -> Q:
    """Over Service: the service carries it, or one of its places does."""
    if carriers.locations == NOTHING:
        return carriers.services
    places = Location.objects.filter(carriers.locations)
    here = ServiceAtLocation.objects.filter(service_id=OuterRef("pk"), location__in=places)
    return carriers.services | Q(Exists(here))


def service_at_locations_carrying(carriers: Carriers) -> Q:
    """Over ServiceAtLocation: its service carries it, or its place does."""
    rule = Q(service__in=Service.objects.filter(carriers.services))
    if carriers.locations != NOTHING:
        rule |= Q(location__in=Location.objects.filter(carriers.locations))
    return rule


_SPACES = re.compile(r"\s+")


def normal_postcode(postcode: str) -> str:
    """Upper case, no spaces: "104 32" and "10432" are the same Greek postcode."""
    return _SPACES.sub("", postcode).upper()


def _postcode_column(path: str) -> Replace:
    return Replace(Upper(path), Value(" "), Value(""))


def postcode_centroid(postcode: str) -> Point | None:
    """Centre of a postcode: the centroid of our published places with that postcode, in
    EPSG:4326 (we hold no postcode polygons). Degrees are fine here: this picks a centre,
    it measures nothing. None when no place has that postcode."""
    places = published_locations().alias(code=_postcode_column("postal_code"))
    places = places.filter(code=normal_postcode(postcode), point__isnull=False)
    centre = places.aggregate(centre=Centroid(Collect("point")))["centre"]
    if centre is None:
        return None
    centre.srid = STORAGE_SRID
    return centre


@dataclass(frozen=True)
class ServiceFilters:
    """Validated HSDS filters; empty ones do not filter."""

    search: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime.datetime | None = None

    def carriers(self) -> list[Carriers]:
        found = []
        if self.taxonomy_term_id is not None:
            found.append(term_carriers(self.taxonomy_term_id))
        if self.taxonomy_id is not None:
            found.append(taxonomy_carriers(self.taxonomy_id))
        return found

    def services(self, services: ServiceQuerySet) -> ServiceQuerySet:
        """``services`` narrowed; best text match first with ``search``, else by id."""
        for carriers in self.carriers():
            services = services.filter(services_carrying(carriers))
        if self.organization_id is not None:
            services = services.filter(organization_id=self.organization_id)
        if self.modified_after is not None:
            services = services.filter(last_modified__gte=self.modified_after)
        if self.search:
            searched = services.search(self.search)
            if searched is not services:  # the text has words: best match first
                return searched.order_by("-rank", "pk")
        return services.order_by("pk")

    def service_at_locations(self, rows: QuerySet) -> QuerySet:
        """Service-at-location ``rows`` narrowed, by id. ``modified_after`` keeps a row when
        it, its service or its place changed since."""
        for carriers in self.carriers():
            rows = rows.filter(service_at_locations_carrying(carriers))
        if self.organization_id is not None:
            rows = rows.filter(service__organization_id=self.organization_id)
        if self.modified_after is not None:
            since = self.modified_after
            rows = rows.filter(
                Q(last_modified__gte=since)
                | Q(service__last_modified__gte=since)
                | Q(location__last_modified__gte=since)
            )
        if self.search:
            rows = rows.filter(service__in=Service.objects.search(self.search).values("pk"))
        return rows.order_by("pk")


def near_postcode(rows: QuerySet, postcode: str, metres: float | None) -> QuerySet:
    """Service-at-location ``rows`` at ``postcode``; with ``metres``, those within that many
    metres (on the spheroid) of the postcode's centre instead, nearest first (KNN)."""
    if metres is None:
        code = _postcode_column("location__postal_code")
        return rows.alias(code=code).filter(code=normal_postcode(postcode))
    centre = postcode_centroid(postcode)
    if centre is None:
        return rows.none()
    here = AsGeography(Value(centre, output_field=PointField(srid=STORAGE_SRID)))
    within = WithinMetres(AsGeography("location__point"), here, metres)
    return (
        ServiceAtLocation.objects.nearest_to(centre)
        .filter(pk__in=rows.values("pk"))
        .alias(close=within)
        .filter(close=True)
    )
