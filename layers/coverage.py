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

The statements are in :mod:`layers.coverage_steps`; this module runs them and keeps the results.

Covered + gap = population in every area, by construction. Populations are the tract
estimates of the 2011 census (persons); migrants = population × the tract's share of migrants
from "developing" countries (Athens Social Atlas).
"""

import datetime
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
from layers.coverage_steps import (
    ANALYZED_COLUMNS,
    DISCS_NEEDED,
    FIGURES_ROW,
    INDEXES,
    KNN_INDEX,
    NEAREST_OF_SET,
    NOT_ANALYZED,
    SAME_AREA,
    STEPS,
    STORE_SQL,
    STORED_FIGURES,
    STORED_ROW,
)
from layers.models import CatchmentMethod, CoverageLevel, TractShare
from layers.orm_steps import named
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


# Up to this many nearby places, each selection checks the nearby services one by one.
FEW_NEARBY = 10_000
# A tract whose covered share is this close to 1 is covered whole: overlay areas carry float
# noise, and "the largest gap" of an area covered whole must not be picked by it.
WHOLE_TOLERANCE = 1e-9
# A tract is taken as covered whole, with no overlay, when its farthest point lies this much
# inside the distance disc of its nearest place (a millimetre: well above float noise).
WHOLE_MARGIN_M = 0.001


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
        # saves: the work is in PostGIS functions, not in expressions it could compile. The
        # step tables have no btree indexes, so a merge join sorts both of its sides; the
        # planner underrates those sorts (wide rows, long text keys) and hashing one side is
        # cheaper here, by a sixth of the Athens recompute.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
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
                "SELECT f.scenario, f.level, f.area_id, to_jsonb(figures)::json"
                " FROM cov_figures AS f CROSS JOIN LATERAL (SELECT {}) AS figures"
            ).format(FIGURES_ROW)
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


def _store(cursor: Any, params: dict[str, Any], areas: int) -> None:
    """Replace the stored figures of the batch's scenarios by the ``areas`` rows of
    ``cov_figures`` (see STORE_SQL)."""
    params = {**params, "now": timezone.now()}
    parts = {
        "stored_figures": sql.SQL(STORED_FIGURES),
        "stored_row": STORED_ROW,
        "same_area": sql.SQL(SAME_AREA),
    }

    def run(action: str) -> int:
        cursor.execute(sql.SQL(STORE_SQL[action]).format(**parts).as_string(), params)
        return cursor.rowcount

    if run("update") < areas:
        run("insert")
    run("delete")


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
        step = named(
            selection.services().filter(nearby).values(matched_id=F("pk")).order_by(),
            f"set{set_no}_",
        )
        params.update(step.params)
        parts.append(
            sql.SQL("SELECT {n}::int AS set_no, matched_id AS service_id FROM ({query}) s").format(
                n=sql.Literal(set_no), query=sql.SQL(step.sql)
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
