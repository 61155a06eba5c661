"""Directory search: one set of validated criteria → one page of results.

Used by the JSON API and the public pages alike. Located results (a service at a place) come
first — nearest first when a point is given, else best text match, else by name — then the
services without a physical place, unless ``remote`` asks for those only.
"""

import datetime
import functools
from dataclasses import dataclass, field, replace

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import F, JSONField, OuterRef, QuerySet
from django.db.models.functions import Cast, Coalesce, JSONObject
from psycopg import sql

from geodata.spatial import STORAGE_SRID, walk_minutes
from mapping.models import Service, ServiceAtLocation, ServiceTranslation
from mapping.models.queries import ServiceQuerySet, search_query


@dataclass(frozen=True)
class SearchCriteria:
    """Validated search input. ``near`` is a WGS84 point; ``limit`` and ``page`` count results."""

    near: Point | None = None
    # (west, south, east, north) in WGS84 degrees: only located results with a point inside.
    bbox: tuple[float, float, float, float] | None = None
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


@dataclass(frozen=True)
class ResultRow:
    """One result as a list shows it: a service at a place (``location_id`` set, with
    ``geometry`` as GeoJSON and ``distance_m`` in metres for a near search) or a service
    without a place. Built by PostgreSQL as JSON, so no model objects are made per row."""

    id: str  # the service-at-location id, or the service id for a remote service
    service_id: str
    service_name: str
    service_language: str
    organization_name: str
    service_is_free: bool | None
    service_is_demo: bool
    service_status: str
    category_codes: list[str]
    theme_codes: list[str]
    language_codes: list[str]
    name_versions: list[dict[str, str]]
    location_id: str | None = None
    location_name: str = ""
    address: str = ""
    district: int | None = None
    neighbourhood: str | None = None
    geometry: dict | None = None
    distance_m: float | None = None
    rank: float | None = None

    @property
    def walk_minutes(self) -> float | None:
        """Estimated walk in minutes (None without ``near``)."""
        return None if self.distance_m is None else walk_minutes(self.distance_m)


@dataclass
class SearchPage:
    """One page: located rows then remote services (:class:`ResultRow`). ``total`` is exact
    when ``total_is_exact``; otherwise more results follow and it is a lower bound (counting
    every match of a broad search over millions of rows would cost more than the page)."""

    located: list[ResultRow] = field(default_factory=list)
    remote: list[ResultRow] = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True
    has_next: bool = False
    criteria: SearchCriteria = field(default_factory=SearchCriteria)


_LIST_ARRAYS = ("category_codes", "theme_codes", "language_codes", "name_versions")


def _service_values(prefix: str) -> dict[str, F]:
    """The service's own columns a list shows, named the same from any row."""
    names = {
        "service_name": "name",
        "service_language": "language",
        "organization_name": "organization__name",
        "service_is_free": "is_free",
        "service_is_demo": "is_demo",
        "service_status": "status",
    }
    return {alias: F(f"{prefix}{name}") for alias, name in names.items()}


def _located(criteria: SearchCriteria, services: ServiceQuerySet) -> tuple[QuerySet, list[str]]:
    """Located rows in page order, as plain values, and the keys that order them."""
    rows = ServiceAtLocation.objects.filter(service__in=services).annotate(
        **list_annotations("service_id")
    )
    if criteria.bbox is not None:
        # `&&` on the indexed EPSG:4326 point column (GiST), then the exact test.
        box = Polygon.from_bbox(criteria.bbox)
        box.srid = STORAGE_SRID
        rows = rows.filter(location__point__bboverlaps=box, location__point__intersects=box)
    if criteria.near is not None:
        rows, extra, order = rows.nearest_to(criteria.near), ["distance_m"], ["distance_m"]
    else:
        rows = rows.filter(location__point__isnull=False)
        query = search_query(criteria.text)
        if query is not None:
            rows = rows.annotate(rank=SearchRank(F("service__search_vector"), query))
            rows = rows.order_by("-rank", "service__name", "pk")
            extra, order = ["rank"], ["-rank", "service_name", "id"]
        else:
            rows = rows.order_by("service__name", "location__name", "pk")
            extra, order = [], ["service_name", "location_name", "id"]
    values = rows.values(
        "id",
        "service_id",
        "location_id",
        *_LIST_ARRAYS,
        *extra,
        **_service_values("service__"),
        location_name=F("location__name"),
        address=F("location__address_1"),
        district=F("location__district__number"),
        neighbourhood=F("location__neighbourhood__slug"),
        geometry=Cast(AsGeoJSON("location__point", precision=6), JSONField()),
    )
    return values, order


def _remote(criteria: SearchCriteria, services: ServiceQuerySet) -> tuple[QuerySet, list[str]]:
    rows = services.remote().annotate(**list_annotations("pk"))
    if criteria.text:
        rows, extra, order = (
            rows.order_by("-rank", "name", "pk"),
            ["rank"],
            ["-rank", "service_name", "id"],
        )
    else:
        rows, extra, order = rows.order_by("name", "pk"), [], ["service_name", "id"]
    values = rows.values("id", *_LIST_ARRAYS, *extra, service_id=F("id"), **_service_values(""))
    return values, order


