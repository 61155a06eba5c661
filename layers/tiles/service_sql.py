"""The SQL of the services tiles: one statement per tile, in named steps, over the tile points
(ServicePoint, EPSG:3857) and the stored cluster counts (ClusterCell); the directory's tables
are read only for the names of the markers drawn (and for ``open_now`` and ``q``).

Which cells a tile counts (layers.tiles.pyramid has the grid, keys and levels):

==============  ===========================================  ===============================
zoom            filters                                      clusters or markers from
==============  ===========================================  ===============================
0–12            none, or only ``theme=<a top-level theme>``  ClusterCell: ≤ 256 stored rows
                (``demo`` and ``remote`` at their defaults)  (the pyramid, precomputed)
0–12            any other                                    ServicePoint, counted now
13–16           any                                          ServicePoint, counted now from
                                                             one range of its covering index
17 and above    any                                          ServicePoint's GiST on ``geom``
==============  ===========================================  ===============================

Whether a ``theme`` is top-level is decided in the statement itself (a one-time condition
read in the same snapshot as the counts), so a vocabulary change never pairs stale counts
with a new rule. A cluster of one is drawn as its service's marker, with its properties: the
stored counts do not say which point it is, so the point is looked up by its cell's key range.

The filters are the directory's read rules (mapping.models.queries) restated on the tile
points' columns — ``theme``, ``language``, ``target_group``, ``organization_type``,
``district``, ``neighbourhood``, ``free``, ``demo``, ``remote`` — plus, for what the points
cannot answer (``open_now``, ``q``), the ORM's own rules compiled into the statement.
tests/test_tile_points.py holds the two to the same results.

A tile counts the places of its own cells only, so none is counted in two tiles; a place
exactly on a tile's edge counts in the tile of its cell (the ``floor`` rule of the grid).
Features are written north to south, then west to east: where icons overlap the southern one
is drawn on top, as Leaflet stacks markers, and a tile's bytes (and ETag) do not depend on the
order in which PostgreSQL happened to read its rows.
"""

from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from layers.orm_steps import named
from layers.tiles import pyramid
from layers.tiles.grid import EXTENT, TileAddress
from layers.tiles.sql import (
    CLUSTER_BELOW_ZOOM,
    MARKER_BUFFER,
    WEB_MERCATOR_SRID,
    tile_params,
)
from mapping.search import SearchCriteria

ENVELOPE = """
envelope AS (  -- the tile in EPSG:3857, and its box with the markers' margin
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int, margin => %(margin)s::float8)
               AS box
)"""

# --------------------------------------------------------------------------------------------
# Cells: each ``cells`` step yields (cell, count, sum_x, sum_y) for the tile's cells.

STORED = """
stored AS (  -- the stored counts of the tile's cells: one key range of one level
    SELECT c.cell >> %(stored_fold)s AS cell, sum(c.count)::int AS count,
           sum(c.sum_x) AS sum_x, sum(c.sum_y) AS sum_y
    FROM layers_clustercell AS c
    WHERE {gate} c.level = %(level)s AND c.theme = %(theme)s
      AND c.cell >= %(stored_low)s AND c.cell < %(stored_high)s
    GROUP BY 1
)"""

LIVE = """
live AS (  -- the tile's points counted per cell now: one key range of the covering index
    SELECT p.cell >> %(live_fold)s AS cell, count(*)::int AS count,
           sum(ST_X(p.geom)) AS sum_x, sum(ST_Y(p.geom)) AS sum_y
    FROM layers_servicepoint AS p
    WHERE {gate} p.cell >= %(live_low)s AND p.cell < %(live_high)s AND {filters}
    GROUP BY 1
)"""

# A tile has 8 × 8 cells. Saying so keeps the planner from expecting a cell per point and
# JIT-compiling (tens of ms) a statement that runs in one or two.
CELLS = """
cells AS (SELECT * FROM {source} LIMIT %(tile_cells)s)"""

# Stored counts for a top-level theme, live ones for a subcategory: only one branch runs.
GATE = """
gate AS (  -- are this theme's counts stored (a top-level theme, now)?
    SELECT EXISTS (
        SELECT FROM mapping_taxonomyterm AS term
        JOIN mapping_taxonomy AS taxonomy ON taxonomy.id = term.taxonomy_id
        WHERE taxonomy.slug = %(themes_taxonomy)s AND term.parent_id IS NULL
          AND term.code = %(theme)s
    ) AS stored
)"""

