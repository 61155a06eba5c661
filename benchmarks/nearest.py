"""Benchmark of the nearest-services API: ``GET /api/services/?near=<lon>,<lat>&limit=20``.

For 150, 100k and 1M synthetic services (generated in SQL in a separate bench database) it
measures, per query variant (plain, ``theme=health``, ``language=fa``):

- **api**: the request end to end *in process* through Django's test ``Client`` — URL routing,
  parameter validation, the search (every statement it runs), GeoJSON rendering; no HTTP
  server or network in between;
- **sql**: the statements the API executed (captured with their parameters: the page select,
  and the remote-services page when the located results run out), run again on their own
  through psycopg right after each API call;
- **naive**: the plain GeoDjango way, ``annotate(d=Distance(...)).order_by("d")[:20]`` (no KNN),

reports p50/p95 in ms, EXPLAIN (ANALYZE, BUFFERS) of the page select, checks the targets and
writes everything to ``.var/bench/nearest.json``. Exit status 1 when a target is missed.

Run with ``make bench`` or ``.venv/bin/python benchmarks/nearest.py [--sizes 150,100000]``.
The database is ``BENCH_DATABASE_URL``, else ``hartis_bench`` on the server of ``DATABASE_URL``
(default: the project-local cluster). Generated data is kept between runs: each size lives in
its own database, parked as ``hartis_bench_<size>`` while another size is being measured, so a
second run generates nothing.
"""

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from psycopg import sql as pgsql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: make mapping/ and geodata/ importable

OUTPUT = REPO / ".var" / "bench" / "nearest.json"
LOCAL_DATABASE_URL = "postgres://hartis@127.0.0.1:{port}/hartis"
BENCH_DATABASE = "hartis_bench"
# Databases the bench must never create, rename, copy or write to.
PROTECTED_DATABASES = {"hartis", "test_hartis", "postgres", "template0", "template1"}

SIZES = (150, 100_000, 1_000_000)
SOURCE = "hartis-bench"
# Bump when the generated data changes shape: stored data of another version is regenerated.
GENERATOR_VERSION = 1
SEED = 20_251_125
SERVICES_PER_ORGANIZATION = 10
GREECE_BBOX = (20.0, 35.0, 28.0, 41.7)  # lon min, lat min, lon max, lat max
ATHENS_BBOX = (23.685, 37.949, 23.791, 38.034)
# Share of services placed in Athens' bbox (0.03 % of Greece's bbox): a dense city among
# sparse rest-of-country points, so Athens queries meet city-like density, not a uniform spread.
ATHENS_SHARE = 0.2

LIMIT = 20
VARIANTS: dict[str, dict[str, str]] = {
    "near": {},
    "near+theme=health": {"theme": "health"},
    "near+language=fa": {"language": "fa"},
}
PAGE_INDEX = "location_point_mercator_gist"


def runs_for(size: int) -> int:
    """Timed runs per measure (api, sql) at ``size``."""
    return 20 if size >= 1_000_000 else 50


def naive_runs_for(size: int) -> int:
    """Timed runs of the naive query: it reads every row, so fewer at 1M."""
    return 5 if size >= 1_000_000 else 50


TARGET_RATIO = 1.5  # API p50 ≤ 1.5 × SQL p50 + 2 ms
TARGET_SLACK_MS = 2.0
TARGET_SPEEDUP = 20.0  # naive p50 / API p50 at TARGET_SPEEDUP_SIZE
TARGET_SPEEDUP_SIZE = 1_000_000


# --------------------------------------------------------------------------------------------
# Databases: which one, create, park and unpark sizes


def bench_database_url() -> str:
    """``BENCH_DATABASE_URL``, else ``DATABASE_URL`` (or the local cluster) with the database
    name replaced by ``hartis_bench``: same server, separate database."""
    explicit = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if explicit:
        return explicit
    port = os.environ.get("HARTIS_PG_PORT", "54329")
    base = os.environ.get("DATABASE_URL", "").strip() or LOCAL_DATABASE_URL.format(port=port)
    return urlunsplit(urlsplit(base)._replace(path=f"/{BENCH_DATABASE}"))


