"""OGC API – Features at /ogc/: the documents, the rules of /items, CRSs, HTML, budgets."""

import datetime
import json
import re
import uuid

import pytest
from django.db import connection
from openapi_spec_validator import validate

from layers.models import CoverageLevel, CoverageResult
from layers.ogc.collections import coverage_scenarios
from layers.ogc.params import ItemsParams
from layers.ogc.queries import items_page
from mapping.models import Location, Service
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, PAGKRATI_PLATEIA_VARNAVA, SYNTAGMA

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
ITEMS = "/ogc/collections/{}/items"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Omonia to Syntagma, lon/lat (CRS84).
BOX = (23.72, 37.97, 23.74, 37.99)


def _items(client, collection="services", **params):
    return client.get(ITEMS.format(collection), params)


def _json(response):
    return json.loads(response.content)


def _one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# SELECT count(*) of the active services' places with a position (the services collection).
LOCATED_SQL = """
    SELECT count(*) FROM mapping_serviceatlocation sal
    JOIN mapping_service s ON s.id = sal.service_id
    JOIN mapping_location l ON l.id = sal.location_id
    WHERE s.status = 'active' AND l.point IS NOT NULL
"""


# --------------------------------------------------------------------------------------------
# Landing page, conformance, API definition, collections


def test_landing_page_links_to_everything(client, athens):
    response = client.get("/ogc/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    links = {link["rel"]: link for link in _json(response)["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["service-desc"]["href"].endswith("/ogc/api?f=json")
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["data"]["href"].endswith("/ogc/collections")
    assert links["alternate"]["type"] == "text/html"


def test_conformance_classes_are_listed(client, athens):
    conforms = set(_json(client.get("/ogc/conformance"))["conformsTo"])
    core = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {core + name for name in ("core", "geojson", "html", "oas30")} <= conforms
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


def test_openapi_document_is_valid_and_self_contained(client, athens):
    response = client.get("/ogc/api")
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = _json(response)
    validate(document)  # raises on any error of the OpenAPI 3.0 schema
    refs = re.findall(r'"\$ref": "([^"]*)"', response.content.decode())
    assert refs and all(ref.startswith("#/") for ref in refs)
    items = document["paths"]["/collections/services/items"]["get"]
    names = {p["$ref"].rsplit("/", 1)[-1] for p in items["parameters"]}
    assert {"limit", "bbox", "bbox-crs", "crs", "datetime", "theme", "language"} <= names
    districts = document["paths"]["/collections/districts/items"]["get"]
    assert "theme" not in {p["$ref"].rsplit("/", 1)[-1] for p in districts["parameters"]}


def test_api_as_html_is_the_swagger_page(client, athens):
    response = client.get("/ogc/api", {"f": "html"})
    assert response.status_code == 200
    assert 'url: "/ogc/api?f\\u003Djson"' in response.content.decode()  # escaped for JS


def test_collections_describe_extent_and_crs(client, athens, django_assert_num_queries):
    # Budget: the theme names for the titles; the extents of services and organisations in
    # one statement, kept in the tile cache (a read and a write); the areas' in another.
    with django_assert_num_queries(5):
        body = _json(client.get("/ogc/collections"))
    collections = {c["id"]: c for c in body["collections"]}
    themes = ("housing", "health", "legal", "education", "employment", "gender")
    assert set(collections) == {
        "services",
        "organizations",
        "neighbourhoods",
        "districts",
        "tracts",
        *(f"coverage-{theme}" for theme in themes),
    }
    services = collections["services"]
    assert services["crs"][0] == CRS84
    assert set(services["crs"]) == {CRS84, *(EPSG.format(n) for n in (4326, 3857, 2100))}
    assert services["storageCrs"] == CRS84
    west, south, east, north = services["extent"]["spatial"]["bbox"][0]
    assert 23.6 < west < east < 23.9 and 37.9 < south < north < 38.1  # Athens
    assert services["extent"]["temporal"]["interval"][0][0].endswith("Z")
    assert "temporal" not in collections["districts"]["extent"]
    rels = {link["rel"] for link in services["links"]}
    assert {"items", "self", "alternate"} <= rels
    # A second listing reads the extents kept: the theme names and one cache read.
    with django_assert_num_queries(2):
        client.get("/ogc/collections")


def test_one_collection_and_its_queryables(client, athens):
    body = _json(client.get("/ogc/collections/tracts"))
    assert body["id"] == "tracts" and body["itemType"] == "feature"
    queryables = client.get("/ogc/collections/services/queryables")
    assert queryables["Content-Type"] == "application/schema+json"
    properties = _json(queryables)["properties"]
    assert "health" in properties["theme"]["enum"]
    assert properties["last_modified"]["format"] == "date-time"


# --------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("url", "params", "reason"),
    [
        ("/ogc/", {"limit": "1"}, "Unknown parameter 'limit'"),
        ("/ogc/collections", {"bbox": "1,2,3,4"}, "Unknown parameter 'bbox'"),
        (ITEMS.format("services"), {"page": "2"}, "Unknown parameter 'page'"),
        (ITEMS.format("districts"), {"theme": "health"}, "Unknown parameter 'theme'"),
        (ITEMS.format("services"), {"limit": "0"}, "at least 1"),
        (ITEMS.format("services"), {"limit": "ten"}, "at least 1"),
        (ITEMS.format("services"), {"offset": "-1"}, "at least 0"),
        (ITEMS.format("services"), {"bbox": "1,2,3"}, "four numbers"),
        (ITEMS.format("services"), {"bbox": "1,2,0,3,4,5"}, "no heights"),
        (ITEMS.format("services"), {"bbox": "23.7,38,23.8,37.9"}, "southern edge"),
        (ITEMS.format("services"), {"bbox": "23.7,91,23.8,92"}, "outside −90…90"),
        (ITEMS.format("services"), {"crs": "EPSG:2100"}, "Unsupported crs"),
        (ITEMS.format("services"), {"bbox-crs": EPSG.format(32634)}, "Unsupported bbox-crs"),
        (ITEMS.format("services"), {"datetime": "yesterday"}, "RFC 3339"),
        (ITEMS.format("services"), {"datetime": "2024-01-01T10:00:00"}, "RFC 3339"),
        (ITEMS.format("services"), {"datetime": "2025-01-01/2024-01-01"}, "ends before"),
        (ITEMS.format("services"), {"theme": "astrology"}, "Unknown theme 'astrology'"),
        (ITEMS.format("services"), {"language": "xx"}, "Unknown language 'xx'"),
        (ITEMS.format("services"), {"f": "xml"}, "Unknown format"),
    ],
)
def test_bad_requests_are_400_with_an_ogc_exception(client, athens, url, params, reason):
    response = client.get(url, params)
    assert response.status_code == 400
    body = _json(response)
    assert body["code"] == "InvalidParameterValue"
    assert reason in body["description"]


