"""Coverage: how many residents of a city live within N minutes' walk of a fitting service.

A scenario (theme, walk time; optionally language, target group, weekend hours, free of
charge) is computed in PostGIS as named steps, each one statement into a temporary table, all
in EPSG:2100 metres:

1. ``nearby``      places within 10 km of the city (for "nearest") with their services, and
                   services with an area drawn on the city: all that can count there;
2. ``matches``, ``places`` the nearby services each selection keeps, and their places;
3. ``catchments``  one area per place or service, by precedence: the service's **drawn** area
                   (HSDS service_area), else its **network** isochrone when streets are loaded
                   (layers.streets), else a **distance** disc of radius minutes × 80 m/min ÷ 1.3
                   (straight line × detour factor, see geodata.spatial);
4. ``tracts``      the city's census tracts with 2011 population and migrant estimates;
5. ``tract_nearest`` straight-line metres from each tract's point-on-surface to the nearest
                   place (KNN; of equally near ones, the lowest service id), and walk minutes
                   with the detour factor;
6. ``covered``, ``tract_cover`` covered share of each tract = its area inside the union of
                   catchments ÷ its area. Area-weighted (residents spread evenly over a tract)
                   rather than centroid-in-polygon, which would flip whole tracts at a
                   catchment's edge. A tract inside the disc of its nearest place is covered
                   whole without an overlay; so is one covered to within float noise;
7. ``weights``     every tract's share in each area of each level (tract, neighbourhood,
                   district, city), from :class:`layers.models.TractShare` (area-weighted, so
                   each tract's residents are shared out whole at every level);
8. ``figures``     per area: population, covered and gap population, share covered,
                   population-weighted median walk to the nearest place, services per 10,000
                   residents, the same for migrants, and the nearest place to the area's
                   largest gap (of equal gaps, the lowest tract id's).

Covered + gap = population in every area, by construction. Populations are the tract
estimates of the 2011 census (persons); migrants = population × the tract's share of migrants
from "developing" countries (Athens Social Atlas).
"""

import datetime
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg import sql

from geodata.models import Municipality
from geodata.spatial import (
    METRIC_SRID,
    WALKING_DETOUR_FACTOR,
    WALKING_SPEED_M_PER_MIN,
    walk_reach_m,
)
from layers.models import CatchmentMethod, CoverageLevel, TractShare
from mapping.models import Service
from mapping.models.queries import ServiceQuerySet

MIN_MINUTES, MAX_MINUTES = 5, 60
DEFAULT_MINUTES = (10, 15, 20)
# "Nearest" looks this far around the city; farther services are reported as none nearby.
NEAREST_WITHIN_M = 10_000
# Vertices per quarter circle of a distance disc: area within 0.3 % of the true circle.
DISC_QUARTER_SEGMENTS = 16

# The union of catchments is cut into pieces of at most this many vertices, so each tract
# meets a few small pieces through the index instead of one huge polygon.
SUBDIVIDE_VERTICES = 128

# Figures nobody outside the planners sees: tract detail, and anything about migrants, so
# coverage maps never become maps of where migrants live.
MIGRANT_FIGURES = ("migrants", "covered_migrants", "gap_migrants", "migrant_share_covered")


@dataclass(frozen=True)
class Scenario:
    """What a planner asks: services of ``theme`` (a theme or subcategory code) reached within
    ``minutes`` of walking, optionally speaking ``language``, serving ``target_group``, open
    on weekends, free of charge."""

    theme: str
    minutes: int
    language: str = ""
    target_group: str = ""
    weekends: bool = False
    free: bool = False
    city: str = "athens"

    @property
    def key(self) -> str:
        """A stable text key, e.g. ``athens/theme=health/minutes=15``."""
        parts = [self.city, f"theme={self.theme}", f"minutes={self.minutes}"]
        for name in ("language", "target_group", "weekends", "free"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value}")
        return "/".join(parts)

    @property
    def reach_m(self) -> float:
        """Radius of a distance catchment in metres."""
        return walk_reach_m(self.minutes)

    def services(self) -> ServiceQuerySet:
        """The active services the scenario counts."""
        services = Service.objects.active().in_theme(self.theme)
        if self.language:
            services = services.speaking(self.language)
        if self.target_group:
            services = services.for_group(self.target_group)
        if self.weekends:
            services = services.open_on_weekends()
        if self.free:
            services = services.free()
        return services


