"""GeoJSON for search results: small features, coordinates at 6 decimals (≈ 0.1 m)."""

from collections.abc import Iterable

from django.contrib.gis.geos import Point
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from mapping.localize import localized
from mapping.models import Service, ServiceAtLocation, TaxonomyTerm
from mapping.search import SearchPage, walking_minutes

PRECISION = 6


def point_geometry(point: Point | None) -> dict | None:
    """A GeoJSON Point ``[lon, lat]`` rounded to PRECISION decimals, or None."""
    if point is None:
        return None
    return {"type": "Point", "coordinates": [round(point.x, PRECISION), round(point.y, PRECISION)]}


def prefetch_terms(services: Iterable[Service]) -> None:
    """Load categories (with their theme), languages and translations of ``services`` in three
    queries."""
    prefetch_related_objects(
        list(services),
        Prefetch("categories", queryset=TaxonomyTerm.objects.select_related("parent")),
        "languages",
        "translations",
    )


def _service_properties(service: Service) -> dict:
    categories = list(service.categories.all())
    text = localized(service, fields=("name",))
    return {
        "service_id": str(service.pk),
        "name": text.name,
        "name_language": text.name_language,
        "organization": service.organization.name,
        "themes": sorted({term.theme.code for term in categories}),
        "categories": sorted(term.code for term in categories),
        "languages": sorted(language.code for language in service.languages.all()),
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
            **_service_properties(row.service),
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
        "properties": {**_service_properties(service), "remote": True},
    }


def feature_collection(page: SearchPage, *, next_url: str | None, previous_url: str | None) -> dict:
    """The page as a FeatureCollection with paging members (count, count_is_exact — counts
    stop at mapping.search.COUNT_CAP —, page, limit, next, previous)."""
    prefetch_terms([row.service for row in page.located] + page.remote)
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
