"""Directory search: one set of validated criteria → one page of results.

Used by the JSON API and the public pages alike. Located results (a service at a place) come
first — nearest first when a point is given, else best text match, else by name — then the
services without a physical place, unless ``remote`` asks for those only.
"""

import datetime
import functools
from dataclasses import dataclass, field, replace

from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import F, QuerySet, Value
from psycopg import sql

from geodata.spatial import (
    STORAGE_SRID,
    AsGeography,
    GeographyDistance,
    NearestFirst,
    walk_minutes,
)
from mapping.models import Service
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
    """One page: located rows then remote services (:class:`ResultRow` objects, or the texts
    of a :class:`PageOutput`). ``total`` is exact when ``total_is_exact``; otherwise more
    results follow and it is a lower bound (counting every match of a broad search over
    millions of rows would cost more than the page)."""

    located: list = field(default_factory=list)
    remote: list = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True
    has_next: bool = False
    criteria: SearchCriteria = field(default_factory=SearchCriteria)


# What a list shows beyond a row's own service and place, read for the rows of one page only:
# the statement is the page's rows as the ORM selects them (matched, ordered, cut), then these
# named steps. Per-row subqueries instead scanned each small vocabulary table once per row and
# list (about a fifth of a nearest page's time at 1M services); organisations and areas are
# joined to the page's rows only, not to every candidate a filter turns down. Codes are
# sorted as Python sorts strings (by code point: the "C" collation).
_PAGE_STEPS = """
WITH page AS MATERIALIZED (  -- the page's rows: matched, ordered and cut by the ORM, numbered
    SELECT ordered.*, row_number() OVER () AS position FROM ({page}) AS ordered
){reader}, categories AS (  -- the services' category codes and their themes (a theme's: itself)
    SELECT link.service_id,
           array_agg(term.code ORDER BY term.code COLLATE "C") AS category_codes,
           array_agg(theme.code ORDER BY theme.code COLLATE "C") AS theme_codes,
           array_agg(DISTINCT theme.code COLLATE "C" ORDER BY theme.code COLLATE "C") AS themes
    FROM mapping_service_categories AS link
    JOIN mapping_taxonomyterm AS term ON term.id = link.taxonomyterm_id
    JOIN mapping_taxonomyterm AS theme ON theme.id = coalesce(term.parent_id, term.id)
    WHERE link.service_id IN (SELECT row_service_id FROM page)
    GROUP BY link.service_id
), languages AS (  -- the languages their staff speak
    SELECT link.service_id,
           array_agg(language.code ORDER BY language.code COLLATE "C") AS language_codes
    FROM mapping_service_languages AS link
    JOIN mapping_language AS language ON language.id = link.language_id
    WHERE link.service_id IN (SELECT row_service_id FROM page)
    GROUP BY link.service_id
), names AS (  -- their names in other languages (translations with a name)
    SELECT service_id,
           json_agg(json_build_object('language', language, 'name', name) ORDER BY language)
               AS name_versions
    FROM mapping_servicetranslation
    WHERE service_id IN (SELECT row_service_id FROM page) AND name <> ''
    GROUP BY service_id
)"""

# The page as one JSON array of ResultRow objects.
_AS_RESULT_ROWS = """
SELECT coalesce(json_agg(json_build_object({fields}) ORDER BY {keys}), '[]'::json)
FROM page
JOIN mapping_organization AS organization ON organization.id = page.organization_ref
LEFT JOIN categories ON categories.service_id = page.row_service_id
LEFT JOIN languages ON languages.service_id = page.row_service_id
LEFT JOIN names ON names.service_id = page.row_service_id{place_joins}
"""
_PLACE_JOINS = """
LEFT JOIN geodata_district AS district ON district.id = page.district_ref
LEFT JOIN geodata_neighbourhood AS neighbourhood ON neighbourhood.id = page.neighbourhood_ref"""

