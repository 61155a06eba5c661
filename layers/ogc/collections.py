"""The collections of the OGC API and which rows each one holds.

Each collection says what its features are (title, description, geometry, properties), which
filters it takes beyond ``bbox`` and paging, and which rows match a request: :meth:`matched`
is an ORM query of feature ids built from the directory's own rules (``Service.objects
.active().in_theme(…)``), which :mod:`layers.ogc.queries` embeds as the *filter* step of its
SQL. Every geometry is EPSG:4326 (lon/lat) in storage.

- ``services``: one feature per **service at a place** (HSDS ``service_at_location``), a
  Point; its id is the service-at-location id, stable while the service stays at that place.
  A service at three places is three features sharing ``service_id``. Chosen over one
  MultiPoint per service because places are what a map shows and a bbox selects, the geometry
  type is the same for every feature, and each feature keeps its own address and area.
  Only active services (``ServiceQuerySet.active``) at a place with a position; demo records
  are included and say so in ``is_demo``.
- ``organizations``: organisations with at least one such place; geometry the MultiPoint of
  the places of their active services; ``theme``/``language`` keep the organisations with an
  active service at a place of that theme/language (the geometry stays all their places).
- ``neighbourhoods``, ``districts``, ``tracts``: the city's areas, unsimplified
  MultiPolygons. Tracts carry only public figures (2011 population estimate and area):
  shares of migrants and of the elderly are planners' figures (layers.coverage_layer).
- ``coverage-<theme>``: the stored coverage of each of the six themes at neighbourhood level
  (the public level; tracts are for planners), one feature per neighbourhood with results,
  figures of the 10, 15 and 20 minute scenarios suffixed ``_10``, ``_15``, ``_20``. Empty
  until the coverage is computed (``manage.py refresh_coverage``).

Services and organisations have a time (``last_modified``) that ``datetime`` filters on;
areas and coverage have none, so ``datetime`` is checked and then ignored for them, as Core
allows for collections without a temporal property (said in their description too).
"""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from geodata.models import CensusTract, District, Neighbourhood
from layers.coverage import DEFAULT_MINUTES, Scenario
from layers.models import CoverageLevel, CoverageResult
from mapping.conf import hartis_options
from mapping.models import Organization, Service, ServiceAtLocation, TaxonomyTerm
from mapping.models.queries import ServiceQuerySet
from mapping.themes import THEME_STYLES

if TYPE_CHECKING:
    from layers.ogc.params import ItemsParams

COVERAGE_PREFIX = "coverage-"


@dataclass(frozen=True)
class Property:
    """A property of the features: name, JSON Schema type, meaning (with unit)."""

    name: str
    type: str
    description: Promise | str
    nullable: bool = False


def _p(name: str, kind: str, description: Promise | str, nullable: bool = False) -> Property:
    return Property(name, kind, description, nullable)


SERVICE_PROPERTIES = (
    _p("service_id", "string", _("Id of the service (one service may be at several places).")),
    _p("location_id", "string", _("Id of the place.")),
    _p("organization_id", "string", _("Id of the organisation providing the service.")),
    _p("name", "string", _("Name of the service, in the language given in 'language'.")),
    _p("language", "string", _("Language of the name (ISO 639).")),
    _p("organization", "string", _("Name of the organisation.")),
    _p("themes", "array", _("Theme codes (housing, health, legal, …).")),
    _p("categories", "array", _("Theme and subcategory codes.")),
    _p("languages", "array", _("Languages spoken by the staff (ISO 639 codes).")),
    _p("is_free", "boolean", _("Free of charge (null: unknown)."), nullable=True),
    _p("is_demo", "boolean", _("An invented record, for demonstration only.")),
    _p("location_name", "string", _("Name of the place.")),
    _p("address", "string", _("Street address.")),
    _p("postal_code", "string", _("Postal code.")),
    _p("district", "integer", _("Municipal district number."), nullable=True),
    _p("neighbourhood", "string", _("Neighbourhood (slug)."), nullable=True),
    _p("assured_date", "string", _("Date the record was last verified."), nullable=True),
    _p("last_modified", "string", _("Last change of the service or its place (RFC 3339).")),
    _p("url", "string", _("The service's page on Hartis.")),
)
ORGANIZATION_PROPERTIES = (
    _p("name", "string", _("Name of the organisation.")),
    _p("organization_type", "string", _("Kind of organisation (empty: not known).")),
    _p("website", "string", _("Website.")),
    _p("is_demo", "boolean", _("An invented record, for demonstration only.")),
    _p("services", "integer", _("Active services at a place.")),
    _p("places", "integer", _("Places where they are delivered.")),
    _p("themes", "array", _("Theme codes of those services.")),
    _p("last_modified", "string", _("Last change of the organisation record (RFC 3339).")),
)
_AREA = (
    _p("municipality", "string", _("Municipality (slug).")),
    _p("name", "string", _("Name (Greek).")),
    _p("name_en", "string", _("Name (Latin script).")),
)
NEIGHBOURHOOD_PROPERTIES = (
    _p("slug", "string", _("Neighbourhood (slug).")),
    *_AREA,
    _p("district", "integer", _("The municipal district it overlaps most."), nullable=True),
)
DISTRICT_PROPERTIES = (_p("number", "integer", _("District number.")), *_AREA)
TRACT_PROPERTIES = (
    _p("code", "string", _("Census tract code (ELSTAT 2011).")),
    _p("municipality", "string", _("Municipality (slug).")),
    _p("district", "integer", _("Municipal district number."), nullable=True),
    _p("neighbourhood", "string", _("Neighbourhood (slug)."), nullable=True),
    _p("population_2011", "number", _("Residents in 2011, an estimate (persons).")),
    _p("area_m2", "number", _("Area (square metres).")),
)
# Coverage figures that change with the walk time: one property per stored walk time.
COVERAGE_BY_MINUTES = {
    "covered_population": _("Residents within %(minutes)s minutes' walk (persons)."),
    "gap_population": _("Residents farther than %(minutes)s minutes' walk (persons)."),
    "share_covered": _("Share of residents within %(minutes)s minutes' walk (0–1)."),
    "gap_nearest_minutes": _(
        "Walk from the largest uncovered part to the nearest place, at %(minutes)s minutes "
        "(minutes)."
    ),
}


