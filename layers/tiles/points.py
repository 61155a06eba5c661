"""The tile points (ServicePoint) and the stored cluster counts (ClusterCell): filled
set-based, kept true for the services a change touched.

A tile point is what a services tile shows or filters on for one service at one place, in
one narrow row: the place in EPSG:3857 (the tile grid's SRID; lengths in its units), the
Morton key of its zoom-16 cell (layers.tiles.pyramid), and the service's codes. Which
services have points is the directory's rule, ``Service.objects.active()`` compiled by the
ORM; every other column is computed here, by the statement :data:`POINTS_SQL`, in named
steps — the services → their places → their terms, languages, target groups, areas → rows.

- :func:`refresh_services` re-derives the points of some services: it deletes their rows and
  inserts them anew, subtracting the old rows from the pyramid and adding the new ones
  (deltas of count and coordinate sums), then deletes the cells left empty. Milliseconds for
  one service.
- :func:`rebuild` empties both tables and fills them again in key order, so neighbours share
  pages; the pyramid is built level by level from the points.

Both hold one advisory lock for their transaction, so two refreshes never interleave (a
refresh reads the directory after taking it, so the last one to run sees every commit before
it). When they run is layers.tiles.changes' business.
"""

import logging
import time
import uuid
from collections.abc import Iterable

from django.db import connection, transaction
from psycopg import sql

from layers.orm_steps import named
from layers.tiles import pyramid
from layers.tiles.grid import WORLD_HALF_WIDTH, pixel_size
from layers.tiles.sql import WEB_MERCATOR_SRID
from mapping.models import Service

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of every writer of the two tables ("hartistp" in ASCII).
LOCK = 0x68617274_69737470
# Web Mercator reaches ±85.0511…° of latitude; a place beyond it is on no tile (and
# ST_Transform fails at the poles).
MERCATOR_MAX_LATITUDE = 85.0511287798066
MAX_CELL = 2 ** (pyramid.CELL_ZOOM + pyramid.CELLS_PER_TILE_BITS) - 1  # the last column/row

COLUMNS = (
    "id",
    "service_id",
    "geom",
    "cell",
    "themes",
    "category_codes",
    "language_codes",
    "target_group_codes",
    "organization_type",
    "is_free",
    "is_demo",
    "districts",
    "neighbourhoods",
)

