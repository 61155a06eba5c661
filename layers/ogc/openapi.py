"""The OpenAPI 3.0 definition of the OGC API (``/ogc/api``), written from the collections.

Self-contained: every ``$ref`` points inside the document, so clients and validators need
nothing from elsewhere. One path per collection, so each declares exactly the parameters it
takes (``theme`` and ``language`` only where they exist) and the properties of its features.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from layers.ogc.collections import Collection, Property, all_collections
from layers.ogc.crs import CRS84_URI, supported_uris
from layers.ogc.params import DEFAULT_LIMIT, GEOJSON, HTML, JSON, MAX_LIMIT, OPENAPI
from mapping.vocabulary import known_codes

OAS_VERSION = "3.0.3"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _parameters() -> dict[str, Any]:
    codes = known_codes()
    crs_schema = {"type": "string", "format": "uri", "enum": supported_uris(), "default": CRS84_URI}
    return {
        "f": {
            "name": "f",
            "in": "query",
            "description": _("The format: json or html (otherwise the Accept header decides)."),
            "schema": {"type": "string", "enum": ["json", "html"]},
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "description": _(
                "How many features a page holds (1 to %(max)s; more is read as %(max)s)."
            )
            % {"max": MAX_LIMIT},
            "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "description": _("How many matching features to skip (in id order)."),
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        "bbox": {
            "name": "bbox",
            "in": "query",
            "description": _(
                "Features whose geometry intersects this box: four numbers in the axis order "
                "of bbox-crs (CRS84: lon,lat,lon,lat; EPSG:4326: lat,lon,lat,lon)."
            ),
            "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            "style": "form",
            "explode": False,
        },
        "bbox-crs": {
            "name": "bbox-crs",
            "in": "query",
            "description": _("The CRS of bbox (default CRS84)."),
            "schema": crs_schema,
        },
        "crs": {
            "name": "crs",
            "in": "query",
            "description": _("The CRS of the coordinates returned (default CRS84)."),
            "schema": crs_schema,
        },
        "datetime": {
            "name": "datetime",
            "in": "query",
            "description": _(
                "An RFC 3339 date-time or date, or an interval start/end with '..' for an "
                "open end. Collections without a time accept it and ignore it."
            ),
            "schema": {"type": "string"},
        },
        "theme": {
            "name": "theme",
            "in": "query",
            "description": _("Theme or subcategory code: a theme includes its subcategories."),
            "schema": {"type": "string", "enum": codes["theme"]},
        },
        "language": {
            "name": "language",
            "in": "query",
            "description": _("A language the staff speak (ISO 639 code)."),
            "schema": {"type": "string", "enum": codes["language"]},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": _("The id of a feature."),
            "schema": {"type": "string"},
        },
    }


def _schemas() -> dict[str, Any]:
    link = {
        "type": "object",
        "required": ["href"],
        "properties": {
            name: {"type": "string"} for name in ("href", "rel", "type", "hreflang", "title")
        },
    }
    links = {"type": "array", "items": _ref("schemas", "link")}
    number_pair = {"type": "array", "minItems": 2, "items": {"type": "number"}}
    geometry = {
        "Point": number_pair,
        "MultiPoint": {"type": "array", "items": number_pair},
        "MultiPolygon": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "array", "items": number_pair}},
        },
    }
    schemas: dict[str, Any] = {
        "link": link,
        "exception": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
            },
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "extent": {
            "type": "object",
            "properties": {
                "spatial": {
                    "type": "object",
                    "properties": {
                        "bbox": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "array",
                                "minItems": 4,
                                "maxItems": 6,
                                "items": {"type": "number"},
                            },
                        },
                        "crs": {"type": "string"},
                    },
                },
                "temporal": {
                    "type": "object",
                    "properties": {
                        "interval": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "items": {
                                    "type": "string",
                                    "format": "date-time",
                                    "nullable": True,
                                },
                            },
                        },
                        "trs": {"type": "string"},
                    },
                },
            },
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
                "extent": _ref("schemas", "extent"),
                "itemType": {"type": "string", "default": "feature"},
                "crs": {"type": "array", "items": {"type": "string"}},
                "storageCrs": {"type": "string"},
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": links,
                "crs": {"type": "array", "items": {"type": "string"}},
                "collections": {"type": "array", "items": _ref("schemas", "collection")},
            },
        },
        "queryables": {"type": "object", "description": _("A JSON Schema.")},
    }
    for kind, coordinates in geometry.items():
        schemas[f"{kind}GeoJSON"] = {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": [kind]}, "coordinates": coordinates},
        }
    return schemas


def _property_schema(prop: Property) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": prop.type, "description": str(prop.description)}
    if prop.type == "array":
        schema["items"] = {"type": "string"}
    if prop.type == "string" and prop.name in ("last_modified", "computed_at"):
        schema["format"] = "date-time"
    if prop.nullable:
        schema["nullable"] = True
    return schema


def _feature_schemas(collection: Collection) -> tuple[dict, dict]:
    """A feature of ``collection`` and a page of them, as JSON Schemas."""
    feature = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer" if collection.id_type is int else "string"},
            "geometry": _ref("schemas", f"{collection.geometry_type}GeoJSON"),
            "properties": {
                "type": "object",
                "properties": {p.name: _property_schema(p) for p in collection.properties},
            },
            "links": {"type": "array", "items": _ref("schemas", "link")},
        },
    }
    page = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature},
            "links": {"type": "array", "items": _ref("schemas", "link")},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }
    return feature, page


def _responses() -> dict[str, Any]:
    exception = {JSON: {"schema": _ref("schemas", "exception")}}
    return {
        "400": {"description": _("A parameter is unknown or invalid."), "content": exception},
        "404": {"description": _("No such collection or feature."), "content": exception},
    }


def _get(
    operation_id: str, summary: str, schema: dict, media_type: str = JSON, **extra: Any
) -> dict[str, Any]:
    parameters = [_ref("parameters", "f"), *extra.pop("parameters", [])]
    ok = {
        "description": summary,
        "content": {media_type: {"schema": schema}, HTML: {"schema": {"type": "string"}}},
        **extra,
    }
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": ok, "400": _ref("responses", "400")},
        }
    }


def _content_crs() -> dict[str, Any]:
    return {
        "headers": {
            "Content-Crs": {
                "description": _("The CRS of the coordinates, as <URI>."),
                "schema": {"type": "string"},
            }
        }
    }


def _collection_paths(collection: Collection) -> dict[str, Any]:
    feature, page = _feature_schemas(collection)
    path = f"/collections/{collection.id}"
    title = str(collection.title)
    items_parameters = [
        _ref("parameters", name)
        for name in ("limit", "offset", "bbox", "bbox-crs", "crs", "datetime", *collection.filters)
    ]
    not_found = {"404": _ref("responses", "404")}
    paths = {
        path: _get(f"describe-{collection.id}", title, _ref("schemas", "collection")),
        f"{path}/queryables": _get(
            f"queryables-{collection.id}",
            _("What %(title)s can be filtered on") % {"title": title},
            _ref("schemas", "queryables"),
            media_type="application/schema+json",
        ),
        f"{path}/items": _get(
            f"items-{collection.id}",
            _("Features of %(title)s") % {"title": title},
            page,
            media_type=GEOJSON,
            parameters=items_parameters,
            **_content_crs(),
        ),
        f"{path}/items/{{featureId}}": _get(
            f"item-{collection.id}",
            _("A feature of %(title)s") % {"title": title},
            feature,
            media_type=GEOJSON,
            parameters=[_ref("parameters", "featureId"), _ref("parameters", "crs")],
            **_content_crs(),
        ),
    }
    for operation in paths.values():
        operation["get"]["responses"].update(not_found)
        operation["get"]["tags"] = [collection.id]
    return paths


def openapi_document(base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the API served under ``base_url`` (scheme and host)."""
    every = all_collections()
    paths: dict[str, Any] = {
        "/": _get("landing", _("Landing page"), _ref("schemas", "landingPage")),
        "/conformance": _get(
            "conformance", _("Conformance classes"), _ref("schemas", "confClasses")
        ),
        "/api": _get("api", _("This API definition"), {"type": "object"}, media_type=OPENAPI),
        "/collections": _get("collections", _("The collections"), _ref("schemas", "collections")),
    }
    for collection in every:
        paths |= _collection_paths(collection)
    return {
        "openapi": OAS_VERSION,
        "info": {
            "title": _("Hartis OGC API – Features"),
            "version": "1.0.0",
            "description": _(
                "Services for migrants and refugees, the city's areas and the coverage of each "
                "theme. OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and "
                "Part 2 (CRS)."
            ),
            "license": {"name": _("See the data sources"), "url": base_url + reverse("about-data")},
        },
        "servers": [{"url": base_url + reverse("ogc-landing").rstrip("/")}],
        "tags": [{"name": c.id, "description": str(c.title)} for c in every],
        "paths": paths,
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
