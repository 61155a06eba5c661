"""Public pages: the map, a service, neighbourhoods and districts, the referral sheet."""

import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from geodata.models import District, Neighbourhood
from mapping import directory
from mapping.api.geojson import point_geometry
from mapping.conf import hartis_options
from mapping.localize import localized
from mapping.models import OrganizationType, Publication, Service, TaxonomyTerm
from mapping.referral import referral_entries
from mapping.themes import theme_styles

CITY = "athens"
MAX_REFERRAL_SERVICES = 12  # one printed page of A4 in two languages, at most a few


def _map_config(**extra: object) -> dict[str, object]:
    options = hartis_options()
    return {
        "api": reverse("service-list-api"),
        "layers": {
            "districts": reverse("area-layer", args=["districts"]),
            "neighbourhoods": reverse("area-layer", args=["neighbourhoods"]),
        },
        "tiles": {"url": options.basemap_tile_url, "attribution": options.basemap_attribution},
        "themes": theme_styles(),
        "center": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),  # (lat, lon)
        "zoom": 14,
        **extra,
    }


def _map_text() -> dict[str, str]:
    """Strings the map script shows, translated here (named placeholders, filled in JS)."""
    return {
        "distance": gettext("%(km)s km · about %(minutes)s min walk"),
        "remote": gettext("Phone or online"),
        "demo": gettext("demo"),
        "yourPoint": gettext("Your point"),
        "pickHint": gettext("Click the map to choose a point."),
        "locating": gettext("Finding your position…"),
        "noGeolocation": gettext(
            "Your position is not available. Pick a point on the map instead."
        ),
        "nearPoint": gettext("Nearest first from the chosen point. The point is not stored."),
        "districts": gettext("Municipal districts"),
        "neighbourhoods": gettext("Neighbourhoods"),
        "refer": gettext("Add to referral sheet"),
        "details": gettext("Details"),
        "count": gettext("(%(count)s)"),
        "openNow": gettext("Open now"),
        "other": gettext("Other"),
    }


@require_safe
def map_page(request: HttpRequest) -> HttpResponse:
    """The map with filters and a result list; data arrive from the API."""
    context = {
        "map_config": _map_config(
            detailBase=reverse("service-page", args=[uuid.UUID(int=0)]),
            referral=reverse("referral-sheet"),
            text=_map_text(),
        ),
        **directory.filter_vocabulary(),
        "districts": District.objects.filter(municipality__slug=CITY).defer("geom"),
        "neighbourhoods": Neighbourhood.objects.filter(municipality__slug=CITY).defer("geom"),
        "organization_types": OrganizationType.choices,
    }
    return render(request, "mapping/map.html", context)


@require_safe
def service_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        service = directory.service_for_page(pk, viewer=request.user)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    not_public = service.publication != Publication.PUBLISHED
    places = [
        {
            "row": row,
            "geometry": point_geometry(row.location.point),
            "others": [
                other.service
                for other in row.location.services_here
                if other.service_id != service.pk
            ],
        }
        for row in service.service_at_locations.all()
    ]
    context = {
        "service": service,
        "text": localized(service),
        "places": places,
        "themes": sorted(
            {term.theme for term in service.categories.all()}, key=lambda t: t.position
        ),
        "months_since_verified": directory.months_since_verified(service),
        "stale": directory.is_stale(service),
        "map_config": _map_config(),
        "not_public": not_public,
    }
    response = render(request, "mapping/service.html", context)
    if not_public:
        # A preview for the organisation and the moderators: no shared cache may keep it.
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def neighbourhood_index(request: HttpRequest) -> HttpResponse:
    districts = (
        District.objects.filter(municipality__slug=CITY)
        .defer("geom")
        .prefetch_related("neighbourhoods")
    )
    return render(request, "mapping/neighbourhood_index.html", {"districts": districts})


def _area_page(
    request: HttpRequest, area: District | Neighbourhood, services: QuerySet, kind: str
) -> HttpResponse:
    counts = directory.theme_counts(services)
    context = {
        "area": area,
        "kind": kind,
        "rows": directory.located_rows(services),
        "nearby": directory.nearby_rows(area.geom, Service.objects.active()),
        "theme_counts": [(theme, counts[theme.code]) for theme in TaxonomyTerm.objects.themes()],
        "outline": area.geom.geojson,
        "map_config": _map_config(),
    }
    return render(request, "mapping/area.html", context)


@require_safe
def neighbourhood_page(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Neighbourhood, municipality__slug=CITY, slug=slug)
    return _area_page(
        request, area, Service.objects.active().in_neighbourhood(slug, CITY), "neighbourhood"
    )


@require_safe
def district_page(request: HttpRequest, number: int) -> HttpResponse:
    area = get_object_or_404(District, municipality__slug=CITY, number=number)
    return _area_page(request, area, Service.objects.active().in_district(number, CITY), "district")


@require_safe
def referral_sheet(request: HttpRequest) -> HttpResponse:
    """Print-ready sheet: ?services=<id>,<id>…&lang=<client language>."""
    ids = [value for value in request.GET.get("services", "").split(",") if value]
    try:
        ids = [uuid.UUID(value) for value in ids]
    except ValueError:
        return render(request, "mapping/referral_error.html", status=400)
    client_language = request.GET.get("lang") or translation.get_language()
    if (
        not ids
        or len(ids) > MAX_REFERRAL_SERVICES
        or client_language not in dict(settings.LANGUAGES)
    ):
        return render(request, "mapping/referral_error.html", status=400)
    entries = referral_entries(ids, client_language, request)
    if not entries:
        raise Http404("No such services.")
    return render(
        request,
        "mapping/referral.html",
        {"entries": entries},
    )
