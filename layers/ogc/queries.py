"""The SQL of the OGC API: one statement per page of features, GeoJSON made by PostgreSQL.

A page is one statement of named steps:

1. ``matched``  the ids of every matching feature: the collection's ORM query
                (layers.ogc.collections: the directory's rules, the bbox, the datetime),
                inlined (NOT MATERIALIZED) where it is used, so the count and the page each
                get their own plan (with nothing to narrow it, the page walks the primary key
                in order and stops). The bbox is a constant expression in it, not a step of
                its own: PostgreSQL estimates the rows a constant box selects, but not those
                of a CTE or subquery (at 1M services, a box over Athens: 6.5 s → 0.8 s);
2. ``page``     ``limit`` ids from ``offset``, in id order: stable, so offset paging neither
                repeats nor skips features while the data stays the same;
3. ``feature``  each feature as GeoJSON: ``ST_AsGeoJSON`` of the geometry in the output CRS
                (6 decimals for degrees, 2 for metres) and its properties (the organisations
                first gather their places: ``places``, ``place``, ``located``, ``served``);
4.              the count of ``matched`` (exact) and the features as one JSON array text.

Python then only wraps that text with the members it knows (links, counts, time stamp):
coordinates are never parsed or written by Python. The count is kept between pages (see
COUNTED_FAMILY), so a client paging through a million features pays for it once; offset
paging then costs the skipped rows of the page's own plan.
"""

import datetime
import json
import math
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from psycopg import sql

from layers.models import CoverageLevel
from layers.ogc import steps
from layers.ogc.collections import (
    AREA_MODELS,
    COVERAGE_BY_MINUTES,
    Collection,
    all_places,
    coverage_scenarios,
    organization_places,
)
from layers.ogc.crs import CRS84, Crs
from layers.ogc.params import GEOJSON, HTML, ItemsParams
from layers.orm_steps import named
from layers.tiles.cache import cache_key, cached

STATEMENT = """
WITH matched AS NOT MATERIALIZED (  -- filter: the collection's rules (ORM)
    {matched}
), page AS (  -- the requested ids, in id order
    {page}
), {steps}feature AS (  -- each feature as GeoJSON, in the output CRS
    {feature}
)
SELECT {count},  -- exact numberMatched, unless known already
       count(*),  -- numberReturned
       coalesce(json_agg(feature.f ORDER BY feature.id), '[]')::text
FROM feature
"""
PAGE = "SELECT id FROM matched ORDER BY id LIMIT %(limit)s OFFSET %(offset)s"
ONE = "SELECT id FROM matched WHERE id = %(feature_id)s"


def _geojson(geometry: str, crs: Crs) -> sql.Composable:
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)::json").format(
        crs.output(sql.SQL(geometry)), sql.Literal(crs.precision)
    )


def _service_url(base_url: str) -> dict[str, str]:
    """The page of a service, as a template for SQL: the URL of a made-up id to replace."""
    any_id = "00000000-0000-0000-0000-000000000000"
    return {"service_url": base_url + reverse("service-page", args=[any_id]), "any_id": any_id}


def _feature_steps(
    collection: Collection, crs: Crs, base_url: str
) -> tuple[sql.Composable, sql.Composable, dict[str, Any]]:
    """The steps between ``page`` and ``feature`` of ``collection``, its ``feature`` step
    in ``crs``, and their parameters."""
    if collection.kind == "services":
        feature = sql.SQL(steps.SERVICE_FEATURE).format(geometry=_geojson("l.point", crs))
        return sql.SQL(""), feature, _service_url(base_url)
    if collection.kind == "organizations":
        places, values = _orm_step(organization_places(), "p")
        before = sql.SQL(steps.ORGANIZATION_STEPS).format(places=places)
        geometry = _geojson("located.geom", crs)
        return before, sql.SQL(steps.ORGANIZATION_FEATURE).format(geometry=geometry), values
    geometry = _geojson("a.geom", crs)
    if collection.kind != "coverage":
        return (
            sql.SQL(""),
            sql.SQL(steps.AREA_FEATURE[collection.kind]).format(geometry=geometry),
            {},
        )
    scenarios = coverage_scenarios(collection.theme)
    shared_from = next(key for key, minutes in scenarios.items() if minutes == steps.SHARED_FROM)
    return (
        sql.SQL(""),
        sql.SQL(steps.COVERAGE_FEATURE).format(geometry=geometry),
        {
            "scenarios": list(scenarios),
            "minutes": list(scenarios.values()),
            "by_minutes": list(COVERAGE_BY_MINUTES),
            "not_shared": [*COVERAGE_BY_MINUTES, *steps.NOT_PUBLISHED],
            "level": CoverageLevel.NEIGHBOURHOOD.value,
            "shared_from": shared_from,
        },
    )


