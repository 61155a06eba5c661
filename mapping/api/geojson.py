"""GeoJSON for search results: small features, coordinates at 6 decimals (≈ 0.1 m)."""

import uuid

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
    lon, lat = point.coords  # one GEOS call, not two
    return {"type": "Point", "coordinates": [round(lon, PRECISION), round(lat, PRECISION)]}


_ANY_ID = uuid.UUID(int=0)


def _detail_url_template() -> str:
    # Reversed once per page, not once per feature.
    return reverse("service-detail-api", args=[_ANY_ID]).replace(str(_ANY_ID), "{}")


def _service_properties(
    service: Service, row: Service | ServiceAtLocation, language: str, detail_url: str
) -> dict:
    """Properties of a result; ``row`` carries mapping.search.list_annotations."""
    versions = {version["language"]: version["name"] for version in row.name_versions}
    name, name_language = choose(versions, service.name, service.language, language)
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
        "url": detail_url.format(service.pk),
    }


def _located_feature(row: ServiceAtLocation, language: str, detail_url: str) -> dict:
    location = row.location
    distance = getattr(row, "distance_m", None)
    minutes = walking_minutes(row)
    return {
        "type": "Feature",
        "id": str(row.pk),
        "geometry": point_geometry(location.point),
        "properties": {
            **_service_properties(row.service, row, language, detail_url),
            "location_id": str(location.pk),
            "location_name": location.name,
            "address": location.address_1,
            "district": location.district.number if location.district else None,
            "neighbourhood": location.neighbourhood.slug if location.neighbourhood else None,
            "distance_m": None if distance is None else round(distance),
            "walk_minutes": None if minutes is None else round(minutes),
        },
    }


def _remote_feature(service: Service, language: str, detail_url: str) -> dict:
    return {
        "type": "Feature",
        "id": str(service.pk),
        "geometry": None,
        "properties": {
            **_service_properties(service, service, language, detail_url),
            "remote": True,
        },
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
        + [_remote_feature(service, language, detail_url) for service in page.remote],
    }
