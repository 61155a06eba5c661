"""GeoJSON for search results: small features, coordinates at 6 decimals (≈ 0.1 m).

The features of a search are written by PostgreSQL, as the last step of the search's own
statement (:data:`FEATURES`), and put into the FeatureCollection as they come: reading the
rows into Python objects and writing them out again as JSON was about a fifth of a nearest
request's Python time. The text is the one DRF's JSONRenderer would write for the same data
(compact, UTF-8; see :func:`feature_collection` for U+2028/U+2029).
"""

import json
import uuid

from django.contrib.gis.geos import Point
from django.urls import reverse

from geodata.spatial import WALKING_DETOUR_FACTOR, WALKING_SPEED_M_PER_MIN
from mapping.localize import fallback_chain, reader_language
from mapping.search import PageOutput, SearchCriteria, SearchPage, search

PRECISION = 6


def point_geometry(point: Point | None) -> dict | None:
    """A GeoJSON Point ``[lon, lat]`` rounded to PRECISION decimals, or None."""
    if point is None:
        return None
    lon, lat = point.coords  # one GEOS call, not two
    return {"type": "Point", "coordinates": [round(lon, PRECISION), round(lat, PRECISION)]}


# The name shown is localize.choose's: the first of the reader's languages (localize's
# fallback chain, passed in) with a non-empty name, the original counting for its own
# language; else the original.
_CHOSEN_NAME = """
CROSS JOIN reader
LEFT JOIN LATERAL (  -- the name in the first of the reader's languages that has one
    SELECT version.name, version.language
    FROM unnest(reader.languages) WITH ORDINALITY AS wanted (language, rank)
    JOIN (
        SELECT page.service_language AS language, page.service_name AS name
        UNION ALL
        SELECT translation.language, translation.name
        FROM mapping_servicetranslation AS translation
        WHERE translation.service_id = page.row_service_id
          AND translation.language <> page.service_language
    ) AS version ON version.language = wanted.language
    WHERE version.name <> ''
    ORDER BY wanted.rank
    LIMIT 1
) AS chosen ON TRUE"""

# Properties of every feature, in the order the API has always written them.
_PROPERTIES = """page.row_service_id AS service_id,
                coalesce(chosen.name, page.service_name) AS name,
                coalesce(chosen.language, page.service_language) AS name_language,
                organization.name AS organization,
                coalesce(categories.themes, '{{}}') AS themes,
                coalesce(categories.category_codes, '{{}}') AS categories,
                coalesce(languages.language_codes, '{{}}') AS languages,
                page.service_is_free AS is_free,
                page.service_is_demo AS is_demo,
                page.service_status AS status,
                reader.url_before || page.row_service_id || reader.url_after AS url"""

_FROM = """
FROM page
JOIN mapping_organization AS organization ON organization.id = page.organization_ref
LEFT JOIN categories ON categories.service_id = page.row_service_id
LEFT JOIN languages ON languages.service_id = page.row_service_id"""

# Distances rounded as Python's round() does (half to even, as PostgreSQL's round of a double);
# the walk is geodata.spatial.walk_minutes, the same two operations on the same doubles.
_LOCATED = (
    """
SELECT row_to_json(feature)::text"""
    + _FROM
    + """{place_joins}"""
    + _CHOSEN_NAME
    + f"""
CROSS JOIN LATERAL (
    SELECT 'Feature' AS type, page.row_id AS id,
           ST_AsGeoJSON(page.place_point, {PRECISION}, 0)::json AS geometry,
           (SELECT row_to_json(properties) FROM (
                SELECT {_PROPERTIES},
                page.location_id, page.location_name, page.address,
                district.number AS district, neighbourhood.slug AS neighbourhood,
                round({{distance}})::bigint AS distance_m,
                round({{distance}} * {WALKING_DETOUR_FACTOR!r}::float8
                      / {WALKING_SPEED_M_PER_MIN!r}::float8)::bigint AS walk_minutes
           ) AS properties) AS properties
) AS feature
ORDER BY {{keys}}
"""
)

_REMOTE = (
    """
SELECT row_to_json(feature)::text"""
    + _FROM
    + _CHOSEN_NAME
    + f"""
CROSS JOIN LATERAL (
    SELECT 'Feature' AS type, page.row_id AS id, NULL::json AS geometry,
           (SELECT row_to_json(properties) FROM (
                SELECT {_PROPERTIES}, TRUE AS remote
           ) AS properties) AS properties
) AS feature
ORDER BY {{keys}}
"""
)

FEATURES = PageOutput(
    located=_LOCATED,
    remote=_REMOTE,
    reader=("languages text[]", "url_before text", "url_after text"),
)

_ANY_ID = uuid.UUID(int=0)


def search_features(criteria: SearchCriteria) -> SearchPage:
    """The page ``criteria`` asks for, each result a GeoJSON Feature (JSON text) for the
    active language's readers."""
    # The detail URL is reversed once per page, not once per feature.
    before, _, after = reverse("service-detail-api", args=[_ANY_ID]).partition(str(_ANY_ID))
    languages = fallback_chain(reader_language())
    return search(criteria, FEATURES, (languages, before, after))


class RenderedJSON(bytes):
    """A response body already written as JSON (see mapping.api.views' renderers)."""


def feature_collection(
    page: SearchPage, *, next_url: str | None, previous_url: str | None
) -> RenderedJSON:
    """The page (from :func:`search_features`) as a FeatureCollection with paging members:
    ``count`` (a lower bound unless ``count_is_exact``), ``page``, ``limit``, ``next``,
    ``previous``."""
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "count": page.total,
            "count_is_exact": page.total_is_exact,
            "page": page.criteria.page,
            "limit": page.criteria.limit,
            "next": next_url,
            "previous": previous_url,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    text = f'{head[:-1]},"features":[{",".join(page.located + page.remote)}]}}'
    # Valid JSON, but they end a line in JavaScript: escaped, as DRF's JSONRenderer does.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return RenderedJSON(text.encode())
