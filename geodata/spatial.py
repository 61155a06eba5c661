"""Where Hartis decides SRIDs and units, once.

- Storage: every geometry column is EPSG:4326 (WGS84 lon/lat), the SRID of GeoJSON, HSDS
  latitude/longitude and Leaflet, so nothing is transformed on the way out.
- Measures: metres and square metres always come from PostGIS ``geography`` (spheroid maths on
  the 4326 column), never from degrees. For geometric constructions in metres (buffers,
  catchments) the metric SRID is EPSG:2100, the Greek Grid, valid for all of Greece.
- Index use: casts and transforms are applied to the *constant* side of a filter, never to an
  indexed column inside ``WHERE``. The one transform of a column, ``WebMercator`` for the
  nearest-first order, is the very expression of its GiST index.
"""

from django.contrib.gis.db.models import GeometryField, PointField
from django.contrib.gis.db.models.functions import GeoFunc
from django.db import connection
from django.db.models import BooleanField, FloatField, Func

STORAGE_SRID = 4326
METRIC_SRID = 2100  # EPSG:2100 GGRS87 / Greek Grid, metres


class GeographyArea(GeoFunc):
    """Area in square metres: ``ST_Area(geom::geography)`` on a 4326 geometry."""

    function = "ST_Area"
    template = "%(function)s((%(expressions)s)::geography)"
    output_field = FloatField()
    geom_param_pos = (0,)


class OverlapArea(Func):
    """Area in square metres shared by two 4326 geometries:
    ``ST_Area(ST_Intersection(a, b)::geography)``. A plain ``Func`` so either side may be an
    ``OuterRef`` (GeoDjango's functions need resolved output fields to pick an SRID)."""

    function = "ST_Intersection"
    template = "ST_Area(%(function)s(%(expressions)s)::geography)"
    output_field = FloatField()
    arity = 2


class PointInside(Func):
    """A point guaranteed inside a polygon, ``ST_PointOnSurface(geom)``, in EPSG:4326.
    A plain ``Func`` so its argument may be an ``OuterRef`` (see :class:`OverlapArea`)."""

    function = "ST_PointOnSurface"
    output_field = PointField(srid=STORAGE_SRID)
    arity = 1


def postgis_version() -> str:
    """The PostGIS library version of the connected database, e.g. "3.3.2"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return cursor.fetchone()[0]


def indexes_within_metres(
    area_id: int, points: list[tuple[float, float]], metres: float
) -> set[int]:
    """Indexes of ``points`` (lon, lat in EPSG:4326) lying within ``metres`` of municipality
    ``area_id``'s boundary or inside it, measured on the spheroid (geography)."""
    query = """
        WITH candidate AS (  -- the points, numbered from 0
            SELECT ordinality - 1 AS idx, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
            FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS p(lon, lat)
        ), area AS (
            SELECT geom FROM geodata_municipality WHERE id = %(area_id)s
        )
        SELECT candidate.idx
        FROM candidate, area
        WHERE ST_DWithin(area.geom::geography, candidate.geom::geography, %(metres)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(
            query,
            {
                "lons": [lon for lon, _ in points],
                "lats": [lat for _, lat in points],
                "area_id": area_id,
                "metres": metres,
            },
        )
        return {row[0] for row in cursor.fetchall()}


class AsGeography(Func):
    """``(expr)::geography``: a 4326 geometry seen on the spheroid, for metres. Also the
    expression of the GiST indexes that serve distance filters (see WithinMetres)."""

    template = "(%(expressions)s)::geography"
    arity = 1
    output_field = GeometryField(srid=STORAGE_SRID, geography=True)


MERCATOR_SRID = 3857  # EPSG:3857 Web Mercator: only to order places nearest-first (NearestFirst)


class WebMercator(Func):
    """``ST_Transform(geom, 3857)`` of a 4326 geometry, with the SRID written into the SQL
    rather than bound: a prepared statement's expression must be the GiST index's own for the
    index to serve it (see :class:`NearestFirst`)."""

    template = f"ST_Transform(%(expressions)s, {MERCATOR_SRID})"
    arity = 1
    output_field = GeometryField(srid=MERCATOR_SRID)


class NearestFirst(Func):
    """``ST_Transform(a, 3857) <-> ST_Transform(b, 3857)``: the order "nearest first" that a
    GiST index on ``WebMercator(column)`` answers (KNN) without reading the whole table.

    Use only for ordering; report :class:`GeographyDistance` to people. Web Mercator is
    conformal on the sphere, so it orders places as the sphere distance of a geography KNN
    (``a::geography <-> b::geography``) does, except where two distances differ by less than
    about 0.012 % per km of distance at Greek latitudes (12 cm at 1 km, 50 m at 20 km). Both
    are measures on a sphere: against the spheroid distance shown, either may swap two places
    whose distances differ by less than 0.42 % (4 m at 1 km), the spheroid's difference
    between north–south and east–west. The geography KNN reads 3–10 times the index pages:
    1.3–2.7 ms for 21 places at 1M, against 0.15–0.2 ms here. mapping.search sorts each page
    by the spheroid distance it shows, so within a page the order never contradicts it."""

    template = "%(expressions)s"
    arg_joiner = " <-> "
    arity = 2
    output_field = FloatField()

    def __init__(self, column: object, point: object) -> None:
        # The point's side is a scalar subquery, run once per execution. Written as a plain
        # expression, a prepared statement's generic plan counts PostgreSQL's cost of
        # ST_Transform (10,000) once per row, finds the plan dear and plans every execution
        # afresh: 1.3–1.7 ms of planning on a 1 ms search. ``::geometry``: a bound value has
        # no type PostgreSQL could pick a ST_Transform for (postgis_raster has its own).
        point = Func(
            point, template=f"(SELECT ST_Transform((%(expressions)s)::geometry, {MERCATOR_SRID}))"
        )
        super().__init__(WebMercator(column), point)


class GeographyDistance(Func):
    """``ST_Distance(a::geography, b::geography)``: spheroid distance in metres."""

    function = "ST_Distance"
    arity = 2
    output_field = FloatField()


# Walking estimates until a street network is loaded: straight-line metres times a detour
# (circuity) factor, at a walking speed. Sources for the factor: network distance between
# random urban points is about 1.2 × the straight line (Newell 1980); 1.21–1.23 around transit
# stations (O'Sullivan & Morrall 1996); pedestrian route directness is usually worse than the
# road network's (Dill 2003) — summarised in Wikibooks, "Transportation Geography and Network
# Science/Circuity". We take 1.3, the cautious end for walking: it never overstates a
# catchment. 80 m/min (4.8 km/h) is a usual adult walking speed in accessibility studies.
WALKING_SPEED_M_PER_MIN = 80.0
WALKING_DETOUR_FACTOR = 1.3


def walk_minutes(straight_line_m: float) -> float:
    """Estimated walking time in minutes for a straight-line distance in metres."""
    return straight_line_m * WALKING_DETOUR_FACTOR / WALKING_SPEED_M_PER_MIN


def walk_reach_m(minutes: float) -> float:
    """Straight-line metres covered by ``minutes`` of walking: the inverse of
    :func:`walk_minutes` (15 min → 923 m)."""
    return minutes * WALKING_SPEED_M_PER_MIN / WALKING_DETOUR_FACTOR


class WithinMetres(Func):
    """``ST_DWithin(a, b, metres)`` on geography arguments (wrap columns in AsGeography so the
    expression GiST index answers it). Boolean; filter with ``.alias(x=…).filter(x=True)``."""

    function = "ST_DWithin"
    arity = 3
    output_field = BooleanField()
