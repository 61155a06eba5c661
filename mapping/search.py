"""Directory search: one set of validated criteria → one page of results.

Used by the JSON API and the public pages alike. Located results (a service at a place) come
first — nearest first when a point is given, else best text match, else by name — then the
services without a physical place, unless ``remote`` asks for those only.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchRank
from django.db.models import F, OuterRef, QuerySet
from django.db.models.functions import Coalesce, JSONObject

from geodata.spatial import walk_minutes
from mapping.models import Service, ServiceAtLocation, ServiceTranslation
from mapping.models.queries import ServiceQuerySet, search_query


@dataclass(frozen=True)
class SearchCriteria:
    """Validated search input. ``near`` is a WGS84 point; ``limit`` and ``page`` count results."""

    near: Point | None = None
    theme: str = ""  # a theme or a subcategory code
    language: str = ""
    target_group: str = ""
    organization_type: str = ""
    district: int | None = None
    neighbourhood: str = ""
    open_at: datetime.datetime | None = None
    free: bool = False
    remote: bool | None = None  # True: only remote; False: only located; None: both
    include_demo: bool = True
    text: str = ""
    limit: int = 20
    page: int = 1
    city: str = "athens"

    def services(self) -> ServiceQuerySet:
        """Active services matching every criterion except place and ordering."""
        services = Service.objects.active()
        rules = [
            (self.theme, ServiceQuerySet.in_theme),
            (self.language, ServiceQuerySet.speaking),
            (self.target_group, ServiceQuerySet.for_group),
            (self.organization_type, ServiceQuerySet.of_organization_type),
        ]
        for value, rule in rules:
            if value:
                services = rule(services, value)
        if self.district is not None:
            services = services.in_district(self.district, self.city)
        if self.neighbourhood:
            services = services.in_neighbourhood(self.neighbourhood, self.city)
        if self.open_at is not None:
            services = services.open_at(self.open_at)
        if self.free:
            services = services.free()
        if not self.include_demo:
            services = services.real()
        if self.text:
            services = services.search(self.text)
        return services


# Only what a result list shows: never the geometries of districts and neighbourhoods, nor
# long texts, nor the search vector.
SERVICE_FIELDS = ("name", "language", "is_free", "is_demo", "status", "organization__name")
LOCATION_FIELDS = (
    "name",
    "address_1",
    "point",
    "district__number",
    "neighbourhood__slug",
)


def list_annotations(service_ref: str) -> dict[str, ArraySubquery]:
    """What a list shows beside a service's own columns, as array subqueries of each row, so a
    page is one statement (no prefetch round trips): category and theme codes, language codes,
    and the non-empty translated names as ``{"language", "name"}`` objects. ``service_ref`` is
    the service id seen from the row (``"service_id"`` or ``"pk"``)."""
    categories = Service.categories.through.objects.filter(service_id=OuterRef(service_ref))
    languages = Service.languages.through.objects.filter(service_id=OuterRef(service_ref))
    names = ServiceTranslation.objects.filter(service_id=OuterRef(service_ref)).exclude(name="")
    return {
        "category_codes": ArraySubquery(categories.values("taxonomyterm__code")),
        "theme_codes": ArraySubquery(
            categories.values(theme=Coalesce("taxonomyterm__parent__code", "taxonomyterm__code"))
        ),
        "language_codes": ArraySubquery(languages.values("language__code")),
        "name_versions": ArraySubquery(
            names.values(version=JSONObject(language="language", name="name"))
        ),
    }


@dataclass
class SearchPage:
    """One page: located rows (ServiceAtLocation, with ``distance_m`` when near) then remote
    services, each annotated with :func:`list_annotations`. ``total`` is exact when
    ``total_is_exact``; otherwise more results follow and it is a lower bound (counting every
    match of a broad search over millions of rows would cost more than the page)."""

    located: list[ServiceAtLocation] = field(default_factory=list)
    remote: list[Service] = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True
    has_next: bool = False
    criteria: SearchCriteria = field(default_factory=SearchCriteria)


def _located(criteria: SearchCriteria, services: ServiceQuerySet) -> QuerySet:
    rows = (
        ServiceAtLocation.objects.filter(service__in=services)
        .select_related("service__organization", "location__district", "location__neighbourhood")
        .only(
            "service_id",
            "location_id",
            *(f"service__{name}" for name in SERVICE_FIELDS),
            *(f"location__{name}" for name in LOCATION_FIELDS),
        )
        .annotate(**list_annotations("service_id"))
    )
    if criteria.near is not None:
        return rows.nearest_to(criteria.near)
    rows = rows.filter(location__point__isnull=False)
    query = search_query(criteria.text)
    if query is not None:
        rank = SearchRank(F("service__search_vector"), query)
        return rows.annotate(rank=rank).order_by("-rank", "service__name", "pk")
    return rows.order_by("service__name", "location__name", "pk")


def _remote(criteria: SearchCriteria, services: ServiceQuerySet) -> QuerySet:
    remote = (
        services.remote()
        .select_related("organization")
        .only(*SERVICE_FIELDS)
        .annotate(**list_annotations("pk"))
    )
    if criteria.text:
        return remote.order_by("-rank", "name", "pk")
    return remote.order_by("name", "pk")


def _count(rows: QuerySet) -> int:
    return rows.order_by().values("pk").count()


def search(criteria: SearchCriteria) -> SearchPage:
    """The page of results ``criteria`` asks for. Each kind of result is read one row beyond
    the page, which tells whether more follow without counting them all; a count runs only
    for a page past the end of the located results. Usually one statement."""
    services = criteria.services()
    limit = criteria.limit
    start = (criteria.page - 1) * limit
    page = SearchPage(criteria=criteria)

    located_total = 0
    if criteria.remote is not True:
        located = _located(criteria, services)
        rows = list(located[start : start + limit + 1])
        page.located = rows[:limit]
        if len(rows) > limit:
            page.total, page.total_is_exact, page.has_next = start + limit + 1, False, True
            return page
        located_total = start + len(rows) if rows or start == 0 else _count(located)

    remote_total = 0
    if criteria.remote is not False:
        remote = _remote(criteria, services)
        offset = max(start - located_total, 0)
        wanted = limit - len(page.located)
        rows = list(remote[offset : offset + wanted + 1])
        page.remote = rows[:wanted]
        if len(rows) > wanted:
            page.total = located_total + offset + wanted + 1
            page.total_is_exact, page.has_next = False, True
            return page
        remote_total = offset + len(rows) if rows or offset == 0 else _count(remote)

    page.total = located_total + remote_total
    return page


def walking_minutes(row: ServiceAtLocation) -> float | None:
    """Estimated walk to a located row of a near search, in minutes (None without ``near``)."""
    distance = getattr(row, "distance_m", None)
    return None if distance is None else walk_minutes(distance)
