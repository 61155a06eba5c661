"""The SQL of every tile layer, as named steps: envelope → filter → clip/simplify → aggregate.

Index use: the tile envelope is made in EPSG:3857 and *it* is transformed to EPSG:4326 for the
``&&`` filter on the indexed 4326 column (GiST on ``location.point`` and on each area's
``geom``); only the rows that pass are transformed to 3857 for ``ST_AsMVTGeom``. Nothing is
transformed or cast on an indexed column inside ``WHERE``.

Lengths are in EPSG:3857 units, the unit of the tile grid (see :mod:`layers.tiles.grid`).
``ST_AsMVTGeom`` clips, quantises to the tile extent and winds polygon rings as MVT 2.1 wants
(exterior clockwise in tile coordinates, y down); ``ST_AsMVT`` writes a version 2 layer with
one key table, so no key appears twice.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from psycopg import sql

from geodata.spatial import STORAGE_SRID
from layers.tiles.grid import EXTENT, TILE_PIXELS, WORLD_HALF_WIDTH, TileAddress, pixel_size

WEB_MERCATOR_SRID = 3857

# Polygons are simplified to half a screen pixel: a finer outline is not seen, and one twice
# as coarse shows steps on shared borders.
SIMPLIFY_PIXELS = 0.5
# Areas whose box is under a pixel both ways would draw nothing: they are left out.
VISIBLE_PIXELS = 1.0
# Polygon layers clip with 4 px of margin (in tile units), so outlines join without seams.
POLYGON_BUFFER = 64
# Service markers are drawn 30 px wide: a marker within 16 px of an edge is also put in the
# neighbouring tile, which draws the part that falls there.
MARKER_RADIUS_PIXELS = 16
MARKER_BUFFER = MARKER_RADIUS_PIXELS * EXTENT // TILE_PIXELS
# Below this zoom, places closer than a cell are drawn as one counted cluster (at most 64 per
# tile, however large the directory); from it on, every service at every place is a marker.
CLUSTER_BELOW_ZOOM = 17
CLUSTER_PIXELS = 32  # divides the tile's 256 px, so cells never straddle two tiles


def _tile_params(address: TileAddress, margin_units: int) -> dict[str, Any]:
    """Parameters of the envelope step: the tile, and its margin as a fraction of its side."""
    return {
        "z": address.z,
        "x": address.x,
        "y": address.y,
        "margin": margin_units / EXTENT,
        "extent": EXTENT,
        "storage": STORAGE_SRID,
        "mercator": WEB_MERCATOR_SRID,
    }


ENVELOPE = """
envelope AS (  -- the tile in EPSG:3857, and its box (with the margin) in EPSG:4326
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                                        margin => %(margin)s::float8),
                        %(storage)s::int) AS box
)"""

# --------------------------------------------------------------------------------------------
# Polygons: districts, neighbourhoods, tracts, coverage

POLYGON_STEPS = """
visible AS (  -- drop what is under a pixel both ways: it would draw nothing
    SELECT * FROM filtered
    WHERE ST_XMax(merc) - ST_XMin(merc) >= %(visible)s
       OR ST_YMax(merc) - ST_YMin(merc) >= %(visible)s
), feature AS (  -- simplify to a fraction of a pixel, clip to the tile and its buffer
    SELECT visible.id AS fid, {properties},
           ST_AsMVTGeom(ST_Simplify(visible.merc, %(tolerance)s::float8), envelope.tile,
                        %(extent)s::int, %(buffer)s::int, true) AS geom
    FROM visible CROSS JOIN envelope
)
SELECT ST_AsMVT(feature, %(layer)s::text, %(extent)s::int, 'geom', 'fid')
FROM feature
WHERE geom IS NOT NULL
"""

AREA_SQL = """
WITH {envelope},
filtered AS (  -- areas whose box meets the tile's (GiST on the 4326 column)
    SELECT a.id, {columns}, ST_Transform(a.geom, %(mercator)s::int) AS merc
    FROM envelope
    JOIN {table} AS a ON a.geom && envelope.box
), {steps}"""

COVERAGE_SQL = """
WITH {envelope},
stored AS (  -- the scenario's stored figures at this level, less the hidden ones
    SELECT coalesce(r.tract_id, r.neighbourhood_id, r.district_id) AS id,
           r.figures - %(hidden)s::text[] AS figures
    FROM layers_coverageresult AS r
    JOIN geodata_municipality AS m ON m.id = r.municipality_id
    WHERE r.scenario = %(scenario)s AND r.level = %(level)s AND m.slug = %(city)s
), filtered AS (  -- areas whose box meets the tile's (GiST on the 4326 column)
    SELECT a.id, {columns}, stored.figures, ST_Transform(a.geom, %(mercator)s::int) AS merc
    FROM envelope
    JOIN {table} AS a ON a.geom && envelope.box
    JOIN stored ON stored.id = a.id
), {steps}"""


def _polygon_params(address: TileAddress, layer: str) -> dict[str, Any]:
    pixel = pixel_size(address.z)
    return {
        **_tile_params(address, POLYGON_BUFFER),
        "buffer": POLYGON_BUFFER,
        "tolerance": pixel * SIMPLIFY_PIXELS,
        "visible": pixel * VISIBLE_PIXELS,
        "layer": layer,
    }


def _columns(alias: str, columns: tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(alias, column) for column in columns)


def area_sql(
    layer: str, table: str, columns: tuple[str, ...], address: TileAddress
) -> tuple[str, dict[str, Any]]:
    """The tile of the areas in ``table``, with ``columns`` as properties and the row id as
    feature id. Returns the statement and its parameters."""
    steps = sql.SQL(POLYGON_STEPS).format(properties=_columns("visible", columns))
    query = sql.SQL(AREA_SQL).format(
        envelope=sql.SQL(ENVELOPE),
        table=sql.Identifier(table),
        columns=_columns("a", columns),
        steps=steps,
    )
    return query.as_string(), _polygon_params(address, layer)


def coverage_sql(
    table: str,
    columns: tuple[str, ...],
    address: TileAddress,
    *,
    scenario: str,
    city: str,
    level: str,
    hidden: list[str],
) -> tuple[str, dict[str, Any]]:
    """The tile of ``scenario``'s stored figures at ``level`` (areas in ``table``): the area's
    ``columns``, ``level`` and every figure but the ``hidden`` ones as properties."""
    properties = sql.SQL(", ").join(
        [
            _columns("visible", (*columns, "figures")),
            sql.SQL("%(level)s::text AS level"),
        ]
    )
    steps = sql.SQL(POLYGON_STEPS).format(properties=properties)
    query = sql.SQL(COVERAGE_SQL).format(
        envelope=sql.SQL(ENVELOPE),
        table=sql.Identifier(table),
        columns=_columns("a", columns),
        steps=steps,
    )
    params = {
        **_polygon_params(address, "coverage"),
        "scenario": scenario,
        "city": city,
        "level": level,
        "hidden": hidden,
    }
    return query.as_string(), params


# --------------------------------------------------------------------------------------------
# Services: one marker per service at a place, or counted clusters below CLUSTER_BELOW_ZOOM

SERVICES_SQL = """
WITH {envelope},
located AS (  -- places in the tile's box (GiST on location.point), of services the rules keep
    SELECT sal.id, sal.service_id, l.point
    FROM envelope
    JOIN mapping_location AS l ON l.point && envelope.box
    JOIN mapping_serviceatlocation AS sal ON sal.location_id = l.id
    WHERE sal.service_id IN ({services})
), {shape}
SELECT ST_AsMVT(feature, %(layer)s::text, %(extent)s::int, 'geom', 'fid')
FROM feature
WHERE geom IS NOT NULL
"""

MARKERS = """
feature AS (  -- clip: every service at every place, in tile units
    SELECT {fid} AS fid, 1 AS count, {properties},
           ST_AsMVTGeom(ST_Transform(located.point, %(mercator)s::int), envelope.tile,
                        %(extent)s::int, %(buffer)s::int, false) AS geom
    FROM located
    JOIN mapping_service AS s ON s.id = located.service_id
    CROSS JOIN envelope
)"""

LIVE_CELLS = """
projected AS (  -- the places in EPSG:3857 (spherical Mercator formulas: no PROJ call per row)
    SELECT located.id, m.x, m.y,
           floor((m.x + %(half_world)s::float8) / %(cell)s::float8)::int AS cx,
           floor((m.y + %(half_world)s::float8) / %(cell)s::float8)::int AS cy
    FROM located
    CROSS JOIN LATERAL (
        SELECT ST_X(located.point) * %(half_world)s::float8 / 180 AS x,
               ln(tan(radians(45 + ST_Y(located.point) / 2))) * %(half_world)s::float8 / pi() AS y
    ) AS m
), live AS (  -- the places of each cell of the tile (a cell lies in one tile only)
    SELECT cx, cy, count(*)::int AS places, sum(x) AS sum_x, sum(y) AS sum_y,
           (array_agg(id))[1] AS id
    FROM projected
    WHERE cx BETWEEN %(cx0)s::int AND %(cx0)s::int + %(cells)s::int - 1
      AND cy BETWEEN %(cy0)s::int AND %(cy0)s::int + %(cells)s::int - 1
    GROUP BY cx, cy
)"""

# Unfiltered, the cells come from the stored clusters when those are of the current data
# (layers.tiles.clusters), else are counted now; the gate is a one-time filter, so only one
# of the two branches runs.
STORED_OR_LIVE_CELLS = """
ready AS (  -- no state row (emptied after a crash) reads as not built
    SELECT coalesce((SELECT changes = built FROM hartis_tile_cluster_state), false) AS ready
), cell AS (
    SELECT cx, cy, places, sum_x, sum_y, sal_id AS id
    FROM hartis_tile_cluster
    WHERE (SELECT ready FROM ready) AND z = %(z)s::int
      AND cx BETWEEN %(cx0)s::int AND %(cx0)s::int + %(cells)s::int - 1
      AND cy BETWEEN %(cy0)s::int AND %(cy0)s::int + %(cells)s::int - 1
    UNION ALL
    SELECT * FROM live WHERE NOT (SELECT ready FROM ready)
)"""

LIVE_ONLY_CELLS = """
cell AS (SELECT * FROM live)"""

CLUSTERS = """
{live}, {cells}, placed AS (  -- clip: each cell's centre of mass, in tile units
    SELECT cell.places, cell.id,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cell.sum_x / cell.places,
                                                cell.sum_y / cell.places), %(mercator)s::int),
                        envelope.tile, %(extent)s::int, 0, false) AS at
    FROM cell CROSS JOIN envelope
), feature AS (  -- a cluster of one is the service's marker, with its properties; markers
                 -- stay a radius inside the tile's edges, so no tile cuts one
    SELECT CASE WHEN placed.places = 1 THEN {fid} END AS fid, placed.places AS count,
           {properties},
           ST_MakePoint(
               least(greatest(ST_X(placed.at), %(inset)s::int), %(extent)s::int - %(inset)s::int),
               least(greatest(ST_Y(placed.at), %(inset)s::int), %(extent)s::int - %(inset)s::int)
           ) AS geom
    FROM placed
    LEFT JOIN mapping_serviceatlocation AS sal ON sal.id = placed.id AND placed.places = 1
    LEFT JOIN mapping_service AS s ON s.id = sal.service_id
    WHERE placed.at IS NOT NULL
)"""

# A service-at-location's uuid as an MVT feature id (an unsigned integer): its first 60 bits.
FEATURE_ID = "('x' || left(replace({row}.id::text, '-', ''), 15))::bit(60)::bigint"

# The name a reader of the first language of %(languages)s sees (mapping.localize.choose, in
# SQL): the original counts for its own language, an empty text falls through to the next.
NAME = """coalesce((
        SELECT version.name
        FROM unnest(%(languages)s::text[]) WITH ORDINALITY AS chain(language, rank)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN chain.language = s.language THEN s.name
                        ELSE (SELECT t.name FROM mapping_servicetranslation AS t
                              WHERE t.service_id = s.id AND t.language = chain.language)
                   END AS name
        ) AS version
        WHERE version.name <> ''
        ORDER BY chain.rank
        LIMIT 1
    ), s.name)"""

# The service's theme codes (a subcategory counts for its theme), sorted, comma-separated.
THEMES = """(
        SELECT string_agg(DISTINCT coalesce(parent.code, term.code), ','
                          ORDER BY coalesce(parent.code, term.code))
        FROM mapping_service_categories AS c
        JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
        LEFT JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
        WHERE c.service_id = s.id
    )"""

SERVICE_PROPERTIES = f"""s.id::text AS service_id, {NAME} AS name, {THEMES} AS themes,
           s.is_demo"""

_PLACEHOLDER = re.compile(r"%(%|s)")  # a positional parameter, or an escaped percent sign


@dataclass(frozen=True)
class Statement:
    """SQL text and its parameters, ready for ``cursor.execute``."""

    sql: str
    params: dict[str, Any]


def named_params(queryset: QuerySet, prefix: str) -> Statement:
    """``queryset``'s SQL with its positional ``%s`` renamed ``%(<prefix>N)s``, so it can sit
    inside a statement with named parameters."""
    text, values = queryset.query.sql_with_params()
    numbers = iter(range(len(values)))

    def rename(match: re.Match) -> str:
        return "%%" if match.group(1) == "%" else f"%({prefix}{next(numbers)})s"

    renamed = _PLACEHOLDER.sub(rename, text)
    return Statement(renamed, {f"{prefix}{n}": value for n, value in enumerate(values)})


def cluster_cells(address: TileAddress) -> dict[str, Any]:
    """The tile's cells in the world-wide grid of CLUSTER_PIXELS cells: the first column and
    row (rows counted from the south, as EPSG:3857 y grows) and how many a side."""
    cells = TILE_PIXELS // CLUSTER_PIXELS
    return {
        "cell": pixel_size(address.z) * CLUSTER_PIXELS,
        "cells": cells,
        "cx0": address.x * cells,
        "cy0": (2**address.z - 1 - address.y) * cells,
    }


def services_sql(
    address: TileAddress, service_ids: QuerySet, languages: list[str], *, unfiltered: bool
) -> tuple[str, dict[str, Any]]:
    """The tile of the places of the services ``service_ids`` (a queryset of Service pks: the
    directory's own read rules, compiled by the ORM) with names for a reader of
    ``languages[0]`` (then the fallbacks that follow). ``unfiltered`` (every active
    service) lets clustered zooms read the stored clusters."""
    clustered = address.z < CLUSTER_BELOW_ZOOM
    if clustered:
        shape = sql.SQL(CLUSTERS).format(
            live=sql.SQL(LIVE_CELLS),
            cells=sql.SQL(STORED_OR_LIVE_CELLS if unfiltered else LIVE_ONLY_CELLS),
            fid=sql.SQL(FEATURE_ID.format(row="placed")),
            properties=sql.SQL(SERVICE_PROPERTIES),
        )
    else:
        shape = sql.SQL(MARKERS).format(
            fid=sql.SQL(FEATURE_ID.format(row="located")),
            properties=sql.SQL(SERVICE_PROPERTIES),
        )
    services = named_params(service_ids, "service_rule_")
    query = sql.SQL(SERVICES_SQL).format(
        envelope=sql.SQL(ENVELOPE), services=sql.SQL(services.sql), shape=shape
    )
    # Clusters take the tile's own places (by cell, below); the box only has to hold them all.
    margin = 1 if clustered else MARKER_BUFFER
    params = {
        **_tile_params(address, margin),
        **services.params,
        **cluster_cells(address),
        "buffer": MARKER_BUFFER,
        "layer": "services",
        "languages": languages,
        "half_world": WORLD_HALF_WIDTH,
        "inset": MARKER_BUFFER,
    }
    return query.as_string(), params
