"""The SQL of :mod:`layers.coverage`: its named steps, each one statement creating the
temporary table it is named after (all in EPSG:2100 metres), and the statements that store the
figures. ``%(name)s`` are parameters filled by layers.coverage; ``{name}`` are fragments and
identifiers it composes in with psycopg.sql.
"""

from psycopg import sql

# The steps, run for a batch of scenarios at once (the 18 default ones share tracts, weights
# and places, and pay each statement's overhead once). A *set* is one selection of services
# (theme + filters); a scenario is a set at a walk time. Each step is one statement creating
# the temporary table it is named after; %(name)s are parameters, {matches} the selection.
#
# Distance discs are drawn once per scenario, at the origin (cov_scenarios.disc), and moved to
# each place with ST_Translate: ST_Buffer of a point is the same polygon wherever the point is,
# to the last bit, and moving it costs a fraction of building it (300,000 discs in a large
# city). A distance catchment is therefore kept as its centre; the union draws it.
STEPS: tuple[tuple[str, str], ...] = (
    (
        "scenarios",
        """
        CREATE TEMP TABLE cov_scenarios ON COMMIT DROP AS
        WITH origin AS (SELECT ST_SetSRID(ST_MakePoint(0, 0), %(metric)s) AS centre)
        SELECT s.scenario, s.set_no, s.minutes, s.reach_m,
               s.scenario_key COLLATE "C" AS scenario_key, disc.geom AS disc,
               -- no point of the disc polygon is nearer its centre than this (its inradius)
               ST_Distance(origin.centre, ST_Boundary(disc.geom)) AS disc_inner_m
        FROM unnest(%(scenario_nos)s::int[], %(set_nos)s::int[],
                    %(minutes)s::int[], %(reaches)s::float8[], %(keys)s::text[])
             AS s(scenario, set_no, minutes, reach_m, scenario_key)
        CROSS JOIN origin
        CROSS JOIN LATERAL (SELECT ST_Buffer(origin.centre, s.reach_m, %(segments)s) AS geom)
             AS disc
        """,
    ),
    (
        "nearby",
        """
        CREATE TEMP TABLE cov_nearby ON COMMIT DROP AS
        -- what can count in this city at all, whatever the selection: the places near it
        -- with their services, and the services with an area drawn on it
        SELECT sal.service_id, l.id AS location_id
        FROM mapping_location AS l
        JOIN mapping_serviceatlocation AS sal ON sal.location_id = l.id
        -- inside the city (a cheap test against the prepared polygon, true for most places),
        -- else within NEAREST_WITHIN_M of it on the spheroid (index-assisted)
        WHERE ST_Intersects(l.point, (SELECT geom FROM geodata_municipality WHERE id = %(city)s))
           OR ST_DWithin(l.point::geography,
                         (SELECT geom::geography FROM geodata_municipality WHERE id = %(city)s),
                         %(nearest_within)s)
        UNION ALL
        SELECT service_id, NULL FROM mapping_servicearea
        WHERE ST_Intersects(extent, (SELECT geom FROM geodata_municipality WHERE id = %(city)s))
        """,
    ),
    (
        "matches",
        """
        CREATE TEMP TABLE cov_matches ON COMMIT DROP AS
        {matches}
        """,
    ),
    (
        "places",
        """
        CREATE TEMP TABLE cov_places ON COMMIT DROP AS
        SELECT m.set_no, m.service_id, l.id AS location_id, l.neighbourhood_id,
               l.district_id, l.municipality_id, ST_Transform(l.point, %(metric)s) AS geom
        FROM cov_matches AS m
        JOIN cov_nearby AS n ON n.service_id = m.service_id
        JOIN mapping_location AS l ON l.id = n.location_id
        """,
    ),
    (
        "catchments",
        """
        CREATE TEMP TABLE cov_catchments ON COMMIT DROP AS
        WITH city AS (
            SELECT geom, ST_Transform(geom, %(metric)s) AS metric_geom
            FROM geodata_municipality WHERE id = %(city)s
        ), drawn AS (  -- areas editors drew, for services with or without a place
            SELECT m.set_no, sa.service_id, ST_Transform(ST_Union(sa.extent), %(metric)s) AS geom
            FROM cov_matches AS m
            JOIN mapping_servicearea AS sa ON sa.service_id = m.service_id
            WHERE sa.extent IS NOT NULL
              AND ST_Intersects(sa.extent, (SELECT geom FROM city))
            GROUP BY m.set_no, sa.service_id
        ), place AS (  -- each place of a service without a drawn area, once per set
            SELECT DISTINCT ON (p.set_no, p.location_id) p.set_no, p.location_id, p.geom,
                   ST_Intersects(p.geom, (SELECT metric_geom FROM city)) AS inside
            FROM cov_places AS p
            WHERE NOT EXISTS (SELECT 1 FROM drawn AS d
                              WHERE d.set_no = p.set_no AND d.service_id = p.service_id)
            ORDER BY p.set_no, p.location_id
        ), walked AS (  -- one catchment per such place that reaches the city
            SELECT s.scenario, place.location_id, place.geom AS centre, n.geom AS network
            FROM cov_scenarios AS s
            JOIN place ON place.set_no = s.set_no
            LEFT JOIN layers_networkcatchment AS n
              ON n.location_id = place.location_id AND n.minutes = s.minutes
            WHERE place.inside OR ST_DWithin(place.geom, (SELECT metric_geom FROM city), s.reach_m)
        )
        SELECT s.scenario, 'drawn'::text AS method, NULL::uuid AS location_id,
               NULL::geometry AS centre, d.geom
        FROM drawn AS d JOIN cov_scenarios AS s ON s.set_no = d.set_no
        UNION ALL
        SELECT scenario, CASE WHEN network IS NULL THEN 'distance' ELSE 'network' END,
               location_id, CASE WHEN network IS NULL THEN centre END, network
        FROM walked
        """,
    ),
    (
        "tracts",
        """
        CREATE TEMP TABLE cov_tracts ON COMMIT DROP AS
        SELECT t.id, t.population_2011 AS population,
               t.population_2011 * t.migrant_share AS migrants,
               ST_Transform(t.geom, %(metric)s) AS geom,
               ST_Transform(ST_PointOnSurface(t.geom), %(metric)s) AS centre
        FROM geodata_censustract AS t
        WHERE t.municipality_id = %(city)s
        """,
    ),
    (
        "tract_nearest",
        """
        CREATE TEMP TABLE cov_tract_nearest ON COMMIT DROP AS
        {nearest_of_each_set}
        """,
    ),
    (
        "covered",
        """
        CREATE TEMP TABLE cov_covered ON COMMIT DROP AS
        WITH whole AS MATERIALIZED (  -- tracts inside the distance disc of their nearest place
            SELECT s.scenario, n.id AS tract_id
            FROM cov_scenarios AS s
            JOIN cov_tract_nearest AS n ON n.set_no = s.set_no
            JOIN cov_catchments AS c
              ON c.scenario = s.scenario AND c.location_id = n.location_id
             AND c.method = 'distance'
            WHERE n.farthest_m < s.disc_inner_m - %(whole_margin)s
        ), open AS MATERIALIZED (  -- the other tracts (few: each probes the places below)
            SELECT s.scenario, s.set_no, s.reach_m, t.geom
            FROM (SELECT s.scenario, t.id FROM cov_scenarios AS s CROSS JOIN cov_tracts AS t
                  EXCEPT ALL
                  SELECT scenario, tract_id FROM whole) AS o
            JOIN cov_scenarios AS s ON s.scenario = o.scenario
            JOIN cov_tracts AS t ON t.id = o.id
        ), reaching AS (  -- places whose disc may touch an open tract: centre within reach
            SELECT DISTINCT o.scenario, p.location_id
            FROM open AS o
            JOIN cov_places AS p ON p.set_no = o.set_no AND ST_DWithin(p.geom, o.geom, o.reach_m)
        ), needed AS (  -- every drawn and network area, and the discs (see DISCS_NEEDED)
            SELECT scenario, geom FROM cov_catchments WHERE method <> 'distance'
            UNION ALL
            SELECT c.scenario, ST_Translate(s.disc, ST_X(c.centre), ST_Y(c.centre))
            FROM cov_catchments AS c
            JOIN cov_scenarios AS s ON s.scenario = c.scenario
            WHERE c.method = 'distance' {discs_needed}
        )
        SELECT scenario, tract_id, NULL::geometry AS geom FROM whole
        UNION ALL
        SELECT scenario, NULL, ST_Subdivide(ST_Union(geom), %(subdivide_vertices)s)
        FROM needed
        GROUP BY scenario
        """,
    ),
    (
        "tract_cover",
        """
        CREATE TEMP TABLE cov_tract_cover ON COMMIT DROP AS
        SELECT scenario, tract_id AS id, 1.0::float8 AS covered_share
        FROM cov_covered WHERE tract_id IS NOT NULL
        UNION ALL
        SELECT c.scenario, c.tract_id,
               -- covered to the last float noise of the overlay is covered whole
               CASE WHEN least(1.0, sum(c.area_m2) / nullif(min(t.area_m2), 0))
                         > 1.0 - %(whole_tolerance)s THEN 1.0
                    ELSE sum(c.area_m2) / min(t.area_m2) END
        FROM (  -- the covered pieces do not overlap: their areas inside a tract add up
            SELECT piece.scenario, t.id AS tract_id,
                   CASE WHEN ST_Covers(piece.geom, t.geom) THEN ST_Area(t.geom)
                        ELSE ST_Area(ST_Intersection(piece.geom, t.geom)) END AS area_m2
            FROM cov_covered AS piece
            JOIN cov_tracts AS t ON ST_Intersects(piece.geom, t.geom)
            WHERE piece.tract_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM cov_covered AS whole
                              WHERE whole.scenario = piece.scenario AND whole.tract_id = t.id)
        ) AS c
        JOIN (SELECT id, ST_Area(geom) AS area_m2 FROM cov_tracts) AS t ON t.id = c.tract_id
        GROUP BY c.scenario, c.tract_id
        """,
    ),
    (
        "weights",
        """
        CREATE TEMP TABLE cov_weights ON COMMIT DROP AS
        -- level in the "C" collation: the sorts and groupings below compare bytes, not words
        SELECT 'tract'::text COLLATE "C" AS level, id AS area_id, id AS tract_id,
               1.0::float8 AS share
        FROM cov_tracts
        UNION ALL
        SELECT 'city', %(city)s, id, 1.0 FROM cov_tracts
        UNION ALL
        SELECT s.level, coalesce(s.neighbourhood_id, s.district_id), s.tract_id, s.share
        FROM layers_tractshare AS s JOIN cov_tracts AS t ON t.id = s.tract_id
        """,
    ),
    (
        "located",
        """
        CREATE TEMP TABLE cov_located ON COMMIT DROP AS
        -- matching services with a place inside each area, per set
        SELECT set_no, 'city'::text COLLATE "C" AS level, municipality_id AS area_id,
               count(DISTINCT service_id) AS services
        FROM cov_places WHERE municipality_id = %(city)s GROUP BY set_no, municipality_id
        UNION ALL
        SELECT set_no, 'district', district_id, count(DISTINCT service_id)
        FROM cov_places WHERE district_id IS NOT NULL GROUP BY set_no, district_id
        UNION ALL
        SELECT set_no, 'neighbourhood', neighbourhood_id, count(DISTINCT service_id)
        FROM cov_places WHERE neighbourhood_id IS NOT NULL GROUP BY set_no, neighbourhood_id
        UNION ALL
        SELECT inside.set_no, 'tract', t.id, inside.services
        FROM cov_tracts AS t
        CROSS JOIN LATERAL (  -- tract by tract, so ST_Covers reuses the prepared tract
            SELECT p.set_no, count(DISTINCT p.service_id) AS services
            FROM cov_places AS p WHERE ST_Covers(t.geom, p.geom)
            GROUP BY p.set_no
        ) AS inside
        """,
    ),
    (
        "weighted",
        """
        CREATE TEMP TABLE cov_weighted ON COMMIT DROP AS
        WITH tract AS (  -- what is known per scenario and tract (walks: cov_tract_nearest)
            SELECT s.scenario, s.set_no, t.id, t.population, t.migrants,
                   coalesce(c.covered_share, 0.0) AS covered_share
            FROM cov_scenarios AS s
            CROSS JOIN cov_tracts AS t
            LEFT JOIN cov_tract_cover AS c ON c.scenario = s.scenario AND c.id = t.id
        )  -- each tract's part in each area
        SELECT tract.scenario, tract.set_no, w.level, w.area_id, w.tract_id,
               w.share * tract.population AS population,
               w.share * tract.migrants AS migrants, tract.covered_share
        FROM cov_weights AS w JOIN tract ON tract.id = w.tract_id
        """,
    ),
    (
        "totals",
        """
        CREATE TEMP TABLE cov_totals ON COMMIT DROP AS
        -- a tract is its own only part: its totals are that part's figures, unsummed
        SELECT scenario, set_no, level, area_id, population,
               population * covered_share AS covered_population, migrants,
               migrants * covered_share AS covered_migrants,
               ARRAY[population * (1 - covered_share), -tract_id] AS largest_gap
        FROM cov_weighted WHERE level = 'tract'
        UNION ALL
        SELECT scenario, set_no, level, area_id,
               sum(population), sum(population * covered_share),
               sum(migrants), sum(migrants * covered_share),
               -- in the same pass, for "worst": the tract part with the most people
               -- uncovered, as (people, -tract id), so equal gaps go to the lowest tract id
               max(ARRAY[population * (1 - covered_share), -tract_id])
        FROM cov_weighted WHERE level <> 'tract'
        GROUP BY scenario, set_no, level, area_id
        """,
    ),
    (
        "median",
        """
        CREATE TEMP TABLE cov_median ON COMMIT DROP AS
        -- per set: the walk times of a set share places, so they share medians
        WITH part AS (  -- each tract's part in each area above tracts, with its nearest walk
            SELECT n.set_no, w.level, w.area_id, w.tract_id,
                   w.share * t.population AS population, n.minutes
            FROM cov_weights AS w
            JOIN cov_tracts AS t ON t.id = w.tract_id
            JOIN cov_tract_nearest AS n ON n.id = w.tract_id
            WHERE w.level <> 'tract'
        ), ranked AS (  -- cumulative population by walk time
            SELECT set_no, level, area_id, minutes,
                   sum(population) OVER (PARTITION BY set_no, level, area_id
                                         ORDER BY minutes NULLS LAST, tract_id) AS running,
                   sum(population) OVER (PARTITION BY set_no, level, area_id) AS everyone
            FROM part
        )
        SELECT set_no, 'tract'::text COLLATE "C" AS level, id AS area_id,
               minutes AS median_minutes  -- a tract's own walk is its median
        FROM cov_tract_nearest
        UNION ALL
        (  -- the population-weighted median walk: where the running total passes half
            SELECT DISTINCT ON (set_no, level, area_id)
                   set_no, level, area_id, minutes
            FROM ranked WHERE running >= everyone / 2
            ORDER BY set_no, level, area_id, running
        )
        """,
    ),
    (
        "worst",
        """
        CREATE TEMP TABLE cov_worst ON COMMIT DROP AS
        -- the nearest place to the tract part with the most people uncovered
        SELECT totals.scenario, totals.level, totals.area_id,
               n.service_id AS nearest_service_id, n.minutes AS gap_nearest_minutes
        FROM cov_totals AS totals
        JOIN cov_tract_nearest AS n
          ON n.set_no = totals.set_no AND n.id = (-totals.largest_gap[2])::bigint
        """,
    ),
    (
        "figures",
        """
        CREATE TEMP TABLE cov_figures ON COMMIT DROP AS
        -- as columns, rounded as they are published (FIGURES_ROW makes their JSON)
        SELECT totals.scenario, totals.level, totals.area_id,
               round(totals.population::numeric, 1) AS population,
               round(totals.covered_population::numeric, 1) AS covered_population,
               round((totals.population - totals.covered_population)::numeric, 1)
                   AS gap_population,
               round((totals.covered_population / nullif(totals.population, 0))::numeric, 4)
                   AS share_covered,
               round(median.median_minutes::numeric, 1) AS median_walk_minutes,
               coalesce(located.services, 0) AS services,
               round((10000.0 * coalesce(located.services, 0)
                      / nullif(totals.population, 0))::numeric, 2) AS services_per_10k,
               worst.nearest_service_id AS gap_nearest_service_id,
               round(worst.gap_nearest_minutes::numeric, 1) AS gap_nearest_minutes,
               round(totals.migrants::numeric, 1) AS migrants,
               round(totals.covered_migrants::numeric, 1) AS covered_migrants,
               round((totals.migrants - totals.covered_migrants)::numeric, 1) AS gap_migrants,
               round((totals.covered_migrants / nullif(totals.migrants, 0))::numeric, 4)
                   AS migrant_share_covered
        FROM cov_totals AS totals
        JOIN cov_median AS median USING (set_no, level, area_id)
        JOIN cov_worst AS worst USING (scenario, level, area_id)
        LEFT JOIN cov_located AS located USING (set_no, level, area_id)
        """,
    ),
)
# The discs "covered" unites: all of them, or, when they outnumber the tracts of the batch's
# scenarios (a large city's many services), only those that may touch a tract not covered
# whole; each such tract then looks up the places within reach once, which costs less than
# uniting discs lying deep inside covered ground.
DISCS_NEEDED = {
    "all": sql.SQL(""),
    "reaching open tracts": sql.SQL(
        "AND (c.scenario, c.location_id) IN (SELECT scenario, location_id FROM reaching)"
    ),
}
# The figures of an area, in the order of cov_figures' columns after the area's key.
FIGURES = (
    "population",
    "covered_population",
    "gap_population",
    "share_covered",
    "median_walk_minutes",
    "services",
    "services_per_10k",
    "gap_nearest_service_id",
    "gap_nearest_minutes",
    "migrants",
    "covered_migrants",
    "gap_migrants",
    "migrant_share_covered",
)
# The figures of a row of cov_figures (alias f), to make its JSON object with to_jsonb: built
# when stored or read rather than in the step (a large city's 180,000 objects cost seconds,
# and refresh_stored builds them once), from a row rather than jsonb_build_object's list of
# arguments (a third faster).
FIGURES_ROW = sql.SQL(", ").join(sql.SQL("f.{}").format(sql.Identifier(n)) for n in FIGURES)
# The "tract_nearest" of one set (UNION ALL over the sets): the literal set number lets the
# KNN probe use that set's own index (see KNN_INDEX), so it meets no places of other sets.
NEAREST_OF_SET = """
SELECT {set_no}::int AS set_no, t.id, nearest.service_id, nearest.location_id,
       nearest.distance_m, nearest.distance_m * %(detour)s / %(speed)s AS minutes,
       ST_MaxDistance(nearest.geom, t.geom) AS farthest_m  -- for "covered whole"
FROM cov_tracts AS t
LEFT JOIN LATERAL (  -- KNN; of equally near places, the lowest service id
    SELECT * FROM (
        SELECT p.service_id, p.location_id, p.geom, ST_Distance(p.geom, t.centre) AS distance_m
        FROM cov_places AS p
        WHERE p.set_no = {set_no}
        ORDER BY p.geom <-> t.centre
        FETCH FIRST 1 ROW WITH TIES
    ) AS tied
    ORDER BY service_id
    LIMIT 1
) AS nearest ON true
"""
# One KNN index per set, built by insertion with sparse leaves: a probe measures its distance
# to every entry of each leaf it opens, and 10 %-full leaves of one set's places make the
# 60,000 probes of a large city 3 to 5 times faster than one packed index over every set.
KNN_INDEX = """
CREATE INDEX ON cov_places USING gist (geom) WITH (fillfactor = 10, buffering = on)
WHERE set_no = {set_no}
"""
# Indexes the later steps need (temporary tables have none), besides KNN_INDEX.
INDEXES = {
    "places": ("CREATE INDEX ON cov_places USING gist (geom)",),
    "covered": ("CREATE INDEX ON cov_covered USING gist (geom)",),
    "tracts": ("CREATE INDEX ON cov_tracts USING gist (geom)",),
}
# Every step's table is ANALYZEd but this one: without statistics the planner misjudges
# joins (a multi-column join comes out at a few rows) and picks nested loops or sorts where
# hash joins belong. cov_weighted only feeds whole-table aggregates.
NOT_ANALYZED = {"weighted"}
# ... and of these only the columns later steps join on (the figures take time to sample).
ANALYZED_COLUMNS = {
    "totals": ("scenario", "set_no", "level", "area_id"),
    "median": ("set_no", "level", "area_id"),
    "worst": ("scenario", "level", "area_id"),
    "figures": ("scenario", "level", "area_id"),
}