# Building and compiling a search with the ORM costs more than running it on small tables, and
# a near search differs between requests only by its point: so each statement is compiled once
# per criteria shape (the criteria with a fixed point in place of the asked one), kept, and the
# asked point bound into the slots where the fixed one went. "Open now" is to the minute (see
# SearchCriteria.open_at), so it does not defeat the cache.
_SHAPE_POINT = Point(0.0, 0.0, srid=STORAGE_SRID)
_POINT_FIELD = PointField(srid=STORAGE_SRID)  # as nearest_to() passes the point


@dataclass(frozen=True)
class _Statement:
    """A compiled statement; ``point_slots`` are the parameters that hold the query point."""

    sql: str
    params: tuple
    point_slots: tuple[int, ...]

    def params_for(self, near: Point | None) -> list:
        params = list(self.params)
        if self.point_slots:
            value = _POINT_FIELD.get_db_prep_value(near, connection)
            for slot in self.point_slots:
                params[slot] = value
        return params


def _rows_for(kind: str, criteria: SearchCriteria) -> tuple[QuerySet, list[str]]:
    rows_of = _located if kind == "located" else _remote
    return rows_of(criteria, criteria.services())


@functools.lru_cache(maxsize=512)
def _compiled(kind: str, shape: SearchCriteria, offset: int, count: int | None) -> _Statement:
    """The statement for ``count`` rows of ``kind`` ("located" or "remote") from ``offset``,
    turned by PostgreSQL into one JSON array in page order; with ``count`` None, the statement
    counting them all."""
    rows, order = _rows_for(kind, shape)
    if count is None:
        inner, params = rows.order_by().values("pk").query.sql_with_params()
        text = f"SELECT count(*) FROM ({inner}) AS matches"
    else:
        inner, params = rows[offset : offset + count].query.sql_with_params()
        keys = sql.SQL(", ").join(
            sql.SQL("{} DESC").format(sql.Identifier("page", key[1:]))
            if key.startswith("-")
            else sql.Identifier("page", key)
            for key in order
        )
        text = (
            sql.SQL(
                "SELECT coalesce(json_agg(to_jsonb(page) ORDER BY {keys}), '[]'::json)"
                " FROM ({inner}) AS page"
            )
            .format(keys=keys, inner=sql.SQL(inner))
            .as_string()
        )
    shape_point = _POINT_FIELD.get_db_prep_value(_SHAPE_POINT, connection)
    slots = tuple(n for n, param in enumerate(params) if param == shape_point)
    if kind == "located" and shape.near is not None and not slots:
        raise RuntimeError("search: the query point is not a parameter of the statement")
    return _Statement(text, tuple(params), slots)


def _execute(kind: str, criteria: SearchCriteria, offset: int, count: int | None) -> object:
    """Run the statement :func:`_compiled` gives; its single value (a JSON array or a count)."""
    shape = replace(criteria, near=_SHAPE_POINT if criteria.near is not None else None)
    statement = _compiled(kind, shape, offset, count)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params_for(criteria.near))
        return cursor.fetchone()[0]


def _fetch(kind: str, criteria: SearchCriteria, offset: int, count: int) -> list[ResultRow]:
    """``count`` rows of ``kind`` from ``offset``: one round trip, no model objects."""
    return [ResultRow(**row) for row in _execute(kind, criteria, offset, count)]


def _count(kind: str, criteria: SearchCriteria) -> int:
    return _execute(kind, criteria, 0, None)


def search(criteria: SearchCriteria) -> SearchPage:
    """The page of results ``criteria`` asks for. Each kind of result is read one row beyond
    the page, which tells whether more follow without counting them all; a count runs only
    for a page past the end of the located results. Usually one statement."""
    limit = criteria.limit
    start = (criteria.page - 1) * limit
    page = SearchPage(criteria=criteria)

    located_total = 0
    if criteria.bbox is not None and criteria.remote is True:
        return page  # a box holds located results only
    if criteria.remote is not True:
        rows = _fetch("located", criteria, start, limit + 1)
        page.located = rows[:limit]
        if len(rows) > limit:
            page.total, page.total_is_exact, page.has_next = start + limit + 1, False, True
            return page
        located_total = start + len(rows) if rows or start == 0 else _count("located", criteria)

    remote_total = 0
    if criteria.remote is not False and criteria.bbox is None:
        offset = max(start - located_total, 0)
        wanted = limit - len(page.located)
        rows = _fetch("remote", criteria, offset, wanted + 1)
        page.remote = rows[:wanted]
        if len(rows) > wanted:
            page.total = located_total + offset + wanted + 1
            page.total_is_exact, page.has_next = False, True
            return page
        remote_total = offset + len(rows) if rows or offset == 0 else _count("remote", criteria)

    page.total = located_total + remote_total
    return page
