"""Vector tiles (Mapbox Vector Tile 2.1) of the directory and of the planning layers.

``GET /tiles/<layer>/<z>/<x>/<y>.mvt`` (URL name ``tile``); the layers and their parameters
are listed in :mod:`layers.tiles.catalogue`. Each tile is one SQL statement of named steps —
envelope → filter → clip/simplify → aggregate — run by PostGIS (``ST_AsMVTGeom``,
``ST_AsMVT``). Area layers read the GiST-indexed 4326 columns (:mod:`layers.tiles.sql`). The
services layer reads its own tables, kept true after every commit: the tile points, one narrow
spatially ordered row per service at a place in EPSG:3857, and below zoom 13 the stored
cluster counts (:mod:`layers.tiles.service_sql`, :mod:`layers.tiles.points`,
:mod:`layers.tiles.pyramid`, :mod:`layers.tiles.changes`); its filters are the search API's
rules (``SearchCriteria``) restated on the points, ``open_now`` and ``q`` compiled by the ORM.

Tiles are cached in the shared ``"tiles"`` cache and invalidated by generations
(:mod:`layers.tiles.cache`, :mod:`layers.tile_receivers`).

For benchmarks, the same SQL without the cache or the HTTP layer::

    from layers.tiles import render_tile, tile_sql

    sql, params = tile_sql("services", 14, 9272, 6321, {"theme": "health"})
    with connection.cursor() as cursor:   # the raw ST_AsMVT statement
        cursor.execute(sql, params)
    content = render_tile("services", 14, 9272, 6321, {"theme": "health"})  # bytes

Both validate like the endpoint (rest_framework ValidationError, ``Refused``, ``NoSuchTile``);
``detailed=True`` acts as a planner (tract level, ``migrants``). Preparing the statement may
read the database (the vocabulary, when not cached; a coverage run's ``computed_at``).
"""

from collections.abc import Mapping
from typing import Any

from layers.tiles.catalogue import LAYERS, Refused, TileQuery, tile_query
from layers.tiles.grid import NoSuchTile, tile_address

__all__ = ["LAYERS", "NoSuchTile", "Refused", "TileQuery", "render_tile", "tile_sql"]


def _query(
    layer: str, z: int, x: int, y: int, params: Mapping[str, Any] | None, detailed: bool
) -> TileQuery:
    return tile_query(layer, tile_address(z, x, y), params or {}, detailed=lambda: detailed)


def tile_sql(
    layer: str,
    z: int,
    x: int,
    y: int,
    params: Mapping[str, Any] | None = None,
    *,
    detailed: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The statement (text with named parameters, and the parameters) that makes the tile
    ``layer`` z/x/y for query parameters ``params``: the endpoint's SQL, to run raw."""
    return _query(layer, z, x, y, params, detailed).statement()


def render_tile(
    layer: str,
    z: int,
    x: int,
    y: int,
    params: Mapping[str, Any] | None = None,
    *,
    detailed: bool = False,
) -> bytes:
    """The encoded tile, made now without the cache (empty bytes: no feature)."""
    return _query(layer, z, x, y, params, detailed).render()
