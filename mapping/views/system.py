"""System and information views."""

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from geodata.attribution import data_attribution_html
from geodata.spatial import postgis_version


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
def about_data(request: HttpRequest) -> HttpResponse:
    """Where the data come from and under which licences."""
    return render(request, "mapping/about_data.html", {"attribution": data_attribution_html()})
