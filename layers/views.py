"""Map layer endpoints: thin, cached by ETag on the loaded geography."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from geodata.models import Municipality
from layers.areas import AREA_LAYERS, area_feature_collection


def _geography_etag(request: HttpRequest, kind: str) -> str | None:
    city = request.GET.get("city", "athens")
    checksum = Municipality.objects.filter(slug=city).values_list("source_checksum", flat=True)
    return f'"{kind}-{city}-{checksum.first()}"' if checksum else None


@require_safe
@cache_control(public=True, max_age=3600)
@condition(etag_func=_geography_etag)
def area_layer(request: HttpRequest, kind: str) -> HttpResponse:
    """``/api/layers/<districts|neighbourhoods>.geojson?city=athens``."""
    city = request.GET.get("city", "athens")
    if kind not in AREA_LAYERS or not Municipality.objects.filter(slug=city).exists():
        raise Http404("No such layer or city.")
    return HttpResponse(area_feature_collection(kind, city), content_type="application/geo+json")
