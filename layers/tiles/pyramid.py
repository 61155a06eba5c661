"""The cluster grid of the services tiles, and its stored pyramid of counts (ClusterCell).

**Grid.** Below CLUSTER_BELOW_ZOOM the places of a tile are counted per 32-px cell of a
world-wide grid. At zoom z a place at (X, Y) in EPSG:3857 is in cell
``(floor((X + H) / c), floor((Y + H) / c))``, H = WORLD_HALF_WIDTH, c = H / 2^(z+2) (32
pixels): columns from the antimeridian, rows from the south. One zoom down the side doubles
exactly (a power of two, in binary floating point too), so the cell at zoom z − k is the cell
at z shifted right by k bits: every cell is computed once, at CELL_ZOOM, from the place.

**Keys.** A cell's key is its Morton (Z-order) code — the bits of the column at the even
positions, of the row at the odd ones (SQL ``hartis_morton``, layers migration 0004). At zoom
z a key is the CELL_ZOOM key shifted right by 2·(CELL_ZOOM − z). A tile z/x/y holds the 8 × 8
cells of zoom z whose key shifted right by 6 is the tile's own key, ``morton(x, 2^z − 1 − y)``
(tile rows count from the north): the tile is *one range* of keys at any finer zoom
(:func:`key_range`), read from a btree index as one range scan.

**Pyramid.** ClusterCell stores, for the zooms in LEVELS (12, 10, …, 0), per cell and per
theme, the count of tile points and the sums of their coordinates (centre = sum / count, and
a change is a delta). A tile at zoom z ≤ TOP_LEVEL reads the level at z or the one above it
(:func:`level_for`): at most 64 × 4 rows, summed four to a cell. Every other zoom only, as
reading four rows per cell costs less than storing a level; zooms from TOP_LEVEL + 1 to
CLUSTER_BELOW_ZOOM − 1 are counted live from ServicePoint's covering index instead (at 1M
services, ~35,000 rows in the densest zoom-13 tile: ~10 ms), where a stored level would
cost nearly a row per place.

**Themes.** Each point counts under '' (every service) and under each *top-level* theme among
its ``category_codes`` (a theme of the ``hartis-themes`` taxonomy without a parent), as a
``theme=<that theme>`` filter finds it. Subcategories are not stored: those tiles count live.
"""

import itertools

from layers.tiles.grid import TILE_PIXELS
from layers.tiles.sql import CLUSTER_BELOW_ZOOM, CLUSTER_PIXELS
from mapping.models.taxonomy import THEMES_TAXONOMY

