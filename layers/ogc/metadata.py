"""The documents about the data: landing page, conformance, collections, queryables, and the
context of the HTML pages of features. Links are absolute (``base_url`` + path)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from layers.ogc.collections import Collection, all_collections, theme_names
from layers.ogc.crs import CRS84_URI, STORAGE_CRS, supported_uris
from layers.ogc.params import GEOJSON, HTML, JSON, OPENAPI, ItemsParams
from layers.ogc.queries import extents
from mapping.conf import hartis_options
from mapping.vocabulary import known_codes

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
# The properties an HTML list of features shows; a feature's own page shows them all.
SUMMARY = {
    "services": ("name", "organization", "themes", "languages", "address", "is_demo"),
    "organizations": ("name", "organization_type", "services", "themes", "is_demo"),
    "neighbourhoods": ("slug", "name", "name_en", "district"),
    "districts": ("number", "name", "name_en"),
    "tracts": ("code", "district", "neighbourhood", "population_2011", "area_m2"),
    "coverage": ("name", "population", "share_covered_10", "share_covered_15", "share_covered_20"),
}


def _link(rel: str, media_type: str, title: str, href: str) -> dict[str, str]:
    return {"rel": rel, "type": media_type, "title": title, "href": href}


def _self_links(href: str, fmt: str, media_type: str = JSON) -> list[dict[str, str]]:
    """``self`` in the format served and ``alternate`` in the other one."""
    as_json = _link("self", media_type, _("This document as JSON"), f"{href}?f=json")
    as_html = _link("self", HTML, _("This document as HTML"), f"{href}?f=html")
    if fmt == "json":
        return [as_json, {**as_html, "rel": "alternate"}]
    return [as_html, {**as_json, "rel": "alternate"}]


def landing(base_url: str, fmt: str) -> dict[str, Any]:
    api = base_url + reverse("ogc-api")
    conformance_url = base_url + reverse("ogc-conformance")
    data = base_url + reverse("ogc-collections")
    return {
        "title": _("Hartis OGC API – Features"),
        "description": _(
            "Services for migrants and refugees, the city's areas and the coverage of each "
            "theme, as OGC API – Features (GeoJSON and HTML; CRS84, EPSG:4326, EPSG:3857 "
            "and EPSG:2100)."
        ),
        "links": [
            *_self_links(base_url + reverse("ogc-landing"), fmt),
            _link("service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)"), f"{api}?f=json"),
            _link("service-doc", HTML, _("The API documentation"), f"{api}?f=html"),
            _link("conformance", JSON, _("Conformance classes"), conformance_url),
            _link(OGC_REL + "conformance", JSON, _("Conformance classes"), conformance_url),
            _link("data", JSON, _("Collections"), data),
            _link(OGC_REL + "data", JSON, _("Collections"), data),
        ],
    }


def conformance(base_url: str, fmt: str) -> dict[str, Any]:
    return {
        "conformsTo": list(CONFORMANCE),
        "links": _self_links(base_url + reverse("ogc-conformance"), fmt),
    }


def _collection_body(collection: Collection, extent: Any, base_url: str, fmt: str) -> dict:
    path = base_url + reverse("ogc-collection", args=[collection.id])
    items_url = base_url + reverse("ogc-items", args=[collection.id])
    queryables_url = base_url + reverse("ogc-queryables", args=[collection.id])
    body: dict[str, Any] = {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": supported_uris(),
        "storageCrs": STORAGE_CRS.uri,
        "links": [
            _link("items", GEOJSON, _("The features as GeoJSON"), f"{items_url}?f=json"),
            _link("items", HTML, _("The features as HTML"), f"{items_url}?f=html"),
            *_self_links(path, fmt),
            _link(
                OGC_REL + "queryables",
                "application/schema+json",
                _("What the features can be filtered on"),
                queryables_url,
            ),
        ],
        "extent": {},
    }
    if extent.bbox is not None:
        body["extent"]["spatial"] = {"bbox": [list(extent.bbox)], "crs": CRS84_URI}
    if collection.temporal:
        interval = list(extent.interval) if extent.interval else [None, None]
        body["extent"]["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    if not body["extent"]:
        del body["extent"]
    return body


def collections(base_url: str, fmt: str) -> dict[str, Any]:
    every = all_collections(theme_names())
    found = extents(every)
    return {
        "links": _self_links(base_url + reverse("ogc-collections"), fmt),
        "crs": supported_uris(),
        "collections": [_collection_body(c, found[c.id], base_url, fmt) for c in every],
    }


def collection(found: Collection, base_url: str, fmt: str) -> dict[str, Any]:
    return _collection_body(found, extents([found])[found.id], base_url, fmt)


GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "MultiPoint": "geometry-multipoint",
    "MultiPolygon": "geometry-multipolygon",
}


def queryables(found: Collection, base_url: str) -> dict[str, Any]:
    """JSON Schema of what ``found``'s items can be filtered on: the geometry (bbox), the
    time property (datetime) and the property filters, with their accepted values."""
    properties: dict[str, Any] = {
        "geometry": {
            "format": GEOMETRY_FORMATS[found.geometry_type],
            "x-ogc-role": "primary-geometry",
        }
    }
    codes = known_codes() if found.filters else {}
    descriptions = {
        "theme": _("Theme or subcategory code: a theme includes its subcategories."),
        "language": _("A language the staff speak (ISO 639 code)."),
    }
    for name in found.filters:
        properties[name] = {
            "type": "string",
            "description": descriptions[name],
            "enum": codes[name],
        }
    if found.temporal:
        properties[found.temporal] = {
            "type": "string",
            "format": "date-time",
            "x-ogc-role": "primary-instant",
            "description": _("What the datetime parameter filters on."),
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": base_url + reverse("ogc-queryables", args=[found.id]),
        "type": "object",
        "title": str(found.title),
        "properties": properties,
        "additionalProperties": False,
    }


def _cell(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(part) for part in value) or "—"
    return str(value)


def _map(features: list[dict]) -> dict[str, Any]:
    options = hartis_options()
    return {
        "tiles": {"url": options.basemap_tile_url, "attribution": options.basemap_attribution},
        "features": {"type": "FeatureCollection", "features": features},
    }


def items_html(found: Collection, params: ItemsParams, page: dict, base_url: str) -> dict[str, Any]:
    """Context of the HTML list of features: a table of the summary properties, paging
    links to HTML pages, the features (lon/lat) for the map."""
    columns = SUMMARY[found.kind]
    described = {p.name: str(p.description) for p in found.properties}
    item_path = reverse("ogc-items", args=[found.id])
    paging = {}
    if params.offset + page["numberReturned"] < page["numberMatched"]:
        paging["next"] = params.query_string(f="html", offset=params.offset + params.limit)
    if params.offset > 0:
        paging["prev"] = params.query_string(f="html", offset=max(0, params.offset - params.limit))
    return {
        "collection": found,
        "columns": [(name, described.get(name, "")) for name in columns],
        "rows": [
            {
                "id": feature["id"],
                "href": f"{item_path}/{feature['id']}?f=html",
                "cells": [_cell(feature["properties"].get(name)) for name in columns],
            }
            for feature in page["features"]
        ],
        "matched": page["numberMatched"],
        "returned": page["numberReturned"],
        "first": params.offset + 1,
        "last": params.offset + page["numberReturned"],
        "paging": {rel: f"{item_path}?{query}" for rel, query in paging.items()},
        "json_href": f"{base_url}{item_path}?{params.query_string(f='json')}",
        "map": _map(page["features"]),
    }


def item_html(found: Collection, body: dict, base_url: str) -> dict[str, Any]:
    """Context of the HTML page of one feature: every property, the map."""
    described = {p.name: str(p.description) for p in found.properties}
    path = reverse("ogc-item", args=[found.id, body["id"]])
    return {
        "collection": found,
        "feature": body,
        "properties": [
            (name, described.get(name, ""), _cell(value))
            for name, value in body["properties"].items()
        ],
        "json_href": f"{base_url}{path}?f=json",
        "map": _map([body]),
    }
