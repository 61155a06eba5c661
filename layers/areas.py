"""Area outlines (districts, neighbourhoods) as GeoJSON built in PostGIS.

Small layers (7 and 45 polygons): one SQL statement produces the whole FeatureCollection, so
Python never touches coordinates. Outlines are simplified in metres (EPSG:2100) and written
with 6 decimals.
"""

from django.db import connection
from psycopg import sql

from geodata.spatial import METRIC_SRID, STORAGE_SRID

SIMPLIFY_M = 5.0  # invisible at street zoom, halves the payload

# area kind → (table, columns kept as properties)
AREA_LAYERS = {
    "districts": ("geodata_district", ("number", "name", "name_en")),
    "neighbourhoods": ("geodata_neighbourhood", ("slug", "name", "name_en", "district_id")),
}


def area_feature_collection(kind: str, city: str) -> bytes:
    """UTF-8 GeoJSON FeatureCollection of ``kind`` areas of municipality ``city``."""
    table, columns = AREA_LAYERS[kind]
    query = sql.SQL(
        """
        WITH area AS (  -- the city's areas
            SELECT a.id, {columns}, a.geom
            FROM {table} a JOIN geodata_municipality m ON m.id = a.municipality_id
            WHERE m.slug = %(city)s
        ), simplified AS (  -- simplify in metres, back to lon/lat
            SELECT area.*, ST_Transform(
                ST_SimplifyPreserveTopology(ST_Transform(geom, %(metric)s), %(tolerance)s),
                %(storage)s) AS outline
            FROM area
        ), feature AS (
            SELECT json_build_object(
                'type', 'Feature',
                'id', id,
                'geometry', ST_AsGeoJSON(outline, 6)::json,
                'properties', to_jsonb(simplified) - 'geom' - 'outline' - 'id'
            ) AS f
            FROM simplified
        )
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(f), '[]'::json)
        )::text
        FROM feature
        """
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(sql.Identifier("a", column) for column in columns),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            query.as_string(cursor.connection),
            {
                "city": city,
                "metric": METRIC_SRID,
                "tolerance": SIMPLIFY_M,
                "storage": STORAGE_SRID,
            },
        )
        return cursor.fetchone()[0].encode()