def default_scenarios(city: str = "athens") -> list[Scenario]:
    """Every theme at 10, 15 and 20 minutes: the scenarios kept in CoverageResult."""
    from mapping.models import TaxonomyTerm

    themes = TaxonomyTerm.objects.themes().values_list("code", flat=True).order_by("code")
    return [Scenario(theme, minutes, city=city) for theme in themes for minutes in DEFAULT_MINUTES]


@dataclass
class CoverageRun:
    """Figures of one scenario: ``areas`` maps a level to ``{area id: figures}``; ``methods``
    counts catchments per method; ``step_seconds`` times each named step."""

    scenario: Scenario
    municipality_id: int
    areas: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    computed_at: datetime.datetime = field(default_factory=timezone.now)
    stored: bool = False  # read back from CoverageResult rather than computed now

    @property
    def method(self) -> str:
        """The catchment method used, or ``mixed`` when places differ."""
        used = [name for name, count in self.methods.items() if count]
        if len(used) == 1:
            return used[0]
        return "mixed" if used else CatchmentMethod.DISTANCE


_PLACEHOLDER = re.compile(r"%(%|s)")  # a positional parameter, or an escaped percent sign

# Up to this many nearby places, each selection checks the nearby services one by one.
FEW_NEARBY = 10_000
# A tract whose covered share is this close to 1 is covered whole: overlay areas carry float
# noise, and "the largest gap" of an area covered whole must not be picked by it.
WHOLE_TOLERANCE = 1e-9
# A tract is taken as covered whole, with no overlay, when its farthest point lies this much
# inside the distance disc of its nearest place (a millimetre: well above float noise).
WHOLE_MARGIN_M = 0.001

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
        WITH tract AS (  -- everything known per scenario and tract
            SELECT s.scenario, s.set_no, t.id, t.population, t.migrants,
                   coalesce(c.covered_share, 0.0) AS covered_share,
                   n.service_id AS nearest_service_id, n.minutes
            FROM cov_scenarios AS s
            CROSS JOIN cov_tracts AS t
            LEFT JOIN cov_tract_cover AS c ON c.scenario = s.scenario AND c.id = t.id
            JOIN cov_tract_nearest AS n ON n.set_no = s.set_no AND n.id = t.id
        )  -- each tract's part in each area
        SELECT tract.scenario, tract.set_no, w.level, w.area_id, w.tract_id,
               w.share * tract.population AS population,
               w.share * tract.migrants AS migrants, tract.covered_share,
               tract.nearest_service_id, tract.minutes
        FROM cov_weights AS w JOIN tract ON tract.id = w.tract_id
        """,
    ),
    (
        "totals",
        """
        CREATE TEMP TABLE cov_totals ON COMMIT DROP AS
        SELECT scenario, set_no, level, area_id,
               sum(population) AS population,
               sum(population * covered_share) AS covered_population,
               sum(migrants) AS migrants,
               sum(migrants * covered_share) AS covered_migrants
        FROM cov_weighted GROUP BY scenario, set_no, level, area_id
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
        WITH worst AS (  -- the tract part with the most people uncovered (lowest tract id
                         -- among equals), by one hashed pass rather than a sort
            SELECT scenario, set_no, level, area_id,
                   max(ARRAY[population * (1 - covered_share), -tract_id]) AS top
            FROM cov_weighted GROUP BY scenario, set_no, level, area_id
        )  -- and its nearest place
        SELECT w.scenario, w.level, w.area_id, n.service_id AS nearest_service_id,
               n.minutes AS gap_nearest_minutes
        FROM worst AS w
        JOIN cov_tract_nearest AS n ON n.set_no = w.set_no AND n.id = (-w.top[2])::bigint
        """,
    ),
    (
        "figures",
        """
        CREATE TEMP TABLE cov_figures ON COMMIT DROP AS
        -- as columns, rounded as they are published; FIGURES_JSON makes the JSON of a row
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
# One row of cov_figures as a JSON object (built when stored or read, not in the step: a
# large city's 180,000 objects cost seconds, and refresh_stored builds them only once).
FIGURES_JSON = sql.SQL("jsonb_build_object({})").format(
    sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(name), sql.Identifier(name)) for name in FIGURES
    )
)
# ... as stored: with the catchment methods of its scenario (STORED_FIGURES).
STORED_FIGURES_JSON = sql.SQL(
    "jsonb_build_object({}, 'methods', coalesce(method.methods, '{{}}'::jsonb),"
    " 'method', coalesce(method.method, 'distance'))"
).format(
    sql.SQL(", ").join(
        sql.SQL("{}, f.{}").format(sql.Literal(name), sql.Identifier(name)) for name in FIGURES
    )
)
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
# 60,000 probes of a large city about 5 times faster than one packed index over every set.
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
# ... and of cov_figures only what the store joins on (its many numeric columns take time).
ANALYZED_COLUMNS = {"figures": ("scenario", "level", "area_id")}


