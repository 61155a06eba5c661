"""OGC API – Features at ``/ogc/``: Part 1 Core 1.0 with GeoJSON, HTML and OpenAPI 3.0, and
Part 2 CRS (CRS84, EPSG:4326 latitude first, EPSG:3857, EPSG:2100).

- :mod:`layers.ogc.collections` which collections exist, what their features are and which
  rows match a request (the directory's QuerySet rules);
- :mod:`layers.ogc.params`      query parameters, validated; every refusal an OGC exception;
- :mod:`layers.ogc.crs`         the CRSs: axis order, transforms, the bbox envelope;
- :mod:`layers.ogc.queries`, :mod:`layers.ogc.steps` one SQL statement per page, GeoJSON
  made by PostgreSQL;
- :mod:`layers.ogc.metadata`    landing page, conformance, collections, queryables;
- :mod:`layers.ogc.openapi`     the OpenAPI 3.0 document; :mod:`layers.ogc.views` the views.

Benchmark entry point: ``layers.ogc.queries.items_page(collection, params) -> bytes``, e.g.
``items_page("services", ItemsParams(limit=1000))`` (``ItemsParams`` from
:mod:`layers.ogc.params`) returns the UTF-8 GeoJSON page a request of
``/ogc/collections/services/items?limit=1000`` answers, in one statement, without an HTTP
request (links are relative unless ``base_url`` is given).
"""