def _orm_step(query: QuerySet, prefix: str) -> tuple[sql.Composable, dict[str, Any]]:
    """An ORM query as a step of a statement, its positional parameters renamed with
    ``prefix`` so they mix with the statement's named ones."""
    step = named(query, prefix)
    return sql.SQL(step.sql), step.params


COUNT = sql.SQL("(SELECT count(*) FROM matched)")
NO_COUNT = sql.SQL("NULL::bigint")


def _statement(
    collection: Collection, params: ItemsParams, page: str, base_url: str, *, count: bool = True
) -> tuple[sql.Composable, dict[str, Any]]:
    """The statement of ``collection`` for ``params``; ``page`` chooses the ids; ``count``:
    whether it counts every match too."""
    values: dict[str, Any] = {"limit": params.limit, "offset": params.offset}
    matched, matched_values = _orm_step(collection.matched(params), "m")
    before, feature, step_values = _feature_steps(collection, params.crs, base_url)
    statement = sql.SQL(STATEMENT).format(
        matched=matched,
        page=sql.SQL(page),
        steps=before,
        feature=feature,
        count=COUNT if count else NO_COUNT,
    )
    return statement, values | matched_values | step_values


def _run(statement: sql.Composable, values: dict[str, Any]) -> tuple[int, int, str]:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection), values)
        return cursor.fetchone()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _with_features(head: dict[str, Any], features: str) -> bytes:
    """``head`` as JSON with the members ``features`` (JSON text from PostgreSQL) added,
    without parsing them."""
    return (json.dumps(head)[:-1] + ', "features": ' + features + "}").encode()


def items_links(
    collection: Collection, params: ItemsParams, matched: int, returned: int, base_url: str
) -> list[dict[str, str]]:
    """Links of an items page: self, alternate (HTML), next and prev, the collection."""
    path = base_url + reverse("ogc-items", args=[collection.id])

    def link(rel: str, media_type: str, title: str, **changes: object) -> dict[str, str]:
        href = f"{path}?{params.query_string(**changes)}"
        return {"rel": rel, "type": media_type, "title": title, "href": href}

    links = [
        link("self", GEOJSON, _("This page as GeoJSON"), f="json"),
        link("alternate", HTML, _("This page as HTML"), f="html"),
    ]
    if params.offset + returned < matched:
        offset = params.offset + params.limit
        links.append(link("next", GEOJSON, _("Next page"), f="json", offset=offset))
    if params.offset > 0:
        offset = max(0, params.offset - params.limit)
        links.append(link("prev", GEOJSON, _("Previous page"), f="json", offset=offset))
    links.append(
        {
            "rel": "collection",
            "type": "application/json",
            "title": str(collection.title),
            "href": base_url + reverse("ogc-collection", args=[collection.id]),
        }
    )
    return links


# Counting every match costs a pass over all of them (most of a page's time at a million
# services), while paging asks the same count again for every page: counts of the services and
# organisations are kept under the tile cache's generation of the directory's data
# (layers.tiles.cache), which every change replaces once committed, so a kept count is exact.
# Areas and coverage are a few hundred rows: counted each time.
COUNTED_FAMILY = {"services": "services", "organizations": "services"}
COUNT_SECONDS = 3600


def _count_key(collection: Collection, params: ItemsParams) -> str:
    bbox = ",".join(map(repr, params.bbox)) if params.bbox else ""
    period = [moment.isoformat() if moment else "" for moment in params.interval or ()]
    filters = [f"{name}={value}" for name, value in sorted(params.filters.items())]
    return cache_key("ogc-count", collection.id, bbox, params.bbox_crs.uri, *period, "|", *filters)


def _page(collection: Collection, params: ItemsParams, base_url: str) -> tuple[int, int, str]:
    """numberMatched, numberReturned and the features' JSON text of a page."""
    family = COUNTED_FAMILY.get(collection.kind)
    if family is None:
        return _run(*_statement(collection, params, PAGE, base_url))
    made: list[tuple[int, int, str]] = []

    def count_and_page() -> int:
        made.append(_run(*_statement(collection, params, PAGE, base_url)))
        return made[0][0]

    matched = cached(family, _count_key(collection, params), count_and_page, COUNT_SECONDS)
    if made:
        return made[0]
    _, returned, features = _run(*_statement(collection, params, PAGE, base_url, count=False))
    return matched, returned, features


def items_page(
    collection: Collection | str, params: ItemsParams | None = None, *, base_url: str = ""
) -> bytes:
    """One page of ``collection`` (an object or its id) for ``params`` (default: the first
    10 features in CRS84) as a UTF-8 GeoJSON FeatureCollection with ``numberMatched``
    (exact), ``numberReturned``, ``timeStamp`` and paging ``links`` (absolute when
    ``base_url``, e.g. ``https://hartis.example``, is given). One statement, after a read of
    the kept count for services and organisations (see COUNTED_FAMILY)."""
    if isinstance(collection, str):
        collection = _collection(collection)
    params = params or ItemsParams()
    matched, returned, features = _page(collection, params, base_url)
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": _now(),
        "links": items_links(collection, params, matched, returned, base_url),
    }
    return _with_features(head, features)