def _city(slug: str) -> Municipality:
    return Municipality.objects.only("id").get(slug=slug)


def compute(scenario: Scenario) -> CoverageRun:
    """The figures of every area at every level for one scenario."""
    return compute_many([scenario])[0]


def compute_many(scenarios: list[Scenario], *, keep: bool = False) -> list[CoverageRun]:
    """Run the named steps for ``scenarios`` (all of one city) together, in one transaction
    (temporary tables dropped at its end): one :class:`CoverageRun` per scenario, in order.
    ``step_seconds`` of each run times the steps of the whole batch. With ``keep``, the
    figures also replace the stored ones of these scenarios (CoverageResult), in SQL."""
    return _run(scenarios, keep=keep, read=True)


def _run(scenarios: list[Scenario], *, keep: bool, read: bool) -> list[CoverageRun]:
    """:func:`compute_many`; without ``read`` the runs carry no figures or methods (the
    stored refresh needs only their step seconds, and reading back 180,000 areas of a large
    city costs more than a step)."""
    cities = {scenario.city for scenario in scenarios}
    if len(cities) != 1:
        raise ValueError("compute_many: give scenarios of exactly one city")
    municipality = _city(cities.pop())
    ensure_tract_shares(municipality)
    # Scenarios differing only in minutes share a set of services (and its places, nearest).
    set_of: dict[Scenario, int] = {}
    selections: list[Scenario] = []
    for scenario in scenarios:
        selection = replace(scenario, minutes=0)
        if selection not in set_of:
            set_of[selection] = len(selections)
            selections.append(selection)
    each_set = [sql.Literal(set_no) for set_no in range(len(selections))]
    nearest_of_each_set = sql.SQL("\nUNION ALL\n").join(
        sql.SQL(NEAREST_OF_SET).format(set_no=set_no) for set_no in each_set
    )
    params = {
        "scenario_nos": list(range(len(scenarios))),
        "set_nos": [set_of[replace(s, minutes=0)] for s in scenarios],
        "minutes": [s.minutes for s in scenarios],
        "reaches": [s.reach_m for s in scenarios],
        "city": municipality.id,
        "metric": METRIC_SRID,
        "segments": DISC_QUARTER_SEGMENTS,
        "subdivide_vertices": SUBDIVIDE_VERTICES,
        "nearest_within": NEAREST_WITHIN_M,
        "whole_margin": WHOLE_MARGIN_M,
        "whole_tolerance": WHOLE_TOLERANCE,
        "detour": WALKING_DETOUR_FACTOR,
        "speed": WALKING_SPEED_M_PER_MIN,
        "keys": [s.key for s in scenarios],
    }
    runs = [CoverageRun(scenario, municipality.id) for scenario in scenarios]
    seconds: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorts for the weighted medians stay in memory (up to ~200 MB for 10,000 tracts, this
        # transaction only). JIT compiling takes 0.1-0.7 s per statement here, more than it
        # saves: the work is in PostGIS functions, not in expressions it could compile.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        # ON COMMIT DROP does not fire when this runs inside an outer transaction (a savepoint):
        # a second run there would find the first one's tables.
        _drop_step_tables(cursor)
        matches: sql.Composable = sql.SQL("")
        few_nearby = True  # set by the "nearby" step, read by "matches"
        figures_rows = catchments = 0
        discs = "all"
        for name, statement in STEPS:
            began = time.perf_counter()
            if name == "matches":
                matches, match_params = _matches_sql(selections, few_nearby=few_nearby)
                params.update(match_params)
            composed = sql.SQL(statement).format(
                matches=matches,
                nearest_of_each_set=nearest_of_each_set,
                discs_needed=DISCS_NEEDED[discs],
            )
            cursor.execute(composed.as_string(), params)
            if name == "nearby":
                few_nearby = cursor.rowcount <= FEW_NEARBY
            elif name == "catchments":
                catchments = cursor.rowcount
            elif name == "tracts":
                many = catchments > cursor.rowcount * len(scenarios)
                discs = "reaching open tracts" if many else "all"
            elif name == "figures":
                figures_rows = cursor.rowcount
            for extra in INDEXES.get(name, ()):
                cursor.execute(extra)
            if name == "places":
                for set_no in each_set:
                    cursor.execute(sql.SQL(KNN_INDEX).format(set_no=set_no).as_string())
            if name not in NOT_ANALYZED:
                analyze = sql.SQL("ANALYZE {}").format(sql.Identifier(f"cov_{name}"))
                if name in ANALYZED_COLUMNS:
                    columns = map(sql.Identifier, ANALYZED_COLUMNS[name])
                    analyze += sql.SQL(" ({})").format(sql.SQL(", ").join(columns))
                cursor.execute(analyze.as_string())
            seconds[name] = round(time.perf_counter() - began, 4)
        if keep:
            began = time.perf_counter()
            _store(cursor, params, areas=figures_rows)
            seconds["store"] = round(time.perf_counter() - began, 4)
        if read:
            cursor.execute("SELECT scenario, method, count(*) FROM cov_catchments GROUP BY 1, 2")
            for number, method, count in cursor.fetchall():
                runs[number].methods[method] = count
            read_figures = sql.SQL(
                "SELECT scenario, level, area_id, {}::json FROM cov_figures"
            ).format(FIGURES_JSON)
            cursor.execute(read_figures.as_string())
            for number, level, area_id, figures in cursor.fetchall():
                runs[number].areas.setdefault(level, {})[area_id] = figures
        _drop_step_tables(cursor)
    for run in runs:
        run.step_seconds = seconds
    return runs


def _drop_step_tables(cursor: Any) -> None:
    tables = [sql.Identifier(f"cov_{name}") for name, _ in STEPS]
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(tables)))


