"""OGC API – Features endpoints: parse the request, call one query, render JSON or HTML.

The format is ``f=json|html`` when given, else the Accept header (HTML when a client prefers
``text/html`` to every JSON type, as browsers do; JSON otherwise). Refusals are OGC
exceptions ``{"code", "description"}`` with status 400 or 404.
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularSwaggerView

from layers.ogc import metadata
from layers.ogc.collections import Collection, get_collection, theme_names
from layers.ogc.crs import CRS84
from layers.ogc.openapi import openapi_document
from layers.ogc.params import (
    GEOJSON,
    JSON,
    OPENAPI,
    ApiError,
    check_names,
    item_crs,
    items_params,
    not_found,
    output_format,
)
from layers.ogc.queries import feature, items_page

View = Callable[..., HttpResponse]


def _wants_html(request: HttpRequest) -> bool:
    """Whether the Accept header ranks ``text/html`` above every JSON type (``*/*`` counts
    as JSON, our default)."""
    html = json_q = 0.0
    for part in request.headers.get("Accept", "").split(","):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    quality = float(option[2:])
                except ValueError:
                    quality = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif media == "*/*" or "json" in media:
            json_q = max(json_q, quality)
    return html > json_q


def _format(request: HttpRequest) -> str:
    return output_format(request.GET) or ("html" if _wants_html(request) else "json")


def ogc_view(view: View) -> View:
    """GET/HEAD only; ApiError answered as an OGC exception. Responses vary with Accept
    (the format) and Accept-Language (titles, descriptions, HTML)."""

    @require_safe
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except ApiError as error:
            if request.GET.get("f") == "html" or ("f" not in request.GET and _wants_html(request)):
                response = render(
                    request, "layers/ogc/error.html", {"error": error}, status=error.status
                )
            else:
                response = _json(error.body(), JSON, status=error.status)
        patch_vary_headers(response, ["Accept", "Accept-Language"])
        return response

    return wrapped


def _json(body: Any, media_type: str, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), content_type=media_type, status=status)


def _base_url(request: HttpRequest) -> str:
    """Scheme and host of the request, e.g. ``https://hartis.example``."""
    return request.build_absolute_uri("/")[:-1]


def _collection(collection_id: str, *, named: bool = False) -> Collection:
    collection = get_collection(collection_id, theme_names() if named else None)
    if collection is None:
        raise not_found(_("No collection %(id)r.") % {"id": collection_id})
    return collection


def _respond(
    request: HttpRequest, fmt: str, body: dict, template: str, media_type: str = JSON
) -> HttpResponse:
    if fmt == "json":
        return _json(body, media_type)
    return render(request, f"layers/ogc/{template}", {"body": body})


@ogc_view
def landing(request: HttpRequest) -> HttpResponse:
    """``/ogc/``: what the API is and links to everything else."""
    check_names(request.GET, ("f",))
    fmt = _format(request)
    return _respond(request, fmt, metadata.landing(_base_url(request), fmt), "landing.html")


@ogc_view
def conformance(request: HttpRequest) -> HttpResponse:
    """``/ogc/conformance``: the conformance classes the API implements."""
    check_names(request.GET, ("f",))
    fmt = _format(request)
    return _respond(request, fmt, metadata.conformance(_base_url(request), fmt), "conformance.html")


@ogc_view
def api(request: HttpRequest) -> HttpResponse:
    """``/ogc/api``: the OpenAPI 3.0 document, or Swagger UI (our own copy) reading it."""
    check_names(request.GET, ("f",))
    if _format(request) == "html":
        swagger = SpectacularSwaggerView.as_view(
            url=reverse("ogc-api") + "?f=json", title=_("Hartis OGC API – Features")
        )
        return swagger(request)
    return _json(openapi_document(_base_url(request)), OPENAPI)


@ogc_view
def collections(request: HttpRequest) -> HttpResponse:
    """``/ogc/collections``: every collection with its extent and links."""
    check_names(request.GET, ("f",))
    fmt = _format(request)
    return _respond(request, fmt, metadata.collections(_base_url(request), fmt), "collections.html")


@ogc_view
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    """``/ogc/collections/<id>``: one collection's description."""
    check_names(request.GET, ("f",))
    fmt = _format(request)
    found = _collection(collection_id, named=True)
    body = metadata.collection(found, _base_url(request), fmt)
    return _respond(request, fmt, body, "collection.html")


@ogc_view
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    """``/ogc/collections/<id>/queryables``: the properties a request can filter on, as a
    JSON Schema (OGC API – Features Part 3 shape)."""
    check_names(request.GET, ("f",))
    found = _collection(collection_id)
    body = metadata.queryables(found, _base_url(request))
    return _json(body, "application/schema+json")


@ogc_view
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    """``/ogc/collections/<id>/items``: a page of features."""
    found = _collection(collection_id)
    params = items_params(request.GET, found)
    fmt = _format(request)
    if fmt == "json":
        body = items_page(found, params, base_url=_base_url(request))
        return HttpResponse(body, content_type=GEOJSON, headers={"Content-Crs": params.crs.header})
    # The HTML page shows its map in lon/lat, whatever crs asks.
    page = json.loads(items_page(found, params.with_crs(CRS84), base_url=_base_url(request)))
    context = metadata.items_html(found, params, page, _base_url(request))
    return render(request, "layers/ogc/items.html", context)


@ogc_view
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    """``/ogc/collections/<id>/items/<featureId>``: one feature."""
    found = _collection(collection_id)
    crs = item_crs(request.GET)
    fmt = _format(request)
    wanted = found.feature_id(feature_id)
    body = None
    if wanted is not None:
        output = crs if fmt == "json" else CRS84
        body = feature(found, wanted, output, base_url=_base_url(request))
    if body is None:
        raise not_found(
            _("No feature %(id)r in %(collection)s.") % {"id": feature_id, "collection": found.id}
        )
    if fmt == "json":
        return HttpResponse(body, content_type=GEOJSON, headers={"Content-Crs": crs.header})
    context = metadata.item_html(found, json.loads(body), _base_url(request))
    return render(request, "layers/ogc/item.html", context)
