"""SQL texts of the OGC API's statements, one feature step per kind of collection.

Composed by :mod:`layers.ogc.queries`: ``{geometry}`` is the GeoJSON geometry in the output
CRS, ``page`` the step holding the ids of the page, ``%(name)s`` parameters.
"""

# The feature step of each kind of collection, given its ``page`` of ids. ``{geometry}``
# is the GeoJSON geometry in the output CRS. Theme codes: a subcategory counts for its theme.
SERVICE_FEATURE = """
SELECT page.id, json_build_object(
    'type', 'Feature',
    'id', page.id,
    'geometry', {geometry},
    'properties', json_build_object(
        'service_id', s.id, 'location_id', l.id, 'organization_id', o.id,
        'name', s.name, 'language', s.language, 'organization', o.name,
        'themes', ARRAY(
            SELECT DISTINCT coalesce(parent.code, term.code)
            FROM mapping_service_categories AS sc
            JOIN mapping_taxonomyterm AS term ON term.id = sc.taxonomyterm_id
            LEFT JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
            WHERE sc.service_id = s.id ORDER BY 1),
        'categories', ARRAY(
            SELECT term.code
            FROM mapping_service_categories AS sc
            JOIN mapping_taxonomyterm AS term ON term.id = sc.taxonomyterm_id
            WHERE sc.service_id = s.id ORDER BY 1),
        'languages', ARRAY(
            SELECT language.code
            FROM mapping_service_languages AS sl
            JOIN mapping_language AS language ON language.id = sl.language_id
            WHERE sl.service_id = s.id ORDER BY 1),
        'is_free', s.is_free, 'is_demo', s.is_demo,
        'location_name', l.name, 'address', l.address_1, 'postal_code', l.postal_code,
        'district', d.number, 'neighbourhood', n.slug,
        'assured_date', s.assured_date,
        'last_modified', greatest(s.last_modified, l.last_modified),
        'url', replace(%(service_url)s, %(any_id)s, s.id::text)
    )
) AS f
FROM page
JOIN mapping_serviceatlocation AS sal ON sal.id = page.id
JOIN mapping_service AS s ON s.id = sal.service_id
JOIN mapping_organization AS o ON o.id = s.organization_id
JOIN mapping_location AS l ON l.id = sal.location_id
LEFT JOIN geodata_district AS d ON d.id = l.district_id
LEFT JOIN geodata_neighbourhood AS n ON n.id = l.neighbourhood_id
"""
# The places of an organisation are those of its active services: ``{places}`` is the ORM's
# rule (organisation, location, point and service of each), for the organisations of the page.
ORGANIZATION_STEPS = """
places AS (  -- the places of the page's organisations (ORM)
    {places}
), place AS (  -- each place once
    SELECT DISTINCT ON (organization_id, location_id) organization_id, location_id, point
    FROM places ORDER BY organization_id, location_id
), located AS (  -- per organisation: its places as one MultiPoint
    SELECT organization_id, ST_Multi(ST_Collect(point ORDER BY location_id)) AS geom,
           count(*) AS places
    FROM place GROUP BY organization_id
), served AS (  -- per organisation: its services there
    SELECT organization_id, array_agg(DISTINCT service_id) AS service_ids
    FROM places GROUP BY organization_id
), """
ORGANIZATION_FEATURE = """
SELECT page.id, json_build_object(
    'type', 'Feature',
    'id', page.id,
    'geometry', {geometry},
    'properties', json_build_object(
        'name', o.name, 'organization_type', o.organization_type, 'website', o.website,
        'is_demo', o.is_demo, 'services', cardinality(served.service_ids),
        'places', located.places,
        'themes', ARRAY(
            SELECT DISTINCT coalesce(parent.code, term.code)
            FROM mapping_service_categories AS sc
            JOIN mapping_taxonomyterm AS term ON term.id = sc.taxonomyterm_id
            LEFT JOIN mapping_taxonomyterm AS parent ON parent.id = term.parent_id
            WHERE sc.service_id = ANY(served.service_ids) ORDER BY 1),
        'last_modified', o.last_modified
    )
) AS f
FROM page
JOIN mapping_organization AS o ON o.id = page.id
JOIN located ON located.organization_id = o.id
JOIN served ON served.organization_id = o.id
"""
AREA_FEATURE = {
    "neighbourhoods": """
SELECT page.id, json_build_object(
    'type', 'Feature', 'id', page.id, 'geometry', {geometry},
    'properties', json_build_object(
        'slug', a.slug, 'municipality', m.slug, 'name', a.name, 'name_en', a.name_en,
        'district', d.number)
) AS f
FROM page
JOIN geodata_neighbourhood AS a ON a.id = page.id
JOIN geodata_municipality AS m ON m.id = a.municipality_id
LEFT JOIN geodata_district AS d ON d.id = a.district_id
""",
    "districts": """
SELECT page.id, json_build_object(
    'type', 'Feature', 'id', page.id, 'geometry', {geometry},
    'properties', json_build_object(
        'number', a.number, 'municipality', m.slug, 'name', a.name, 'name_en', a.name_en)
) AS f
FROM page
JOIN geodata_district AS a ON a.id = page.id
JOIN geodata_municipality AS m ON m.id = a.municipality_id
""",
    "tracts": """
SELECT page.id, json_build_object(
    'type', 'Feature', 'id', page.id, 'geometry', {geometry},
    'properties', json_build_object(
        'code', a.code, 'municipality', m.slug, 'district', d.number,
        'neighbourhood', n.slug, 'population_2011', round(a.population_2011::numeric, 1),
        'area_m2', round(a.area_m2::numeric, 1))
) AS f
FROM page
JOIN geodata_censustract AS a ON a.id = page.id
JOIN geodata_municipality AS m ON m.id = a.municipality_id
LEFT JOIN geodata_district AS d ON d.id = a.district_id
LEFT JOIN geodata_neighbourhood AS n ON n.id = a.neighbourhood_id
""",
}
# Figures shared by the walk times are read from the default scenario's row; migrant
# figures, the catchment methods and internal ids are never published.
COVERAGE_FEATURE = """
SELECT page.id, json_build_object(
    'type', 'Feature', 'id', page.id, 'geometry', {geometry},
    'properties',
        jsonb_build_object('slug', a.slug, 'municipality', m.slug, 'name', a.name,
                           'name_en', a.name_en, 'district', d.number)
        || coalesce(shared.figures - %(not_shared)s::text[], '{{}}'::jsonb)
        || coalesce(by_minutes.figures, '{{}}'::jsonb)
        || jsonb_build_object('computed_at', by_minutes.computed_at)
) AS f
FROM page
JOIN geodata_neighbourhood AS a ON a.id = page.id
JOIN geodata_municipality AS m ON m.id = a.municipality_id
LEFT JOIN geodata_district AS d ON d.id = a.district_id
LEFT JOIN LATERAL (  -- figures that depend on the walk time, suffixed with it
    SELECT jsonb_object_agg(name || '_' || s.minutes, r.figures -> name) AS figures,
           max(r.computed_at) AS computed_at
    FROM layers_coverageresult AS r
    JOIN unnest(%(scenarios)s::text[], %(minutes)s::int[]) AS s(key, minutes)
      ON s.key = r.scenario
    CROSS JOIN unnest(%(by_minutes)s::text[]) AS name
    WHERE r.level = %(level)s AND r.neighbourhood_id = a.id
) AS by_minutes ON true
LEFT JOIN LATERAL (  -- the rest, from the default walk time
    SELECT r.figures FROM layers_coverageresult AS r
    WHERE r.level = %(level)s AND r.neighbourhood_id = a.id AND r.scenario = %(shared_from)s
) AS shared ON true
"""
NOT_PUBLISHED = (
    "migrants",
    "covered_migrants",
    "gap_migrants",
    "migrant_share_covered",
    "methods",
    "method",
    "gap_nearest_service_id",
)
SHARED_FROM = 15