class Server:
    """Database-level operations on the bench server, through its ``postgres`` database."""

    def __init__(self, url: str) -> None:
        config = dj_database_url.parse(url)
        self.name: str = config["NAME"]
        if self.name in PROTECTED_DATABASES:
            sys.exit(
                f"bench: refusing to use database {self.name!r}; point BENCH_DATABASE_URL "
                "at a database of its own."
            )
        self._connect = {
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            "dbname": "postgres",
            "autocommit": True,
        }

    def _run(self, statement: pgsql.Composable, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(**self._connect) as conn, conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def exists(self, name: str) -> bool:
        """Whether database ``name`` exists."""
        return bool(self._run(pgsql.SQL("SELECT 1 FROM pg_database WHERE datname = %s"), (name,)))

    def _checked(self, *names: str) -> None:
        for name in names:
            if name in PROTECTED_DATABASES or not name.startswith(self.name):
                raise RuntimeError(f"bench: will not modify database {name!r}")

    def create(self, name: str, template: str | None = None) -> None:
        """CREATE DATABASE ``name`` (a copy of ``template`` if given)."""
        self._checked(name)
        statement = pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name))
        if template:
            statement += pgsql.SQL(" TEMPLATE {}").format(pgsql.Identifier(template))
        self._run(statement)

    def rename(self, old: str, new: str) -> None:
        """ALTER DATABASE ``old`` RENAME TO ``new`` (instant, no copy)."""
        self._checked(old, new)
        self._run(
            pgsql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                pgsql.Identifier(old), pgsql.Identifier(new)
            )
        )

    def drop(self, name: str) -> None:
        """DROP DATABASE ``name`` (only bench databases)."""
        self._checked(name)
        self._run(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(pgsql.Identifier(name)))


# --------------------------------------------------------------------------------------------
# Synthetic data, set-based in SQL

# One row per new service with every random choice made once, so the INSERTs below agree.
# Ordered by service id so the inserts below walk the service_id indexes in order.
NEW_ROWS_SQL = """
CREATE TEMP TABLE bench_new ON COMMIT DROP AS
SELECT g.i,
       gen_random_uuid() AS service_id,
       gen_random_uuid() AS location_id,
       gen_random_uuid() AS sal_id,
       o.id AS organization_id,
       g.in_athens,
       CASE WHEN g.in_athens
            THEN ST_SetSRID(ST_MakePoint(%(a_x0)s + g.rx * (%(a_x1)s - %(a_x0)s),
                                         %(a_y0)s + g.ry * (%(a_y1)s - %(a_y0)s)), 4326)
            ELSE ST_SetSRID(ST_MakePoint(%(g_x0)s + g.rx * (%(g_x1)s - %(g_x0)s),
                                         %(g_y0)s + g.ry * (%(g_y1)s - %(g_y0)s)), 4326)
       END AS point,
       g.r_term, g.r_theme, g.r_lang_first, g.r_lang_count
FROM (
    SELECT i, random() < %(athens_share)s AS in_athens, random() AS rx, random() AS ry,
           random() AS r_term, random() AS r_theme,
           random() AS r_lang_first, random() AS r_lang_count
    FROM generate_series(%(start)s + 1, %(stop)s) AS i
) AS g
JOIN mapping_organization AS o
  ON o.source = %(source)s
 AND o.source_record_id = 'bench-org-' || ((g.i - 1) / %(per_org)s + 1)
ORDER BY 2
"""

# Column → SQL expression per table (a literal % is written %%). Columns not listed get the
# model field's default (NULL when nullable), so a column added by a later migration does not
# break generation; a NOT NULL column without any default stops it with its name.
NEW_ORGANIZATIONS = """generate_series((%(start)s + %(per_org)s - 1) / %(per_org)s + 1,
                                       (%(stop)s + %(per_org)s - 1) / %(per_org)s) AS k"""
