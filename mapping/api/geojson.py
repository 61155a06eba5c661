"""GeoJSON for search results: small features, coordinates at 6 decimals (≈ 0.1 m)."""

from django.contrib.gis.geos import Point
from django.urls import reverse

from mapping.localize import choose, reader_language
from mapping.models import Service, ServiceAtLocation
from mapping.search import SearchPage, walking_minutes

PRECISION = 6


def point_geometry(point: Point | None) -> dict | None:
    """A GeoJSON Point ``[lon, lat]`` rounded to PRECISION decimals, or None."""
    if point is None:
        return None
    return {"type": "Point", "coordinates": [round(point.x, PRECISION), round(point.y, PRECISION)]}


def _service_properties(service: Service, row: Service | ServiceAtLocation) -> dict:
    """Properties of a result; ``row`` carries mapping.search.list_annotations."""
    versions = {version["language"]: version["name"] for version in row.name_versions}
    name, name_language = choose(versions, service.name, service.language, reader_language())
    return {
        "service_id": str(service.pk),
        "name": name,
        "name_language": name_language,
        "organization": service.organization.name,
        "themes": sorted(set(row.theme_codes)),
        "categories": sorted(row.category_codes),
        "languages": sorted(row.language_codes),
        "is_free": service.is_free,
        "is_demo": service.is_demo,
        "status": service.status,
        "url": reverse("service-detail-api", args=[service.pk]),
    }


def _located_feature(row: ServiceAtLocation) -> dict:
    location = row.location
    distance = getattr(row, "distance_m", None)
    minutes = walking_minutes(row)
    return {
        "type": "Feature",
        "id": str(row.pk),
        "geometry": point_geometry(location.point),
        "properties": {
            **_service_properties(row.service, row),
            "location_id": str(location.pk),
            "location_name": location.name,
            "address": location.address_1,
            "district": location.district.number if location.district else None,
            "neighbourhood": location.neighbourhood.slug if location.neighbourhood else None,
            "distance_m": None if distance is None else round(distance),
            "walk_minutes": None if minutes is None else round(minutes),
        },
    }


def _remote_feature(service: Service) -> dict:
    return {
        "type": "Feature",
        "id": str(service.pk),
        "geometry": None,
        "properties": {**_service_properties(service, service), "remote": True},
    }


def feature_collection(page: SearchPage, *, next_url: str | None, previous_url: str | None) -> dict:
    """The page as a FeatureCollection with paging members: ``count`` (a lower bound unless
    ``count_is_exact``), ``page``, ``limit``, ``next``, ``previous``."""
    return {
        "type": "FeatureCollection",
        "count": page.total,
        "count_is_exact": page.total_is_exact,
        "page": page.criteria.page,
        "limit": page.criteria.limit,
        "next": next_url,
        "previous": previous_url,
        "features": [_located_feature(row) for row in page.located]
        + [_remote_feature(service) for service in page.remote],
    }
