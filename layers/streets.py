"""The walking street network (pgRouting) and the "network" catchments drawn on it.

Loading: :func:`load_streets` clips an OpenStreetMap extract to a municipality (osmium), imports
its walkable ways with osm2pgrouting (our ``data/mapconfig_walking.xml``) into a scratch schema
and, only if that worked, swaps the scratch schema in for ``streets`` in one transaction.

Units and SRIDs: edges (``streets.ways``) keep osm2pgrouting's ``the_geom`` (EPSG:4326) and get
``geom_metric``, the same line in EPSG:2100, with ``length_m = ST_Length(geom_metric)`` in metres.
Costs, cut points and buffers are all measured on that one geometry so they agree exactly (the
Greek Grid's scale error near Athens is 0.04 %). Walking costs minutes: ``length_m / 80``
(:data:`geodata.spatial.WALKING_SPEED_M_PER_MIN`), the same both ways (walkers ignore one-way
rules).

Isochrones: each place is snapped to the nearest point on its nearest edge; the walk to that point
is paid first. ``pgr_drivingDistance`` (undirected, many start vertices in one call) gives the
minutes to every vertex; reached edges count whole, frontier edges by the part walkable in the
minutes left (``ST_LineSubstring``). The walked lines are buffered by :data:`STREET_BUFFER_M`.
Places farther than :data:`MAX_ACCESS_M` from any street get no network catchment: callers fall
back to the distance method for them.
"""

import contextlib
import getpass
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

import psycopg
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from psycopg import sql

from geodata.models import Municipality
from geodata.spatial import METRIC_SRID, STORAGE_SRID, WALKING_SPEED_M_PER_MIN
from layers.models import NetworkCatchment
from mapping.models import Location

STREETS_SCHEMA = "streets"
MAPCONFIG = Path(__file__).resolve().parent / "data" / "mapconfig_walking.xml"

# Width of the area either side of a walked street counted as reached, in metres: the
# line-based "street buffer" (sausage) network isochrone of walkability studies (e.g. Oliver,
# Schuurman & Hall 2007, Int J Health Geogr 6:41, who compare it with circular buffers). The
# width is our choice: half of a ~100 m Athens city block, so a block whose surrounding
# streets are all reached is filled, and entrances set back from the street line still count.
STREET_BUFFER_M = 50.0
# Farther than this from every mapped street, a place is off the network we hold (a gap in the
# extract, a place outside it): it gets no network catchment and callers use the distance method.
MAX_ACCESS_M = 500.0

_WALK_START = sql.Identifier("hartis_walk_start")
_WAYS = sql.Identifier(STREETS_SCHEMA, "ways")
_VERTICES = sql.Identifier(STREETS_SCHEMA, "ways_vertices_pgr")


class StreetDataError(Exception):
    """A street file could not be loaded; the previous network (if any) is unchanged."""


def load_streets(path: Path, municipality: Municipality, *, buffer_m: float = 500) -> dict:
    """Load the walkable streets of an OpenStreetMap file (.osm, .osm.pbf, …) clipped to
    ``municipality`` plus ``buffer_m`` metres, replacing the network in schema ``streets``.

    All or nothing: the import goes to a scratch schema that replaces ``streets`` in one
    transaction only when it holds edges. Network catchments of the old network are deleted with
    it (refresh them with :func:`refresh_network_catchments`). Returns ``{"edges", "vertices"}``.
    Raises :class:`StreetDataError` naming the file on any failure.
    """
    path = Path(path)
    if not path.is_file():
        raise StreetDataError(_("Street file %(file)s not found.") % {"file": path})
    _check_pgrouting_available(path)  # before minutes of clipping and importing
    scratch = f"{STREETS_SCHEMA}_load_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="hartis-streets-") as tmp:
        clipped = _clip(path, municipality, buffer_m, Path(tmp))
        _create_scratch(path, scratch)
        try:
            _run(path, _osm2pgrouting_command(clipped, scratch))
            with transaction.atomic():
                _create_pgrouting(path)
                counts = _prepare_edges(scratch)
                if counts["edges"] == 0:
                    raise StreetDataError(
                        _("%(file)s has no walkable streets inside %(area)s.")
                        % {"file": path, "area": municipality}
                    )
                _swap_in(scratch)
        except BaseException:
            _drop_scratch(scratch)
            raise
    return counts


