"""The SQL of the area tile layers, as named steps: envelope → filter → clip/simplify →
aggregate; and what the services tiles' SQL shares (layers.tiles.service_sql).

Index use: the tile envelope is made in EPSG:3857 and *it* is transformed to EPSG:4326 for the
``&&`` filter on the indexed 4326 column (GiST on each area's ``geom``); only the rows that
pass are transformed to 3857 for ``ST_AsMVTGeom``. Nothing is transformed or cast on an
indexed column inside ``WHERE``. (The services tiles' points are stored in 3857 already.)

Lengths are in EPSG:3857 units, the unit of the tile grid (see :mod:`layers.tiles.grid`).
``ST_AsMVTGeom`` clips, quantises to the tile extent and winds polygon rings as MVT 2.1 wants
(exterior clockwise in tile coordinates, y down); ``ST_AsMVT`` writes a version 2 layer with
one key table, so no key appears twice.
"""

from typing import Any

from psycopg import sql

from geodata.spatial import STORAGE_SRID
from layers.tiles.grid import EXTENT, TILE_PIXELS, TileAddress, pixel_size

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
assert TILE_PIXELS % CLUSTER_PIXELS == 0


def tile_params(address: TileAddress, margin_units: int) -> dict[str, Any]:
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
        **tile_params(address, POLYGON_BUFFER),
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