ORGANIZATION_VALUES = {
    "id": "gen_random_uuid()",
    "created_at": "now()",
    "last_modified": "now()",
    "source": "%(source)s",
    "source_record_id": "'bench-org-' || k",
    "is_demo": "true",
    "name": "'BENCH organisation ' || k",
    "organization_type": (
        "(ARRAY['local_ngo', 'international_ngo', 'municipal', 'community_group'])[1 + k %% 4]"
    ),
}
SERVICE_VALUES = {
    "id": "service_id",
    "created_at": "now()",
    "last_modified": "now()",
    "source": "%(source)s",
    "source_record_id": "'bench-svc-' || i",
    "is_demo": "true",
    "name": "'BENCH service ' || i",
    "status": "'active'",
    "is_free": "i %% 3 = 0",
    "organization_id": "organization_id",
    # '' rather than NULL: a post_migrate receiver rebuilds every NULL search document on each
    # `migrate` (minutes at 1M rows), and the nearest search does not read it.
    "search_vector": "''::tsvector",
}
LOCATION_VALUES = {
    "id": "location_id",
    "created_at": "now()",
    "last_modified": "now()",
    "source": "%(source)s",
    "source_record_id": "'bench-loc-' || i",
    "is_demo": "true",
    "location_type": "'physical'",
    "name": "'BENCH place ' || i",
    "point": "point",
    "address_1": "'Bench street ' || i",
    "city": "CASE WHEN in_athens THEN 'Athens' ELSE '' END",
    "country": "'GR'",
    "organization_id": "organization_id",
}
SERVICE_AT_LOCATION_VALUES = {
    "id": "sal_id",
    "created_at": "now()",
    "last_modified": "now()",
    "location_id": "location_id",
    "service_id": "service_id",
}


def insert_sql(model: type, values: dict[str, str], source: str) -> tuple[str, dict[str, Any]]:
    """``INSERT INTO <model's table> (every column) SELECT … FROM source``, and the parameters
    holding the defaults of the columns ``values`` does not give."""
    from django.db import connection

    table = model._meta.db_table
    fields = model._meta.concrete_fields
    unknown = set(values) - {f.column for f in fields}
    if unknown:
        raise RuntimeError(f"bench: {table} has no column(s) {sorted(unknown)}")
    columns, expressions, params = [], [], {}
    for f in fields:
        columns.append(connection.ops.quote_name(f.column))
        if f.column in values:
            expressions.append(values[f.column])
        elif f.null:
            expressions.append("NULL")
        else:
            default = f.get_default()
            if default is None:
                raise RuntimeError(
                    f"bench: {table}.{f.column} is NOT NULL without a default: give it a value"
                    " in benchmarks/nearest.py"
                )
            key = f"default_{table}_{f.column}"
            params[key] = f.get_db_prep_save(default, connection)
            expressions.append(f"%({key})s")
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)})\n"
        f"SELECT {', '.join(expressions)}\nFROM {source}"
    )
    return statement, params


# One subcategory each, and its theme for half of them: 1–2 categories, as editors tag them.
CATEGORIES_SQL = """
WITH sub AS (
    SELECT row_number() OVER (ORDER BY t.code) - 1 AS k, t.id, t.parent_id
    FROM mapping_taxonomyterm AS t JOIN mapping_taxonomy AS x ON x.id = t.taxonomy_id
    WHERE x.slug = 'hartis-themes' AND t.parent_id IS NOT NULL
), picked AS (
    SELECT n.service_id, n.r_theme, sub.id, sub.parent_id
    FROM bench_new AS n
    JOIN sub ON sub.k = floor(n.r_term * (SELECT count(*) FROM sub))::int
)
INSERT INTO mapping_service_categories (service_id, taxonomyterm_id)
SELECT service_id, id FROM picked
UNION ALL
SELECT service_id, parent_id FROM picked WHERE r_theme < 0.5
"""

# 1–3 distinct languages: a random first one and the next ones in code order.
LANGUAGES_SQL = """
WITH lang AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS k, id FROM mapping_language
), n_lang AS (SELECT count(*)::int AS n FROM lang)
INSERT INTO mapping_service_languages (service_id, language_id)
SELECT b.service_id, lang.id
FROM bench_new AS b
CROSS JOIN n_lang
CROSS JOIN generate_series(0, 2) AS j
JOIN lang ON lang.k = (floor(b.r_lang_first * n_lang.n)::int + j) %% n_lang.n
WHERE j < 1 + floor(b.r_lang_count * 3)::int
"""

BENCH_TABLES = (
    "mapping_service_languages",
    "mapping_service_categories",
    "mapping_serviceatlocation",
    "mapping_location",
    "mapping_service",
    "mapping_organization",
)