def street_network_loaded() -> bool:
    """Whether pgRouting is installed and schema ``streets`` holds at least one edge."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')",
            [f"{STREETS_SCHEMA}.ways"],
        )
        if not cursor.fetchone()[0]:
            return False
        _execute(cursor, sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(_WAYS))
        return cursor.fetchone()[0]


def refresh_network_catchments(minutes: Iterable[int], locations: QuerySet | None = None) -> int:
    """(Re)compute the network catchments of ``locations`` (default: every place with a point)
    for each walk time in ``minutes``, replacing their rows in one transaction. A place off the
    network (see :data:`MAX_ACCESS_M`) loses its rows for those times. Returns rows written;
    0 when no network is loaded."""
    times = sorted({int(m) for m in minutes})
    if not times or times[0] <= 0:
        raise ValueError(_("Walk times must be positive whole minutes."))
    if not street_network_loaded():
        return 0
    if locations is None:
        locations = Location.objects.all()
    subquery, subquery_params = locations.values("pk").query.sql_with_params()
    location_table = sql.Identifier(Location._meta.db_table)
    catchment_table = sql.Identifier(NetworkCatchment._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        _new_starts(cursor)
        _execute(
            cursor,
            sql.SQL(
                "INSERT INTO {start} (key, origin)"
                " SELECT id, ST_Transform(point, {srid}) FROM {location}"
                " WHERE point IS NOT NULL AND id IN ({subquery})"
            ).format(
                start=_WALK_START,
                srid=sql.Literal(METRIC_SRID),
                location=location_table,
                subquery=sql.SQL(subquery),
            ),
            subquery_params,
        )
        _execute(
            cursor,
            sql.SQL(
                "DELETE FROM {catchment} WHERE minutes = ANY(%s)"
                " AND location_id IN (SELECT key FROM {start})"
            ).format(catchment=catchment_table, start=_WALK_START),
            [times],
        )
        isochrones, params = _isochrones(cursor, times)
        if isochrones is None:
            return 0
        _execute(
            cursor,
            sql.SQL(
                "INSERT INTO {catchment} (location_id, minutes, geom, computed_at)"
                " SELECT key, minutes, geom, now() FROM ({isochrones}) AS isochrone"
            ).format(catchment=catchment_table, isochrones=isochrones),
            params,
        )
        return cursor.rowcount


def network_isochrone(point: Point, minutes: float) -> GEOSGeometry | None:
    """The area within ``minutes`` of walking from ``point`` (EPSG:4326, or any SRID it
    carries) on the loaded network: a MultiPolygon in EPSG:2100, built as the catchments of
    :func:`refresh_network_catchments`. None without a network or off it (:data:`MAX_ACCESS_M`).
    """
    if minutes <= 0 or not street_network_loaded():
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        _new_starts(cursor)
        _execute(
            cursor,
            sql.SQL(
                "INSERT INTO {start} (key, origin)"
                " VALUES (%s, ST_Transform(ST_SetSRID(ST_GeomFromWKB(%s), %s), {srid}))"
            ).format(start=_WALK_START, srid=sql.Literal(METRIC_SRID)),
            [uuid.UUID(int=0), bytes(point.wkb), point.srid or STORAGE_SRID],
        )
        isochrones, params = _isochrones(cursor, [float(minutes)])
        if isochrones is None:
            return None
        _execute(
            cursor,
            sql.SQL("SELECT ST_AsEWKB(geom) FROM ({}) AS isochrone").format(isochrones),
            params,
        )
        row = cursor.fetchone()
    return GEOSGeometry(memoryview(row[0])) if row else None


# --- loading ------------------------------------------------------------------------------------


def _check_pgrouting_available(path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting'")
        if cursor.fetchone() is None:
            raise StreetDataError(
                _(
                    "Cannot load %(file)s: pgRouting is not installed on the database server "
                    "(Debian: postgresql-<version>-pgrouting)."
                )
                % {"file": path}
            )


def _create_pgrouting(path: Path) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    except DatabaseError as exc:
        raise StreetDataError(
            _("Cannot load %(file)s: cannot enable pgRouting (%(reason)s).")
            % {"file": path, "reason": str(exc).strip()}
        ) from exc


def _create_scratch(path: Path, schema: str) -> None:
    """Create the scratch schema, committed: osm2pgrouting (another session) needs it to exist
    and does not create it."""
    try:
        with _own_connection() as own:
            own.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    except psycopg.Error as exc:
        raise StreetDataError(
            _("Cannot load %(file)s: %(reason)s") % {"file": path, "reason": str(exc).strip()}
        ) from exc


def _clip(source: Path, municipality: Municipality, buffer_m: float, folder: Path) -> Path:
    """Write ``source`` cut to the municipality + ``buffer_m`` metres as an .osm (XML) file,
    the format osm2pgrouting reads. Ways crossing the edge are kept whole (complete_ways)."""
    outline = municipality.geom.transform(METRIC_SRID, clone=True).buffer(buffer_m)
    outline.transform(STORAGE_SRID)
    polygon = folder / "clip.geojson"
    polygon.write_text(f'{{"type": "Feature", "properties": {{}}, "geometry": {outline.json}}}')
    clipped = folder / "clipped.osm"
    command = ["osmium", "extract", "--no-progress", "--overwrite", "--strategy", "complete_ways"]
    command += ["--polygon", str(polygon), "--output", str(clipped), str(source)]
    _run(source, command)
    return clipped


def _osm2pgrouting_command(osm_file: Path, schema: str) -> list[str]:
    settings = connection.settings_dict
    command = ["osm2pgrouting", "--file", str(osm_file), "--conf", str(MAPCONFIG)]
    command += ["--schema", schema, "--clean", "--dbname", settings["NAME"]]
    # Empty values must not be passed: osm2pgrouting would write "host= user=…" to libpq.
    command += ["--username", settings["USER"] or getpass.getuser()]
    if settings["HOST"]:
        command += ["--host", settings["HOST"]]
    if settings["PORT"]:
        command += ["--port", str(settings["PORT"])]
    return command


def _run(source: Path, command: list[str]) -> None:
    """Run an external tool; the password goes by environment, never on the command line."""
    env = dict(os.environ)
    if connection.settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StreetDataError(
            _("Cannot load %(file)s: %(tool)s is not installed (%(reason)s).")
            % {"file": source, "tool": command[0], "reason": exc}
        ) from exc
    # osm2pgrouting reports some failures on stdout with exit status 0, hence the edge count
    # checked after it; its last lines say what went wrong.
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise StreetDataError(
            _("Cannot load %(file)s: %(tool)s failed: %(reason)s")
            % {"file": source, "tool": command[0], "reason": " / ".join(lines[-3:])}
        )


def _own_connection() -> psycopg.Connection:
    """A separate autocommit connection to Django's database, for what osm2pgrouting (another
    session) must see committed even when the caller is inside a transaction."""
    settings = connection.settings_dict
    names = {"dbname": "NAME", "user": "USER", "password": "PASSWORD", "host": "HOST"}
    params = {key: settings[name] for key, name in names.items() if settings.get(name)}
    if settings.get("PORT"):
        params["port"] = str(settings["PORT"])
    return psycopg.connect(**params, autocommit=True)


def _drop_scratch(schema: str) -> None:
    """Best effort: a stray scratch schema must not hide the error that made the load fail."""
    with contextlib.suppress(psycopg.Error), _own_connection() as own:
        own.execute("SET lock_timeout = '10s'")
        own.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _prepare_edges(schema: str) -> dict:
    """Add ``geom_metric`` (EPSG:2100) and ``length_m`` (metres, measured on it) to the
    imported edges, with the indexes the isochrone query uses; return the counts."""
    ways = sql.Identifier(schema, "ways")
    vertices = sql.Identifier(schema, "ways_vertices_pgr")
    srid = sql.Literal(METRIC_SRID)
    with connection.cursor() as cursor:
        for statement in (
            "ALTER TABLE {ways} ADD COLUMN IF NOT EXISTS geom_metric geometry(LineString, {srid})",
            "UPDATE {ways} SET geom_metric = ST_Transform(the_geom, {srid})",
            "UPDATE {ways} SET length_m = ST_Length(geom_metric)",
            "CREATE INDEX IF NOT EXISTS ways_geom_metric_idx ON {ways} USING gist (geom_metric)",
            "CREATE INDEX IF NOT EXISTS ways_source_idx ON {ways} (source)",
            "CREATE INDEX IF NOT EXISTS ways_target_idx ON {ways} (target)",
            "ANALYZE {ways}",
        ):
            _execute(cursor, sql.SQL(statement).format(ways=ways, srid=srid))
        _execute(
            cursor,
            sql.SQL("SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})").format(
                ways, vertices
            ),
        )
        edges, vertex_count = cursor.fetchone()
    return {"edges": edges, "vertices": vertex_count}


def _swap_in(scratch: str) -> None:
    """Replace schema ``streets`` by ``scratch`` (inside the caller's transaction), and drop the
    catchments computed on the old network."""
    with connection.cursor() as cursor:
        # Two loads at once would otherwise both drop 'streets' and one rename would fail.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hartis.load_streets'))")
        _execute(
            cursor,
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(STREETS_SCHEMA)),
        )
        _execute(
            cursor,
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(scratch), sql.Identifier(STREETS_SCHEMA)
            ),
        )
    NetworkCatchment.objects.all().delete()


# --- isochrones ---------------------------------------------------------------------------------


def _execute(cursor, query: sql.Composable, params: object = None) -> None:  # noqa: ANN001
    """Run composed SQL through Django's cursor, which takes query text (as layers/areas.py)."""
    cursor.execute(query.as_string(cursor.connection), params)


def _new_starts(cursor) -> None:  # noqa: ANN001
    """An empty per-transaction table of walk starts: ``key`` (a location id: HSDS ids are
    UUIDs) and ``origin`` (EPSG:2100), later filled with the snap to the network."""
    _execute(
        cursor,
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {start} ("
            " key uuid PRIMARY KEY, origin geometry(Point, {srid}) NOT NULL,"
            " edge bigint, frac float8, access_m float8, snapped geometry(Point, {srid}),"
            " vid bigint) ON COMMIT DROP"
        ).format(start=_WALK_START, srid=sql.Literal(METRIC_SRID)),
    )
    _execute(cursor, sql.SQL("TRUNCATE {}").format(_WALK_START))


# Step 1. Snap every start to the nearest point on its nearest edge (KNN on the GiST index of
# geom_metric), within MAX_ACCESS_M; give each snapped start a new vertex id above the network's.
_SNAP = """
WITH nearest AS (
    SELECT s.key, e.gid, ST_LineLocatePoint(e.geom_metric, s.origin) AS frac,
           ST_Distance(e.geom_metric, s.origin) AS access_m, e.geom_metric
    FROM {start} AS s
    CROSS JOIN LATERAL (
        SELECT w.gid, w.geom_metric FROM {ways} AS w
        ORDER BY w.geom_metric <-> s.origin LIMIT 1
    ) AS e
), numbered AS (
    SELECT nearest.*, row_number() OVER (ORDER BY key) AS n
    FROM nearest WHERE access_m <= %(max_access_m)s
)
UPDATE {start} AS s
SET edge = numbered.gid, frac = numbered.frac, access_m = numbered.access_m,
    snapped = ST_LineInterpolatePoint(numbered.geom_metric, numbered.frac),
    vid = (SELECT coalesce(max(id), 0) FROM {vertices}) + numbered.n
FROM numbered WHERE numbered.key = s.key
"""

# The graph pgr_drivingDistance walks (its own SQL text, so literal values only): the edges
# within the longest walk of some start (nothing farther can be reached: a walk is never shorter
# than the straight line), both ways at length_m / speed minutes, plus for each start two
# half-edges from its snapped point to the ends of its edge.
_GRAPH = """
SELECT w.gid AS id, w.source, w.target, w.length_m / {speed} AS cost
FROM {ways} AS w
WHERE EXISTS (
    SELECT 1 FROM {start} AS s
    WHERE s.vid IS NOT NULL AND ST_DWithin(w.geom_metric, s.snapped, {reach_m})
)
UNION ALL
SELECT -2 * s.vid, s.vid, w.source, s.frac * w.length_m / {speed}
FROM {start} AS s JOIN {ways} AS w ON w.gid = s.edge
UNION ALL
SELECT -2 * s.vid - 1, s.vid, w.target, (1 - s.frac) * w.length_m / {speed}
FROM {start} AS s JOIN {ways} AS w ON w.gid = s.edge
"""

# Steps 2–7: one row (key, minutes, geom) per start and walk time.
_ISOCHRONES = """
WITH reach AS (  -- 2. minutes from each snapped start to every vertex within the longest time
    SELECT dd.{start_column} AS vid, dd.node, dd.agg_cost
    FROM pgr_drivingDistance(
        %(graph)s, ARRAY(SELECT vid FROM {start} WHERE vid IS NOT NULL), %(max_minutes)s,
        directed => false
    ) AS dd
), budget AS (  -- 3. minutes left once on the street, per start and time
    SELECT s.key, s.vid, s.edge, s.frac, s.origin, s.snapped, s.access_m, t.minutes,
           t.minutes - s.access_m / %(speed)s AS left_min
    FROM {start} AS s CROSS JOIN unnest(%(minutes)s::float8[]) AS t(minutes)
    WHERE s.vid IS NOT NULL AND s.access_m < t.minutes * %(speed)s
), edge_end AS (  -- 4. the reached ends of edges, with the minutes still left there
    SELECT b.key, b.minutes, w.gid, w.source = r.node AS at_source, b.left_min - r.agg_cost AS spare
    FROM budget AS b
    JOIN reach AS r ON r.vid = b.vid AND r.agg_cost <= b.left_min
    JOIN {ways} AS w ON w.source = r.node
    UNION ALL
    SELECT b.key, b.minutes, w.gid, false, b.left_min - r.agg_cost
    FROM budget AS b
    JOIN reach AS r ON r.vid = b.vid AND r.agg_cost <= b.left_min
    JOIN {ways} AS w ON w.target = r.node
), edge_walked AS (  -- 5. share (0-1) of each edge walked in from its source and its target
    SELECT e.key, e.minutes, e.gid,
           coalesce(max(least(1, e.spare * %(speed)s / greatest(w.length_m, 1e-9)))
                    FILTER (WHERE e.at_source), 0) AS from_source,
           coalesce(max(least(1, e.spare * %(speed)s / greatest(w.length_m, 1e-9)))
                    FILTER (WHERE NOT e.at_source), 0) AS from_target
    FROM edge_end AS e JOIN {ways} AS w ON w.gid = e.gid
    GROUP BY e.key, e.minutes, e.gid
), walked AS (  -- 6. the walked lines: whole edges where the walks from both ends meet, else
                --    the stretch from each reached end; the start edge; the walk to the street
    SELECT e.key, e.minutes, ST_LineSubstring(w.geom_metric, part.lo, part.hi) AS geom
    FROM edge_walked AS e
    JOIN {ways} AS w ON w.gid = e.gid
    CROSS JOIN LATERAL (VALUES
        (0, CASE WHEN e.from_source + e.from_target >= 1 THEN 1 ELSE e.from_source END),
        (CASE WHEN e.from_source + e.from_target >= 1 THEN 1 ELSE 1 - e.from_target END, 1)
    ) AS part(lo, hi)
    WHERE part.hi > part.lo
    UNION ALL
    SELECT b.key, b.minutes, ST_LineSubstring(
        w.geom_metric,
        greatest(0, b.frac - b.left_min * %(speed)s / greatest(w.length_m, 1e-9)),
        least(1, b.frac + b.left_min * %(speed)s / greatest(w.length_m, 1e-9))
    )
    FROM budget AS b JOIN {ways} AS w ON w.gid = b.edge
    WHERE w.length_m > 0
    UNION ALL
    SELECT b.key, b.minutes, ST_MakeLine(b.origin, b.snapped)
    FROM budget AS b WHERE b.access_m > 0
)  -- 7. the street buffer of all walked lines, one MultiPolygon per start and time (a union
    --    of small buffers: an order of magnitude faster in GEOS than one buffer of them all)
SELECT key, minutes,
       ST_Multi(ST_CollectionExtract(ST_Union(ST_Buffer(geom, %(buffer_m)s)), 3)) AS geom
FROM walked
WHERE GeometryType(geom) = 'LINESTRING'
GROUP BY key, minutes
"""


def _isochrones(cursor, times: list[float]) -> tuple[sql.Composed | None, dict]:  # noqa: ANN001
    """Snap the starts already in the start table; return the isochrone query (rows of key,
    minutes, geom EPSG:2100) and its parameters, or None when no start is on the network."""
    names = {"start": _WALK_START, "ways": _WAYS, "vertices": _VERTICES}
    _execute(cursor, sql.SQL(_SNAP).format(**names), {"max_access_m": MAX_ACCESS_M})
    if cursor.rowcount == 0:
        return None, {}
    graph = sql.SQL(_GRAPH).format(
        **names,
        speed=sql.Literal(WALKING_SPEED_M_PER_MIN),
        reach_m=sql.Literal(max(times) * WALKING_SPEED_M_PER_MIN),
    )
    query = sql.SQL(_ISOCHRONES).format(
        **names, start_column=sql.Identifier(_driving_distance_start_column(cursor))
    )
    params = {
        "graph": graph.as_string(cursor.connection),
        "max_minutes": float(max(times)),
        "minutes": [float(t) for t in times],
        "speed": WALKING_SPEED_M_PER_MIN,
        "buffer_m": STREET_BUFFER_M,
    }
    return query, params


def _driving_distance_start_column(cursor) -> str:  # noqa: ANN001
    """pgr_drivingDistance names the start vertex ``from_v`` up to pgRouting 3.5 (3.4 on
    Debian 12) and ``start_vid`` from 3.6 (the PGDG package in the Docker image may be newer)."""
    cursor.execute(r"SELECT regexp_match(pgr_version(), '^(\d+)\.(\d+)')::int[] >= ARRAY[3, 6]")
    return "start_vid" if cursor.fetchone()[0] else "from_v"
