"""Coverage figures as a GeoJSON layer: what the API, the dashboard and the exports serve.

Figures come from the stored results when the scenario is a default one, else are computed
on the spot (layers.coverage). Outlines are simplified in EPSG:2100 and written with 6
decimals, joined to the figures in PostgreSQL.
"""

import json

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from psycopg import sql

from geodata.spatial import METRIC_SRID, STORAGE_SRID
from layers.coverage import MIGRANT_FIGURES, CoverageRun, Scenario, compute
from layers.models import CoverageLevel, CoverageResult

SIMPLIFY_M = 5.0
DETAIL_PERMISSION = "layers.view_detailed_coverage"

# level → (table, identity columns shown as properties)
LEVEL_AREAS = {
    CoverageLevel.TRACT: ("geodata_censustract", ("code",)),
    CoverageLevel.NEIGHBOURHOOD: ("geodata_neighbourhood", ("slug", "name", "name_en")),
    CoverageLevel.DISTRICT: ("geodata_district", ("number", "name", "name_en")),
    CoverageLevel.CITY: ("geodata_municipality", ("slug", "name", "name_en")),
}


def can_see_detail(user: User | AnonymousUser) -> bool:
    """Tract-level and migrant-weighted figures are for staff and planners only."""
    return bool(user.is_active and (user.is_staff or user.has_perm(DETAIL_PERMISSION)))


def stored_run(scenario: Scenario) -> CoverageRun | None:
    """The stored figures of ``scenario``, or None when it is not kept."""
    rows = CoverageResult.objects.filter(scenario=scenario.key, municipality__slug=scenario.city)
    columns = ("level", "tract_id", "neighbourhood_id", "district_id", "municipality_id")
    run = None
    for *identity, figures, computed_at in rows.values_list(*columns, "figures", "computed_at"):
        level, tract, neighbourhood, district, municipality = identity
        if run is None:
            run = CoverageRun(scenario, municipality, computed_at=computed_at, stored=True)
            run.methods = figures.get("methods", {})
        area_id = tract or neighbourhood or district or municipality
        run.areas.setdefault(level, {})[area_id] = figures
    return run


def coverage_run(scenario: Scenario) -> CoverageRun:
    """Stored figures if kept, else computed now."""
    return stored_run(scenario) or compute(scenario)


FEATURES_SQL = """
WITH figures AS (  -- the run's figures per area id
    SELECT key::int AS id, value AS figures FROM jsonb_each(%(figures)s::jsonb)
), area AS (
    SELECT a.id, {identity}, a.geom
    FROM {table} AS a JOIN figures ON figures.id = a.id
), named AS (  -- the service nearest to each area's largest gap
    SELECT figures.id, jsonb_build_object('id', s.id, 'name', s.name) AS service
    FROM figures
    JOIN mapping_service AS s ON s.id = (figures.figures ->> 'gap_nearest_service_id')::uuid
), feature AS (
    SELECT json_build_object(
        'type', 'Feature',
        'id', area.id,
        'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(
            ST_Transform(area.geom, %(metric)s), %(tolerance)s), %(storage)s), 6)::json,
        'properties', (to_jsonb(area) - 'geom' - 'id')
                      || jsonb_build_object('level', %(level)s::text)
                      || (figures.figures - %(hidden)s::text[])
                      || jsonb_build_object('gap_nearest_service', named.service)
    ) AS f
    FROM area
    JOIN figures ON figures.id = area.id
    LEFT JOIN named ON named.id = area.id
)
SELECT coalesce(json_agg(f ORDER BY (f ->> 'id')::int), '[]'::json) FROM feature
"""


def coverage_feature_collection(scenario: Scenario, level: str, *, detailed: bool) -> dict:
    """The ``level`` areas of ``scenario``'s city with their coverage figures, as a GeoJSON
    FeatureCollection (dict). Without ``detailed``, tract level is refused (PermissionDenied)
    and migrant figures are left out."""
    level = CoverageLevel(level)
    if level == CoverageLevel.TRACT and not detailed:
        raise PermissionDenied("Tract-level coverage is for planners.")
    run = coverage_run(scenario)
    hidden = ["methods", "method", "gap_nearest_service_id"]
    hidden += [] if detailed else list(MIGRANT_FIGURES)
    table, identity = LEVEL_AREAS[level]
    query = sql.SQL(FEATURES_SQL).format(
        table=sql.Identifier(table),
        identity=sql.SQL(", ").join(sql.Identifier("a", column) for column in identity),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            query.as_string(),
            {
                "figures": json.dumps({str(k): v for k, v in run.areas.get(level, {}).items()}),
                "metric": METRIC_SRID,
                "tolerance": SIMPLIFY_M,
                "storage": STORAGE_SRID,
                "level": level.value,
                "hidden": hidden,
            },
        )
        features = cursor.fetchone()[0]
    return {
        "type": "FeatureCollection",
        "scenario": {
            "key": scenario.key,
            "theme": scenario.theme,
            "minutes": scenario.minutes,
            "language": scenario.language or None,
            "target_group": scenario.target_group or None,
            "weekends": scenario.weekends,
            "free": scenario.free,
            "city": scenario.city,
        },
        "level": level.value,
        "method": run.method,
        "methods": run.methods,
        "computed_at": run.computed_at.isoformat(),
        "stored": run.stored,
        "features": features,
    }
