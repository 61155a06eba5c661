"""The JSON API: GeoJSON shape, ordering, filters, 400s with reasons, bounded queries."""

import io
import uuid

import pytest
from django.contrib.gis.geos import Polygon
from django.core.management import call_command

from mapping.localize import choose
from mapping.models import Service, ServiceAtLocation

OMONIA = "23.7281,37.9841"


def _get(client, **params):
    return client.get("/api/services/", params, HTTP_ACCEPT_LANGUAGE="en")


def test_near_returns_geojson_ordered_by_distance(client, athens):
    response = _get(client, near=OMONIA, theme="health", limit=5)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    # More follow: the count is a lower bound (the page plus one), not a full count.
    assert (body["count"], body["count_is_exact"]) == (6, False)
    features = body["features"]
    assert len(features) == 5
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
    first = features[0]
    assert first["geometry"]["type"] == "Point"
    assert all(len(str(c).split(".")[-1]) <= 6 for c in first["geometry"]["coordinates"])
    assert first["properties"]["walk_minutes"] == round(distances[0] * 1.3 / 80)
    assert "health" in first["properties"]["themes"]
    assert "description" not in first["properties"]  # lists carry only what they need
    assert body["next"].endswith("page=2") and body["previous"] is None
    everything = _get(client, near=OMONIA, theme="health", limit=100).json()
    assert (everything["count"], everything["count_is_exact"]) == (25, True)
    assert everything["next"] is None


def test_filters_in_the_query_string(client, athens):
    body = _get(client, near=OMONIA, theme="health", language="fa").json()
    assert {f["properties"]["name"] for f in body["features"]} == {
        "DEMO · Primary care clinic",
        "DEMO · Psychosocial support",
    }
    body = _get(client, district=1, theme="health", demo=0, limit=100).json()
    assert body["count"] > 0
    assert all(f["properties"]["district"] == 1 for f in body["features"])
    assert all(not f["properties"]["is_demo"] for f in body["features"])
    body = _get(client, neighbourhood="kypseli", limit=100).json()
    assert {f["properties"]["neighbourhood"] for f in body["features"]} == {"kypseli"}
    body = _get(client, q="υγεια", free=1).json()
    assert {f["properties"]["is_free"] for f in body["features"]} == {True}


def test_bbox_keeps_the_places_inside_it(client, athens):
    box = (23.72, 37.97, 23.74, 37.99)  # around Omonia and Syntagma
    body = _get(client, bbox=",".join(map(str, box)), limit=100).json()
    inside = ServiceAtLocation.objects.filter(
        service__in=Service.objects.active(),
        location__point__within=Polygon.from_bbox(box),
    )
    # SELECT count(*) FROM mapping_serviceatlocation sal JOIN mapping_location l ON …
    #  WHERE ST_Within(l.point, ST_MakeEnvelope(23.72, 37.97, 23.74, 37.99, 4326)) AND active
    assert 0 < inside.count() <= 100
    assert {f["id"] for f in body["features"]} == {
        str(pk) for pk in inside.values_list("pk", flat=True)
    }
    assert all(f["geometry"] is not None for f in body["features"])  # no remote services
    assert _get(client, bbox=",".join(map(str, box)), remote=1).json()["features"] == []


def test_remote_services_are_listed_last_or_alone(client, athens):
    features = _get(client, theme="legal").json()["features"]
    assert [f["geometry"] is None for f in features] == [False, True]
    only = _get(client, theme="legal", remote=1).json()["features"]
    assert len(only) == 1 and only[0]["properties"]["remote"] is True


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"near": "abc"}, "near", "lon,lat"),
        ({"near": "23.7,100"}, "near", "latitude 100.0"),
        ({"near": "200,37"}, "near", "longitude 200.0"),
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "1000"}, "limit", "less than or equal to 100"),
        ({"page": "x"}, "page", "valid integer"),
        ({"theme": "astrology"}, "theme", "Unknown theme 'astrology'"),
        ({"language": "xx"}, "language", "Unknown language"),
        ({"district": "8"}, "district", "Unknown district"),
        ({"neighbourhood": "atlantis"}, "neighbourhood", "Unknown neighbourhood"),
        ({"open_now": "maybe"}, "open_now", "valid boolean"),
        ({"bbox": "1,2,3"}, "bbox", "west,south,east,north"),
        ({"bbox": "23.8,37.9,23.7,38.0"}, "bbox", "west must be less than east"),
        ({"bbox": "23.7,91,23.8,92"}, "bbox", "outside −90…90"),
        ({"bbox_": "1,2,3,4"}, "bbox_", "Unknown parameter"),
    ],
)
def test_bad_input_is_a_400_with_a_reason(client, athens, params, field, reason):
    response = _get(client, **params)
    assert response.status_code == 400
    assert reason in " ".join(response.json()[field])


