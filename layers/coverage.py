"""Coverage: how many residents of a city live within N minutes' walk of a fitting service.

A scenario (theme, walk time; optionally language, target group, weekend hours, free of
charge) is computed in PostGIS as named steps, each one statement into a temporary table, all
in EPSG:2100 metres:

1. ``places``      matching services' places within 10 km of the city (for "nearest");
2. ``catchments``  one area per place or service, by precedence: the service's **drawn** area
                   (HSDS service_area), else its **network** isochrone when streets are loaded
                   (layers.streets), else a **distance** disc of radius minutes × 80 m/min ÷ 1.3
                   (straight line × detour factor, see geodata.spatial);
3. ``tracts``      the city's census tracts with 2011 population and migrant estimates;
4. ``tract_cover`` covered share of each tract = its area inside the union of catchments ÷ its
                   area. Area-weighted (residents spread evenly over a tract) rather than
                   centroid-in-polygon, which would flip whole tracts at a catchment's edge;
5. ``tract_nearest`` straight-line metres from each tract's point-on-surface to the nearest
                   place (KNN), and walk minutes with the detour factor;
6. ``weights``     every tract's share in each area of each level (tract, neighbourhood,
                   district, city), from :class:`layers.models.TractShare` (area-weighted, so
                   each tract's residents are shared out whole at every level);
7. ``figures``     per area: population, covered and gap population, share covered,
                   population-weighted median walk to the nearest place, services per 10,000
                   residents, the same for migrants, and the nearest place to the area's
                   largest gap.

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
from django.db.models import F
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

# The steps, run for a batch of scenarios at once (the 18 default ones share tracts, weights
# and places, and pay each statement's overhead once). A *set* is one selection of services
# (theme + filters); a scenario is a set at a walk time. Each step is one statement creating
# the temporary table it is named after; %(name)s are parameters, {matches} the selection.
STEPS: tuple[tuple[str, str], ...] = (
    (
        "scenarios",
        """
        CREATE TEMP TABLE cov_scenarios ON COMMIT DROP AS
        SELECT * FROM unnest(%(scenario_nos)s::int[], %(set_nos)s::int[],
                             %(minutes)s::int[], %(reaches)s::float8[])
                      AS s(scenario, set_no, minutes, reach_m)
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
        SELECT m.set_no, sal.service_id, l.id AS location_id, l.neighbourhood_id,
               l.district_id, l.municipality_id, ST_Transform(l.point, %(metric)s) AS geom
        FROM cov_matches AS m
        JOIN mapping_serviceatlocation AS sal ON sal.service_id = m.service_id
        JOIN mapping_location AS l ON l.id = sal.location_id
        WHERE l.point IS NOT NULL
          AND ST_DWithin(l.point::geography, (SELECT geom::geography FROM geodata_municipality
                                              WHERE id = %(city)s), %(nearest_within)s)
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
        ), walked AS (  -- one catchment per place of a service without a drawn area
            SELECT DISTINCT ON (s.scenario, p.location_id)
                   s.scenario, s.reach_m, p.geom AS point, n.geom AS network
            FROM cov_scenarios AS s
            JOIN cov_places AS p ON p.set_no = s.set_no
            LEFT JOIN layers_networkcatchment AS n
              ON n.location_id = p.location_id AND n.minutes = s.minutes
            WHERE NOT EXISTS (SELECT 1 FROM drawn AS d
                              WHERE d.set_no = p.set_no AND d.service_id = p.service_id)
              AND ST_DWithin(p.geom, (SELECT metric_geom FROM city), s.reach_m)
        )
        SELECT s.scenario, 'drawn'::text AS method, d.geom
        FROM drawn AS d JOIN cov_scenarios AS s ON s.set_no = d.set_no
        UNION ALL
        SELECT scenario, CASE WHEN network IS NULL THEN 'distance' ELSE 'network' END,
               coalesce(network, ST_Buffer(point, reach_m, %(segments)s))
        FROM walked
        """,
    ),
    (
        "covered",
        """
        CREATE TEMP TABLE cov_covered ON COMMIT DROP AS
        SELECT scenario, ST_Subdivide(ST_Union(geom), %(subdivide_vertices)s) AS geom
        FROM cov_catchments
        GROUP BY scenario
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
        "tract_cover",
        """
        CREATE TEMP TABLE cov_tract_cover ON COMMIT DROP AS
        SELECT c.scenario, c.tract_id AS id,
               least(1.0, sum(c.area_m2) / nullif(min(t.area_m2), 0)) AS covered_share
        FROM (  -- the covered pieces do not overlap: their areas inside a tract add up
            SELECT piece.scenario, t.id AS tract_id,
                   CASE WHEN ST_Covers(piece.geom, t.geom) THEN ST_Area(t.geom)
                        ELSE ST_Area(ST_Intersection(piece.geom, t.geom)) END AS area_m2
            FROM cov_tracts AS t
            JOIN cov_covered AS piece ON ST_Intersects(piece.geom, t.geom)
        ) AS c
        JOIN (SELECT id, ST_Area(geom) AS area_m2 FROM cov_tracts) AS t ON t.id = c.tract_id
        GROUP BY c.scenario, c.tract_id
        """,
    ),
    (
        "tract_nearest",
        """
        CREATE TEMP TABLE cov_tract_nearest ON COMMIT DROP AS
        SELECT sets.set_no, t.id, nearest.service_id, nearest.distance_m,
               nearest.distance_m * %(detour)s / %(speed)s AS minutes
        FROM (SELECT DISTINCT set_no FROM cov_scenarios) AS sets
        CROSS JOIN cov_tracts AS t
        LEFT JOIN LATERAL (  -- KNN on the places' index
            SELECT p.service_id, ST_Distance(p.geom, t.centre) AS distance_m
            FROM cov_places AS p
            WHERE p.set_no = sets.set_no
            ORDER BY p.geom <-> t.centre
            LIMIT 1
        ) AS nearest ON true
        """,
    ),
    (
        "weights",
        """
        CREATE TEMP TABLE cov_weights ON COMMIT DROP AS
        SELECT 'tract'::text AS level, id AS area_id, id AS tract_id, 1.0::float8 AS share
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
        SELECT set_no, 'city'::text AS level, municipality_id AS area_id,
               count(DISTINCT service_id) AS services
        FROM cov_places WHERE municipality_id = %(city)s GROUP BY set_no, municipality_id
        UNION ALL
        SELECT set_no, 'district', district_id, count(DISTINCT service_id)
        FROM cov_places WHERE district_id IS NOT NULL GROUP BY set_no, district_id
        UNION ALL
        SELECT set_no, 'neighbourhood', neighbourhood_id, count(DISTINCT service_id)
        FROM cov_places WHERE neighbourhood_id IS NOT NULL GROUP BY set_no, neighbourhood_id
        UNION ALL
        SELECT p.set_no, 'tract', t.id, count(DISTINCT p.service_id)
        FROM cov_tracts AS t JOIN cov_places AS p ON ST_Covers(t.geom, p.geom)
        GROUP BY p.set_no, t.id
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
        WITH ranked AS (  -- cumulative population by walk time
            SELECT scenario, level, area_id, minutes,
                   sum(population) OVER (PARTITION BY scenario, level, area_id
                                         ORDER BY minutes NULLS LAST, tract_id) AS running,
                   sum(population) OVER (PARTITION BY scenario, level, area_id) AS everyone
            FROM cov_weighted
        )  -- the population-weighted median walk: where the running total passes half
        SELECT DISTINCT ON (scenario, level, area_id)
               scenario, level, area_id, minutes AS median_minutes
        FROM ranked WHERE running >= everyone / 2
        ORDER BY scenario, level, area_id, running
        """,
    ),
    (
        "worst",
        """
        CREATE TEMP TABLE cov_worst ON COMMIT DROP AS
        -- the tract part with the most people uncovered, and its nearest place
        SELECT DISTINCT ON (scenario, level, area_id) scenario, level, area_id,
               nearest_service_id, minutes AS gap_nearest_minutes
        FROM cov_weighted
        ORDER BY scenario, level, area_id, population * (1 - covered_share) DESC, tract_id
        """,
    ),
    (
        "figures",
        """
        CREATE TEMP TABLE cov_figures ON COMMIT DROP AS
        SELECT totals.scenario, totals.level, totals.area_id, jsonb_build_object(
            'population', round(totals.population::numeric, 1),
            'covered_population', round(totals.covered_population::numeric, 1),
            'gap_population', round((totals.population - totals.covered_population)::numeric, 1),
            'share_covered', round((totals.covered_population
                                    / nullif(totals.population, 0))::numeric, 4),
            'median_walk_minutes', round(median.median_minutes::numeric, 1),
            'services', coalesce(located.services, 0),
            'services_per_10k', round((10000.0 * coalesce(located.services, 0)
                                       / nullif(totals.population, 0))::numeric, 2),
            'gap_nearest_service_id', worst.nearest_service_id,
            'gap_nearest_minutes', round(worst.gap_nearest_minutes::numeric, 1),
            'migrants', round(totals.migrants::numeric, 1),
            'covered_migrants', round(totals.covered_migrants::numeric, 1),
            'gap_migrants', round((totals.migrants - totals.covered_migrants)::numeric, 1),
            'migrant_share_covered', round((totals.covered_migrants
                                            / nullif(totals.migrants, 0))::numeric, 4)
        ) AS figures
        FROM cov_totals AS totals
        JOIN cov_median AS median USING (scenario, level, area_id)
        JOIN cov_worst AS worst USING (scenario, level, area_id)
        LEFT JOIN cov_located AS located USING (set_no, level, area_id)
        """,
    ),
)
# Indexes the later steps need (temporary tables have none). Every step's table is then
# ANALYZEd: without statistics the planner takes a temporary table for ~1,000 rows and
# picks nested loops where hash joins belong.
INDEXES = {
    "places": ("CREATE INDEX ON cov_places USING gist (geom)",),
    "covered": ("CREATE INDEX ON cov_covered USING gist (geom)",),
    "tracts": ("CREATE INDEX ON cov_tracts USING gist (geom)",),
}


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
    matches, match_params = _matches_sql(selections)
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
        "detour": WALKING_DETOUR_FACTOR,
        "speed": WALKING_SPEED_M_PER_MIN,
        **match_params,
    }
    runs = [CoverageRun(scenario, municipality.id) for scenario in scenarios]
    seconds: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorts for the weighted medians stay in memory (tens of MB at most, this transaction).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # ON COMMIT DROP does not fire when this runs inside an outer transaction (a savepoint):
        # a second run there would find the first one's tables.
        _drop_step_tables(cursor)
        for name, statement in STEPS:
            began = time.perf_counter()
            composed = sql.SQL(statement).format(matches=matches)
            cursor.execute(composed.as_string(), params)
            for extra in INDEXES.get(name, ()):
                cursor.execute(extra)
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(f"cov_{name}")))
            seconds[name] = round(time.perf_counter() - began, 4)
        if keep:
            began = time.perf_counter()
            cursor.execute(
                STORE_SQL,
                {**params, "keys": [s.key for s in scenarios], "now": timezone.now()},
            )
            seconds["store"] = round(time.perf_counter() - began, 4)
        cursor.execute("SELECT scenario, method, count(*) FROM cov_catchments GROUP BY 1, 2")
        for number, method, count in cursor.fetchall():
            runs[number].methods[method] = count
        cursor.execute("SELECT scenario, level, area_id, figures::json FROM cov_figures")
        for number, level, area_id, figures in cursor.fetchall():
            runs[number].areas.setdefault(level, {})[area_id] = figures
        _drop_step_tables(cursor)
    for run in runs:
        run.step_seconds = seconds
    return runs


