"""Thin views: parse input, call one read, render."""

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from geodata.attribution import data_attribution_html
from geodata.models import Municipality
from geodata.spatial import postgis_version
from mapping.models import Service


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the PostGIS version when the database answers, 503 when it does not."""
    try:
        version = postgis_version()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True, "postgis": version})


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what Hartis holds; the map arrives with the search issue."""
    context = {
        "municipalities": Municipality.objects.defer("geom"),
        "service_count": Service.objects.active().count(),
        "demo_count": Service.objects.active().filter(is_demo=True).count(),
    }
    return render(request, "mapping/home.html", context)


@require_safe
def about_data(request: HttpRequest) -> HttpResponse:
    """Where the data come from and under which licences."""
    return render(request, "mapping/about_data.html", {"attribution": data_attribution_html()})
