"""A service's catchment: the area it serves, by the same precedence as coverage
(layers.coverage): the area an editor drew (HSDS service_area), else a walk of N minutes from
each place, on the street network when one is loaded, else as a distance disc
(straight line × detour factor, built in EPSG:2100 metres)."""

from django.db import connection

from geodata.spatial import METRIC_SRID, STORAGE_SRID, walk_reach_m
from layers.coverage import DISC_QUARTER_SEGMENTS
from mapping.models import Location, Service

CATCHMENTS_SQL = """
WITH drawn AS (  -- the service's drawn areas, as one
    SELECT ST_Union(extent) AS geom
    FROM mapping_servicearea WHERE service_id = %(service)s AND extent IS NOT NULL
    HAVING count(*) > 0
), place AS (
    SELECT l.id, l.name, l.point
    FROM mapping_serviceatlocation AS sal JOIN mapping_location AS l ON l.id = sal.location_id
    WHERE sal.service_id = %(service)s AND l.point IS NOT NULL
), catchment AS (
    SELECT NULL::uuid AS location_id, ''::text AS location_name, 'drawn'::text AS method, geom
    FROM drawn
    UNION ALL
    SELECT place.id, place.name,
           CASE WHEN network.geom IS NULL THEN 'distance' ELSE 'network' END,
           ST_Transform(coalesce(network.geom, ST_Buffer(ST_Transform(place.point, %(metric)s),
                                                         %(reach)s, %(segments)s)), %(storage)s)
    FROM place
    LEFT JOIN layers_networkcatchment AS network
      ON network.location_id = place.id AND network.minutes = %(minutes)s
    WHERE NOT EXISTS (SELECT 1 FROM drawn)
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'service', json_build_object('id', %(service)s::uuid, 'name', %(name)s::text),
    'minutes', %(minutes)s::int,
    'method', CASE WHEN count(DISTINCT method) > 1 THEN 'mixed' ELSE min(method) END,
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(geom, 6)::json,
        'properties', json_build_object(
            'method', method, 'minutes', %(minutes)s::int,
            'location_id', location_id, 'location_name', location_name,
            'area_m2', round(ST_Area(geom::geography)::numeric)
        )
    )), '[]'::json)
)
FROM catchment
"""


def service_catchments(service: Service, minutes: int) -> dict:
    """GeoJSON FeatureCollection (EPSG:4326) of ``service``'s catchment for a walk of
    ``minutes``: one feature for a drawn area, else one per place; each names its method."""
    _ensure_network_catchments(service, minutes)
    with connection.cursor() as cursor:
        cursor.execute(
            CATCHMENTS_SQL,
            {
                "service": service.pk,
                "name": service.name,
                "minutes": minutes,
                "reach": walk_reach_m(minutes),
                "segments": DISC_QUARTER_SEGMENTS,
                "metric": METRIC_SRID,
                "storage": STORAGE_SRID,
            },
        )
        return cursor.fetchone()[0]


def _ensure_network_catchments(service: Service, minutes: int) -> None:
    """With streets loaded, walk the network from places that have no isochrone of this many
    minutes yet (kept for next time)."""
    from layers.streets import refresh_network_catchments, street_network_loaded

    if not street_network_loaded():
        return
    missing = Location.objects.filter(
        service_at_locations__service=service, point__isnull=False
    ).exclude(network_catchments__minutes=minutes)
    if missing.exists():
        refresh_network_catchments([minutes], locations=missing)