# ``{active}`` is Service.objects.active() compiled by the ORM; ``{only_sal}`` and
# ``{only_service}`` narrow the steps to ``%(services)s`` for a refresh (TRUE to rebuild all).
POINTS_SQL = """
WITH located AS (  -- the places on the Web Mercator grid of the services the map shows
    SELECT sal.id, sal.service_id, ST_Transform(l.point, %(mercator)s::int) AS geom
    FROM mapping_serviceatlocation AS sal
    JOIN ({active}) AS active ON active.pk = sal.service_id
    JOIN mapping_location AS l ON l.id = sal.location_id
    WHERE ST_Y(l.point) BETWEEN -%(max_latitude)s::float8 AND %(max_latitude)s::float8
      AND {only_sal}
), term AS (  -- each term: the theme it shows as, and the codes a theme filter finds it by
    SELECT term.id, coalesce(parent.code, term.code) AS theme,
           CASE WHEN taxonomy.slug = %(themes_taxonomy)s
                THEN array_remove(ARRAY[term.code::text, parent.code::text], NULL)
                ELSE '{{}}'::text[] END AS codes
    FROM mapping_taxonomyterm AS term
    JOIN mapping_taxonomy AS taxonomy ON taxonomy.id = term.taxonomy_id
    LEFT JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
), category AS (  -- per service: its themes as markers show them (as layers.tiles.sql did)
    SELECT c.service_id, string_agg(DISTINCT term.theme, ',' ORDER BY term.theme) AS themes
    FROM mapping_service_categories AS c
    JOIN term ON term.id = c.taxonomyterm_id
    WHERE {only_service}
    GROUP BY c.service_id
), matched AS (  -- per service: the codes of mapping.models.queries.theme_q
    SELECT found.service_id, array_agg(found.code ORDER BY found.code) AS codes
    FROM (
        SELECT DISTINCT c.service_id, code
        FROM mapping_service_categories AS c
        JOIN term ON term.id = c.taxonomyterm_id
        CROSS JOIN unnest(term.codes) AS code
        WHERE {only_service}
    ) AS found
    GROUP BY found.service_id
), spoken AS (  -- language_q
    SELECT c.service_id, array_agg(language.code::text ORDER BY language.code) AS codes
    FROM mapping_service_languages AS c
    JOIN mapping_language AS language ON language.id = c.language_id
    WHERE {only_service}
    GROUP BY c.service_id
), targeted AS (  -- target_group_q (any taxonomy, as the rule)
    SELECT c.service_id, array_agg(term.code::text ORDER BY term.code) AS codes
    FROM mapping_service_target_groups AS c
    JOIN mapping_taxonomyterm AS term ON term.id = c.taxonomyterm_id
    WHERE {only_service}
    GROUP BY c.service_id
), area AS (  -- district_q, neighbourhood_q: every place of the service, as the rules
    SELECT c.service_id,
           array_agg(DISTINCT dm.slug || '/' || d.number) FILTER (WHERE d.id IS NOT NULL)
               AS districts,
           array_agg(DISTINCT nm.slug || '/' || n.slug) FILTER (WHERE n.id IS NOT NULL)
               AS neighbourhoods
    FROM mapping_serviceatlocation AS c
    JOIN mapping_location AS l ON l.id = c.location_id
    LEFT JOIN geodata_district AS d ON d.id = l.district_id
    LEFT JOIN geodata_municipality AS dm ON dm.id = d.municipality_id
    LEFT JOIN geodata_neighbourhood AS n ON n.id = l.neighbourhood_id
    LEFT JOIN geodata_municipality AS nm ON nm.id = n.municipality_id
    WHERE (l.district_id IS NOT NULL OR l.neighbourhood_id IS NOT NULL) AND {only_service}
    GROUP BY c.service_id
), celled AS (  -- the zoom-16 cell of each place (layers.tiles.pyramid)
    SELECT located.*,
           least(floor((ST_X(located.geom) + %(half_world)s::float8) / %(cell)s::float8),
                 %(max_cell)s)::int AS column_,
           least(floor((ST_Y(located.geom) + %(half_world)s::float8) / %(cell)s::float8),
                 %(max_cell)s)::int AS row_
    FROM located
)
SELECT celled.id, celled.service_id, celled.geom, hartis_morton(column_, row_) AS cell,
       category.themes,
       coalesce(matched.codes, '{{}}') AS category_codes,
       coalesce(spoken.codes, '{{}}') AS language_codes,
       coalesce(targeted.codes, '{{}}') AS target_group_codes,
       o.organization_type, s.is_free, s.is_demo,
       coalesce(area.districts, '{{}}') AS districts,
       coalesce(area.neighbourhoods, '{{}}') AS neighbourhoods
FROM celled
JOIN mapping_service AS s ON s.id = celled.service_id
JOIN mapping_organization AS o ON o.id = s.organization_id
LEFT JOIN category ON category.service_id = celled.service_id
LEFT JOIN matched ON matched.service_id = celled.service_id
LEFT JOIN spoken ON spoken.service_id = celled.service_id
LEFT JOIN targeted ON targeted.service_id = celled.service_id
LEFT JOIN area ON area.service_id = celled.service_id
"""

REMOVED = """changed AS (  -- the services' rows, gone
    DELETE FROM layers_servicepoint WHERE service_id = ANY(%(services)s::uuid[])
    RETURNING cell, geom, category_codes
)"""

ADDED = """changed AS (  -- the services' rows, anew
    INSERT INTO layers_servicepoint ({columns})
    SELECT * FROM ({points}) AS fresh
    RETURNING cell, geom, category_codes
)"""


# The indexes of the points table that are no constraint (the primary key stays).
SECONDARY_INDEXES = """
SELECT index.relname, pg_get_indexdef(index.oid)
FROM pg_index AS i JOIN pg_class AS index ON index.oid = i.indexrelid
WHERE i.indrelid = 'layers_servicepoint'::regclass AND NOT i.indisprimary AND NOT i.indisunique
ORDER BY index.relname
"""


