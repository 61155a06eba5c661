"""``GET /tiles/<layer>/<z>/<x>/<y>.mvt``: parse, make or reuse the tile, answer.

Answers: 200 with the tile; 204 (no body) when the tile has no feature, so clients skip
decoding an empty tile; 304 when ``If-None-Match`` names the current ETag; 400, 403 and 404
as JSON with the reasons, never a 500 for a bad address.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe
from rest_framework import serializers

from layers.coverage_layer import can_see_detail
from layers.tiles.cache import Tile, cached
from layers.tiles.catalogue import Refused, TileQuery, tile_query
from layers.tiles.grid import NoSuchTile, tile_address

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


def _matches(request: HttpRequest, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for this header)."""
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in wanted or etag in {tag.removeprefix("W/") for tag in wanted}


def _answer(request: HttpRequest, query: TileQuery, tile: Tile) -> HttpResponse:
    if _matches(request, tile.etag):
        response = HttpResponse(status=304)
    elif not tile.content:
        response = HttpResponse(status=204, content_type=MVT_CONTENT_TYPE)
    else:
        response = HttpResponse(tile.content, content_type=MVT_CONTENT_TYPE)
    response["ETag"] = tile.etag
    scope = "public" if query.public else "private"
    response["Cache-Control"] = f"{scope}, max-age={query.max_age}"
    if query.vary:
        patch_vary_headers(response, query.vary)
    return response


@require_safe
def tile(request: HttpRequest, layer: str, z: str, x: str, y: str) -> HttpResponse:
    """One vector tile (MVT 2.1) of ``layer``; the parameters each layer takes are in
    layers.tiles.catalogue."""
    try:
        address = tile_address(int(z), int(x), int(y))
        query = tile_query(
            layer, address, request.GET, detailed=lambda: can_see_detail(request.user)
        )
    except NoSuchTile as refusal:
        return JsonResponse({"detail": str(refusal)}, status=404)
    except Refused as refusal:
        return JsonResponse({"detail": refusal.detail}, status=refusal.status)
    except serializers.ValidationError as error:
        return JsonResponse(error.detail, status=400)
    return _answer(request, query, cached(query.family, query.key, lambda: Tile.of(query.render())))