def test_a_parameter_given_twice_is_refused(client, athens):
    response = client.get(ITEMS.format("services") + "?limit=1&limit=2")
    assert response.status_code == 400
    assert "once" in _json(response)["description"]


def test_unknown_collection_and_feature_are_404(client, athens, make_service):
    inactive = make_service("Closed for good", at=SYNTAGMA, status="defunct")
    place = inactive.service_at_locations.get()
    for url in (
        "/ogc/collections/nothing",
        ITEMS.format("nothing"),
        f"{ITEMS.format('services')}/{uuid.uuid4()}",
        f"{ITEMS.format('services')}/not-a-uuid",
        f"{ITEMS.format('services')}/{place.pk}",  # a defunct service is not published
        f"{ITEMS.format('districts')}/99999",
        f"{ITEMS.format('districts')}/seven",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert _json(response)["code"] == "NotFound"


# --------------------------------------------------------------------------------------------
# /items: counts, paging, limit, filters


def test_number_matched_is_exact(client, athens, make_service):
    make_service("New place", at=SYNTAGMA)
    make_service("Phone line")  # no place: not a feature
    body = _json(_items(client, limit=5))
    assert body["numberMatched"] == _one(LOCATED_SQL)
    assert body["numberReturned"] == len(body["features"]) == 5
    assert body["timeStamp"].endswith("Z")


def test_limit_above_the_maximum_is_read_as_the_maximum(client, athens):
    body = _json(_items(client, limit=50_000))
    assert body["numberReturned"] == body["numberMatched"] == _one(LOCATED_SQL)
    self_link = next(link for link in body["links"] if link["rel"] == "self")
    assert "limit=10000" in self_link["href"]
    assert len(_json(_items(client))["features"]) == 10  # the default


def test_next_links_walk_every_feature_once(client, athens):
    seen, url, pages = [], ITEMS.format("services") + "?limit=50", 0
    first = None
    while url:
        body = _json(client.get(url))
        first = first or body
        seen += [feature["id"] for feature in body["features"]]
        links = {link["rel"]: link["href"] for link in body["links"]}
        if pages:
            assert "prev" in links
        url = links.get("next")
        pages += 1
    assert len(seen) == len(set(seen)) == first["numberMatched"]
    assert pages == -(-first["numberMatched"] // 50)
    assert "prev" not in {link["rel"] for link in first["links"]}
    second = _json(_items(client, limit=50, offset=50))
    prev = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert "offset" not in prev  # back to the first page


def test_bbox_keeps_what_intersects_it(client, athens):
    body = _json(_items(client, bbox=",".join(map(str, BOX)), limit=1000))
    expected = _one(
        LOCATED_SQL + " AND ST_Intersects(l.point, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", BOX
    )
    assert 0 < body["numberMatched"] == expected == len(body["features"])
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]


def test_theme_and_language_filters(client, athens):
    health = _json(_items(client, theme="health", limit=1000))
    assert health["numberMatched"] > 0
    assert all("health" in f["properties"]["themes"] for f in health["features"])
    farsi = _json(_items(client, theme="health", language="fa", limit=1000))
    names = {f["properties"]["name"] for f in farsi["features"]}
    assert names == {"DEMO · Primary care clinic", "DEMO · Psychosocial support"}
    assert all(f["properties"]["is_demo"] for f in farsi["features"])  # demo, and marked
    organizations = _json(_items(client, "organizations", theme="health", limit=1000))
    assert all("health" in f["properties"]["themes"] for f in organizations["features"])


def _set_last_modified(service, moment):
    Service.objects.filter(pk=service.pk).update(last_modified=moment)
    Location.objects.filter(service_at_locations__service=service).update(last_modified=moment)


def test_datetime_instant_and_intervals(client, athens, make_service):
    old = make_service("Verified long ago", at=SYNTAGMA)
    new = make_service("Changed today", at=KYPSELI_FOKIONOS_NEGRI)
    _set_last_modified(old, datetime.datetime(2001, 5, 4, 12, 0, tzinfo=datetime.UTC))

    def names(value):
        body = _json(_items(client, datetime=value, limit=1000))
        return {f["properties"]["name"] for f in body["features"]}

    assert names("2001-05-04T12:00:00Z") == {"Verified long ago"}
    assert names("2001-05-04T14:00:00+02:00") == {"Verified long ago"}  # the same instant
    assert names("2001-05-04") == {"Verified long ago"}  # the whole day
    assert names("../2001-12-31T00:00:00Z") == {"Verified long ago"}
    assert names("2001-01-01/2001-06-01") == {"Verified long ago"}
    assert names("2002-01-01/2003-01-01") == set()
    later = names("2002-01-01T00:00:00Z/..")
    assert "Changed today" in later and "Verified long ago" not in later
    assert str(new.pk) in {
        f["properties"]["service_id"]
        for f in _json(_items(client, datetime="../..", limit=1000))["features"]
    }
    # Areas have no time: datetime is checked, then ignored.
    districts = _json(_items(client, "districts", datetime="2001-01-01/2001-01-02"))
    assert districts["numberMatched"] == 7


# --------------------------------------------------------------------------------------------
# CRS (Part 2)


def test_default_crs_is_crs84_with_a_content_crs_header(client, athens):
    response = _items(client, limit=1)
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == f"<{CRS84}>"


def test_epsg_4326_is_latitude_first(client, athens, make_service):
    place = make_service("Syntagma desk", at=SYNTAGMA).service_at_locations.get()
    url = f"{ITEMS.format('services')}/{place.pk}"
    lon_lat = _json(client.get(url))["geometry"]["coordinates"]
    response = client.get(url, {"crs": EPSG.format(4326)})
    assert response["Content-Crs"] == f"<{EPSG.format(4326)}>"
    assert _json(response)["geometry"]["coordinates"] == [SYNTAGMA[1], SYNTAGMA[0]]
    assert lon_lat == list(SYNTAGMA)
    # A bbox in EPSG:4326 is lat,lon: the same box finds the same features.
    lat_lon_box = f"{BOX[1]},{BOX[0]},{BOX[3]},{BOX[2]}"
    in_4326 = _json(_items(client, bbox=lat_lon_box, **{"bbox-crs": EPSG.format(4326)}, limit=1000))
    in_crs84 = _json(_items(client, bbox=",".join(map(str, BOX)), limit=1000))
    assert in_4326["numberMatched"] == in_crs84["numberMatched"] > 0


def test_greek_grid_output_matches_postgis_within_a_centimetre(client, athens, make_service):
    place = make_service("Varnava desk", at=PAGKRATI_PLATEIA_VARNAVA).service_at_locations.get()
    response = client.get(f"{ITEMS.format('services')}/{place.pk}", {"crs": EPSG.format(2100)})
    assert response["Content-Crs"] == f"<{EPSG.format(2100)}>"
    x, y = _json(response)["geometry"]["coordinates"]
    # SELECT ST_X(p), ST_Y(p) FROM ST_Transform('SRID=4326;POINT(23.7478 37.966)', 2100) p
    expected = _one(
        "SELECT ARRAY[ST_X(p), ST_Y(p)] FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s),"
        " 4326), 2100) AS p",
        PAGKRATI_PLATEIA_VARNAVA,
    )
    assert abs(x - expected[0]) < 0.01 and abs(y - expected[1]) < 0.01
    assert 470_000 < x < 480_000 and 4_200_000 < y < 4_210_000  # Athens on the Greek Grid


@pytest.mark.parametrize("srid", [2100, 3857])
def test_bbox_in_metres(client, athens, make_service, srid):
    place = make_service("Varnava desk", at=PAGKRATI_PLATEIA_VARNAVA).service_at_locations.get()
    x, y = _one(
        "SELECT ARRAY[ST_X(p), ST_Y(p)] FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s),"
        " 4326), %s) AS p",
        (*PAGKRATI_PLATEIA_VARNAVA, srid),
    )

    def ids(west, south, east, north):
        body = _json(
            _items(
                client,
                bbox=f"{west},{south},{east},{north}",
                **{"bbox-crs": EPSG.format(srid)},
                limit=1000,
            )
        )
        return {f["id"] for f in body["features"]}

    assert str(place.pk) in ids(x - 5, y - 5, x + 5, y + 5)  # ten metres around it
    assert str(place.pk) not in ids(x + 5, y - 5, x + 15, y + 5)  # just east of it


def test_a_bbox_across_the_antimeridian(client, athens):
    # West edge at 170°E, east edge at 23.8°E: the box goes round the back of the globe.
    body = _json(_items(client, bbox="170,37.9,23.8,38.1", limit=1000))
    expected = _one(
        LOCATED_SQL + " AND ST_Y(l.point) BETWEEN 37.9 AND 38.1 AND ST_X(l.point) <= 23.8"
    )
    assert body["numberMatched"] == expected > 0


def test_huge_numbers(client, athens):
    assert _items(client, limit=10**30).status_code == 200  # read as 10,000
    assert _items(client, offset=10**30).status_code == 400
    body = _json(_items(client, offset=10**6))
    assert body["numberReturned"] == 0 and body["numberMatched"] > 0


def test_web_mercator_output_is_in_metres(client, athens):
    body = _json(_items(client, "districts", limit=1, crs=EPSG.format(3857)))
    x, y = body["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 2_630_000 < x < 2_660_000 and 4_560_000 < y < 4_590_000
    assert len(str(x).split(".")[-1]) <= 2  # centimetres


# --------------------------------------------------------------------------------------------
# Collections' contents


def test_service_feature_shape(client, athens):
    feature = _json(_items(client, limit=1))["features"][0]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert all(len(str(c).split(".")[-1]) <= 6 for c in (lon, lat))
    properties = feature["properties"]
    assert {"service_id", "name", "organization", "themes", "languages", "is_demo"} <= set(
        properties
    )
    assert properties["url"].startswith("http://testserver/")


def test_organizations_are_multipoints_of_their_places(client, athens, make_service):
    service = make_service("Two-site clinic", at=SYNTAGMA)
    Location.objects.create(
        name="Second site",
        point=f"SRID=4326;POINT({KYPSELI_FOKIONOS_NEGRI[0]} {KYPSELI_FOKIONOS_NEGRI[1]})",
    )
    second = Location.objects.get(name="Second site")
    service.service_at_locations.create(location=second)
    response = client.get(f"{ITEMS.format('organizations')}/{service.organization_id}")
    feature = _json(response)
    assert feature["geometry"]["type"] == "MultiPoint"
    assert sorted(feature["geometry"]["coordinates"]) == sorted(
        [list(SYNTAGMA), list(KYPSELI_FOKIONOS_NEGRI)]
    )
    assert (feature["properties"]["services"], feature["properties"]["places"]) == (1, 2)
    phone_only = make_service("Phone only")
    url = f"{ITEMS.format('organizations')}/{phone_only.organization_id}"
    assert client.get(url).status_code == 404


def test_tracts_publish_no_group_shares(client, athens):
    feature = _json(_items(client, "tracts", limit=1))["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert set(feature["properties"]) == {
        "code",
        "municipality",
        "district",
        "neighbourhood",
        "population_2011",
        "area_m2",
    }


def test_coverage_collection_reads_the_stored_figures(client, athens):
    # Stored figures of our own making, in place of those computed after the data loaded.
    CoverageResult.objects.filter(
        scenario__in=[*coverage_scenarios("health"), *coverage_scenarios("legal")]
    ).delete()
    kypseli = athens.neighbourhoods.get(slug="kypseli")
    for key, minutes in coverage_scenarios("health").items():
        CoverageResult.objects.create(
            scenario=key,
            municipality=athens,
            level=CoverageLevel.NEIGHBOURHOOD,
            neighbourhood=kypseli,
            figures={
                "population": 1000.0,
                "covered_population": 10.0 * minutes,
                "gap_population": 1000.0 - 10 * minutes,
                "share_covered": minutes / 100,
                "median_walk_minutes": 7.5,
                "services": 3,
                "services_per_10k": 30.0,
                "gap_nearest_minutes": 9.0,
                "gap_nearest_service_id": str(uuid.uuid4()),
                "migrants": 100.0,
                "migrant_share_covered": 0.5,
                "methods": {"distance": 3},
                "method": "distance",
            },
        )
    body = _json(_items(client, "coverage-health"))
    assert body["numberMatched"] == 1
    properties = body["features"][0]["properties"]
    assert properties["slug"] == "kypseli"
    assert (properties["share_covered_10"], properties["share_covered_20"]) == (0.1, 0.2)
    assert properties["covered_population_15"] == 150.0
    assert (properties["population"], properties["services"]) == (1000.0, 3)
    assert not {"migrants", "migrant_share_covered", "methods", "share_covered"} & set(properties)
    assert _json(_items(client, "coverage-legal"))["numberMatched"] == 0


# --------------------------------------------------------------------------------------------
# HTML and negotiation


def test_html_pages_render(client, athens):
    feature_id = _json(_items(client, limit=1))["features"][0]["id"]
    for url in (
        "/ogc/",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/services",
        ITEMS.format("services"),
        f"{ITEMS.format('services')}/{feature_id}",
        ITEMS.format("districts"),
    ):
        response = client.get(url, {"f": "html"})
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
    page = client.get(ITEMS.format("services"), {"f": "html", "limit": 3}).content.decode()
    assert 'id="ogc-map"' in page and 'id="ogc-map-data"' in page
    assert "vendor/leaflet/leaflet.js" in page
    assert page.count('<tr><td><a href="/ogc/collections/services/items/') == 3
    assert 'rel="next"' in page


def test_accept_header_chooses_the_format(client, athens):
    browser = client.get(ITEMS.format("services"), HTTP_ACCEPT=BROWSER_ACCEPT)
    assert browser["Content-Type"].startswith("text/html")
    assert "Accept" in browser["Vary"]
    gdal = client.get(ITEMS.format("services"), HTTP_ACCEPT="application/geo+json")
    assert gdal["Content-Type"] == "application/geo+json"
    anything = client.get("/ogc/collections", HTTP_ACCEPT="*/*")
    assert anything["Content-Type"] == "application/json"
    forced = client.get(ITEMS.format("services"), {"f": "json"}, HTTP_ACCEPT=BROWSER_ACCEPT)
    assert forced["Content-Type"] == "application/geo+json"
    refused = client.get(ITEMS.format("services"), {"limit": "0"}, HTTP_ACCEPT=BROWSER_ACCEPT)
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")


# --------------------------------------------------------------------------------------------
# Budgets and the bench entry point


def test_a_page_is_one_statement_whatever_its_size(client, athens, django_assert_num_queries):
    _items(client, theme="health", language="el")  # the known codes, then cached
    big = {"theme": "health", "language": "el", "bbox": "23,37,24,39"}
    # Budget for services and organisations: the kept count and its generation (one cache
    # read), the statement (count and page), the count kept (one cache write)...
    with django_assert_num_queries(3):
        first = _items(client, limit=1000, **big)
    # ... and the next pages: the cache read and the page alone.
    with django_assert_num_queries(2):
        second = _items(client, limit=1000, offset=1000, **big)
    with django_assert_num_queries(3):
        small = _items(client, limit=1)  # another count
    with django_assert_num_queries(3):
        organizations = _items(client, "organizations", limit=1000)
    # Areas are counted with the page: one statement.
    with django_assert_num_queries(1):
        tracts = _items(client, "tracts", limit=1000, crs=EPSG.format(2100))
    assert first.status_code == second.status_code == organizations.status_code == 200
    assert _json(first)["numberMatched"] == _json(second)["numberMatched"] > 0
    assert _json(tracts)["numberReturned"] > 400
    feature_id = _json(small)["features"][0]["id"]
    with django_assert_num_queries(1):
        client.get(f"{ITEMS.format('services')}/{feature_id}")


def test_a_kept_count_follows_every_committed_change(
    client, athens, make_service, django_capture_on_commit_callbacks
):
    before = _json(_items(client, limit=1))["numberMatched"]
    assert _json(_items(client, limit=1, offset=1))["numberMatched"] == before  # kept
    with django_capture_on_commit_callbacks(execute=True):
        make_service("Opened today", at=SYNTAGMA)
    assert _json(_items(client, limit=1))["numberMatched"] == before + 1 == _one(LOCATED_SQL)


def test_items_page_is_callable_without_a_request(athens):
    body = json.loads(items_page("services", ItemsParams(limit=1000)))
    assert body["numberReturned"] == body["numberMatched"] == _one(LOCATED_SQL)
    assert body["links"][0]["href"].startswith("/ogc/collections/services/items?")