def coverage_properties() -> tuple[Property, ...]:
    """Properties of a coverage collection (built when asked: the texts are translated)."""
    return (
        *NEIGHBOURHOOD_PROPERTIES,
        _p("population", "number", _("Residents in 2011, an estimate (persons).")),
        _p("services", "integer", _("Services of the theme at a place in the area.")),
        _p("services_per_10k", "number", _("Services per 10,000 residents."), nullable=True),
        _p("median_walk_minutes", "number", _("Median walk to the nearest place (minutes).")),
        *(
            _p(f"{name}_{minutes}", "number", text % {"minutes": minutes}, nullable=True)
            for minutes in DEFAULT_MINUTES
            for name, text in COVERAGE_BY_MINUTES.items()
        ),
        _p("computed_at", "string", _("When the figures were computed (RFC 3339).")),
    )


@dataclass(frozen=True)
class Collection:
    """One collection: what it serves and how its rows are selected."""

    id: str
    kind: str  # services, organizations, neighbourhoods, districts, tracts or coverage
    title: Promise | str
    description: Promise | str
    geometry_type: str
    properties: tuple[Property, ...]
    id_type: type = int
    filters: tuple[str, ...] = ()  # property filters besides bbox and datetime
    temporal: str = ""  # the property ``datetime`` filters on; "" when there is none
    theme: str = ""  # coverage collections: their theme
    extra: dict = field(default_factory=dict)

    def feature_id(self, value: str) -> uuid.UUID | int | None:
        """``value`` as an id of this collection, or None when it cannot be one."""
        try:
            return self.id_type(value)
        except ValueError:
            return None

    def matched(self, params: "ItemsParams") -> QuerySet:
        """The ids (column ``id``) of the features matching ``params``, unordered: the
        directory's rules, plus the bbox and datetime when given."""
        return MATCHED[self.kind](self, params).order_by()


def _services(params: "ItemsParams") -> ServiceQuerySet:
    services = Service.objects.active()
    if params.filters.get("theme"):
        services = services.in_theme(params.filters["theme"])
    if params.filters.get("language"):
        services = services.speaking(params.filters["language"])
    return services


def _in_time(rows: QuerySet, expression: object, params: "ItemsParams") -> QuerySet:
    if params.interval is None:
        return rows
    start, end = params.interval
    rows = rows.alias(feature_time=expression)
    if start is not None:
        rows = rows.filter(feature_time__gte=start)
    if end is not None:
        rows = rows.filter(feature_time__lte=end)
    return rows


def _located(services: ServiceQuerySet) -> QuerySet:
    return ServiceAtLocation.objects.filter(service__in=services, location__point__isnull=False)


def _matched_services(collection: Collection, params: "ItemsParams") -> QuerySet:
    rows = _located(_services(params))
    if params.bbox is not None:
        rows = rows.filter(params.points_in_bbox())
    rows = _in_time(rows, Greatest("service__last_modified", "location__last_modified"), params)
    return rows.values("id")


def _matched_organizations(collection: Collection, params: "ItemsParams") -> QuerySet:
    places = _located(_services(params)).filter(service__organization=OuterRef("pk"))
    if params.bbox is not None:
        places = places.filter(params.points_in_bbox())
    rows = Organization.objects.filter(Exists(places))
    return _in_time(rows, "last_modified", params).values("id")


AREA_MODELS = {"neighbourhoods": Neighbourhood, "districts": District, "tracts": CensusTract}


def _matched_areas(collection: Collection, params: "ItemsParams") -> QuerySet:
    rows = AREA_MODELS[collection.kind].objects.all()
    if params.bbox is not None:
        rows = rows.filter(geom__intersects=params.envelope())
    return rows.values("id")