# ResultRow's fields as the details select them, beyond the page's own shown columns.
_DETAIL_FIELDS = {
    "id": "page.row_id",
    "service_id": "page.row_service_id",
    "organization_name": "organization.name",
    "category_codes": "coalesce(categories.category_codes, '{}')",
    "theme_codes": "coalesce(categories.theme_codes, '{}')",
    "language_codes": "coalesce(languages.language_codes, '{}')",
    "name_versions": "coalesce(names.name_versions, '[]')",
}
# A located row's place: areas by the ids its page row carries, and GeoJSON of its point at 6
# decimals (about 0.1 m).
_PLACE_FIELDS = {
    "district": "district.number",
    "neighbourhood": "neighbourhood.slug",
    "geometry": "ST_AsGeoJSON(page.place_point, 6, 0)::json",
}


@dataclass(frozen=True)
class PageOutput:
    """Another form for a page's rows than :class:`ResultRow`: one text per row, made by the
    final ``SELECT`` of ``located`` or ``remote`` over the page's steps (``page``, one row per
    result with the columns the ORM selected; ``categories``, ``languages`` and ``names`` by
    ``service_id``; ``reader``, one row of the request's ``reader`` values), in page order.

    The templates may use ``{keys}`` (the page order, for ``ORDER BY``), ``{place_joins}``
    (``district`` and ``neighbourhood`` of a located row) and ``{distance}`` (metres from the
    query point, or NULL). ``reader`` holds ``name type`` pairs (``languages text[]``): the
    values the caller passes with each search, in that order."""

    located: str
    remote: str
    reader: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Rows:
    """One kind of result as the ORM selects it: ``values`` (plain columns, in page order),
    the ``order`` keys of the page (``-`` for descending) and the ``shown`` columns a
    :class:`ResultRow` takes from it (the others are ids that the page's details join on)."""

    values: QuerySet
    order: list[str]
    shown: list[str]


_SERVICE_COLUMNS = {
    "service_name": "name",
    "service_language": "language",
    "service_is_free": "is_free",
    "service_is_demo": "is_demo",
    "service_status": "status",
    "organization_ref": "organization_id",
}
_PLACE_COLUMNS = {
    "location_id": "location_id",
    "location_name": "location__name",
    "address": "location__address_1",
    "district_ref": "location__district_id",
    "neighbourhood_ref": "location__neighbourhood_id",
    "place_point": "location__point",
}
# Read by the page's details, not shown (names that clash with no model field).
_NOT_SHOWN = {"organization_ref", "district_ref", "neighbourhood_ref", "place_point"}


def _located(criteria: SearchCriteria, services: ServiceQuerySet) -> _Rows:
    """Located rows in page order: each matching service at each of its places with a point.

    The rows are read from the services' side, so the directory's rules (the services'
    ``Q``, whatever they test) apply to the very service row each place joins; a place-side
    query with ``service__in=services`` looks every candidate's service up twice."""
    sal = "service_at_locations__"
    place = {f"{sal}location__point__isnull": False}
    if criteria.bbox is not None:
        # `&&` on the indexed EPSG:4326 point column (GiST), then the exact test.
        box = Polygon.from_bbox(criteria.bbox)
        box.srid = STORAGE_SRID
        place |= {
            f"{sal}location__point__bboverlaps": box,
            f"{sal}location__point__intersects": box,
        }
    # One filter() call: each further call on a multi-valued relation would join it again.
    rows = services.filter(**place)
    if criteria.near is not None:
        # As ServiceAtLocationQuerySet.nearest_to(): the index-assisted KNN order, and the
        # spheroid distance in metres to show (the page is sorted by it, see _details).
        here = Value(criteria.near, output_field=_POINT_FIELD)
        there = f"{sal}location__point"
        rows = rows.annotate(distance_m=GeographyDistance(AsGeography(there), AsGeography(here)))
        rows, extra, order = (
            rows.order_by(NearestFirst(there, here)),
            ["distance_m"],
            ["distance_m"],
        )
    elif criteria.text and search_query(criteria.text) is not None:
        rows = rows.order_by("-rank", "name", f"{sal}id")
        extra, order = ["rank"], ["-rank", "service_name", "id"]
    else:
        rows = rows.order_by("name", f"{sal}location__name", f"{sal}id")
        extra, order = [], ["service_name", "location_name", "id"]
    values = rows.values(
        *extra,
        # `id` and `service_id` would clash with the model's own fields: renamed by the details.
        row_id=F(f"{sal}id"),
        row_service_id=F("id"),
        **{alias: F(name) for alias, name in _SERVICE_COLUMNS.items()},
        **{alias: F(f"{sal}{name}") for alias, name in _PLACE_COLUMNS.items()},
    )
    shown = [*extra, *_SERVICE_COLUMNS, *_PLACE_COLUMNS]
    return _Rows(values, order, [name for name in shown if name not in _NOT_SHOWN])