def _drop_step_tables(cursor: Any) -> None:
    tables = [sql.Identifier(f"cov_{name}") for name, _ in STEPS]
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(tables)))


# The last step when results are kept: the batch's figures replace the stored ones, with the
# catchment methods of each scenario beside the figures.
STORE_SQL = """
WITH gone AS (
    DELETE FROM layers_coverageresult
    WHERE municipality_id = %(city)s AND scenario = ANY(%(keys)s::text[])
), key AS (
    SELECT ordinality - 1 AS scenario, k AS scenario_key
    FROM unnest(%(keys)s::text[]) WITH ORDINALITY AS k
), method AS (
    SELECT scenario, jsonb_object_agg(method, n) AS methods,
           CASE WHEN count(*) > 1 THEN 'mixed' ELSE min(method) END AS method
    FROM (SELECT scenario, method, count(*) AS n FROM cov_catchments GROUP BY 1, 2) AS m
    GROUP BY scenario
)
INSERT INTO layers_coverageresult
    (scenario, municipality_id, level, tract_id, neighbourhood_id, district_id, figures,
     computed_at)
SELECT key.scenario_key, %(city)s, f.level,
       CASE f.level WHEN 'tract' THEN f.area_id END,
       CASE f.level WHEN 'neighbourhood' THEN f.area_id END,
       CASE f.level WHEN 'district' THEN f.area_id END,
       f.figures || jsonb_build_object('methods', coalesce(method.methods, '{}'::jsonb),
                                       'method', coalesce(method.method, 'distance')),
       %(now)s
FROM cov_figures AS f
JOIN key ON key.scenario = f.scenario
LEFT JOIN method ON method.scenario = f.scenario
"""


def _named_placeholders(query: str, prefix: str) -> str:
    """``query`` with its positional ``%s`` renamed ``%(<prefix>0)s``, ``%(<prefix>1)s``…"""
    numbers = iter(range(query.count("%s")))

    def rename(match: re.Match) -> str:
        return "%%" if match.group(1) == "%" else f"%({prefix}{next(numbers)})s"

    return _PLACEHOLDER.sub(rename, query)


def _matches_sql(selections: list[Scenario]) -> tuple[sql.Composable, dict[str, Any]]:
    """``SELECT set_no, service_id`` for every selection, as one UNION ALL, with each
    selection's query parameters renamed so they mix with the steps' named ones."""
    parts, params = [], {}
    for set_no, selection in enumerate(selections):
        query, values = selection.services().values(matched_id=F("pk")).query.sql_with_params()
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
    runs = compute_many(default_scenarios(city), keep=True)
    return runs[0].step_seconds if runs else {}