def feature(
    collection: Collection, feature_id: object, crs: Crs = CRS84, *, base_url: str = ""
) -> bytes | None:
    """The feature ``feature_id`` of ``collection`` in ``crs`` as GeoJSON with its links, or
    None when the collection does not hold it. One statement."""
    params = ItemsParams(crs=crs)
    statement, values = _statement(collection, params, ONE, base_url, count=False)
    __, returned, features = _run(statement, values | {"feature_id": feature_id})
    if not returned:
        return None
    path = base_url + reverse("ogc-item", args=[collection.id, feature_id])
    query = f"?crs={crs.uri}" if crs is not CRS84 else ""
    links = [
        {"rel": "self", "type": GEOJSON, "title": _("This feature"), "href": path + query},
        {
            "rel": "alternate",
            "type": HTML,
            "title": _("This feature as HTML"),
            "href": f"{path}?f=html",
        },
        {
            "rel": "collection",
            "type": "application/json",
            "title": str(collection.title),
            "href": base_url + reverse("ogc-collection", args=[collection.id]),
        },
    ]
    text = features[1:-1]  # the one feature of the array
    return (text[:-1] + ', "links": ' + json.dumps(links) + "}").encode()


def _collection(collection_id: str) -> Collection:
    from layers.ogc.collections import get_collection

    found = get_collection(collection_id)
    if found is None:
        raise LookupError(f"No OGC collection {collection_id!r}")
    return found


@dataclass(frozen=True)
class Extent:
    """A collection's extent: bbox in CRS84 (None when empty) and first/last time."""

    bbox: tuple[float, float, float, float] | None
    interval: tuple[str | None, str | None] | None


EXTENT_CACHE_SECONDS = 60


def extents(collections: list[Collection]) -> dict[str, Extent]:
    """The extent of each of ``collections``. Those of services and organisations take a
    pass over every place (seconds at a million): kept under the directory's generation like
    the counts. The others (a few hundred areas) are kept a minute in the process cache."""
    directory = [c for c in collections if c.kind in COUNTED_FAMILY]
    found: dict[str, Extent] = {}
    if directory:
        key = cache_key("ogc-extents", *(c.id for c in directory))
        found |= cached("services", key, lambda: _extents_now(directory), COUNT_SECONDS)
    areas = [c for c in collections if c.kind not in COUNTED_FAMILY]
    keys = {c.id: f"hartis:ogc:extent:{c.id}" for c in areas}
    kept = cache.get_many(list(keys.values()))
    found |= {cid: kept[key] for cid, key in keys.items() if key in kept}
    missing = [c for c in areas if c.id not in found]
    if missing:
        fresh = _extents_now(missing)
        cache.set_many({keys[cid]: extent for cid, extent in fresh.items()}, EXTENT_CACHE_SECONDS)
        found |= fresh
    return found


def _extents_now(collections: list[Collection]) -> dict[str, Extent]:
    """The extents of ``collections``, computed in one statement."""
    parts, values = [], {}
    for number, collection in enumerate(collections):
        part, part_values = _extent_part(collection, f"c{number}_")
        parts.append(part)
        values |= part_values
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("UNION ALL").join(parts).as_string(cursor.connection), values)
        return {row[0]: _extent(row) for row in cursor.fetchall()}


def _extent(row: tuple) -> Extent:
    _, west, south, east, north, first, last = row
    bbox = None
    if west is not None:
        # Rounded outwards to 6 decimals, so the box still holds every feature.
        bbox = (
            math.floor(west * 1e6) / 1e6,
            math.floor(south * 1e6) / 1e6,
            math.ceil(east * 1e6) / 1e6,
            math.ceil(north * 1e6) / 1e6,
        )
    interval = None
    if first is not None:
        interval = (_rfc3339(first), _rfc3339(last))
    return Extent(bbox, interval)


def _rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _extent_part(collection: Collection, prefix: str) -> tuple[sql.Composable, dict[str, Any]]:
    matched, values = _orm_step(collection.matched(ItemsParams()), f"{prefix}m")
    before = sql.SQL("")
    if collection.kind == "services":
        extent = sql.SQL(steps.SERVICES_EXTENT)
    elif collection.kind == "organizations":
        places, place_values = _orm_step(all_places(), f"{prefix}p")
        values |= place_values
        before = sql.SQL("places AS (\n    {}\n), ").format(places)
        extent = sql.SQL(steps.ORGANIZATIONS_EXTENT)
    else:
        model = AREA_MODELS.get(collection.kind, AREA_MODELS["neighbourhoods"])  # coverage
        table = model._meta.db_table
        extent = sql.SQL(steps.AREA_EXTENT).format(table=sql.Identifier(table))
    part = sql.SQL(steps.EXTENT).format(
        steps=before, matched=matched, extent=extent, collection=sql.Literal(collection.id)
    )
    return part, values