# The last step when results are kept: the batch's figures, with the catchment methods of
# each scenario beside them, replace the stored ones. Rows are updated in place rather than
# deleted and inserted: the table keeps free room in its pages (fillfactor, migration 0002),
# so a row's new version stays on its page with no index entry or foreign-key check to add
# (the 180,000 rows of a large city: ~4 s instead of ~8 s). Areas new to the store are then
# inserted, and stored areas the batch no longer has (the geography changed) deleted: all
# rows of the batch now carry its time.
STORED_FIGURES = """
SELECT s.scenario_key, f.level, f.area_id,
       {figures_json} AS figures
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
        UPDATE layers_coverageresult AS r SET figures = f.figures, computed_at = %(now)s
        FROM ({stored_figures}) AS f
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
               f.figures, %(now)s
        FROM ({stored_figures}) AS f
        WHERE NOT EXISTS (SELECT 1 FROM layers_coverageresult AS r WHERE {same_area})
        """,
    "delete": """
        DELETE FROM layers_coverageresult
        WHERE municipality_id = %(city)s
          AND scenario = ANY(ARRAY(SELECT scenario_key FROM cov_scenarios))
          AND computed_at <> %(now)s
        """,
}


def _store(cursor: Any, params: dict[str, Any], areas: int) -> None:
    """Replace the stored figures of the batch's scenarios by the ``areas`` rows of
    ``cov_figures`` (see STORE_SQL)."""
    params = {**params, "now": timezone.now()}
    parts = {
        "stored_figures": sql.SQL(STORED_FIGURES).format(figures_json=STORED_FIGURES_JSON),
        "same_area": sql.SQL(SAME_AREA),
    }

    def run(action: str) -> int:
        cursor.execute(sql.SQL(STORE_SQL[action]).format(**parts).as_string(), params)
        return cursor.rowcount

    if run("update") < areas:
        run("insert")
    run("delete")


def _named_placeholders(query: str, prefix: str) -> str:
    """``query`` with its positional ``%s`` renamed ``%(<prefix>0)s``, ``%(<prefix>1)s``…"""
    numbers = iter(range(query.count("%s")))

    def rename(match: re.Match) -> str:
        return "%%" if match.group(1) == "%" else f"%({prefix}{next(numbers)})s"

    return _PLACEHOLDER.sub(rename, query)