# The extent of each kind of collection over its ``matched`` ids: the bbox of the
# geometries (EPSG:4326) and the first and last time (NULL without one).
SERVICES_EXTENT = """
SELECT ST_Extent(l.point), min(greatest(s.last_modified, l.last_modified)),
       max(greatest(s.last_modified, l.last_modified))
FROM matched
JOIN mapping_serviceatlocation AS sal ON sal.id = matched.id
JOIN mapping_service AS s ON s.id = sal.service_id
JOIN mapping_location AS l ON l.id = sal.location_id
"""
# An organisation's places are those of its active services (``places``, the ORM's rule).
ORGANIZATIONS_EXTENT = """
SELECT (SELECT ST_Extent(point) FROM places), min(o.last_modified), max(o.last_modified)
FROM matched
JOIN mapping_organization AS o ON o.id = matched.id
"""
AREA_EXTENT = """
SELECT ST_Extent(a.geom), NULL::timestamptz, NULL::timestamptz
FROM matched
JOIN {table} AS a ON a.id = matched.id
"""
EXTENT = """
(WITH {steps}matched AS (  -- the collection's rules (ORM)
    {matched}
), extent AS (
    {extent}
)
SELECT {collection}::text, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box), first, last
FROM extent AS e(box, first, last))
"""