CLUSTERS = """
WITH {envelope}, {cells}, placed AS MATERIALIZED (  -- clip: the centre of mass, in tile units
    SELECT cells.cell, cells.count,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cells.sum_x / cells.count,
                                                cells.sum_y / cells.count),
                                   %(mercator)s::int),
                        envelope.tile, %(extent)s::int, 0, false) AS at
    FROM cells CROSS JOIN envelope
), feature AS (  -- a cluster of one is the service's marker, with its properties; markers
                 -- stay a radius inside the tile's edges, so no tile cuts one
    SELECT CASE WHEN placed.count = 1 THEN {fid} END AS fid, placed.count, {properties},
           ST_MakePoint(
               least(greatest(ST_X(placed.at), %(inset)s::int), %(extent)s::int - %(inset)s::int),
               least(greatest(ST_Y(placed.at), %(inset)s::int), %(extent)s::int - %(inset)s::int)
           ) AS geom
    FROM placed
    LEFT JOIN LATERAL (  -- the one point of a cluster of one, by its cell's key range
        SELECT p.* FROM layers_servicepoint AS p
        WHERE placed.count = 1
          AND p.cell >= placed.cell << %(live_fold)s
          AND p.cell < (placed.cell + 1) << %(live_fold)s
          AND {filters}
        LIMIT 1
    ) AS p ON TRUE
    LEFT JOIN LATERAL (SELECT * FROM mapping_service WHERE id = p.service_id) AS s ON TRUE
    WHERE placed.at IS NOT NULL
)
SELECT ST_AsMVT(feature, %(layer)s::text, %(extent)s::int, 'geom', 'fid'
                ORDER BY ST_Y(feature.geom), ST_X(feature.geom), feature.fid)
FROM feature
WHERE geom IS NOT NULL
"""

MARKERS = """
WITH {envelope}, located AS (  -- the points in the tile and its margin (GiST on geom)
    SELECT p.* FROM envelope
    JOIN layers_servicepoint AS p ON p.geom && envelope.box
    WHERE {filters}
), feature AS (  -- clip: every service at every place, in tile units
    SELECT {fid} AS fid, 1 AS count, {properties},
           ST_AsMVTGeom(p.geom, envelope.tile, %(extent)s::int, %(buffer)s::int, false) AS geom
    FROM located AS p
    CROSS JOIN LATERAL (SELECT * FROM mapping_service WHERE id = p.service_id) AS s
    CROSS JOIN envelope
)
SELECT ST_AsMVT(feature, %(layer)s::text, %(extent)s::int, 'geom', 'fid'
                ORDER BY ST_Y(feature.geom), ST_X(feature.geom), feature.fid)
FROM feature
WHERE geom IS NOT NULL
"""

# A service-at-location's uuid (the point's id) as an MVT feature id: its first 60 bits.
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

PROPERTIES = f"""p.service_id::text AS service_id, {NAME} AS name, p.themes AS themes,
           p.is_demo AS is_demo"""


# --------------------------------------------------------------------------------------------
# Filters