def _matches_sql(
    selections: list[Scenario], *, few_nearby: bool
) -> tuple[sql.Composable, dict[str, Any]]:
    """``SELECT set_no, service_id`` for every selection among the nearby services, as one
    UNION ALL, with each selection's query parameters renamed so they mix with the steps'
    named ones.

    PostgreSQL cannot tell how many services a theme matches (the rule is an OR across a
    join), so it cannot choose between checking each nearby service against the selection
    and selecting the theme's services to keep the nearby ones; the count of nearby services
    (``few_nearby``) chooses: a city among other cities' services has a few hundred."""
    parts, params = [], {}
    for set_no, selection in enumerate(selections):
        if few_nearby:
            nearby = RawSQL(
                '"mapping_service"."id" = ANY(ARRAY(SELECT service_id FROM cov_nearby))',
                (),
                output_field=BooleanField(),
            )
        else:
            nearby = Q(pk__in=RawSQL("SELECT service_id FROM cov_nearby", ()))
        # No ORDER BY: the default ordering by name would sort every matching service.
        query, values = (
            selection.services()
            .filter(nearby)
            .values(matched_id=F("pk"))
            .order_by()
            .query.sql_with_params()
        )
        named = _named_placeholders(query, f"set{set_no}_")
        params.update({f"set{set_no}_{n}": value for n, value in enumerate(values)})
        parts.append(
            sql.SQL("SELECT {n}::int AS set_no, matched_id AS service_id FROM ({query}) s").format(
                n=sql.Literal(set_no), query=sql.SQL(named)
            )
        )
    return sql.SQL("\nUNION ALL\n").join(parts), params


# --------------------------------------------------------------------------------------------
# Tract shares (geography-dependent, computed once per loaded geography)

TRACT_SHARES_SQL = """
WITH tract AS (
    SELECT id, geom FROM geodata_censustract WHERE municipality_id = %(city)s
), piece AS (  -- area (m²) of each tract inside each area of the level
    SELECT tract.id AS tract_id, area.id AS area_id,
           ST_Area(ST_Intersection(ST_Transform(tract.geom, %(metric)s),
                                   ST_Transform(area.geom, %(metric)s))) AS area_m2
    FROM tract JOIN {areas} AS area
      ON area.municipality_id = %(city)s AND ST_Intersects(tract.geom, area.geom)
)
INSERT INTO layers_tractshare (tract_id, level, {area_column}, share)
SELECT tract_id, %(level)s, area_id, area_m2 / sum(area_m2) OVER (PARTITION BY tract_id)
FROM piece WHERE area_m2 > 0
"""


def refresh_tract_shares(municipality: Municipality) -> int:
    """Recompute every tract's shares in the city's neighbourhoods and districts. Returns the
    number of shares written."""
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        TractShare.objects.filter(tract__municipality=municipality).delete()
        for level, table, column in (
            (CoverageLevel.NEIGHBOURHOOD, "geodata_neighbourhood", "neighbourhood_id"),
            (CoverageLevel.DISTRICT, "geodata_district", "district_id"),
        ):
            statement = sql.SQL(TRACT_SHARES_SQL).format(
                areas=sql.Identifier(table), area_column=sql.Identifier(column)
            )
            cursor.execute(
                statement.as_string(),
                {"city": municipality.id, "metric": METRIC_SRID, "level": level},
            )
            written += cursor.rowcount
    return written


def ensure_tract_shares(municipality: Municipality) -> None:
    """Compute the tract shares if the city has tracts but no shares yet."""
    has_tracts = municipality.tracts.exists()
    if has_tracts and not TractShare.objects.filter(tract__municipality=municipality).exists():
        refresh_tract_shares(municipality)


# --------------------------------------------------------------------------------------------
# Stored results of the default scenarios


def refresh_stored(city: str = "athens") -> dict[str, float]:
    """Recompute and store every default scenario of ``city``; seconds per step."""
    if not Municipality.objects.filter(slug=city, tracts__isnull=False).exists():
        return {}
    runs = _run(default_scenarios(city), keep=True, read=False)
    return runs[0].step_seconds if runs else {}
