"""Stored clusters of the unfiltered services layer, so that a low-zoom tile over a city of a
million services reads at most 64 rows instead of counting every place in it.

``hartis_tile_cluster`` holds, for each zoom below CLUSTER_BELOW_ZOOM, the places of active
services per cell of the world-wide grid of CLUSTER_PIXELS cells (column ``cx`` from the
antimeridian, row ``cy`` from the south), with the sums of their EPSG:3857 coordinates (the
centre of mass is sum / places) and, for a cell of one place, its service-at-location. The
deepest zoom is counted from the places; each zoom above from the one below (a cell is four
cells of the next zoom), so a rebuild reads the directory once.

Never stale: ``hartis_tile_cluster_state`` counts the changes to the directory (``changes``,
incremented by :func:`directory_changed` *inside* the writing transaction, so it commits or
rolls back with the change) and says which count the stored clusters were built for
(``built``). A tile reads the stored clusters only while the two are equal, in the same
statement (one snapshot), and counts its places live otherwise. :func:`refresh` rebuilds
after commit; concurrent rebuilds queue on an advisory lock, and each builds for the count it
read before reading the directory, so a change it may have missed leaves the clusters unused
rather than wrong.

Filtered tiles (any filter) always count live: their cost grows with the places in the tile.
"""

import logging
import time

from django.db import connection, transaction
from psycopg import sql

from layers.tiles.grid import TILE_PIXELS, WORLD_HALF_WIDTH, pixel_size
from layers.tiles.sql import CLUSTER_BELOW_ZOOM, CLUSTER_PIXELS, named_params
from mapping.models import Service

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the rebuild ("hartis-tile-clusters" in 63 bits, arbitrary).
LOCK = 0x68617274_69733163
DEEPEST = CLUSTER_BELOW_ZOOM - 1
assert TILE_PIXELS % CLUSTER_PIXELS == 0  # cells must not straddle tiles

DEEPEST_LEVEL = """
INSERT INTO hartis_tile_cluster (z, cx, cy, places, sum_x, sum_y, sal_id)
WITH place AS (  -- every place of an active service, in EPSG:3857 (spherical Mercator)
    SELECT sal.id,
           ST_X(l.point) * %(half_world)s::float8 / 180 AS x,
           ln(tan(radians(45 + ST_Y(l.point) / 2))) * %(half_world)s::float8 / pi() AS y
    FROM mapping_serviceatlocation AS sal
    JOIN mapping_location AS l ON l.id = sal.location_id
    WHERE l.point IS NOT NULL AND sal.service_id IN ({services})
), cell AS (  -- the same cells as a live tile counts (layers.tiles.sql LIVE_CELLS)
    SELECT place.*,
           floor((x + %(half_world)s::float8) / %(cell)s::float8)::int AS cx,
           floor((y + %(half_world)s::float8) / %(cell)s::float8)::int AS cy
    FROM place
)
SELECT %(z)s::int, cx, cy, count(*), sum(x), sum(y),
       CASE WHEN count(*) = 1 THEN (array_agg(id))[1] END
FROM cell
GROUP BY cx, cy
"""

# Four cells make one of the zoom above; halving a column or row number is exact, as the cell
# side doubles exactly (binary floating point), so the levels agree with live counting.
LEVEL_ABOVE = """
INSERT INTO hartis_tile_cluster (z, cx, cy, places, sum_x, sum_y, sal_id)
SELECT %(z)s::int, cx / 2, cy / 2, sum(places), sum(sum_x), sum(sum_y),
       CASE WHEN sum(places) = 1 THEN (array_agg(sal_id))[1] END
FROM hartis_tile_cluster
WHERE z = %(z)s::int + 1
GROUP BY cx / 2, cy / 2
"""


def directory_changed() -> None:
    """Count a change to what the clusters read, in the current transaction, and rebuild
    once it commits."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE hartis_tile_cluster_state SET changes = changes + 1")
    transaction.on_commit(refresh_if_stale, robust=True)


def is_current() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes = built FROM hartis_tile_cluster_state")
        row = cursor.fetchone()
    return bool(row and row[0])


def refresh_if_stale() -> None:
    if not is_current():
        refresh()


def refresh(*, force: bool = False) -> float:
    """Rebuild the stored clusters from the directory; seconds taken (0 when they were
    current, unless ``force``: for data written without the ORM's signals)."""
    began = time.perf_counter()
    services = named_params(Service.objects.active().order_by().values("pk"), "service_rule_")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        cursor.execute(
            "INSERT INTO hartis_tile_cluster_state DEFAULT VALUES ON CONFLICT DO NOTHING"
        )
        cursor.execute("SELECT changes, built FROM hartis_tile_cluster_state")
        changes, built = cursor.fetchone()
        if changes == built and not force:
            return 0.0
        cursor.execute("DELETE FROM hartis_tile_cluster")
        deepest = sql.SQL(DEEPEST_LEVEL).format(services=sql.SQL(services.sql)).as_string()
        cursor.execute(
            deepest,
            {
                **services.params,
                "z": DEEPEST,
                "half_world": WORLD_HALF_WIDTH,
                "cell": pixel_size(DEEPEST) * CLUSTER_PIXELS,
            },
        )
        for z in range(DEEPEST - 1, -1, -1):
            cursor.execute(LEVEL_ABOVE, {"z": z})
        cursor.execute("UPDATE hartis_tile_cluster_state SET built = %s", [changes])
    seconds = time.perf_counter() - began
    logger.info("tile clusters rebuilt for change %s in %.2f s", changes, seconds)
    return seconds