@pytest.mark.parametrize("language", ["en", "el", "fa", "ar", "fr"])
def test_names_are_chosen_as_localize_chooses(client, athens, language):
    # The features are written by PostgreSQL (mapping.api.geojson); the name and its language
    # must be those localize.choose gives the reader, on every page of the directory.
    chosen, page = {}, 1
    while page:
        body = client.get(
            "/api/services/", {"limit": 100, "page": page}, HTTP_ACCEPT_LANGUAGE=language
        ).json()
        for feature in body["features"]:
            properties = feature["properties"]
            chosen[properties["service_id"]] = (properties["name"], properties["name_language"])
        page = page + 1 if body["next"] else 0
    services = Service.objects.filter(pk__in=chosen).prefetch_related("translations")
    expected = {
        str(service.pk): choose(
            {t.language: t.name for t in service.translations.all() if t.name},
            service.name,
            service.language,
            language,
        )
        for service in services
    }
    assert chosen == expected
    # The demo data name some services in Greek, Farsi and Arabic (none in French).
    in_language = [pk for pk, (_name, name_language) in chosen.items() if name_language == language]
    assert bool(in_language) == (language != "fr")


def test_refusals_are_in_each_request_language(client, athens):
    # The parameters' fields are bound once and shared by requests (mapping.api.params); DRF
    # formats a bound's message once, so each language must keep its own copy.
    greek, english, greek_again = (
        client.get("/api/services/", {"limit": "0"}, HTTP_ACCEPT_LANGUAGE=language).json()
        for language in ("el", "en", "el")
    )
    assert english["limit"] == ["Ensure this value is greater than or equal to 1."]
    assert greek["limit"] == greek_again["limit"] != english["limit"]


def test_a_text_without_words_still_lists_remote_services(client, athens):
    # "!!!" has no word to search for: no rank to order by, the remote list by name.
    features = _get(client, q="!!!", remote=1).json()["features"]
    assert features and all(f["properties"]["remote"] for f in features)


def test_list_query_count_does_not_grow_with_the_page(
    client, athens, django_assert_max_num_queries
):
    _get(client, theme="health", language="el")  # the known codes, then cached
    # Budget: a capped count and the page of located rows, the same for remote ones when the
    # page reaches them, and three prefetches (categories with their theme, languages,
    # translations).
    with django_assert_max_num_queries(7):
        small = _get(client, near=OMONIA, limit=5)
    with django_assert_max_num_queries(7):
        big = _get(client, near=OMONIA, limit=100, theme="education", language="el")
    assert small.status_code == big.status_code == 200


def test_detail(client, athens, django_assert_max_num_queries):
    service = Service.objects.get(name="DEMO · Primary care clinic")
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/services/{service.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "DEMO · Primary care clinic"
    assert body["organization"]["name"].startswith("DEMO")
    assert {lang["code"] for lang in body["languages"]} >= {"fa", "ar", "ur"}
    assert len(body["schedules"]) == 5
    location = body["service_at_locations"][0]["location"]
    assert location["district"] == 6
    assert location["geometry"]["coordinates"] == [23.7385, 38.0005]
    assert body["is_demo"] is True


def test_unknown_detail_is_404(client, athens):
    assert client.get(f"/api/services/{uuid.uuid4()}/").status_code == 404
    assert client.get("/api/services/not-a-uuid/").status_code == 404


def test_openapi_schema_and_docs_are_self_hosted(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    for path in ("/api/services/", "/api/coverage/", "/api/services/{id}/catchment/"):
        assert path in schema.content.decode()
    # Every endpoint and parameter is described without guesswork (warnings fail).
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower()
