"""Directory search: one set of validated criteria → one page of results.

Used by the JSON API and the public pages alike. Located results (a service at a place) come
first — nearest first when a point is given, else best text match, else by name — then the
services without a physical place, unless ``remote`` asks for those only.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.contrib.postgres.search import SearchRank
from django.db.models import F, QuerySet

from geodata.spatial import walk_minutes
from mapping.models import Service, ServiceAtLocation
from mapping.models.queries import ServiceQuerySet, search_query


@dataclass(frozen=True)
class SearchCriteria:
    """Validated search input. ``near`` is a WGS84 point; ``limit`` and ``page`` count results."""

    near: Point | None = None
    theme: str = ""
    category: str = ""
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
            (self.category, ServiceQuerySet.in_category),
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


# Counting every match of a broad search over millions of rows costs more than the page;
# counts stop at this many (``total_is_exact`` says whether they did).
COUNT_CAP = 1000

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


@dataclass
class SearchPage:
    """One page: located rows (ServiceAtLocation, with ``distance_m`` when near) then remote
    services. ``total`` counts both kinds, exactly when ``total_is_exact``, else it is a
    lower bound (COUNT_CAP reached)."""

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
    remote = services.remote().select_related("organization").only(*SERVICE_FIELDS)
    if criteria.text:
        return remote.order_by("-rank", "name", "pk")
    return remote.order_by("name", "pk")


def _capped_count(rows: QuerySet, cap: int) -> int:
    """How many rows match, counting no further than ``cap`` + 1 (unordered, so the database
    may stop early)."""
    return rows.order_by().values("pk")[: cap + 1].count()


def search(criteria: SearchCriteria) -> SearchPage:
    """The page of results ``criteria`` asks for. Statements: a capped count of located rows,
    their page, and — only when the page reaches past them — a capped count and a page of the
    remote services."""
    services = criteria.services()
    start = (criteria.page - 1) * criteria.limit
    end = start + criteria.limit
    cap = max(COUNT_CAP, end)
    page = SearchPage(criteria=criteria)
    located_total = 0
    if criteria.remote is not True:
        located = _located(criteria, services)
        located_total = _capped_count(located, cap)
        if start < located_total:
            page.located = list(located[start:end])
        if located_total > cap:  # more located rows than we count: the remote ones are later
            page.total, page.total_is_exact, page.has_next = cap, False, True
            return page
    remote_total = 0
    if criteria.remote is not False:
        remote = _remote(criteria, services)
        remote_total = _capped_count(remote, cap)
        if end > located_total:
            page.remote = list(remote[max(start - located_total, 0) : end - located_total])
    page.total = min(located_total + remote_total, cap)
    page.total_is_exact = located_total + remote_total <= cap
    page.has_next = end < located_total + remote_total
    return page


def walking_minutes(row: ServiceAtLocation) -> float | None:
    """Estimated walk to a located row of a near search, in minutes (None without ``near``)."""
    distance = getattr(row, "distance_m", None)
    return None if distance is None else walk_minutes(distance)