def _remote(criteria: SearchCriteria, services: ServiceQuerySet) -> _Rows:
    rows = services.remote()
    if criteria.text and search_query(criteria.text) is not None:
        rows, extra, order = (
            rows.order_by("-rank", "name", "pk"),
            ["rank"],
            ["-rank", "service_name", "id"],
        )
    else:
        rows, extra, order = rows.order_by("name", "pk"), [], ["service_name", "id"]
    values = rows.values(
        *extra,
        row_id=F("id"),
        row_service_id=F("id"),
        **{alias: F(name) for alias, name in _SERVICE_COLUMNS.items()},
    )
    shown = [*extra, *_SERVICE_COLUMNS]
    return _Rows(values, order, [name for name in shown if name not in _NOT_SHOWN])


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


def _rows_for(kind: str, criteria: SearchCriteria) -> _Rows:
    rows_of = _located if kind == "located" else _remote
    return rows_of(criteria, criteria.services())


def _details(kind: str, rows: _Rows, page: str, output: PageOutput | None) -> str:
    """The statement turning ``page`` (the SQL of ``rows``' page) into one JSON array of
    :class:`ResultRow` objects, or with ``output`` one text per row, in page order. Rows the
    order keys do not tell apart (two services at one place, as far from a point) keep the
    order the page had."""
    located = kind == "located"
    columns = {"id": "row_id"}  # the order keys name ResultRow fields
    keys = sql.SQL(", ").join(
        [
            *(
                sql.SQL("{} DESC" if key.startswith("-") else "{}").format(
                    sql.Identifier("page", columns.get(key.lstrip("-"), key.lstrip("-")))
                )
                for key in rows.order
            ),
            sql.SQL("page.position"),
        ]
    )
    place_joins = sql.SQL(_PLACE_JOINS if located else "")
    if output is None:
        fields = {
            **_DETAIL_FIELDS,
            **{name: f"page.{name}" for name in rows.shown},
            **(_PLACE_FIELDS if located else {}),
        }
        select = sql.SQL(_AS_RESULT_ROWS).format(
            fields=sql.SQL(", ").join(
                sql.SQL("{}, {}").format(sql.Literal(name), sql.SQL(expression))
                for name, expression in fields.items()
            ),
            keys=keys,
            place_joins=place_joins,
        )
        reader = sql.SQL("")
    else:
        select = sql.SQL(output.located if located else output.remote).format(
            keys=keys,
            place_joins=place_joins,
            distance=sql.SQL("page.distance_m" if "distance_m" in rows.shown else "NULL::float8"),
        )
        reader = (
            sql.SQL(", reader AS (SELECT {}) ").format(
                sql.SQL(", ").join(
                    sql.SQL("%s::{} AS {}").format(sql.SQL(kind_), sql.Identifier(name))
                    for name, kind_ in (pair.split(" ", 1) for pair in output.reader)
                )
            )
            if output.reader
            else sql.SQL("")
        )
    steps = sql.SQL(_PAGE_STEPS).format(page=sql.SQL(page), reader=reader)
    return sql.Composed([steps, select]).as_string()