# The last step when results are kept: the batch's figures, with the catchment methods of
# each scenario beside them, replace the stored ones. Rows are updated in place rather than
# deleted and inserted: the table keeps free room in its pages (fillfactor, migration 0002),
# so a row's new version stays on its page with no index entry or foreign-key check to add
# (the 180,000 rows of a large city: ~4 s instead of ~8 s). Areas new to the store are then
# inserted, and stored areas the batch no longer has (the geography changed) deleted: all
# rows of the batch now carry its time.
STORED_FIGURES = """
SELECT s.scenario_key, f.*, coalesce(method.methods, '{}'::jsonb) AS methods,
       coalesce(method.method, 'distance') AS method
FROM cov_figures AS f
JOIN cov_scenarios AS s ON s.scenario = f.scenario
LEFT JOIN (  -- once per scenario
    SELECT scenario, jsonb_object_agg(method, n) AS methods,
           CASE WHEN count(*) > 1 THEN 'mixed' ELSE min(method) END AS method
    FROM (SELECT scenario, method, count(*) AS n FROM cov_catchments GROUP BY 1, 2) AS m
    GROUP BY scenario
) AS method ON method.scenario = f.scenario
"""
SAME_AREA = """
r.municipality_id = %(city)s AND r.scenario = f.scenario_key AND r.level = f.level
AND coalesce(r.tract_id, r.neighbourhood_id, r.district_id, r.municipality_id) = f.area_id
"""
STORE_SQL = {
    "update": """
        UPDATE layers_coverageresult AS r
        SET figures = to_jsonb(stored), computed_at = %(now)s
        FROM ({stored_figures}) AS f CROSS JOIN LATERAL ({stored_row}) AS stored
        WHERE {same_area}
        """,
    "insert": """
        INSERT INTO layers_coverageresult
            (scenario, municipality_id, level, tract_id, neighbourhood_id, district_id,
             figures, computed_at)
        SELECT f.scenario_key, %(city)s, f.level,
               CASE f.level WHEN 'tract' THEN f.area_id END,
               CASE f.level WHEN 'neighbourhood' THEN f.area_id END,
               CASE f.level WHEN 'district' THEN f.area_id END,
               to_jsonb(stored), %(now)s
        FROM ({stored_figures}) AS f CROSS JOIN LATERAL ({stored_row}) AS stored
        WHERE NOT EXISTS (SELECT 1 FROM layers_coverageresult AS r WHERE {same_area})
        """,
    "delete": """
        DELETE FROM layers_coverageresult
        WHERE municipality_id = %(city)s
          AND scenario = ANY(ARRAY(SELECT scenario_key FROM cov_scenarios))
          AND computed_at <> %(now)s
        """,
}
# What is stored of an area: its figures and its scenario's catchment methods, as one row
# (to_jsonb makes the object, a third faster than jsonb_build_object's argument list).
STORED = (*FIGURES, "methods", "method")
STORED_ROW = sql.SQL("SELECT {}").format(
    sql.SQL(", ").join(sql.SQL("f.{}").format(sql.Identifier(name)) for name in STORED)
)