def _meta_get() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)"
        )
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'data'")
        row = cursor.fetchone()
    if row is None:
        return {}
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _meta_set(value: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('data', %s::jsonb)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


def prepare_schema() -> None:
    """Migrate (brings the vocabulary) and load Athens; both are no-ops when done already.

    Migrations that ran on stored bench data are followed by ANALYZE of its tables: a column
    added to a million rows has no statistics until then (autovacuum waits for changed rows),
    and the planner's default guess for it (one row in 200 matching) can turn a nearest
    search away from its index: 14 s instead of 4 ms, after ``Service.publication`` came."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_athens", verbosity=0, stdout=io.StringIO())  # it reports even at 0
    if pending:
        with connection.cursor() as cursor:
            for table in BENCH_TABLES:
                cursor.execute(f"ANALYZE {table}")


def stored_size() -> int:
    """Services generated in the connected bench database (0 if none or of another version,
    after clearing them)."""
    from django.db import connection

    meta = _meta_get()
    if meta.get("version") == GENERATOR_VERSION and meta.get("seed") == SEED:
        return int(meta.get("size", 0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mapping_service")
        if cursor.fetchone()[0]:
            print("    bench data of another generator version: clearing it")
            # The bench database holds bench rows only, so TRUNCATE is the set-based reset.
            cursor.execute(f"TRUNCATE {', '.join(BENCH_TABLES)} CASCADE")
    _meta_set({"version": GENERATOR_VERSION, "seed": SEED, "size": 0})
    return 0


def grow(start: int, stop: int) -> dict[str, float]:
    """Add services ``start+1 … stop`` with their organisations, places and terms, in one
    transaction, then VACUUM ANALYZE. Returns the seconds each step took."""
    from django.db import connection, transaction
    from django.db.models.expressions import RawSQL

    from mapping.models import Location, Organization, Service, ServiceAtLocation

    params = {
        "start": start,
        "stop": stop,
        "source": SOURCE,
        "per_org": SERVICES_PER_ORGANIZATION,
        "athens_share": ATHENS_SHARE,
        **dict(zip(("g_x0", "g_y0", "g_x1", "g_y1"), GREECE_BBOX, strict=True)),
        **dict(zip(("a_x0", "a_y0", "a_x1", "a_y1"), ATHENS_BBOX, strict=True)),
    }
    steps: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        steps[name] = round(time.perf_counter() - began, 2)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")  # bench data: speed over durability
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            # Every row references rows inserted just before by construction (joins), so skip
            # the deferred foreign-key checks: ~1 min of commit time at 1M (superuser only).
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # hash joins over 1M rows stay in memory
        # Same seed and same start → the same points and terms on every machine and run.
        cursor.execute("SELECT setseed(%s)", [(SEED + start) % 1_000_003 / 1_000_003])
        for name, (statement, defaults) in (
            ("organizations", insert_sql(Organization, ORGANIZATION_VALUES, NEW_ORGANIZATIONS)),
            ("random rows", (NEW_ROWS_SQL, {})),
            ("services", insert_sql(Service, SERVICE_VALUES, "bench_new")),
            ("locations", insert_sql(Location, LOCATION_VALUES, "bench_new")),
            (
                "service_at_locations",
                insert_sql(ServiceAtLocation, SERVICE_AT_LOCATION_VALUES, "bench_new"),
            ),
            ("categories", (CATEGORIES_SQL, {})),
            ("languages", (LANGUAGES_SQL, {})),
        ):
            with step(name):
                cursor.execute(statement, {**params, **defaults})
        with step("spatial join (Athens points)"):
            # The app's own set-based join fills municipality/district/neighbourhood, which the
            # API selects; points outside Athens' bbox cannot fall in it, so they are skipped.
            Location.objects.filter(
                pk__in=RawSQL("SELECT location_id FROM bench_new WHERE in_athens", ())
            ).assign_areas()
        _meta_set({"version": GENERATOR_VERSION, "seed": SEED, "size": stop})
    with step("vacuum analyze"), connection.cursor() as cursor:
        # Statistics for the planner, and the visibility map/hint bits set now, not while timing.
        for table in BENCH_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return steps


def activate(server: Server, size: int) -> dict[str, Any]:
    """Make the bench database hold exactly ``size`` services, reusing what earlier runs left:
    the database itself, a parked copy of that size, or a smaller one to grow from."""
    from django.db import connections

    name = server.name
    began = time.perf_counter()

    def park(current: int) -> None:
        # Move the bench database aside under its size (an empty one is just dropped).
        connections.close_all()
        server.drop(f"{name}_{current}")  # a stale duplicate of that size, if any
        if current:
            server.rename(name, f"{name}_{current}")
        else:
            server.drop(name)

    how = "reused"
    steps: dict[str, float] = {}
    while True:
        prepare_schema()
        current = stored_size()
        parked = f"{name}_{size}"
        if current == size or not server.exists(parked):
            break
        # Swap the parked database in; the current one is parked under its own size.
        park(current)
        server.rename(parked, name)
        how = f"reused (unparked {parked})"
    if current != size:
        connections.close_all()
        if current > size:
            park(current)
            server.create(name)
            prepare_schema()
            stored_size()
            current = 0
        elif current > 0:
            # Keep this smaller size for the next run before growing past it (a file copy).
            server.drop(f"{name}_{current}")
            server.create(f"{name}_{current}", template=name)
        print(f"    generating services {current + 1:,}…{size:,} in SQL")
        steps = grow(current, size)
        how = f"generated {current:,} → {size:,}"
    # Each size's database has its own PostGIS type OIDs, but Django keeps the first ones it
    # fetched per connection alias: forget them, or statements bind geometries by a stale OID
    # ("cache lookup failed for type …").
    connections.close_all()
    for registry in type(connections["default"])._type_infos.values():
        registry.pop("default", None)
    return {"how": how, "seconds": round(time.perf_counter() - began, 1), "steps": steps}


def row_counts() -> dict[str, int]:
    """Rows of the tables the nearest search reads."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in BENCH_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Statement:
    """One SQL statement Django executed, with its parameters and how long it took."""

    sql: str
    params: Any
    ms: float

    @property
    def kind(self) -> str:
        """``page select`` (the KNN-ordered page), ``count`` or ``other``."""
        text = self.sql.lstrip().upper()
        if text.startswith("SELECT COUNT("):
            return "count"
        return "page select" if "<->" in text and "LIMIT" in text else "other"


@dataclass
class Recorder:
    """``connection.execute_wrapper`` that keeps every statement of a request."""

    statements: list[Statement] = field(default_factory=list)

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(Statement(sql, params, (time.perf_counter() - began) * 1e3))

    def ms_by_kind(self) -> dict[str, float]:
        """Time spent per kind of statement; ``other`` statements are split into those before
        the page select (e.g. parameter validation) and after it (e.g. prefetches, remote
        services)."""
        kinds = [s.kind for s in self.statements]
        page_at = kinds.index("page select") if "page select" in kinds else len(kinds)
        totals: dict[str, float] = {}
        for n, (statement, kind) in enumerate(zip(self.statements, kinds, strict=True)):
            if kind == "other":
                kind = "before page select" if n < page_at else "after page select"
            totals[kind] = totals.get(kind, 0.0) + statement.ms
        return totals


def summary(samples: list[float]) -> dict[str, float]:
    """p50, p95, min, max and count of ``samples`` (ms)."""
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else 0
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95 or ordered[-1], 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
        "n": len(ordered),
    }