def _points(services: list[uuid.UUID] | None) -> tuple[sql.Composed, dict[str, object]]:
    """The tile points of ``services`` (every service when None): statement and params."""
    active = named(Service.objects.active().order_by().values("pk"), "active_")
    if services is None:
        only_sal = only_service = sql.SQL("TRUE")
    else:
        only_sal = sql.SQL("sal.service_id = ANY(%(services)s::uuid[])")
        only_service = sql.SQL("c.service_id = ANY(%(services)s::uuid[])")
    query = sql.SQL(POINTS_SQL).format(
        active=sql.SQL(active.sql), only_sal=only_sal, only_service=only_service
    )
    params = {
        **active.params,
        "services": services,
        "mercator": WEB_MERCATOR_SRID,
        "max_latitude": MERCATOR_MAX_LATITUDE,
        "themes_taxonomy": pyramid.THEMES_TAXONOMY,
        "half_world": WORLD_HALF_WIDTH,
        "cell": pixel_size(pyramid.CELL_ZOOM) * pyramid.CLUSTER_PIXELS,
        "max_cell": MAX_CELL,
    }
    return query, params


def _lock(cursor: object) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def refresh_services(service_ids: Iterable[uuid.UUID | str]) -> None:
    """Re-derive the tile points of these services and the pyramid's counts (in the current
    transaction, or in one of its own)."""
    services = sorted({uuid.UUID(str(s)) for s in service_ids})
    if not services:
        return
    points, params = _points(services)
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    add = sql.SQL(pyramid.DELTA_SQL).format(
        changed=sql.SQL(ADDED).format(columns=columns, points=points)
    )
    remove = sql.SQL(pyramid.DELTA_SQL).format(changed=sql.SQL(REMOVED))
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(remove.as_string(), {**params, **pyramid.delta_params(-1)})
        emptied = [row for row in cursor.fetchall() if row[3] == 0]
        cursor.execute(add.as_string(), {**params, **pyramid.delta_params(+1)})
        if emptied:
            levels, themes, cells, _counts = zip(*emptied, strict=True)
            cursor.execute(
                pyramid.SWEEP_SQL,
                {"levels": list(levels), "themes": list(themes), "cells": list(cells)},
            )


def rebuild() -> dict[str, float]:
    """Empty both tables and fill them from the whole directory, in key order (in the
    current transaction, or in one of its own). Readers of the tables wait for it (TRUNCATE).
    Returns the seconds each step took."""
    steps: dict[str, float] = {}
    points, params = _points(None)
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    fill = sql.SQL("INSERT INTO layers_servicepoint ({columns}) {points} ORDER BY cell").format(
        columns=columns, points=points
    )
    with transaction.atomic(), connection.cursor() as cursor:
        began = time.perf_counter()
        _lock(cursor)
        # One pass of hash joins and sorts over a million rows: memory for them, and no
        # parallel workers, which would each build the same hash tables.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("TRUNCATE layers_servicepoint, layers_clustercell")
        # A million rows load faster into a table without its secondary indexes, which are
        # then built once, from sorted input, instead of updated a row at a time.
        cursor.execute(SECONDARY_INDEXES)
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)).as_string())
        steps["lock and truncate"] = time.perf_counter() - began
        began = time.perf_counter()
        cursor.execute(fill.as_string(), params)
        steps["points"] = time.perf_counter() - began
        began = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)  # as PostgreSQL itself wrote it (pg_get_indexdef)
        steps["indexes"] = time.perf_counter() - began
        began = time.perf_counter()
        for statement, step_params in pyramid.build_steps():
            cursor.execute(statement, step_params)
        steps["pyramid"] = time.perf_counter() - began
        began = time.perf_counter()
        cursor.execute("ANALYZE layers_servicepoint")
        cursor.execute("ANALYZE layers_clustercell")
        steps["analyze"] = time.perf_counter() - began
    if connection.get_autocommit():
        # Index-only scans need the visibility map, which only VACUUM sets.
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM layers_servicepoint")
            cursor.execute("VACUUM layers_clustercell")
        steps["vacuum"] = time.perf_counter() - began
    logger.info("tile points rebuilt: %s", {k: round(v, 2) for k, v in steps.items()})
    return steps