def coverage_scenarios(theme: str) -> dict[str, int]:
    """Stored scenario key → walk minutes, for the coverage collection of ``theme`` (the
    default scenarios of the configured city, ``HARTIS['CITY_SLUG']``)."""
    city = hartis_options().city_slug
    return {Scenario(theme, minutes, city=city).key: minutes for minutes in DEFAULT_MINUTES}


def _matched_coverage(collection: Collection, params: "ItemsParams") -> QuerySet:
    stored = CoverageResult.objects.filter(
        neighbourhood=OuterRef("pk"),
        level=CoverageLevel.NEIGHBOURHOOD,
        scenario__in=list(coverage_scenarios(collection.theme)),
    )
    rows = Neighbourhood.objects.filter(Exists(stored))
    if params.bbox is not None:
        rows = rows.filter(geom__intersects=params.envelope())
    return rows.values("id")


MATCHED = {
    "services": _matched_services,
    "organizations": _matched_organizations,
    "neighbourhoods": _matched_areas,
    "districts": _matched_areas,
    "tracts": _matched_areas,
    "coverage": _matched_coverage,
}

NO_TIME = _("It has no time: the datetime parameter is accepted and ignored.")


def _fixed_collections() -> list[Collection]:
    return [
        Collection(
            "services",
            "services",
            _("Services at their places"),
            _(
                "Active services for migrants and refugees, one feature per place where a "
                "service is delivered (services without a place are not here). Filter by "
                "theme and language; datetime filters on last_modified."
            ),
            "Point",
            SERVICE_PROPERTIES,
            id_type=uuid.UUID,
            filters=("theme", "language"),
            temporal="last_modified",
        ),
        Collection(
            "organizations",
            "organizations",
            _("Organisations"),
            _(
                "Organisations with active services at a place, as the points of those "
                "places. Theme and language keep the organisations with such a service; "
                "datetime filters on last_modified."
            ),
            "MultiPoint",
            ORGANIZATION_PROPERTIES,
            id_type=uuid.UUID,
            filters=("theme", "language"),
            temporal="last_modified",
        ),
        Collection(
            "neighbourhoods",
            "neighbourhoods",
            _("Neighbourhoods"),
            _("Named neighbourhoods of the city.") + " " + NO_TIME,
            "MultiPolygon",
            NEIGHBOURHOOD_PROPERTIES,
        ),
        Collection(
            "districts",
            "districts",
            _("Municipal districts"),
            _("Municipal districts (Δημοτικές Κοινότητες).") + " " + NO_TIME,
            "MultiPolygon",
            DISTRICT_PROPERTIES,
        ),
        Collection(
            "tracts",
            "tracts",
            _("Census tracts"),
            _(
                "2011 census tracts with their population estimate and area. Shares of "
                "population groups are for planners and not published here."
            )
            + " "
            + NO_TIME,
            "MultiPolygon",
            TRACT_PROPERTIES,
        ),
    ]


def _coverage_collection(theme: str, name: str) -> Collection:
    return Collection(
        f"{COVERAGE_PREFIX}{theme}",
        "coverage",
        _("Coverage: %(theme)s") % {"theme": name},
        _(
            "Residents of each neighbourhood within 10, 15 and 20 minutes' walk of a "
            "%(theme)s service (2011 census estimates); a property's suffix is the walk time "
            "in minutes. Empty until the coverage is computed."
        )
        % {"theme": name}
        + " "
        + NO_TIME,
        "MultiPolygon",
        coverage_properties(),
        theme=theme,
    )


def all_collections(theme_names: dict[str, str] | None = None) -> list[Collection]:
    """Every collection, in the order the API lists them. The six themes are fixed (each has
    its map style in mapping.themes), so no query is needed to know the collections;
    ``theme_names`` (code → translated name) only makes the coverage titles read better."""
    names = theme_names or {}
    return _fixed_collections() + [
        _coverage_collection(theme, names.get(theme, theme)) for theme in THEME_STYLES
    ]


def theme_names() -> dict[str, str]:
    """Theme code → name in the active language (one query)."""
    return dict(TaxonomyTerm.objects.themes().values_list("code", "name"))


def get_collection(
    collection_id: str, theme_names: dict[str, str] | None = None
) -> Collection | None:
    """The collection called ``collection_id``, or None."""
    return next((c for c in all_collections(theme_names) if c.id == collection_id), None)


def organization_places() -> QuerySet:
    """The places of the active services of the page's organisations (the ``page`` step of
    the statement): organisation, location, point and service of each."""
    page = RawSQL("SELECT id FROM page", ())
    return (
        _located(Service.objects.active())
        .filter(service__organization_id__in=page)
        .values(
            "location_id",
            "service_id",
            organization_id=F("service__organization_id"),
            point=F("location__point"),
        )
        .order_by()
    )


def all_places() -> QuerySet:
    """The point of every place of an active service (for the organisations' extent)."""
    return _located(Service.objects.active()).values(point=F("location__point")).order_by()