def athens_points(count: int) -> list[tuple[float, float]]:
    """``count`` query points, uniform in Athens' bbox, the same on every run."""
    rng = random.Random(SEED)
    x0, y0, x1, y1 = ATHENS_BBOX
    return [(round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)) for _ in range(count)]


def plan_nodes(node: dict) -> Iterator[dict]:
    """Every node of an EXPLAIN (FORMAT JSON) plan tree, depth first."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def run_explain(statement: Statement, options: str = "ANALYZE, BUFFERS") -> list[Any]:
    """The rows' first column of ``EXPLAIN (options)`` for ``statement``, with its own
    parameters: the plan's lines, or the JSON document (already parsed by psycopg)."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) " + statement.sql, statement.params)
        return [row[0] for row in cursor.fetchall()]


def explain(statement: Statement) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of ``statement``: the text plan and what it says about KNN."""
    document = run_explain(statement, "ANALYZE, BUFFERS, FORMAT JSON")[0]
    document = json.loads(document) if isinstance(document, str) else document
    text = run_explain(statement)
    nodes = list(plan_nodes(document[0]["Plan"]))
    knn = [node for node in nodes if node.get("Index Name") == PAGE_INDEX and "Order By" in node]
    distance_sorts = [
        node
        for node in nodes
        if node["Node Type"] in {"Sort", "Incremental Sort"}
        and any("<->" in key for key in node.get("Sort Key", []))
    ]
    return {
        "knn_index_ordered_scan": bool(knn),
        "sorts_by_distance": bool(distance_sorts),
        "index_assisted": bool(knn) and not distance_sorts,
        "knn_rows_read": sum(n["Actual Rows"] * n["Actual Loops"] for n in knn),
        "execution_ms": round(document[0]["Execution Time"], 3),
        "planning_ms": round(document[0]["Planning Time"], 3),
        "node_types": sorted({node["Node Type"] for node in nodes}),
        "plan": text,
    }


def api_path(point: tuple[float, float], extra: dict[str, str]) -> str:
    """The request path of the nearest endpoint for ``point`` plus filters."""
    query = "&".join(
        [f"near={point[0]},{point[1]}", f"limit={LIMIT}"] + [f"{k}={v}" for k, v in extra.items()]
    )
    return f"/api/services/?{query}"


def measure_variant(size: int, extra: dict[str, str]) -> dict[str, Any]:
    """Time api, sql and naive for one query variant at the current size."""
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.geos import Point
    from django.db import connection
    from django.test import Client

    from mapping.models import ServiceAtLocation
    from mapping.search import SearchCriteria

    runs = runs_for(size)
    points = athens_points(runs)
    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host; no test-environment set-up

    def call(point: tuple[float, float]) -> tuple[float, Recorder, dict]:
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            began = time.perf_counter()
            response = client.get(api_path(point, extra))
            elapsed = (time.perf_counter() - began) * 1e3
        if response.status_code != 200:
            raise RuntimeError(
                f"{api_path(point, extra)} → {response.status_code}: {response.content[:500]!r}"
            )
        return elapsed, recorder, json.loads(response.content)

    # Untimed call per point first: at 1M the data outgrows shared_buffers, and the second
    # pass over a point finds its pages cached; this way the API and SQL passes both do.
    for point in points:
        call(point)

    # Timed pass: each API call, then the statements it ran, alone, on the raw psycopg connection
    # (below Django's cursor wrapper). Interleaved, so both meet the same buffer cache and the
    # same prepared-statement state (psycopg prepares a statement after 5 runs; PostgreSQL may
    # then switch it to a generic plan, which skips planning). Each point is called once more
    # untimed just before: a page that reads thousands of buffers (language=fa at 1M) does not
    # stay in shared_buffers from the first pass, and the API call would read it from the OS
    # while the statements right after it find it cached.
    connection.ensure_connection()
    api_ms: list[float] = []
    sql_ms: list[float] = []
    pages: list[Statement] = []
    features: list[int] = []
    breakdown: dict[str, list[float]] = {}
    for point in points:
        call(point)
        elapsed, recorder, body = call(point)
        last = recorder
        api_ms.append(elapsed)
        features.append(len(body["features"]))
        page = [s for s in recorder.statements if s.kind == "page select"]
        if len(page) != 1:
            raise RuntimeError(f"expected one page select, got {len(page)}")
        pages.append(page[0])
        per_kind = recorder.ms_by_kind()
        per_kind["python (api − sql)"] = elapsed - sum(s.ms for s in recorder.statements)
        for kind, ms in per_kind.items():
            breakdown.setdefault(kind, []).append(ms)
        breakdown.setdefault("statements", []).append(len(recorder.statements))
        with connection.connection.cursor() as cursor:
            began = time.perf_counter()
            for statement in recorder.statements:
                cursor.execute(statement.sql, statement.params)
                cursor.fetchall()
            sql_ms.append((time.perf_counter() - began) * 1e3)

    def naive(point: tuple[float, float]) -> list:
        here = Point(*point, srid=4326)
        criteria = SearchCriteria(near=here, limit=LIMIT, **extra)
        rows = (
            ServiceAtLocation.objects.filter(
                service__in=criteria.services(), location__point__isnull=False
            )
            .select_related(
                "service__organization", "location__district", "location__neighbourhood"
            )
            .annotate(d=Distance("location__point", here))
            .order_by("d")[:LIMIT]
        )
        return list(rows)

    naive(points[0])  # warm-up
    naive_ms = []
    for point in points[: naive_runs_for(size)]:
        began = time.perf_counter()
        naive(point)
        naive_ms.append((time.perf_counter() - began) * 1e3)

    api, sql, slow = summary(api_ms), summary(sql_ms), summary(naive_ms)
    allowed = TARGET_RATIO * sql["p50"] + TARGET_SLACK_MS
    plan = explain(pages[0])
    result: dict[str, Any] = {
        "params": extra,
        "example_path": api_path(points[0], extra),
        "features_per_page": {"min": min(features), "max": max(features)},
        "api_ms": api,
        "sql_ms": sql,
        "naive_ms": slow,
        "api_over_sql": round(api["p50"] / sql["p50"], 2),
        "naive_over_api": round(slow["p50"] / api["p50"], 1),
        "naive_over_sql": round(slow["p50"] / sql["p50"], 1),
        "api_breakdown_p50_ms": {
            kind: round(statistics.median(values), 3) for kind, values in breakdown.items()
        },
        "page_select_sql": pages[0].sql,
        "explain": plan,
        "targets": {
            "api_p50_within_1.5x_sql_plus_2ms": {
                "met": api["p50"] <= allowed,
                "api_p50": api["p50"],
                "allowed_ms": round(allowed, 3),
            }
        },
    }
    if size >= TARGET_SPEEDUP_SIZE:
        result["targets"]["naive_20x_slower_than_api"] = {
            "met": result["naive_over_api"] >= TARGET_SPEEDUP,
            "naive_over_api": result["naive_over_api"],
        }
        result["targets"]["page_select_uses_knn_index"] = {"met": plan["index_assisted"]}
    # Counts, when the search runs any, can outweigh the page at 1M: keep their plans too.
    result["count_explains"] = [
        {"sql": s.sql, "plan": run_explain(s)} for s in last.statements if s.kind == "count"
    ]
    return result


# --------------------------------------------------------------------------------------------
# Report


def code_version() -> dict[str, Any]:
    """The commit measured and the files changed since (the app code moves between runs)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--untracked-files=no").splitlines(),
    }