CELLS_PER_TILE_BITS = (TILE_PIXELS // CLUSTER_PIXELS).bit_length() - 1  # 8 cells: 3 bits
CELL_ZOOM = CLUSTER_BELOW_ZOOM - 1  # the zoom of ServicePoint.cell
TOP_LEVEL = 12  # the finest stored level
LEVELS = tuple(range(TOP_LEVEL, -1, -2))  # 12, 10, …, 0

ALL = ""  # the theme of the counts of every service


def morton(x: int, y: int) -> int:
    """The Morton key of cell (x, y): as SQL ``hartis_morton``."""
    key = 0
    for bit in range(max(x.bit_length(), y.bit_length())):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


def tile_key(z: int, x: int, y: int) -> int:
    """The Morton key of tile z/x/y in the grid of tiles (rows from the south)."""
    return morton(x, 2**z - 1 - y)


def key_range(z: int, x: int, y: int, zoom: int) -> tuple[int, int]:
    """The keys at ``zoom`` (≥ z) of the cells inside tile z/x/y: ``[low, high)``."""
    shift = 2 * (zoom - z + CELLS_PER_TILE_BITS)
    key = tile_key(z, x, y)
    return key << shift, (key + 1) << shift


def level_for(z: int) -> int | None:
    """The stored level a tile at zoom ``z`` reads (None: counted live from the points)."""
    if z > TOP_LEVEL:
        return None
    return z + z % 2  # LEVELS are the even zooms


# The rows of a set of changed tile points, as pyramid deltas (``weight`` +1 or −1): each
# point under '' and under each of its top-level themes, at every level. ``{changed}`` is a
# data-modifying CTE named ``changed`` returning (cell, geom, category_codes).
DELTA_SQL = """
WITH {changed}, top AS (  -- the top-level themes now, in the same snapshot as the rows
    SELECT coalesce(array_agg(term.code), '{{}}') AS codes
    FROM mapping_taxonomyterm AS term
    JOIN mapping_taxonomy AS taxonomy ON taxonomy.id = term.taxonomy_id
    WHERE taxonomy.slug = %(themes_taxonomy)s AND term.parent_id IS NULL
), keyed AS (  -- each point once under '' and once under each of its top-level themes
    SELECT changed.cell, ST_X(changed.geom) AS x, ST_Y(changed.geom) AS y, key.theme
    FROM changed CROSS JOIN top
    CROSS JOIN LATERAL (
        SELECT %(all)s::text
        UNION ALL
        SELECT code FROM unnest(changed.category_codes) AS code WHERE code = ANY(top.codes)
    ) AS key(theme)
), delta AS (  -- per level, theme and cell: the change in count and in the sums (EPSG:3857)
    SELECT level, keyed.theme, keyed.cell >> (2 * (%(cell_zoom)s - level)) AS cell,
           %(weight)s * count(*) AS count, %(weight)s * sum(keyed.x) AS sum_x,
           %(weight)s * sum(keyed.y) AS sum_y
    FROM keyed CROSS JOIN unnest(%(levels)s::int[]) AS level
    GROUP BY 1, 2, 3
)
INSERT INTO layers_clustercell AS c (level, theme, cell, count, sum_x, sum_y)
SELECT * FROM delta
ORDER BY level, theme, cell  -- one lock order for every writer: no deadlock
ON CONFLICT (level, theme, cell) DO UPDATE
SET count = c.count + excluded.count, sum_x = c.sum_x + excluded.sum_x,
    sum_y = c.sum_y + excluded.sum_y
RETURNING c.level, c.theme, c.cell, c.count
"""

# Cells a subtraction emptied (and no addition refilled since), by key.
SWEEP_SQL = """
DELETE FROM layers_clustercell AS c
USING unnest(%(levels)s::int[], %(themes)s::text[], %(cells)s::bigint[])
      AS emptied(level, theme, cell)
WHERE (c.level, c.theme, c.cell) = (emptied.level, emptied.theme, emptied.cell)
  AND c.count = 0
"""

# The whole pyramid: the top level from every tile point, each level below from the one above
# (four cells make one), so the points are read once.
TOP_LEVEL_SQL = """
WITH top AS (
    SELECT coalesce(array_agg(term.code), '{}') AS codes
    FROM mapping_taxonomyterm AS term
    JOIN mapping_taxonomy AS taxonomy ON taxonomy.id = term.taxonomy_id
    WHERE taxonomy.slug = %(themes_taxonomy)s AND term.parent_id IS NULL
), keyed AS (
    SELECT p.cell >> %(shift)s AS cell, ST_X(p.geom) AS x, ST_Y(p.geom) AS y, key.theme
    FROM layers_servicepoint AS p CROSS JOIN top
    CROSS JOIN LATERAL (
        SELECT %(all)s::text
        UNION ALL
        SELECT code FROM unnest(p.category_codes) AS code WHERE code = ANY(top.codes)
    ) AS key(theme)
)
INSERT INTO layers_clustercell (level, theme, cell, count, sum_x, sum_y)
SELECT %(level)s, theme, cell, count(*), sum(x), sum(y)
FROM keyed
GROUP BY theme, cell
ORDER BY theme, cell
"""

LEVEL_BELOW_SQL = """
INSERT INTO layers_clustercell (level, theme, cell, count, sum_x, sum_y)
SELECT %(level)s, theme, cell >> %(shift)s, sum(count), sum(sum_x), sum(sum_y)
FROM layers_clustercell
WHERE level = %(above)s
GROUP BY theme, cell >> %(shift)s
ORDER BY theme, cell >> %(shift)s
"""


def delta_params(weight: int) -> dict[str, object]:
    return {
        "themes_taxonomy": THEMES_TAXONOMY,
        "all": ALL,
        "cell_zoom": CELL_ZOOM,
        "levels": list(LEVELS),
        "weight": weight,
    }


def build_steps() -> list[tuple[str, dict[str, object]]]:
    """The statements that fill an empty pyramid from ServicePoint, in order."""
    steps: list[tuple[str, dict[str, object]]] = [
        (
            TOP_LEVEL_SQL,
            {
                "themes_taxonomy": THEMES_TAXONOMY,
                "all": ALL,
                "level": TOP_LEVEL,
                "shift": 2 * (CELL_ZOOM - TOP_LEVEL),
            },
        )
    ]
    for above, level in itertools.pairwise(LEVELS):
        steps.append(
            (LEVEL_BELOW_SQL, {"level": level, "above": above, "shift": 2 * (above - level)})
        )
    return steps