@functools.lru_cache(maxsize=512)
def _compiled(
    kind: str,
    shape: SearchCriteria,
    near: bool,
    offset: int,
    count: int | None,
    output: PageOutput | None = None,
) -> _Statement:
    """The statement for ``count`` rows of ``kind`` ("located" or "remote") from ``offset``,
    turned by PostgreSQL into one JSON array in page order (or one text per row: ``output``);
    with ``count`` None, the statement counting them all. ``shape`` has no point (a Point's
    hash and equality cost GEOS calls on every request); ``near`` says whether the search has
    one."""
    if near:
        shape = replace(shape, near=_SHAPE_POINT)
    rows = _rows_for(kind, shape)
    if count is None:
        inner, params = rows.values.order_by().values("row_id").query.sql_with_params()
        text = f"SELECT count(*) FROM ({inner}) AS matches"
    else:
        inner, params = rows.values[offset : offset + count].query.sql_with_params()
        text = _details(kind, rows, inner, output)
    shape_point = _POINT_FIELD.get_db_prep_value(_SHAPE_POINT, connection)
    slots = tuple(n for n, param in enumerate(params) if param == shape_point)
    if kind == "located" and near and not slots:
        raise RuntimeError("search: the query point is not a parameter of the statement")
    return _Statement(text, tuple(params), slots)


def _fetch(
    kind: str,
    criteria: SearchCriteria,
    offset: int,
    count: int,
    output: PageOutput | None = None,
    reader: tuple = (),
) -> list:
    """``count`` rows of ``kind`` from ``offset``: one round trip, no model objects. Each is a
    :class:`ResultRow`, or with ``output`` its text, ``reader`` the values it reads."""
    near = criteria.near is not None
    statement = _compiled(kind, replace(criteria, near=None), near, offset, count, output)
    # The page's parameters come first in the statement, then the reader's (its own step).
    params = statement.params_for(criteria.near) + list(reader)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        if output is not None:
            return [text for (text,) in cursor.fetchall()]
        return [ResultRow(**row) for row in cursor.fetchone()[0]]


def _count(kind: str, criteria: SearchCriteria) -> int:
    near = criteria.near is not None
    statement = _compiled(kind, replace(criteria, near=None), near, 0, None)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params_for(criteria.near))
        return cursor.fetchone()[0]


def search(
    criteria: SearchCriteria, output: PageOutput | None = None, reader: tuple = ()
) -> SearchPage:
    """The page of results ``criteria`` asks for, as :class:`ResultRow` objects or, with
    ``output``, as the texts it makes (``reader``: its values for this request). Each kind of
    result is read one row beyond the page, which tells whether more follow without counting
    them all; a count runs only for a page past the end of the located results. Usually one
    statement."""
    limit = criteria.limit
    start = (criteria.page - 1) * limit
    page = SearchPage(criteria=criteria)

    located_total = 0
    if criteria.bbox is not None and criteria.remote is True:
        return page  # a box holds located results only
    if criteria.remote is not True:
        rows = _fetch("located", criteria, start, limit + 1, output, reader)
        page.located = rows[:limit]
        if len(rows) > limit:
            page.total, page.total_is_exact, page.has_next = start + limit + 1, False, True
            return page
        located_total = start + len(rows) if rows or start == 0 else _count("located", criteria)

    remote_total = 0
    if criteria.remote is not False and criteria.bbox is None:
        offset = max(start - located_total, 0)
        wanted = limit - len(page.located)
        rows = _fetch("remote", criteria, offset, wanted + 1, output, reader)
        page.remote = rows[:wanted]
        if len(rows) > wanted:
            page.total = located_total + offset + wanted + 1
            page.total_is_exact, page.has_next = False, True
            return page
        remote_total = offset + len(rows) if rows or offset == 0 else _count("remote", criteria)

    page.total = located_total + remote_total
    return page