@dataclass
class Filters:
    """The tile's filters as conditions on the point ``p`` (ANDed), with their parameters."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    only_theme: bool = True  # nothing but (at most) a theme: the stored counts may answer

    def add(self, condition: str, only_theme: bool = False, **params: Any) -> None:
        self.conditions.append(condition)
        self.params.update(params)
        self.only_theme &= only_theme

    def sql(self) -> sql.Composable:
        return sql.SQL(" AND ".join(self.conditions) or "TRUE")


def point_filters(criteria: SearchCriteria) -> Filters:
    """``criteria`` (SearchCriteria.services() and the tile's ``remote``) as conditions on
    the tile points: mapping.models.queries' rules on the points' columns."""
    filters = Filters()
    if criteria.remote:  # phone or online only: nothing on a map
        filters.add("FALSE")
    if criteria.theme:  # theme_q
        filters.add("%(theme)s = ANY(p.category_codes)", only_theme=True, theme=criteria.theme)
    for name, column in (("language", "language_codes"), ("target_group", "target_group_codes")):
        value = getattr(criteria, name)
        if value:  # language_q, target_group_q
            filters.add(f"%({name})s = ANY(p.{column})", **{name: value})
    if criteria.organization_type:
        filters.add(
            "p.organization_type = %(organization_type)s",
            organization_type=criteria.organization_type,
        )
    if criteria.district is not None:  # district_q: a place of the service in the district
        filters.add(
            "%(district)s = ANY(p.districts)", district=f"{criteria.city}/{criteria.district}"
        )
    if criteria.neighbourhood:
        filters.add(
            "%(neighbourhood)s = ANY(p.neighbourhoods)",
            neighbourhood=f"{criteria.city}/{criteria.neighbourhood}",
        )
    if criteria.free:  # free_q
        filters.add("p.is_free")
    if not criteria.include_demo:  # real_q
        filters.add("NOT p.is_demo")
    if criteria.open_at is not None or criteria.text:  # the ORM's rules, compiled
        rules = SearchCriteria(open_at=criteria.open_at, text=criteria.text).services()
        statement = named(rules.order_by().values("pk"), "service_rule_")
        filters.add(f"p.service_id IN ({statement.sql})", **statement.params)
    return filters


# --------------------------------------------------------------------------------------------
# The statement


def _cells(
    address: TileAddress, criteria: SearchCriteria, filters: Filters, stored: bool
) -> tuple[sql.Composable, dict[str, Any]]:
    """The steps that make ``cells`` for a clustered tile, and their parameters."""
    z, x, y = address.z, address.x, address.y
    low, high = pyramid.key_range(z, x, y, pyramid.CELL_ZOOM)
    params: dict[str, Any] = {
        "tile_cells": 4**pyramid.CELLS_PER_TILE_BITS,
        "live_fold": 2 * (pyramid.CELL_ZOOM - z),
        "live_low": low,
        "live_high": high,
    }
    level = pyramid.level_for(z)
    if not (stored and level is not None and filters.only_theme):
        steps = [sql.SQL(LIVE).format(gate=sql.SQL(""), filters=filters.sql())]
        source = "live"
    else:
        stored_low, stored_high = pyramid.key_range(z, x, y, level)
        params |= {
            "level": level,
            "theme": criteria.theme or pyramid.ALL,
            "stored_fold": 2 * (level - z),
            "stored_low": stored_low,
            "stored_high": stored_high,
            "themes_taxonomy": pyramid.THEMES_TAXONOMY,
        }
        if not criteria.theme:
            steps = [sql.SQL(STORED).format(gate=sql.SQL(""))]
            source = "stored"
        else:
            steps = [
                sql.SQL(GATE),
                sql.SQL(STORED).format(gate=sql.SQL("(SELECT stored FROM gate) AND")),
                sql.SQL(LIVE).format(
                    gate=sql.SQL("NOT (SELECT stored FROM gate) AND"), filters=filters.sql()
                ),
            ]
            source = "(SELECT * FROM stored UNION ALL SELECT * FROM live) AS either"
    steps.append(sql.SQL(CELLS).format(source=sql.SQL(source)))
    return sql.SQL(", ").join(steps), params


def services_sql(
    address: TileAddress, criteria: SearchCriteria, languages: list[str], *, stored: bool = True
) -> tuple[str, dict[str, Any]]:
    """The services tile at ``address`` for the search ``criteria``, with names for a reader
    of ``languages[0]`` (then the fallbacks that follow). ``stored=False`` counts clusters
    from the points even where the stored counts could answer (to compare the two)."""
    filters = point_filters(criteria)
    clustered = address.z < CLUSTER_BELOW_ZOOM
    if clustered:
        cells, cell_params = _cells(address, criteria, filters, stored)
        query = sql.SQL(CLUSTERS).format(
            envelope=sql.SQL(ENVELOPE),
            cells=cells,
            filters=filters.sql(),
            fid=sql.SQL(FEATURE_ID.format(row="p")),
            properties=sql.SQL(PROPERTIES),
        )
    else:
        cell_params = {}
        query = sql.SQL(MARKERS).format(
            envelope=sql.SQL(ENVELOPE),
            filters=filters.sql(),
            fid=sql.SQL(FEATURE_ID.format(row="p")),
            properties=sql.SQL(PROPERTIES),
        )
    params = {
        **tile_params(address, 0 if clustered else MARKER_BUFFER),
        **filters.params,
        **cell_params,
        "buffer": MARKER_BUFFER,
        "layer": "services",
        "languages": languages,
        "inset": MARKER_BUFFER,
        "mercator": WEB_MERCATOR_SRID,
        "extent": EXTENT,
    }
    return query.as_string(), params
