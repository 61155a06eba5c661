"""GeoJSON for search results: small features, coordinates at 6 decimals (≈ 0.1 m)."""

import uuid

from django.contrib.gis.geos import Point
from django.urls import reverse

from mapping.localize import choose, reader_language
from mapping.search import ResultRow, SearchPage

PRECISION = 6


def point_geometry(point: Point | None) -> dict | None:
    """A GeoJSON Point ``[lon, lat]`` rounded to PRECISION decimals, or None."""
    if point is None:
        return None
    lon, lat = point.coords  # one GEOS call, not two
    return {"type": "Point", "coordinates": [round(lon, PRECISION), round(lat, PRECISION)]}


_ANY_ID = uuid.UUID(int=0)


def _detail_url_template() -> str:
    # Reversed once per page, not once per feature.
    return reverse("service-detail-api", args=[_ANY_ID]).replace(str(_ANY_ID), "{}")


def _properties(row: ResultRow, language: str, detail_url: str) -> dict:
    versions = {version["language"]: version["name"] for version in row.name_versions}
    name, name_language = choose(versions, row.service_name, row.service_language, language)
    return {
        "service_id": row.service_id,
        "name": name,
        "name_language": name_language,
        "organization": row.organization_name,
        "themes": sorted(set(row.theme_codes)),
        "categories": sorted(row.category_codes),
        "languages": sorted(row.language_codes),
        "is_free": row.service_is_free,
        "is_demo": row.service_is_demo,
        "status": row.service_status,
        "url": detail_url.format(row.service_id),
    }


def _located_feature(row: ResultRow, language: str, detail_url: str) -> dict:
    minutes = row.walk_minutes
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": row.geometry,  # GeoJSON from PostGIS, 6 decimals
        "properties": {
            **_properties(row, language, detail_url),
            "location_id": row.location_id,
            "location_name": row.location_name,
            "address": row.address,
            "district": row.district,
            "neighbourhood": row.neighbourhood,
            "distance_m": None if row.distance_m is None else round(row.distance_m),
            "walk_minutes": None if minutes is None else round(minutes),
        },
    }


def _remote_feature(row: ResultRow, language: str, detail_url: str) -> dict:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": None,
        "properties": {**_properties(row, language, detail_url), "remote": True},
    }


def feature_collection(page: SearchPage, *, next_url: str | None, previous_url: str | None) -> dict:
    """The page as a FeatureCollection with paging members: ``count`` (a lower bound unless
    ``count_is_exact``), ``page``, ``limit``, ``next``, ``previous``."""
    language, detail_url = reader_language(), _detail_url_template()
    return {
        "type": "FeatureCollection",
        "count": page.total,
        "count_is_exact": page.total_is_exact,
        "page": page.criteria.page,
        "limit": page.criteria.limit,
        "next": next_url,
        "previous": previous_url,
        "features": [_located_feature(row, language, detail_url) for row in page.located]
        + [_remote_feature(row, language, detail_url) for row in page.remote],
    }