def environment() -> dict[str, Any]:
    """Versions and machine facts that matter to the numbers."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), postgis_lib_version(), current_setting('shared_buffers')")
        pg_version, postgis, shared_buffers = cursor.fetchone()
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "postgis": postgis,
        "shared_buffers": shared_buffers,
        "cpus": os.cpu_count(),
        # Other work on the machine skews timings: compare runs with similar load.
        "load_average_1_5_15_min_at_end": [round(x, 2) for x in os.getloadavg()],
        "machine": platform.platform(),
    }


def plan_kind(plan: dict[str, Any]) -> str:
    """``knn`` (index-ordered), ``sort`` (every candidate sorted by distance) or ``other``."""
    if plan["index_assisted"]:
        return "knn"
    return "sort" if plan["sorts_by_distance"] else "other"


def print_table(results: list[dict[str, Any]]) -> None:
    """The results as a small fixed-width table."""
    header = (
        f"{'size':>9}  {'variant':<18} {'api p50':>8} {'p95':>8} {'sql p50':>8} {'p95':>7}"
        f" {'api/sql':>7} {'naive p50':>9} {'naive/api':>9} {'naive/sql':>9} {'plan':>5}  targets"
    )
    print(header)
    print("-" * len(header))
    for by_size in results:
        for name, v in by_size["variants"].items():
            api, sql = v["api_ms"], v["sql_ms"]
            met = all(t["met"] for t in v["targets"].values())
            print(
                f"{by_size['size']:>9,}  {name:<18} {api['p50']:>8.1f} {api['p95']:>8.1f}"
                f" {sql['p50']:>8.1f} {sql['p95']:>7.1f} {v['api_over_sql']:>7.1f}"
                f" {v['naive_ms']['p50']:>9.1f} {v['naive_over_api']:>8.1f}x"
                f" {v['naive_over_sql']:>8.1f}x"
                f" {plan_kind(v['explain']):>5}  {'met' if met else 'MISSED'}"
            )
    print(
        "ms. api = in-process Django test Client request (routing, validation, search, GeoJSON;"
        " no HTTP server); sql = the statements the API ran, alone, via psycopg; plan = how"
        " the page select orders rows (knn = index-ordered scan on " + PAGE_INDEX + ")."
    )


def write_report(output: Path, report: dict[str, Any], print_results: Callable[[], None]) -> int:
    """Write ``report`` (with ``missed``, ``runtime_s``) as JSON to ``output``, print the
    results and the missed targets; the exit status: 0 when every target is met, else 1."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print()
    print_results()
    print()
    if report["missed"]:
        print("TARGETS MISSED:")
        for line in report["missed"]:
            print(f"  - {line}")
    else:
        print("All targets met.")
    print(f"Results: {output.relative_to(REPO)} ({report['runtime_s']} s)")
    return 1 if report["missed"] else 0


def main() -> int:
    """Run the benchmark; 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="comma-separated numbers of services (default: %(default)s)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))

    began = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    url = bench_database_url()
    server = Server(url)
    if not server.exists(server.name):
        server.create(server.name)
    # Django reads DATABASE_URL once, at set-up: point it at the bench database first.
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapping.settings")
    # The bench is one client asking thousands of times: measure the work, do not throttle it.
    os.environ["HARTIS_API_RATE_LIMIT"] = "off"
    import django

    django.setup()

    results = []
    for size in sizes:
        print(f"==> {size:,} services (database {server.name})")
        data = activate(server, size)
        print(f"    data: {data['how']} in {data['seconds']} s")
        by_size: dict[str, Any] = {"size": size, "data": data, "rows": row_counts(), "variants": {}}
        for name, extra in VARIANTS.items():
            t0 = time.perf_counter()
            by_size["variants"][name] = v = measure_variant(size, extra)
            print(
                f"    {name:<18} api p50 {v['api_ms']['p50']:.2f} ms, sql p50 "
                f"{v['sql_ms']['p50']:.2f} ms, naive p50 {v['naive_ms']['p50']:.1f} ms "
                f"({time.perf_counter() - t0:.0f} s)"
            )
            print("      plan: " + "\n            ".join(v["explain"]["plan"][:8]))
        results.append(by_size)

    missed = [
        f"{r['size']:,} {name}: {target}"
        for r in results
        for name, v in r["variants"].items()
        for target, check in v["targets"].items()
        if not check["met"]
    ]
    report = {
        "benchmark": "nearest services API",
        "endpoint": f"GET /api/services/?near=<lon>,<lat>&limit={LIMIT}",
        "api_measured_as": "in-process django.test.Client request: URL routing, parameter "
        "validation, search (every statement it runs), GeoJSON rendering; no HTTP "
        "server or socket",
        "sql_measured_as": "every statement captured from the API call (the page select, plus "
        "the remote-services page when located results run out), re-executed right after it "
        "with its parameters on the raw psycopg connection (execute + fetchall)",
        "naive_measured_as": "ServiceAtLocation.objects.filter(service__in=criteria.services(), "
        "location__point__isnull=False).select_related(...).annotate(d=Distance("
        "'location__point', point)).order_by('d')[:20], evaluated",
        "targets": {
            "api_p50_ms": f"<= {TARGET_RATIO} x sql p50 + {TARGET_SLACK_MS} ms, every size",
            "naive_over_api": f">= {TARGET_SPEEDUP} at {TARGET_SPEEDUP_SIZE:,}",
            "page_select": f"index-ordered KNN scan on {PAGE_INDEX} at {TARGET_SPEEDUP_SIZE:,}",
        },
        "data": {
            "source": SOURCE,
            "seed": SEED,
            "athens_share": ATHENS_SHARE,
            "greece_bbox": GREECE_BBOX,
            "athens_bbox": ATHENS_BBOX,
            "services_per_organization": SERVICES_PER_ORGANIZATION,
        },
        "code": code_version(),
        "environment": {**environment(), "load_average_1_5_15_min_at_start": load_at_start},
        "results": results,
        "missed": missed,
        "all_met": not missed,
        "runtime_s": round(time.perf_counter() - began, 1),
    }
    return write_report(OUTPUT, report, lambda: print_table(results))


if __name__ == "__main__":
    sys.exit(main())
